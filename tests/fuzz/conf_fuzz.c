/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf_fuzz.c - the rampart.conf parser and validator (ctrl/conf) on
 * arbitrary files, written to a temporary file as ctrl_conf_load reads a
 * path. What it accepts must build a netcfg payload the dataplane's own
 * validation accepts: the two sides never disagree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrl/conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctrl_conf c;
	char path[64], err[512];
	int rc;
	void *p;
	size_t len;
	FILE *f;

	/* @include would read whatever file the input names (/dev/zero never
	 * ends): the include mechanism is libconfig's, and tested by the unit
	 * tests; here it is left out. */
	if (memmem(data, size, "@include", 8))
		return 0;
	snprintf(path, sizeof(path), "/tmp/rampart-conf-fuzz-%d.conf", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	/* read whole by then: removed at once, so no run leaves one behind */
	rc = ctrl_conf_load(path, &c, err, sizeof(err));
	unlink(path);
	if (rc == 0) {
		if (ctrl_conf_netcfg(&c, &p, &len) == 0) {
			if (dp_netcfg_validate(p, len, err, sizeof(err)) != 0) {
				fprintf(stderr, "accepted config, refused netcfg: %s\n", err);
				abort();
			}
			free(p);
		}
		ctrl_conf_free(&c);
	} else if (strchr(err, ':') == NULL) {
		fprintf(stderr, "error without a place: %s\n", err);
		abort(); /* every error names file:line */
	}
	return 0;
}
