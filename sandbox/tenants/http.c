/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http.c - a tiny HTTP server on net device "service" at "ip=A.B.C.D",
 * port 80: ARP, ping, and just enough TCP to serve one request per
 * connection (SYN, the request, the answer with FIN, the peer's FIN), with
 * the answer and the SYN-ACK sent again until acknowledged. GET / says
 * hello; GET /stats gives its counters; anything else is 404.
 */
#include "tenant_manifest.h"
#include "tlib.h"
#include "tnet.h"

TENANT_MANIFEST(1, { .name = "service", .type = MFT_DEV_NET_BASIC });

#define CONNS	32
#define REQ_MAX 2048
#define RTO_NS	200000000ULL /* a segment unacknowledged this long goes again */
#define TRIES	6
#define F_FIN	0x01
#define F_SYN	0x02
#define F_RST	0x04
#define F_PSH	0x08
#define F_ACK	0x10

struct conn {
	uint8_t ip[4], mac[6];
	uint16_t port;
	uint32_t snd_una, snd_nxt, rcv_nxt;
	int state; /* 0 free, 1 SYN received, 2 established, 3 answered (FIN sent) */
	size_t req_len;
	char req[REQ_MAX];
	uint8_t out[1514]; /* the last segment, for a retransmission */
	size_t out_len;
	solo5_time_t sent;
	unsigned tries;
};

static struct conn conns[CONNS];
static uint8_t frame[1514 + 64], my_mac[6], my_ip[4];
static solo5_handle_t h;
static unsigned long long n_req, n_conn, n_retx, n_drop;

/* Send a TCP segment of c's with flags and data; kept for retransmission
 * when it carries a SYN, a FIN or data. */
static void send_seg(struct conn *c, uint8_t flags, const char *data, size_t len)
{
	uint8_t *f = c->out, *ip = f + 14, *tcp = ip + 20;
	size_t hl = flags & F_SYN ? 24 : 20, n = 14 + 20 + hl + len;
	uint32_t ph;

	memcpy(f, c->mac, 6);
	memcpy(f + 6, my_mac, 6);
	wr16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(20 + hl + len));
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, my_ip, 4);
	memcpy(ip + 16, c->ip, 4);
	wr16(ip + 10, csum(ip, 20, 0));
	wr16(tcp, 80);
	wr16(tcp + 2, c->port);
	wr32(tcp + 4, c->snd_nxt);
	wr32(tcp + 8, c->rcv_nxt);
	tcp[12] = (uint8_t)((hl / 4) << 4);
	tcp[13] = flags;
	wr16(tcp + 14, 8192);
	wr16(tcp + 16, 0);
	wr16(tcp + 18, 0);
	if (flags & F_SYN) { /* MSS 1460 */
		tcp[20] = 2;
		tcp[21] = 4;
		wr16(tcp + 22, 1460);
	}
	memcpy(tcp + hl, data, len);
	ph = rd16(ip + 12) + rd16(ip + 14) + rd16(ip + 16) + rd16(ip + 18) + 6 +
	     (uint32_t)(hl + len);
	wr16(tcp + 16, csum(tcp, hl + len, ph));
	solo5_net_write(h, f, n);
	c->out_len = (flags & (F_SYN | F_FIN)) || len ? n : 0;
	c->sent = solo5_clock_monotonic();
	c->snd_nxt += (uint32_t)len + ((flags & (F_SYN | F_FIN)) ? 1 : 0);
}

static void answer(struct conn *c)
{
	static char resp[1200];
	char body[512];
	const char *status = "200 OK";
	size_t bl;

	n_req++;
	if (strncmp(c->req, "GET / ", 6) == 0) {
		memcpy(body, "hello from a rampart tenant\n", 29);
	} else if (strncmp(c->req, "GET /stats ", 11) == 0) {
		/* tprintf writes to the console: build the text by hand */
		char *p = body;
		unsigned long long v[4] = { n_req, n_conn, n_retx, n_drop };
		const char *k[4] = { "requests ", "connections ", "retransmissions ", "dropped " };

		for (int i = 0; i < 4; i++) {
			char d[24];
			int n = 0;
			unsigned long long x = v[i];

			memcpy(p, k[i], strlen(k[i]));
			p += strlen(k[i]);
			do
				d[n++] = (char)('0' + x % 10);
			while ((x /= 10));
			while (n)
				*p++ = d[--n];
			*p++ = '\n';
		}
		*p = '\0';
	} else {
		status = "404 Not Found";
		memcpy(body, "not found\n", 11);
	}
	bl = strlen(body);
	{
		char *p = resp;
		const char *parts[] = { "HTTP/1.1 ", status, "\r\nContent-Type: text/plain\r\n",
					"Connection: close\r\nContent-Length: " };
		char d[8];
		int n = 0;
		size_t x = bl;

		for (int i = 0; i < 4; i++) {
			memcpy(p, parts[i], strlen(parts[i]));
			p += strlen(parts[i]);
		}
		do
			d[n++] = (char)('0' + x % 10);
		while ((x /= 10));
		while (n)
			*p++ = d[--n];
		memcpy(p, "\r\n\r\n", 4);
		p += 4;
		memcpy(p, body, bl);
		p += bl;
		c->tries = 0;
		send_seg(c, F_ACK | F_PSH | F_FIN, resp, (size_t)(p - resp));
	}
	c->state = 3;
}

static void tcp_in(const uint8_t *ip, size_t ihl, size_t ip_len)
{
	const uint8_t *tcp = ip + ihl;
	size_t thl = (size_t)(tcp[12] >> 4) * 4, dlen;
	uint8_t flags = tcp[13];
	uint32_t seq = rd32(tcp + 4), ack = rd32(tcp + 8);
	struct conn *c = 0, *free_c = 0;

	if (ip_len < ihl + 20 || thl < 20 || ihl + thl > ip_len || rd16(tcp + 2) != 80) {
		n_drop++;
		return;
	}
	dlen = ip_len - ihl - thl;
	for (int i = 0; i < CONNS; i++) {
		if (conns[i].state && memcmp(conns[i].ip, ip + 12, 4) == 0 &&
		    conns[i].port == rd16(tcp))
			c = &conns[i];
		if (!conns[i].state && !free_c)
			free_c = &conns[i];
	}
	if (flags & F_RST) {
		if (c)
			c->state = 0;
		return;
	}
	if (flags & F_SYN) {
		if (!c) {
			if (!free_c) {
				n_drop++;
				return;
			}
			c = free_c;
			memset(c, 0, sizeof(*c));
			memcpy(c->ip, ip + 12, 4);
			memcpy(c->mac, frame + 6, 6);
			c->port = rd16(tcp);
			c->snd_una = c->snd_nxt = (uint32_t)solo5_clock_monotonic();
			c->state = 1;
			n_conn++;
		}
		c->rcv_nxt = seq + 1;
		c->snd_nxt = c->snd_una;
		send_seg(c, F_SYN | F_ACK, "", 0);
		return;
	}
	if (!c) {
		n_drop++;
		return;
	}
	if ((flags & F_ACK) && (int32_t)(ack - c->snd_una) > 0 &&
	    (int32_t)(ack - c->snd_nxt) <= 0) {
		c->snd_una = ack;
		if (c->state == 1)
			c->state = 2;
		if (c->snd_una == c->snd_nxt)
			c->out_len = 0; /* all acknowledged */
	}
	if (dlen && seq == c->rcv_nxt && c->state == 2) {
		size_t take = dlen < REQ_MAX - 1 - c->req_len ? dlen : REQ_MAX - 1 - c->req_len;

		memcpy(c->req + c->req_len, tcp + thl, take);
		c->req_len += take;
		c->req[c->req_len] = '\0';
		c->rcv_nxt += (uint32_t)dlen;
		for (size_t i = 0; i + 3 < c->req_len; i++)
			if (memcmp(c->req + i, "\r\n\r\n", 4) == 0) {
				answer(c);
				break;
			}
		if (c->state == 2)
			send_seg(c, F_ACK, "", 0);
	} else if (dlen) {
		send_seg(c, F_ACK, "", 0); /* out of order or again: say where we are */
	}
	if ((flags & F_FIN) && seq + (uint32_t)dlen == c->rcv_nxt) {
		c->rcv_nxt = seq + (uint32_t)dlen + 1;
		{
			size_t keep = c->out_len;
			uint8_t save[1514];

			if (keep)
				memcpy(save, c->out, keep);
			send_seg(c, F_ACK, "", 0);
			if (keep) {
				memcpy(c->out, save, keep);
				c->out_len = keep;
			}
		}
		if (c->state == 3 && c->snd_una == c->snd_nxt)
			c->state = 0; /* both sides done */
	}
	if (c->state == 3 && c->snd_una == c->snd_nxt && (flags & F_FIN))
		c->state = 0;
}

static void retransmit(void)
{
	solo5_time_t now = solo5_clock_monotonic();

	for (int i = 0; i < CONNS; i++) {
		struct conn *c = &conns[i];

		if (!c->state || !c->out_len || now - c->sent < RTO_NS)
			continue;
		if (++c->tries > TRIES) {
			c->state = 0;
			continue;
		}
		solo5_net_write(h, c->out, c->out_len);
		c->sent = now;
		n_retx++;
	}
}

int solo5_app_main(const struct solo5_start_info *si)
{
	struct solo5_net_info ni;

	if (cmdline_ip(si->cmdline, my_ip) < 0) {
		tprintf("http: usage: ip=A.B.C.D\n");
		return 1;
	}
	if (solo5_net_acquire("service", &h, &ni) != SOLO5_R_OK) {
		tprintf("http: no net device \"service\"\n");
		return 2;
	}
	memcpy(my_mac, ni.mac_address, 6);
	tprintf("http: serving on %u.%u.%u.%u port 80\n", my_ip[0], my_ip[1], my_ip[2], my_ip[3]);
	for (;;) {
		solo5_handle_set_t ready = 0;
		size_t n;

		solo5_yield(solo5_clock_monotonic() + RTO_NS / 2, &ready);
		while (solo5_net_read(h, frame, sizeof(frame), &n) == SOLO5_R_OK) {
			uint8_t *ip = frame + 14;
			size_t ihl, ip_len;

			if (arp_reply(frame, n, my_mac, my_ip)) {
				solo5_net_write(h, frame, 42);
				continue;
			}
			if (n < 34 || rd16(frame + 12) != 0x0800 || (ip[0] >> 4) != 4 ||
			    memcmp(ip + 16, my_ip, 4) != 0 || (rd16(ip + 6) & 0x3fff)) {
				n_drop++;
				continue;
			}
			ihl = (size_t)(ip[0] & 0xf) * 4;
			ip_len = rd16(ip + 2);
			if (ihl < 20 || 14 + ip_len > n || ip_len < ihl + 8 || csum(ip, ihl, 0)) {
				n_drop++;
				continue;
			}
			if (ip[9] == 6) {
				tcp_in(ip, ihl, ip_len);
			} else if (ip[9] == 1 && ip[ihl] == 8) {
				memcpy(frame, frame + 6, 6);
				memcpy(frame + 6, my_mac, 6);
				memcpy(ip + 16, ip + 12, 4);
				memcpy(ip + 12, my_ip, 4);
				ip[8] = 64;
				ip[ihl] = 0;
				wr16(ip + ihl + 2, 0);
				wr16(ip + ihl + 2, csum(ip + ihl, ip_len - ihl, 0));
				wr16(ip + 10, 0);
				wr16(ip + 10, csum(ip, ihl, 0));
				solo5_net_write(h, frame, 14 + ip_len);
			} else {
				n_drop++;
			}
		}
		retransmit();
	}
}
