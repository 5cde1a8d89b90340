/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hello.c - the smallest tenant: no device; says hello with its command
 * line, its memory and the time on the console, sleeps 10 ms by yield, and
 * exits with the status its command line names ("exit=N"), 0 by default.
 */
#include "tenant_manifest.h"
#include "tlib.h"

TENANT_MANIFEST(0);

int solo5_app_main(const struct solo5_start_info *si)
{
	solo5_time_t t0 = solo5_clock_monotonic();
	solo5_handle_set_t ready;
	int status = 0;

	tprintf("hello from a tenant: cmdline \"%s\", heap %zu KiB at 0x%lx\n", si->cmdline,
		si->heap_size >> 10, (unsigned long)si->heap_start);
	solo5_yield(t0 + 10 * 1000 * 1000, &ready);
	tprintf("slept %llu us; wall clock %llu s\n",
		(unsigned long long)(solo5_clock_monotonic() - t0) / 1000,
		(unsigned long long)(solo5_clock_wall() / 1000000000ULL));
	if (strncmp(si->cmdline, "exit=", 5) == 0)
		for (const char *p = si->cmdline + 5; *p >= '0' && *p <= '9'; p++)
			status = status * 10 + (*p - '0');
	return status;
}
