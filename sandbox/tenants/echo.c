/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * echo.c - a UDP echo server on net device "service": answers ARP for its
 * address, ICMP echo (ping), and sends every UDP datagram to port 7 back
 * where it came from. Its address from the command line: "ip=A.B.C.D".
 * Replies go to the Ethernet address the request came from, so it needs
 * no ARP table of its own. Counts what it answered and drops the rest;
 * "count=N" makes it exit after N echoes (for tests).
 */
#include "tenant_manifest.h"
#include "tlib.h"
#include "tnet.h"

TENANT_MANIFEST(1, { .name = "service", .type = MFT_DEV_NET_BASIC });

static uint8_t frame[1514 + 64];
static uint8_t my_mac[6], my_ip[4];

/* Turn the frame around: Ethernet addresses, IPv4 addresses. */
static void swap_eth(uint8_t *f)
{
	memcpy(f, f + 6, 6);
	memcpy(f + 6, my_mac, 6);
}

int solo5_app_main(const struct solo5_start_info *si)
{
	struct solo5_net_info ni;
	solo5_handle_t h;
	unsigned long long echoes = 0, pings = 0, arps = 0, dropped = 0, count = 0;

	for (const char *p = si->cmdline; *p; p++) {
		if ((p == si->cmdline || p[-1] == ' ') && strncmp(p, "count=", 6) == 0)
			for (const char *q = p + 6; *q >= '0' && *q <= '9'; q++)
				count = count * 10 + (unsigned long long)(*q - '0');
	}
	if (cmdline_ip(si->cmdline, my_ip) < 0) {
		tprintf("echo: usage: ip=A.B.C.D [count=N]\n");
		return 1;
	}
	if (solo5_net_acquire("service", &h, &ni) != SOLO5_R_OK) {
		tprintf("echo: no net device \"service\"\n");
		return 2;
	}
	memcpy(my_mac, ni.mac_address, 6);
	tprintf("echo: %u.%u.%u.%u on %x:%x:%x:%x:%x:%x, UDP port 7\n", my_ip[0], my_ip[1],
		my_ip[2], my_ip[3], my_mac[0], my_mac[1], my_mac[2], my_mac[3], my_mac[4],
		my_mac[5]);
	for (;;) {
		solo5_handle_set_t ready = 0;
		size_t n;

		solo5_yield(solo5_clock_monotonic() + 1000000000ULL, &ready);
		while (solo5_net_read(h, frame, sizeof(frame), &n) == SOLO5_R_OK) {
			uint8_t *ip4 = frame + 14;
			size_t ihl;

			if (arp_reply(frame, n, my_mac, my_ip)) {
				solo5_net_write(h, frame, 42);
				arps++;
				continue;
			}
			if (n < 34 || rd16(frame + 12) != 0x0800 || (ip4[0] >> 4) != 4 ||
			    memcmp(ip4 + 16, my_ip, 4) != 0 || (rd16(ip4 + 6) & 0x3fff)) {
				dropped++;
				continue;
			}
			ihl = (size_t)(ip4[0] & 0xf) * 4;
			if (ihl < 20 || 14 + (size_t)rd16(ip4 + 2) > n || rd16(ip4 + 2) < ihl + 8 ||
			    csum(ip4, ihl, 0) != 0) {
				dropped++;
				continue;
			}
			n = 14 + rd16(ip4 + 2); /* the Ethernet padding goes */
			swap_eth(frame);
			memcpy(ip4 + 16, ip4 + 12, 4);
			memcpy(ip4 + 12, my_ip, 4);
			ip4[8] = 64;
			if (ip4[9] == 1 && ip4[ihl] == 8) { /* ICMP echo request */
				ip4[ihl] = 0;
				wr16(ip4 + ihl + 2, 0);
				wr16(ip4 + ihl + 2, csum(ip4 + ihl, n - 14 - ihl, 0));
				pings++;
			} else if (ip4[9] == 17 && rd16(ip4 + ihl + 2) == 7) { /* UDP echo */
				uint8_t *udp = ip4 + ihl;
				uint16_t sport = rd16(udp), ulen = rd16(udp + 4);
				uint32_t ph;

				if (ulen < 8 || ulen > n - 14 - ihl) {
					dropped++;
					continue;
				}
				wr16(udp, 7);
				wr16(udp + 2, sport);
				wr16(udp + 6, 0);
				ph = rd16(ip4 + 12) + rd16(ip4 + 14) + rd16(ip4 + 16) +
				     rd16(ip4 + 18) + 17 + ulen;
				wr16(udp + 6, csum(udp, ulen, ph) ?: 0xffff);
				echoes++;
			} else {
				dropped++;
				continue;
			}
			wr16(ip4 + 10, 0);
			wr16(ip4 + 10, csum(ip4, ihl, 0));
			solo5_net_write(h, frame, n);
			if (count && echoes >= count) {
				tprintf("echo: %llu echoes, %llu pings, %llu ARP replies, %llu "
					"dropped\n",
					echoes, pings, arps, dropped);
				return 0;
			}
		}
	}
}
