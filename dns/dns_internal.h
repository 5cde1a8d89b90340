/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns_internal.h - what the files of dns/ share: big-endian 16-bit access
 * and ASCII case folding, as DNS names need it (RFC 4343).
 */
#ifndef RAMPART_DNS_INTERNAL_H
#define RAMPART_DNS_INTERNAL_H

#include <stdint.h>

static inline uint16_t dns_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void dns_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint8_t dns_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

#endif /* RAMPART_DNS_INTERNAL_H */
