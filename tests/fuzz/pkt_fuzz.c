/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkt_fuzz.c - the dataplane's packet parser and everything that reads a
 * parsed packet (ARP, ND, echo reply, ICMP error quoting), on arbitrary bytes.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t err[DP_ICMP_ERROR_MAX];
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1}, src[16] = {198, 18, 1, 1};
	struct dp_pkt_info pi;
	struct dp_arp arp;
	struct dp_nd nd;
	uint8_t *copy;
	size_t n;

	if (size > 9216)
		return 0;
	/* an exact-size copy, so any read past the end is caught */
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	if (dp_pkt_parse(copy, size, &pi) == 0) {
		assert(pi.l3 == DP_L3_ARP || (size_t)pi.l3_off + pi.l3_len <= size);
		assert(pi.l4_off == 0 || pi.l4_off < pi.l3_off + pi.l3_len);
		if (pi.l3 == DP_L3_ARP) {
			dp_arp_parse(copy, size, &arp);
		} else {
			dp_nd_parse(copy, size, &pi, &nd);
			n = dp_icmp_error_build(err, copy, size, &pi, 11, 0, 1280, mac, src);
			assert(n <= DP_ICMP_ERROR_MAX);
			dp_icmp_echo_reply(copy, size, &pi);
			if (pi.l3 == DP_L3_IPV4)
				dp_ipv4_dec_ttl(copy + pi.l3_off);
		}
	}
	free(copy);
	return 0;
}
