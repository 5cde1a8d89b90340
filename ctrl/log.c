/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.c - rampart-ctrl's log: one line per event on standard error, with a
 * level, so that journald (or a lab's log file) keeps it as it is. No
 * timestamps: whoever collects stderr adds them.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ctrl/ctrl.h"

void ctrl_log(const char *level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	/* one write per line, so lines of concurrent writers never interleave */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "rampart-ctrl: %s: %s\n", level, line);
	fflush(stderr);
}
