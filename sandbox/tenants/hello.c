/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hello.c - the smallest tenant: no device; says hello with its command
 * line, its memory and the time on the console, sleeps by yield (10 ms, or
 * "sleep=MS"), and exits with the status its command line names
 * ("exit=N"), 0 by default.
 */
#include "tenant_manifest.h"
#include "tlib.h"

TENANT_MANIFEST(0);

/* The number after "key=" in the command line, or dflt. */
static unsigned long long opt(const char *cmdline, const char *key, unsigned long long dflt)
{
	size_t kl = strlen(key);

	for (const char *p = cmdline; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			unsigned long long v = 0;

			for (p += kl + 1; *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (unsigned long long)(*p - '0');
			return v;
		}
	return dflt;
}

int solo5_app_main(const struct solo5_start_info *si)
{
	solo5_time_t t0 = solo5_clock_monotonic();
	unsigned long long ms = opt(si->cmdline, "sleep", 10);
	solo5_handle_set_t ready;

	tprintf("hello from a tenant: cmdline \"%s\", heap %zu KiB at 0x%lx\n", si->cmdline,
		si->heap_size >> 10, (unsigned long)si->heap_start);
	solo5_yield(t0 + ms * 1000 * 1000, &ready);
	tprintf("slept %llu us; wall clock %llu s\n",
		(unsigned long long)(solo5_clock_monotonic() - t0) / 1000,
		(unsigned long long)(solo5_clock_wall() / 1000000000ULL));
	return (int)opt(si->cmdline, "exit", 0);
}
