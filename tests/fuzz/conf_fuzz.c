/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf_fuzz.c - the rampart.conf parser and validator on arbitrary files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctrl/conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct ctrl_conf c;
	char err[512];
	void *p;
	size_t len;
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/rampart-conf-fuzz-%d.conf", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (ctrl_conf_load(path, &c, err, sizeof(err)) == 0) {
		if (ctrl_conf_netcfg(&c, &p, &len) == 0) {
			if (dp_netcfg_validate(p, len, err, sizeof(err)) != 0)
				abort(); /* what the parser accepts, the dataplane must */
			free(p);
		}
		ctrl_conf_free(&c);
	}
	return 0;
}
