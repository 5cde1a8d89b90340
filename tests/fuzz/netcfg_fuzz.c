/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netcfg_fuzz.c - validation of the network configuration the dataplane
 * receives over the control channel (dp_netcfg_validate); whatever validates
 * is walked whole through dp_netcfg_view, every string and address read as
 * the dataplane's runtime builder reads them, so ASan sees any read that the
 * validation let past the payload.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dataplane.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned walk_addr(const struct dp_addr *a, bool may_be_none)
{
	char buf[64];

	if (a->family == 0) {
		if (!may_be_none)
			abort(); /* validation lets no "none" address through here */
		return 0;	 /* the rest of a "none" address means nothing */
	}
	if ((a->family != 4 && a->family != 6) || a->prefixlen > (a->family == 4 ? 32 : 128))
		abort();
	return (unsigned)strlen(dp_addr_format(a, true, buf, sizeof(buf)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_netcfg_view v;
	volatile unsigned sum = 0;
	char err[256];
	void *copy;

	/* an exact-size heap copy: any read past the end is caught */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (dp_netcfg_validate(copy, size, err, sizeof(err)) == 0) {
		dp_netcfg_view(copy, &v);
		for (uint32_t i = 0; i < v.hdr->n_addrs; i++)
			sum += walk_addr(&v.addrs[i].addr, false) +
			       (unsigned)strlen(v.addrs[i].port);
		for (uint32_t i = 0; i < v.hdr->n_routes; i++)
			sum += walk_addr(&v.routes[i].dst, false) +
			       walk_addr(&v.routes[i].via, true) +
			       (unsigned)strlen(v.routes[i].port);
		for (uint32_t i = 0; i < v.hdr->n_neigh; i++)
			sum += walk_addr(&v.neigh[i].ip, false) + (unsigned)strlen(v.neigh[i].port);
	} else if (!err[0]) {
		abort(); /* every refusal says why */
	}
	free(copy);
	(void)sum; /* volatile: the reads above are not optimised away */
	return 0;
}
