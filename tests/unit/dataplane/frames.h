/* SPDX-License-Identifier: BSD-3-Clause */
/* frames.h - test frames built byte by byte, and an independent checksum. */
#ifndef RAMPART_TEST_FRAMES_H
#define RAMPART_TEST_FRAMES_H

#include <stdint.h>
#include <string.h>

static const uint8_t MAC_A[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t MAC_B[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t IP4_A[4] = {198, 18, 1, 2};
static const uint8_t IP4_B[4] = {198, 19, 1, 2};
static const uint8_t IP6_A[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2};
static const uint8_t IP6_B[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2};

/* RFC 1071, written plainly: the reference the code under test must match. */
static inline uint16_t ref_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint16_t ref_csum6(const uint8_t *ip6, const uint8_t *l4, size_t len, uint8_t nh)
{
	uint32_t sum = 0;

	for (int i = 8; i < 40; i += 2)
		sum += (uint32_t)(ip6[i] << 8 | ip6[i + 1]);
	sum += (uint32_t)len + nh;
	return ref_csum(l4, len, sum);
}

static inline size_t eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return 14;
}

/* IPv4 + payload_len bytes of L4 (zeroed), valid header checksum. */
static inline size_t ipv4(uint8_t *f, uint8_t proto, uint8_t ttl, size_t payload_len,
			  const uint8_t *src, const uint8_t *dst)
{
	uint8_t *ip = f + eth(f, MAC_B, MAC_A, 0x0800);
	uint16_t tot = (uint16_t)(20 + payload_len), c;

	memset(ip, 0, 20 + payload_len);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[8] = ttl;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	c = ref_csum(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	return 14 + tot;
}

static inline void ipv4_fix_csum(uint8_t *f)
{
	uint8_t *ip = f + 14;
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = ref_csum(ip, (size_t)(ip[0] & 0xf) * 4, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
}

static inline size_t ipv6(uint8_t *f, uint8_t nh, uint8_t hlim, size_t payload_len,
			  const uint8_t *src, const uint8_t *dst)
{
	uint8_t *ip = f + eth(f, MAC_B, MAC_A, 0x86dd);

	memset(ip, 0, 40 + payload_len);
	ip[0] = 0x60;
	ip[4] = (uint8_t)(payload_len >> 8);
	ip[5] = (uint8_t)payload_len;
	ip[6] = nh;
	ip[7] = hlim;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	return 54 + payload_len;
}

/* ICMP echo request over IPv4 with a valid ICMP checksum. */
static inline size_t icmp4_echo(uint8_t *f, const uint8_t *src, const uint8_t *dst)
{
	size_t n = ipv4(f, 1, 64, 16, src, dst);
	uint8_t *icmp = f + 34;
	uint16_t c;

	icmp[0] = 8;
	icmp[4] = 0x12;
	icmp[6] = 0x00;
	icmp[7] = 0x01;
	memcpy(icmp + 8, "rampart!", 8);
	c = ref_csum(icmp, 16, 0);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	return n;
}

static inline size_t udp4(uint8_t *f, uint16_t sport, uint16_t dport, size_t data)
{
	size_t n = ipv4(f, 17, 64, 8 + data, IP4_A, IP4_B);
	uint8_t *u = f + 34;

	u[0] = (uint8_t)(sport >> 8);
	u[1] = (uint8_t)sport;
	u[2] = (uint8_t)(dport >> 8);
	u[3] = (uint8_t)dport;
	u[4] = (uint8_t)((8 + data) >> 8);
	u[5] = (uint8_t)(8 + data);
	return n;
}

#endif
