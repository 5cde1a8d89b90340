/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnszones_fuzz.c - libFuzzer target for the zone set the dataplane gets
 * from ctrl (dns_zones_decode): any bytes; what builds is encoded again and
 * must decode to the same number of zones.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_zone *z[8], *again[8];
	unsigned n, m;
	char err[256];
	void *copy = malloc(size ? size : 1), *buf;
	size_t len;

	memcpy(copy, data, size);
	if (dns_zones_decode(copy, size, z, 8, &n, err, sizeof(err)) == 0) {
		if (dns_zones_encode((const struct dns_zone *const *)z, n, &buf, &len) != 0)
			abort();
		if (dns_zones_decode(buf, len, again, 8, &m, err, sizeof(err)) != 0 || m != n)
			abort();
		for (unsigned i = 0; i < n; i++) {
			dns_zone_free(z[i]);
			dns_zone_free(again[i]);
		}
		free(buf);
	}
	free(copy);
	return 0;
}
