/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netcfg_fuzz.c - validation of the network configuration the dataplane
 * receives over the control channel; what validates is walked whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dataplane.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_netcfg_view v;
	volatile unsigned sum = 0;
	char err[256], buf[64];
	void *copy;

	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	if (dp_netcfg_validate(copy, size, err, sizeof(err)) == 0) {
		dp_netcfg_view(copy, &v);
		for (uint32_t i = 0; i < v.hdr->n_addrs; i++)
			sum += (unsigned)strlen(dp_addr_format(&v.addrs[i].addr, true, buf, sizeof(buf))) +
			       (unsigned)strlen(v.addrs[i].port);
		for (uint32_t i = 0; i < v.hdr->n_routes; i++)
			sum += (unsigned)strlen(dp_addr_format(&v.routes[i].via, true, buf, sizeof(buf))) +
			       (unsigned)strlen(v.routes[i].port);
		for (uint32_t i = 0; i < v.hdr->n_neigh; i++)
			sum += (unsigned)strlen(v.neigh[i].port);
	}
	free(copy);
	return 0;
}
