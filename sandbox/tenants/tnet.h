/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tnet.h - what the example tenants on a net device share: big-endian
 * access, the Internet checksum, their address from the command line
 * ("ip=A.B.C.D"), and the answer to an ARP request for it (written over
 * the request, to its sender: no ARP table needed).
 */
#ifndef RAMPART_TNET_H
#define RAMPART_TNET_H

#include <stdbool.h>

#include "tlib.h"

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* The Internet checksum of len bytes, folded, from a starting sum. */
static inline uint16_t csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += rd16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The address after "ip=" in the command line into ip: 0, or -1. */
static inline int cmdline_ip(const char *cmdline, uint8_t ip[4])
{
	const char *s = 0;

	for (const char *p = cmdline; *p && !s; p++)
		if ((p == cmdline || p[-1] == ' ') && strncmp(p, "ip=", 3) == 0)
			s = p + 3;
	for (int i = 0; s && i < 4; i++) {
		unsigned v = 0, digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 4)
			v = v * 10 + (unsigned)(*s++ - '0'), digits++;
		if (!digits || v > 255 || (i < 3 && *s++ != '.'))
			return -1;
		ip[i] = (uint8_t)v;
	}
	return s && (*s == '\0' || *s == ' ') ? 0 : -1;
}

/* An ARP request for ip in frame (n bytes): the reply written over it
 * (42 bytes) and true; false when it is not one. */
static inline bool arp_reply(uint8_t *frame, size_t n, const uint8_t mac[6], const uint8_t ip[4])
{
	if (n < 42 || rd16(frame + 12) != 0x0806 || rd16(frame + 20) != 1 ||
	    memcmp(frame + 38, ip, 4) != 0)
		return false;
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, mac, 6);
	wr16(frame + 20, 2);
	memcpy(frame + 32, frame + 22, 10); /* the target: the sender */
	memcpy(frame + 22, mac, 6);
	memcpy(frame + 28, ip, 4);
	return true;
}

#endif /* RAMPART_TNET_H */
