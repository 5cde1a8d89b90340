/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnswire_fuzz.c - libFuzzer target for the DNS query parser of the fast
 * path (dns_query_parse): any bytes, as a UDP payload; what it keeps must lie
 * inside the message, and the response it starts (header, echoed question,
 * OPT) must be built within its buffer and say what the query asked.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *m = malloc(size ? size : 1), r[DNS_HDR_LEN + DNS_NAME_MAX + 4 + 11];
	struct dns_query q;
	enum dns_verdict v;
	size_t n;

	memcpy(m, data, size);
	v = dns_query_parse(m, size, &q);
	if (v != DNS_DROP) {
		if (q.question_ok &&
		    (DNS_HDR_LEN + (size_t)q.question_len > size ||
		     memcmp(q.qname, m + DNS_HDR_LEN, q.qname_len) != 0))
			abort();
		n = dns_resp_begin(r, sizeof(r), &q, v == DNS_FORMERR ? DNS_RC_FORMERR : 0, true);
		if (!n || (r[2] & 0x80) == 0 || (q.question_ok && r[5] != 1))
			abort();
		if (q.edns && !dns_resp_opt(r, n, sizeof(r), &q, 1232, 0))
			abort();
	}
	free(m);
	return 0;
}
