/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nat_fuzz.c - libFuzzer target for the NAT44 header rewrite: any frame the
 * parser accepts is rewritten (source and destination) and, when it is an
 * ICMP error, translated with its quote. Nothing may be read or written out
 * of bounds, and checksums that verified before must verify after.
 */
#include <stdlib.h>
#include <string.h>

#include "nat/nat.h"

static uint16_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* 0 when the IP header and the ICMP (or TCP/UDP) checksum verify. */
static int sums(const uint8_t *f, const struct dp_pkt_info *pi)
{
	const uint8_t *ip = f + pi->l3_off, *l4 = f + pi->l4_off;
	size_t l4len = (size_t)pi->l3_off + pi->l3_len - pi->l4_off;
	uint32_t ph = 0;

	if (sum16(ip, (size_t)(ip[0] & 0xf) * 4, 0))
		return 1;
	if (pi->l4_proto == DP_IPPROTO_ICMP)
		return sum16(l4, l4len, 0) != 0;
	if (pi->l4_proto == DP_IPPROTO_UDP && l4[6] == 0 && l4[7] == 0)
		return 0;
	for (int i = 12; i < 20; i += 2)
		ph += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	return sum16(l4, l4len, ph + pi->l4_proto + (uint32_t)l4len) != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_pkt_info pi;
	uint8_t *f;
	int valid;

	if (size < 4 || size > 2048)
		return 0;
	f = malloc(size);
	memcpy(f, data, size);
	if (dp_pkt_parse(f, size, &pi) == 0 && pi.l3 == DP_L3_IPV4 && pi.l4_off) {
		uint32_t addr =
			(uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | data[2] << 8 | data[3];
		uint16_t port = (uint16_t)(data[size - 1] << 8 | data[size - 2]);

		valid = (pi.flags & DP_PKT_F_FRAG) ? -1 : sums(f, &pi);
		if (nat_rewrite(f, size, &pi, NAT_SRC, addr, port) == 0 && valid == 0 &&
		    sums(f, &pi))
			abort();
		if (nat_rewrite(f, size, &pi, NAT_DST, ~addr, port ^ 0x5555) == 0 && valid == 0 &&
		    sums(f, &pi))
			abort();
		if (nat_rewrite_icmp_error(f, size, &pi, NAT_DST, addr, port) == 0 && valid == 0 &&
		    sums(f, &pi))
			abort();
		if (nat_rewrite_icmp_error(f, size, &pi, NAT_SRC, ~addr, port ^ 0xaaaa) == 0 &&
		    valid == 0 && sums(f, &pi))
			abort();
	}
	free(f);
	return 0;
}
