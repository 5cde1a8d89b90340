/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnszonefile_fuzz.c - libFuzzer target for zone files (dns_zonefile_load
 * on a string: libzscanner, then dns_zone_build): any text as the zone
 * example.org; what builds is asked a few questions, and every answer must
 * fit its limit. $INCLUDE is left out: it would read the machine's files.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/zonefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "example.org", "www.example.org", "a.b.example.org",
					     "x.sub.example.org", "nothere.example.org" };
	char *text = malloc(size + 1), err[4096];
	struct dns_zone *z;

	memcpy(text, data, size);
	text[size] = '\0';
	for (char *p = text; (p = strchr(p, '$')); p++)
		if (strncasecmp(p, "$INCLUDE", 8) == 0) {
			free(text);
			return 0;
		}
	if (dns_zonefile_load("example.org", NULL, text, size, "fuzz", &z, err, sizeof(err)) == 0) {
		for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			const struct dns_zone *zs[1] = { z };
			uint8_t q[300], r[600];
			struct dns_query dq;
			size_t n = dns_name_from_text(names[i], q + 12, 280, false), len;
			uint8_t rc;

			memset(q, 0, 12);
			q[5] = 1;
			q[12 + n] = 0;
			q[13 + n] = (uint8_t)(i % 2 ? 1 : 255);
			q[14 + n] = 0;
			q[15 + n] = 1;
			if (dns_query_parse(q, n + 16, &dq) != DNS_ANSWER)
				abort();
			len = dns_answer(zs, 1, &dq, r, sizeof(r), 512, 1232, &rc);
			if (len > 512)
				abort();
		}
		dns_zone_free(z);
	}
	free(text);
	return 0;
}
