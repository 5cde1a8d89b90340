/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns_internal.h - what the files of dns/ share: big-endian 16-bit access
 * and ASCII case folding, as DNS names need it (RFC 4343).
 */
#ifndef RAMPART_DNS_INTERNAL_H
#define RAMPART_DNS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dns/wire.h"

static inline uint16_t dns_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void dns_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Length of the uncompressed wire name at n (at most max bytes readable),
 * with its root label; 0 when it is not a whole name. */
static inline size_t dns_name_len(const uint8_t *n, size_t max)
{
	size_t o = 0;

	while (o < max && o < DNS_NAME_MAX) {
		if (n[o] == 0)
			return o + 1;
		if (n[o] > DNS_LABEL_MAX)
			return 0;
		o += 1u + n[o];
	}
	return 0;
}

static inline uint8_t dns_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

#endif /* RAMPART_DNS_INTERNAL_H */
