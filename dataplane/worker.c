/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.c - the run-to-completion loop of one worker lcore and its packet
 * path. Each burst goes through a fixed sequence of stages, each a loop over
 * the packets still in flight:
 *
 *   parse -> l2 (ARP, ND, L2 destination)
 *         -> nat in (a public address's mapping or port forward: the inside
 *            destination) -> route (bulk FIB lookup)
 *         -> local (echo, punt to the kernel) -> firewall (flow table, rules;
 *            a new connection's NAT mapping) -> forward (TTL, MTU, next hop)
 *         -> nat out (the public source) -> vpn out (into a peer's tunnel:
 *            encrypt, encapsulate, route the outer packet) -> neighbour (L2
 *            rewrite, or wait for resolution) -> tx
 *
 * The local stage answers DNS queries (dns_fast) and takes the VPN's data
 * packets of known peers (vpn_take); those decrypted re-enter as a second
 * burst from the tunnel (DP_VPN_PORT), which skips the L2 stage.
 * A stage that finishes with a packet (sent, dropped, queued) marks it done.
 * No locks, no syscalls, no allocation but mbufs; counters are per lcore.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_ip.h>
#include <rte_prefetch.h>

#include "dataplane/dp.h"
#include "dataplane/pkt.h"
#include "nat/nat.h"
#include "vpn/data.h"

#define CNT(lc, name) ((lc)->cnt[DP_CNT_##name]++)

enum { PKT_LIVE = 0, PKT_DONE };

/* How the NAT's way in translated a packet's destination. */
enum { NAT_IN_NONE = 0, NAT_IN_RDR, NAT_IN_MAP, NAT_IN_ERROR };
/* What the way out does to it, after the forwarding checks (so that an ICMP
 * error about it still goes to the inside host). */
enum { NAT_OUT_NONE = 0, NAT_OUT_PKT, NAT_OUT_ERROR, NAT_OUT_ADDR };

struct pkt_ctx {
	struct rte_mbuf *m;
	struct dp_pkt_info pi;
	uint8_t state;
	uint8_t nat_in, nat_out;
	uint8_t nat_pub_port; /* way in: the port of the public address */
	uint32_t nh;
	uint32_t nat_odst;   /* way in: the destination before (network order) */
	uint16_t nat_odport; /* ... its port or echo identifier */
	uint16_t nat_port;   /* way out: the source port to write */
	uint32_t nat_map;    /* way in through a mapping: the mapping's id */
	uint32_t nat_addr;   /* way out: the source address to write */
	const struct dp_vpn_peer_rt *tun; /* into this peer's tunnel */
	bool vpn_local;			  /* to the VPN server's tunnel address */
};

struct burst {
	struct dp_lcore *lc;
	const struct dp_runtime *rt;
	const struct dp_fw *fw;
	const struct dp_dns *dns;
	const struct dp_vpn *vpn;
	const struct dp_vpn *vpn_cli; /* the VPN client's tunnel */
	uint32_t now_s; /* seconds since start: the flow table's clock */
	uint16_t in_port;
	bool from_punt;
	bool from_tunnel; /* decrypted VPN packets: in_port is DP_VPN_PORT */
	uint64_t now;
	unsigned n;
	struct burst *tb; /* where decrypted packets go (NULL in that one) */
	unsigned n_vops;
	struct dp_vpn_op vops[DP_BURST];
	struct pkt_ctx p[DP_BURST];
};

static const uint8_t vpn_ping[16] = { 0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb,
				      0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48 };

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* 32 bits as they are in the packet (network order), at any alignment */
static inline uint32_t rd32n(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint8_t *pkt_data(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, uint8_t *);
}

static void drop(struct burst *b, struct pkt_ctx *c, enum dp_counter reason)
{
	b->lc->cnt[reason]++;
	rte_pktmbuf_free(c->m);
	c->state = PKT_DONE;
}

static void tx_flush_port(struct dp_lcore *lc, uint16_t port)
{
	uint16_t n = lc->tx[port].n, sent;
	uint64_t t;

	if (!n)
		return;
	t = rte_rdtsc();
	sent = rte_eth_tx_burst(port, (uint16_t)lc->worker_index, lc->tx[port].m, n);
	lc->cnt[DP_CNT_port_io_cycles] += rte_rdtsc() - t;
	lc->cnt[DP_CNT_tx_pkts] += sent;
	if (unlikely(sent < n)) {
		lc->cnt[DP_CNT_drop_tx_full] += n - sent;
		rte_pktmbuf_free_bulk(&lc->tx[port].m[sent], n - sent);
	}
	lc->tx[port].n = 0;
}

static void tx_enqueue(struct dp_lcore *lc, uint16_t port, struct rte_mbuf *m)
{
	lc->tx[port].m[lc->tx[port].n++] = m;
	if (lc->tx[port].n == DP_BURST)
		tx_flush_port(lc, port);
}

static void send_out(struct burst *b, struct pkt_ctx *c, uint16_t port)
{
	tx_enqueue(b->lc, port, c->m);
	c->state = PKT_DONE;
}

/* The first address of family on port, preferring one whose prefix holds
 * peer (when given). */
static const struct dp_addr *port_addr(const struct dp_runtime *rt, uint16_t port, uint8_t family,
				       const uint8_t *peer)
{
	const struct dp_port_addrs *pa = &rt->addrs[port];
	const struct dp_addr *first = NULL;

	for (unsigned i = 0; i < pa->n; i++) {
		if (pa->a[i].family != family)
			continue;
		if (!first)
			first = &pa->a[i];
		if (peer) {
			struct dp_addr x = { .family = family };

			memcpy(x.addr, peer, family == 4 ? 4 : 16);
			if (dp_addr_in_prefix(&x, &pa->a[i]))
				return &pa->a[i];
		}
	}
	return first;
}

static bool is_own_addr(const struct dp_runtime *rt, uint16_t port, uint8_t family,
			const uint8_t *ip)
{
	const struct dp_port_addrs *pa = &rt->addrs[port];

	for (unsigned i = 0; i < pa->n; i++)
		if (pa->a[i].family == family &&
		    memcmp(pa->a[i].addr, ip, family == 4 ? 4 : 16) == 0)
			return true;
	return false;
}

/* Token bucket per lcore: at most icmp_rate_pps errors a second. */
static bool icmp_rate_ok(struct dp_lcore *lc, const struct dp_runtime *rt, uint64_t now)
{
	double rate = rt->icmp_rate_pps;

	lc->icmp_tokens += (double)(now - lc->icmp_last_tsc) * rate / (double)dp.tsc_hz;
	lc->icmp_last_tsc = now;
	if (lc->icmp_tokens > rate)
		lc->icmp_tokens = rate;
	if (lc->icmp_tokens < 1.0)
		return false;
	lc->icmp_tokens -= 1.0;
	return true;
}

/* Send an ICMP error about m back out the port it came in on. m is left to
 * the caller. */
static void icmp_error(struct dp_lcore *lc, const struct dp_runtime *rt, struct rte_mbuf *m,
		       const struct dp_pkt_info *pi, uint8_t type, uint8_t code, uint32_t param,
		       uint64_t now)
{
	uint8_t family = pi->l3 == DP_L3_IPV4 ? 4 : 6;
	const uint8_t *orig = pkt_data(m);
	const struct dp_addr *src;
	struct rte_mbuf *e;
	size_t len;

	if (m->port == dp.punt_port_id || m->port == DP_VPN_PORT ||
	    !dp_icmp_error_allowed(orig, m->data_len, pi))
		return;
	src = port_addr(rt, m->port, family, orig + pi->l3_off + (family == 4 ? 12 : 8));
	if (!src)
		return;
	if (!icmp_rate_ok(lc, rt, now)) {
		CNT(lc, icmp_errors_ratelimited);
		return;
	}
	e = rte_pktmbuf_alloc(dp.pool);
	if (!e) {
		CNT(lc, drop_nombuf);
		return;
	}
	len = dp_icmp_error_build(pkt_data(e), orig, m->data_len, pi, type, code, param,
				  dp.ports[dp.port_index[m->port]].mac.addr_bytes, src->addr);
	if (!len) {
		rte_pktmbuf_free(e);
		return;
	}
	e->data_len = e->pkt_len = (uint32_t)len;
	CNT(lc, icmp_errors_sent);
	tx_enqueue(lc, m->port, e);
}

static void stage_parse(struct burst *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		struct pkt_ctx *c = &b->p[i];
		int rc;

		if (i + 1 < b->n)
			rte_prefetch0(pkt_data(b->p[i + 1].m));
		if (unlikely(c->m->nb_segs != 1)) {
			drop(b, c, DP_CNT_drop_malformed);
			continue;
		}
		rc = dp_pkt_parse(pkt_data(c->m), c->m->data_len, &c->pi);
		if (unlikely(rc < 0)) {
			drop(b, c,
			     rc == -EBADMSG ? DP_CNT_drop_malformed : DP_CNT_drop_unsupported);
			continue;
		}
		/* drop the Ethernet padding, so what we forward or quote is exact */
		if (c->m->data_len > c->pi.l3_off + c->pi.l3_len)
			rte_pktmbuf_trim(c->m,
					 (uint16_t)(c->m->data_len - c->pi.l3_off - c->pi.l3_len));
		if (unlikely(!b->rt))
			drop(b, c, DP_CNT_drop_no_config);
	}
}

static void handle_arp(struct burst *b, struct pkt_ctx *c)
{
	const uint8_t *mac = dp.ports[dp.port_index[b->in_port]].mac.addr_bytes;
	struct dp_arp arp;

	CNT(b->lc, arp_in);
	if (dp_arp_parse(pkt_data(c->m), c->m->data_len, &arp) < 0) {
		drop(b, c, DP_CNT_drop_malformed);
		return;
	}
	if (is_own_addr(b->rt, b->in_port, 4, arp.tpa)) {
		dp_neigh_learn(&dp.neigh, b->in_port, 4, arp.spa, arp.sha, b->now, false);
		CNT(b->lc, neigh_learned);
		if (arp.op == 1) {
			rte_pktmbuf_reset(c->m);
			c->m->data_len = c->m->pkt_len = (uint32_t)dp_arp_build(
				pkt_data(c->m), 2, mac, arp.sha, mac, arp.tpa, arp.sha, arp.spa);
			CNT(b->lc, arp_replies_sent);
			send_out(b, c, b->in_port);
			return;
		}
	} else if (dp_neigh_lookup(&dp.neigh, b->in_port, 4, arp.spa)) {
		/* refresh a neighbour we already use (gratuitous ARP) */
		dp_neigh_learn(&dp.neigh, b->in_port, 4, arp.spa, arp.sha, b->now, false);
	}
	rte_pktmbuf_free(c->m);
	c->state = PKT_DONE;
}

static void handle_nd(struct burst *b, struct pkt_ctx *c)
{
	static const uint8_t unspec[16];
	const uint8_t *mac = dp.ports[dp.port_index[b->in_port]].mac.addr_bytes;
	const uint8_t *eth_src = pkt_data(c->m) + 6;
	struct dp_nd nd;
	uint8_t dmac[6];
	bool from_unspec;

	CNT(b->lc, nd_in);
	if (dp_nd_parse(pkt_data(c->m), c->m->data_len, &c->pi, &nd) < 0) {
		drop(b, c, DP_CNT_drop_malformed);
		return;
	}
	from_unspec = memcmp(nd.src, unspec, 16) == 0;
	if (nd.type == DP_ND_NA) {
		if (dp_neigh_lookup(&dp.neigh, b->in_port, 6, nd.target)) {
			dp_neigh_learn(&dp.neigh, b->in_port, 6, nd.target,
				       nd.has_ll ? nd.ll : eth_src, b->now, false);
			CNT(b->lc, neigh_learned);
		}
	} else if (is_own_addr(b->rt, b->in_port, 6, nd.target)) {
		if (!from_unspec && nd.has_ll) {
			dp_neigh_learn(&dp.neigh, b->in_port, 6, nd.src, nd.ll, b->now, false);
			CNT(b->lc, neigh_learned);
		}
		memcpy(dmac, nd.has_ll ? nd.ll : eth_src, 6);
		rte_pktmbuf_reset(c->m);
		c->m->data_len = c->m->pkt_len =
			(uint32_t)dp_nd_na_build(pkt_data(c->m), mac, dmac, nd.target,
						 from_unspec ? NULL : nd.src, !from_unspec);
		CNT(b->lc, nd_adverts_sent);
		send_out(b, c, b->in_port);
		return;
	}
	rte_pktmbuf_free(c->m);
	c->state = PKT_DONE;
}

static void stage_l2(struct burst *b)
{
	const uint8_t *mac;

	if (b->from_tunnel)
		return;
	mac = dp.ports[dp.port_index[b->in_port]].mac.addr_bytes;
	for (unsigned i = 0; i < b->n; i++) {
		struct pkt_ctx *c = &b->p[i];
		const uint8_t *d;

		if (c->state != PKT_LIVE)
			continue;
		d = pkt_data(c->m);
		if (b->from_punt) {
			/* the kernel's own packets: only unicast IP is routed */
			if (c->pi.l3 == DP_L3_ARP ||
			    (c->pi.l3 == DP_L3_IPV6 && d[c->pi.l3_off + 24] == 0xff))
				drop(b, c, DP_CNT_drop_unsupported);
			continue;
		}
		if (!(c->pi.flags & DP_PKT_F_L2_MCAST) && memcmp(d, mac, 6) != 0) {
			drop(b, c, DP_CNT_drop_not_for_us);
			continue;
		}
		if (c->pi.l3 == DP_L3_ARP) {
			handle_arp(b, c);
			continue;
		}
		if (c->pi.l3 == DP_L3_IPV6 && c->pi.l4_proto == DP_IPPROTO_ICMPV6 &&
		    (c->pi.icmp_type == DP_ND_NS || c->pi.icmp_type == DP_ND_NA)) {
			handle_nd(b, c);
			continue;
		}
		if (c->pi.flags & DP_PKT_F_L2_MCAST) {
			/* multicast and broadcast IP are not routed */
			drop(b, c, DP_CNT_drop_unsupported);
			continue;
		}
		if (c->pi.l3 == DP_L3_IPV6 &&
		    (d[c->pi.l3_off + 24] == 0xff ||
		     (d[c->pi.l3_off + 24] == 0xfe && (d[c->pi.l3_off + 25] & 0xc0) == 0x80))) {
			drop(b, c, DP_CNT_drop_unsupported); /* link-local, multicast */
			continue;
		}
	}
}

/* The peer whose tunnel address is the destination, in one step: peer i
 * holds pool address i. The server's own tunnel address is local. */
static void vpn_route(struct burst *b)
{
	const struct dp_vpn *v = b->vpn;

	for (unsigned i = 0; i < b->n; i++) {
		struct pkt_ctx *c = &b->p[i];
		const struct dp_vpn_peer_rt *p = NULL;
		const uint8_t *ip;

		if (c->state != PKT_LIVE)
			continue;
		ip = pkt_data(c->m) + c->pi.l3_off;
		if (c->pi.l3 == DP_L3_IPV4) {
			uint32_t dst = rd32n(ip + 16), h = rte_be_to_cpu_32(dst);

			if (v->has_local4 && dst == v->local4) {
				c->vpn_local = true;
				continue;
			}
			if (!v->has_pool4 || (h & v->pool4_mask) != v->pool4_net)
				continue;
			if (h - v->pool4_start < v->max_peers)
				p = v->peer[h - v->pool4_start];
			if (!p || !p->has4 || p->tun4 != dst) {
				drop(b, c, DP_CNT_drop_vpn_no_peer);
				continue;
			}
		} else {
			uint32_t idx;

			if (v->has_local6 && memcmp(ip + 24, v->local6, 16) == 0) {
				c->vpn_local = true;
				continue;
			}
			if (!v->has_pool6 || !dp_bytes_in_prefix(ip + 24, v->pool6, v->pool6_len))
				continue;
			idx = rte_be_to_cpu_32(rd32n(ip + 36)) -
			      rte_be_to_cpu_32(rd32n(v->pool6_first + 12));
			if (idx < v->max_peers)
				p = v->peer[idx];
			if (!p || !p->has6 || memcmp(p->tun6, ip + 24, 16) != 0) {
				drop(b, c, DP_CNT_drop_vpn_no_peer);
				continue;
			}
		}
		if (b->from_tunnel && !(v->flags & DP_VPN_F_C2C)) {
			drop(b, c, DP_CNT_drop_vpn_c2c);
			continue;
		}
		c->tun = p;
	}
}

static void stage_route(struct burst *b)
{
	uint32_t ip4[DP_BURST];
	uint8_t ip6[DP_BURST][16];
	uint64_t nh4[DP_BURST], nh6[DP_BURST];
	unsigned idx4[DP_BURST], idx6[DP_BURST], n4 = 0, n6 = 0;

	for (unsigned i = 0; i < b->n; i++) {
		struct pkt_ctx *c = &b->p[i];
		const uint8_t *ip;

		if (c->state != PKT_LIVE)
			continue;
		ip = pkt_data(c->m) + c->pi.l3_off;
		if (c->pi.l3 == DP_L3_IPV4) {
			idx4[n4] = i;
			ip4[n4++] = rte_be_to_cpu_32(rd32n(ip + 16)); /* frames need not be aligned */
		} else {
			idx6[n6] = i;
			memcpy(ip6[n6++], ip + 24, 16);
		}
	}
	if (n4)
		rte_fib_lookup_bulk(b->rt->fib4, ip4, nh4, n4);
	if (n6)
		rte_fib6_lookup_bulk(b->rt->fib6, ip6, nh6, n6);
	/* idx4/idx6 are written for every k below n4/n6 above */
	for (unsigned k = 0; k < n4; k++)
		b->p[idx4[k]].nh = (uint32_t)nh4[k]; // cppcheck-suppress uninitvar
	for (unsigned k = 0; k < n6; k++)
		b->p[idx6[k]].nh = (uint32_t)nh6[k]; // cppcheck-suppress uninitvar
	if (b->vpn)
		vpn_route(b);
	for (unsigned i = 0; b->rt->has_tunnel && i < b->n; i++) {
		struct pkt_ctx *c = &b->p[i];
		const struct dp_vpn *cv = b->vpn_cli;
		const struct dp_vpn_peer_rt *p = cv && cv->n_peers ? &cv->peers[0] : NULL;

		if (c->state != PKT_LIVE || c->tun || c->vpn_local ||
		    b->rt->nh[c->nh].type != DP_NH_TUNNEL)
			continue;
		/* fail hard: nothing routed into the tunnel leaves another way */
		if (!p || !p->tx)
			drop(b, c, DP_CNT_drop_vpn_down);
		else
			c->tun = p;
	}
}

/* DNS response rate limiting: a token bucket per source prefix (/24 for
 * IPv4, /56 for IPv6, hashed into this worker's table), refilled at
 * rrl_rate a second up to one second's worth. Returns 0 (send), 1 (over the
 * limit: send truncated, every rrl_slip-th time) or 2 (over: drop). */
static int dns_rrl(struct burst *b, const uint8_t *ip, bool v4)
{
	const struct dp_dns *dns = b->dns;
	uint64_t h = 0x9e3779b97f4a7c15ULL, now = b->now >> 20;
	uint64_t per_s = dp.tsc_hz >> 20, cap = (uint64_t)dns->rrl_rate * 1024;
	unsigned n = v4 ? 3 : 7;
	const uint8_t *src = ip + (v4 ? 12 : 8);
	uint64_t tokens;
	uint32_t i;

	for (unsigned k = 0; k < n; k++)
		h = (h ^ src[k]) * 0x100000001b3ULL;
	i = (uint32_t)(h ^ h >> 32) & (DP_RRL_BUCKETS - 1);
	tokens = b->lc->rrl[i].tokens +
		 ((uint32_t)now - b->lc->rrl[i].last) * cap / (per_s ? per_s : 1);
	b->lc->rrl[i].last = (uint32_t)now;
	if (tokens > cap)
		tokens = cap;
	if (tokens >= 1024) {
		b->lc->rrl[i].tokens = (uint32_t)(tokens - 1024);
		return 0;
	}
	b->lc->rrl[i].tokens = (uint32_t)tokens;
	if (dns->rrl_slip && ++b->lc->rrl[i].slip % dns->rrl_slip == 0)
		return 1;
	return 2;
}

/* The authoritative DNS fast path (docs/dns.md): a UDP query to port 53 of
 * the appliance is answered in place from the compiled zones, the reply
 * built over the query in the same mbuf. Returns false to let the packet go
 * on to the kernel (ctrl): NOTIFY, UPDATE, TSIG, transfers. */
static bool dns_fast(struct burst *b, struct pkt_ctx *c)
{
	uint8_t *d = pkt_data(c->m), *msg;
	size_t l4 = c->pi.l4_off, end = (size_t)c->pi.l3_off + c->pi.l3_len, room, limit, n = 0;
	uint16_t ulen = rd16(d + l4 + 4), mtu = dp.ports[dp.port_index[b->in_port]].mtu;
	struct dns_query q;
	enum dns_verdict v;
	uint8_t rcode = DNS_RC_NOERROR;
	int zone = -1;

	if (ulen < 8 || l4 + ulen > end) {
		drop(b, c, DP_CNT_drop_malformed);
		return true;
	}
	CNT(b->lc, dns_queries);
	msg = d + l4 + 8;
	v = dns_query_parse(msg, ulen - 8u, &q);
	if (v == DNS_DROP) {
		drop(b, c, DP_CNT_drop_dns);
		return true;
	}
	if (v == DNS_PUNT) {
		CNT(b->lc, dns_punted);
		return false;
	}
	/* what the mbuf holds, what the port carries, what the asker takes */
	room = (size_t)rte_pktmbuf_tailroom(c->m) + c->m->data_len - (l4 + 8);
	limit = dns_udp_limit(&q, room);
	if (mtu > l4 - c->pi.l3_off + 8 && limit > mtu - (l4 - c->pi.l3_off) - 8u)
		limit = mtu - (l4 - c->pi.l3_off) - 8u;
	if (v == DNS_ANSWER) {
		n = dns_answer_zone((const struct dns_zone *const *)b->dns->zones, b->dns->n, &q,
				    msg, room, limit, 1232, &rcode, &zone);
	} else {
		rcode = v == DNS_FORMERR ? DNS_RC_FORMERR
			: v == DNS_NOTIMP ? DNS_RC_NOTIMP
					  : DNS_RC_BADVERS;
		n = dns_resp_begin(msg, limit, &q, rcode, false);
		if (n && q.edns) {
			size_t o = dns_resp_opt(msg, n, limit, &q, 1232, rcode);

			n = o ? o : n;
		}
	}
	if (!n) {
		drop(b, c, DP_CNT_drop_dns);
		return true;
	}
	if (b->dns->rrl_rate) {
		switch (dns_rrl(b, d + c->pi.l3_off, c->pi.l3 == DP_L3_IPV4)) {
		case 1:
			/* the asker may be real: tell it to come back over TCP */
			n = dns_resp_begin(msg, limit, &q, DNS_RC_NOERROR, false);
			msg[2] |= DNS_F_TC >> 8;
			CNT(b->lc, dns_rrl_slipped);
			break;
		case 2:
			drop(b, c, DP_CNT_drop_dns_rrl);
			return true;
		}
	}
	if (zone >= 0) {
		struct dp_zone_counters *zc =
			&b->dns->counters[(size_t)b->lc->worker_index * b->dns->stride + (unsigned)zone];

		if (rcode == DNS_RC_NOERROR)
			zc->noerror++;
		else if (rcode == DNS_RC_NXDOMAIN)
			zc->nxdomain++;
		else
			zc->other++;
	}
	switch (rcode) {
	case DNS_RC_NOERROR:
		CNT(b->lc, dns_noerror);
		break;
	case DNS_RC_NXDOMAIN:
		CNT(b->lc, dns_nxdomain);
		break;
	case DNS_RC_REFUSED:
		CNT(b->lc, dns_refused);
		break;
	default:
		CNT(b->lc, dns_formerr);
	}
	if (msg[2] & (DNS_F_TC >> 8))
		CNT(b->lc, dns_truncated);
	c->m->data_len = (uint16_t)dp_udp_reply(d, &c->pi, n);
	c->m->pkt_len = c->m->data_len;
	send_out(b, c, b->in_port);
	return true;
}

/* A P_DATA_V2 packet to the VPN's port: a known peer's is taken for
 * decryption (true: the packet is the VPN stage's, or dropped); anything
 * else (control packets, unknown peers) goes on to ctrl. */
static bool vpn_take(struct burst *b, struct pkt_ctx *c, const struct dp_vpn *v)
{
	uint8_t *d = pkt_data(c->m), *u = d + c->pi.l4_off + 8, *ip = d + c->pi.l3_off;
	long len = (long)(c->pi.l3_off + c->pi.l3_len) - (long)(c->pi.l4_off + 8);
	const struct dp_vpn_peer_rt *p = NULL;
	struct dp_vpn_key_state *k;
	uint32_t id;

	if (len <= VPN_DATA_OVERHEAD || (u[0] >> 3) != 9 || len > UINT16_MAX)
		return false;
	id = (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
	if (id < v->max_peers)
		p = v->peer[id];
	if (!p) {
		CNT(b->lc, vpn_punted);
		return false;
	}
	if ((c->pi.l3 == DP_L3_IPV4) != (p->family == 4)) {
		drop(b, c, DP_CNT_drop_vpn_peer_addr);
		return true;
	}
	k = p->key[u[0] & 7];
	if (!k) {
		drop(b, c, DP_CNT_drop_vpn_key);
		return true;
	}
	b->vops[b->n_vops++] = (struct dp_vpn_op){
		.m = c->m, .p = p, .k = k, .off = (uint16_t)(u - d), .len = (uint16_t)len
	};
	/* from elsewhere (NAT rebinding): taken, and the peer floats there if
	 * the packet proves authentic and new (tag, replay window) */
	if (rte_cpu_to_be_16(c->pi.sport) != p->remote_port ||
	    (p->family == 4 ? memcmp(ip + 12, p->remote, 4) : memcmp(ip + 8, p->remote, 16)) != 0)
		b->vops[b->n_vops - 1].moved = c->pi.l3_off;
	c->state = PKT_DONE;
	return true;
}

/* The packets vpn_take took: decrypted, checked (tag, replay, the inner
 * source is the peer's tunnel address), and queued as the tunnel's burst
 * with an Ethernet header in front of the inner packet. */
static void vpn_rx(struct burst *b)
{
	const uint8_t *mac = dp.ports[dp.port_index[b->in_port]].mac.addr_bytes;
	struct burst *tb = b->tb;
	uint64_t t0 = rte_rdtsc();

	dp_vpn_decrypt(b->vops, b->n_vops);
	b->lc->cnt[DP_CNT_vpn_crypto_cycles] += rte_rdtsc() - t0;
	for (unsigned i = 0; i < b->n_vops; i++) {
		struct dp_vpn_op *o = &b->vops[i];
		const struct dp_vpn_peer_rt *p = o->p;
		struct dp_vpn_pcnt *pc =
			&dp.vpn_cnt[b->lc->worker_index * DP_VPN_CNT_SLOTS + p->cnt];
		uint8_t *in = rte_pktmbuf_mtod(o->m, uint8_t *) + o->off + VPN_DATA_OVERHEAD, *e;
		unsigned len = o->len - VPN_DATA_OVERHEAD, ver = in[0] >> 4, tot;
		struct pkt_ctx *c;

		if (o->status) {
			b->lc->cnt[o->status]++;
			rte_pktmbuf_free(o->m);
			continue;
		}
		CNT(b->lc, vpn_rx);
		b->lc->cnt[DP_CNT_vpn_rx_bytes] += len;
		if (unlikely(o->moved)) {
			const uint8_t *oip = rte_pktmbuf_mtod(o->m, uint8_t *) + o->moved;

			memcpy(pc->float_addr, oip + (p->family == 4 ? 12 : 8), p->family == 4 ? 4 : 16);
			memcpy(&pc->float_port, oip + (p->family == 4 ? (oip[0] & 0xf) * 4 : 40), 2);
			pc->float_tsc = b->now;
			CNT(b->lc, vpn_floats);
		}
		pc->last_rx = b->now;
		pc->rx_pkts++;
		pc->rx_bytes += len;
		if (len == sizeof(vpn_ping) && memcmp(in, vpn_ping, sizeof(vpn_ping)) == 0) {
			rte_pktmbuf_free(o->m); /* keepalive */
			continue;
		}
		tot = ver == 4 && len >= 20 ? rd16(in + 2) : ver == 6 && len >= 40 ? 40u + rd16(in + 4) : 0;
		if (!tot || tot > len) {
			CNT(b->lc, drop_vpn_bad);
			rte_pktmbuf_free(o->m);
			continue;
		}
		if (ver == 6 && ((in[8] == 0xfe && (in[9] & 0xc0) == 0x80) || in[24] == 0xff)) {
			/* link-local and multicast stay on the peer's link */
			CNT(b->lc, drop_vpn_bad);
			rte_pktmbuf_free(o->m);
			continue;
		}
		/* a client sends from its tunnel address; a server, from anywhere */
		if (!p->is_server && (ver == 4 ? !p->has4 || memcmp(in + 12, &p->tun4, 4) != 0
					       : !p->has6 || memcmp(in + 8, p->tun6, 16) != 0)) {
			CNT(b->lc, drop_vpn_spoofed);
			rte_pktmbuf_free(o->m);
			continue;
		}
		/* the inner packet behind an Ethernet header of our own */
		e = (uint8_t *)rte_pktmbuf_adj(o->m, (uint16_t)(o->off + VPN_DATA_OVERHEAD - 14));
		rte_pktmbuf_trim(o->m, (uint16_t)(len - tot));
		memcpy(e, mac, 6);
		memcpy(e + 6, mac, 6);
		e[12] = ver == 4 ? 0x08 : 0x86;
		e[13] = ver == 4 ? 0x00 : 0xdd;
		o->m->port = DP_VPN_PORT;
		c = &tb->p[tb->n++];
		c->m = o->m;
		c->state = PKT_LIVE;
		c->nh = 0;
		c->nat_in = c->nat_out = 0;
		c->tun = NULL;
		c->vpn_local = false;
	}
	b->n_vops = 0;
}

static void stage_local(struct burst *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		struct pkt_ctx *c = &b->p[i];

		if (c->state != PKT_LIVE ||
		    (b->rt->nh[c->nh].type != DP_NH_LOCAL && !c->vpn_local))
			continue;
		if (b->from_punt) {
			drop(b, c, DP_CNT_drop_unsupported);
			continue;
		}
		if (!b->from_tunnel && c->pi.l4_proto == DP_IPPROTO_UDP && c->pi.l4_off &&
		    !(c->pi.flags & DP_PKT_F_FRAG) &&
		    ((b->vpn && c->pi.dport == b->vpn->port && vpn_take(b, c, b->vpn)) ||
		     (b->vpn_cli && c->pi.dport == b->vpn_cli->port && vpn_take(b, c, b->vpn_cli))))
			continue;
		if (b->from_tunnel)
			goto punt; /* echo, DNS: the kernel answers, back through the tunnel */
		if (b->dns && c->pi.l4_proto == DP_IPPROTO_UDP && c->pi.l4_off &&
		    c->pi.dport == 53 && !(c->pi.flags & DP_PKT_F_FRAG) && dns_fast(b, c))
			continue;
		if (((c->pi.l3 == DP_L3_IPV4 && c->pi.l4_proto == DP_IPPROTO_ICMP &&
		      c->pi.icmp_type == 8) ||
		     (c->pi.l3 == DP_L3_IPV6 && c->pi.l4_proto == DP_IPPROTO_ICMPV6 &&
		      c->pi.icmp_type == 128)) &&
		    dp_icmp_echo_reply(pkt_data(c->m), c->m->data_len, &c->pi) == 0) {
			CNT(b->lc, echo_replies_sent);
			send_out(b, c, b->in_port);
			continue;
		}
punt:
		if (dp.punt_port_id < 0) {
			drop(b, c, DP_CNT_drop_unsupported);
			continue;
		}
		/* the kernel accepts it only when addressed to the TAP's MAC */
		memcpy(pkt_data(c->m), dp.ports[dp.port_index[dp.punt_port_id]].mac.addr_bytes, 6);
		CNT(b->lc, punted);
		tx_enqueue(b->lc, (uint16_t)dp.punt_port_id, c->m);
		c->state = PKT_DONE;
	}
	if (b->n_vops)
		vpn_rx(b);
}

static uint8_t fw_action(const struct dp_fw *fw, uint32_t rule)
{
	return rule < fw->n_rules ? fw->view.meta[rule].action : fw->view.hdr.default_action;
}

/* Queue a firewall log record for the agent. */
static void fw_log(struct burst *b, const struct fw_key *k, uint32_t rule, uint8_t action)
{
	struct dp_fw_log r = {
		.tsc = b->now,
		.generation = b->fw->generation,
		.rule = rule,
		.action = action,
		.family = k->family,
		.proto = k->proto,
		.in_port = k->in_port,
		.out_port = k->out_port,
		.sport = k->sport,
		.dport = k->dport,
	};

	memcpy(r.src, k->src, 16);
	memcpy(r.dst, k->dst, 16);
	dp_log_push(b->lc, b->fw->view.hdr.log_rate, &r);
}

static void fw_reject(struct burst *b, struct pkt_ctx *c)
{
	bool v4 = c->pi.l3 == DP_L3_IPV4;
	struct rte_mbuf *e;
	size_t len;

	if (b->from_tunnel)
		return; /* no way back into the tunnel from here: dropped silently */
	if (c->pi.l4_proto != DP_IPPROTO_TCP) {
		/* administratively prohibited (RFC 1812 §5.2.7.1, RFC 4443 §3.1) */
		icmp_error(b->lc, b->rt, c->m, &c->pi, v4 ? DP_ICMP_UNREACH : DP_ICMP6_UNREACH,
			   v4 ? 13 : 1, 0, b->now);
		CNT(b->lc, fw_rejects_sent);
		return;
	}
	if (!icmp_rate_ok(b->lc, b->rt, b->now)) {
		CNT(b->lc, icmp_errors_ratelimited);
		return;
	}
	e = rte_pktmbuf_alloc(dp.pool);
	if (!e) {
		CNT(b->lc, drop_nombuf);
		return;
	}
	len = dp_tcp_rst_build(pkt_data(e), pkt_data(c->m), c->m->data_len, &c->pi,
			       dp.ports[dp.port_index[b->in_port]].mac.addr_bytes);
	if (!len) {
		rte_pktmbuf_free(e);
		return;
	}
	e->data_len = e->pkt_len = (uint32_t)len;
	CNT(b->lc, fw_rejects_sent);
	tx_enqueue(b->lc, b->in_port, e);
}

/* ---- NAT44 ----
 * The way in (stage_nat_in, before the route lookup): a packet to a public
 * address is given its inside destination, from a port forward (rdr) or from
 * the mapping its destination port belongs to; ICMP errors quoting a public
 * endpoint likewise. The firewall then sees inside addresses, and a new
 * connection that a nat rule matches gets its mapping (nat_connect). The way
 * out (stage_nat_out, after the forwarding checks) writes the public source.
 * Mappings are flow table entries keyed by the inside endpoint, each with an
 * alias keyed by the public one; connections hold their mapping, mappings
 * their host's count; ports come from the worker's own slice of the pool. */

static void nat_key(struct dp_flow_key *k, uint8_t fam, uint32_t addr, uint16_t port, uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->a, &addr, 4);
	k->pa = port;
	k->proto = proto;
	k->family = fam;
}

static struct dp_flow *nat_find(uint8_t fam, uint32_t addr, uint16_t port, uint8_t proto)
{
	struct dp_flow_key k;

	nat_key(&k, fam, addr, port, proto);
	return dp_flow_lookup(dp.flows, &k, dp_flow_hash(&k));
}

/* ---- fragments: the first one's verdict and translation for the rest ----
 * A first fragment that passes leaves an entry keyed by (source,
 * destination, identification, protocol); later fragments of the datagram
 * find it and follow. A later fragment that comes before its first is
 * dropped: nothing is held back or reassembled. */
static void frag_key(struct dp_flow_key *k, uint8_t fam, const uint8_t *ip)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->a, ip + 12, 4);
	memcpy(k->b, ip + 16, 4);
	k->pa = rd16(ip + 4);
	k->proto = ip[9];
	k->family = fam;
}

/* Note a first fragment (ip as it is now) with what the way in or out
 * writes into the later ones (0: nothing). */
static void frag_note(struct burst *b, uint8_t fam, const uint8_t *ip, uint32_t xaddr)
{
	struct dp_flow_key k;
	uint64_t h;
	struct dp_flow_init init = { .kind = DP_FLOW_K_FRAG, .xaddr = { xaddr } };

	frag_key(&k, fam, ip);
	h = dp_flow_hash(&k);
	if (!dp_flow_lookup(dp.flows, &k, h))
		dp_flow_insert(dp.flows, b->lc->worker_index, &k, h, b->now_s, &init);
}

static struct dp_flow *frag_find(uint8_t fam, const uint8_t *ip)
{
	struct dp_flow_key k;

	frag_key(&k, fam, ip);
	return dp_flow_lookup(dp.flows, &k, dp_flow_hash(&k));
}

static bool nat_is_pub(const struct dp_fw *fw, uint32_t a)
{
	for (unsigned i = 0; i < fw->n_pub; i++)
		if (fw->pub[i] == a)
			return true;
	return false;
}

/* The rdr rule forwarding (proto, dst:dport) to a packet from src:sport on
 * in_port, or UINT32_MAX. */
static uint32_t nat_rdr(const struct dp_fw *fw, uint8_t in_port, uint8_t proto, uint32_t src,
			uint32_t dst, uint16_t sport, uint16_t dport)
{
	struct fw_key k = {
		.family = 4,
		.proto = proto,
		.in_port = in_port,
		.out_port = 0xfe, /* no nat rule ("out on" a port) matches */
		.sport = sport,
		.dport = dport,
	};
	uint32_t r;

	memcpy(k.src, &src, 4);
	memcpy(k.dst, &dst, 4);
	r = fw_class_lookup(fw->nat_cl, &k);
	return r < fw->n_nat && fw->view.nat_meta[r].kind == FW_RDR ? r : UINT32_MAX;
}

static uint16_t nat_rdr_port(const struct fw_nat_meta *m, uint16_t dport)
{
	return m->to_port ? (uint16_t)(m->to_port + (dport - m->from_lo)) : dport;
}

/* Where a public endpoint (addr:port, proto) leads inside: a port forward
 * (asked as for a packet from peer:pport), else a mapping. */
static bool nat_inside(const struct dp_fw *fw, struct pkt_ctx *c, uint8_t in_port, uint8_t proto,
		       uint32_t peer, uint16_t pport, uint32_t addr, uint16_t port,
		       uint32_t *to_addr, uint16_t *to_port)
{
	struct dp_flow *a;
	uint32_t r = proto != DP_IPPROTO_ICMP ? nat_rdr(fw, in_port, proto, peer, addr, pport, port)
					      : UINT32_MAX;

	if (r != UINT32_MAX) {
		const struct fw_nat_meta *m = &fw->view.nat_meta[r];

		*to_addr = m->addrs[0];
		*to_port = nat_rdr_port(m, port);
		c->nat_in = NAT_IN_RDR;
		c->nat_pub_port = m->port;
		return true;
	}
	a = nat_find(DP_FLOW_FAM_ALIAS, addr, port, proto);
	if (!a)
		return false;
	*to_addr = a->xaddr[0];
	*to_port = a->xport[0];
	c->nat_in = NAT_IN_MAP;
	c->nat_map = a->peer;
	c->nat_pub_port = a->out_port;
	return true;
}

static void stage_nat_in(struct burst *b)
{
	const struct dp_fw *fw = b->fw;

	if (!fw || !fw->n_pub || b->from_punt)
		return;
	for (unsigned i = 0; i < b->n; i++) {
		struct pkt_ctx *c = &b->p[i];
		uint8_t *d, *ip, proto, in_port = (uint8_t)dp.port_index[b->in_port];
		uint32_t dst, to_addr;
		uint16_t to_port;

		if (c->state != PKT_LIVE || c->pi.l3 != DP_L3_IPV4)
			continue;
		d = pkt_data(c->m);
		ip = d + c->pi.l3_off;
		dst = rd32n(ip + 16);
		if (!nat_is_pub(fw, dst))
			continue;
		if (!c->pi.l4_off) {
			/* a later fragment: where its first one went */
			struct dp_flow *fr = frag_find(DP_FLOW_FAM_FRAG_IN, ip);

			if (fr && nat_rewrite_addr(d, c->m->data_len, &c->pi, NAT_DST,
						   rte_be_to_cpu_32(fr->xaddr[0])) == 0)
				CNT(b->lc, nat_in);
			continue;
		}
		proto = c->pi.l4_proto;
		c->nat_odst = dst;
		if (proto == DP_IPPROTO_TCP || proto == DP_IPPROTO_UDP ||
		    (proto == DP_IPPROTO_ICMP && c->pi.icmp_type == 0)) {
			uint16_t port = proto == DP_IPPROTO_ICMP ? rd16(d + c->pi.l4_off + 4)
								 : c->pi.dport;

			if (!nat_inside(fw, c, in_port, proto, rd32n(ip + 12), c->pi.sport, dst,
					port, &to_addr, &to_port))
				continue;
			c->nat_odport = port;
			if (nat_rewrite(d, c->m->data_len, &c->pi, NAT_DST,
					rte_be_to_cpu_32(to_addr), to_port) < 0) {
				drop(b, c, DP_CNT_drop_nat_unsupported);
				continue;
			}
			if (proto != DP_IPPROTO_ICMP)
				c->pi.dport = to_port;
			if (c->pi.flags & DP_PKT_F_FRAG) {
				/* the first fragment: the rest follow it in */
				uint8_t orig[20];

				memcpy(orig, ip, 20);
				memcpy(orig + 16, &dst, 4);
				frag_note(b, DP_FLOW_FAM_FRAG_IN, orig, to_addr);
			}
			CNT(b->lc, nat_in);
		} else if (proto == DP_IPPROTO_ICMP && dp_icmp_is_error(4, c->pi.icmp_type)) {
			struct dp_pkt_inner in;
			uint32_t qsrc, qdst;

			/* an error about a packet that left with a public source */
			if (dp_icmp_inner(d, c->m->data_len, &c->pi, &in) < 0 || in.family != 4 ||
			    !in.has_ports)
				continue;
			qsrc = rd32n(in.src);
			qdst = rd32n(in.dst);
			if (qsrc != dst ||
			    !nat_inside(fw, c, in_port, in.proto, qdst, in.dport, qsrc, in.sport,
					&to_addr, &to_port))
				continue;
			c->nat_in = NAT_IN_ERROR;
			if (nat_rewrite_icmp_error(d, c->m->data_len, &c->pi, NAT_DST,
						   rte_be_to_cpu_32(to_addr), to_port) < 0) {
				drop(b, c, DP_CNT_drop_nat_unsupported);
				continue;
			}
			CNT(b->lc, nat_icmp_errors);
		}
	}
}

/* A free port of w's slice of pool (not one a port forward takes). */
static uint16_t nat_port_get(const struct dp_fw *fw, struct dp_nat_pool *pool, int pi, uint8_t proto,
			     unsigned w)
{
	for (int tries = 0; tries < 8; tries++) {
		uint16_t port = nat_port_alloc(&pool->ports[pi], w);

		if (!port)
			return 0;
		if (proto == DP_IPPROTO_ICMP ||
		    nat_rdr(fw, FW_PORT_ANY - 1, proto, 0, pool->addr, 0, port) == UINT32_MAX)
			return port;
		nat_port_free(&pool->ports[pi], w, port);
	}
	return 0;
}

static void nat_log(struct burst *b, uint8_t event, uint32_t r, uint8_t proto, uint32_t in_addr,
		    uint16_t in_port, uint32_t pub, uint16_t pub_port)
{
	struct dp_fw_log rec = {
		.tsc = b->now,
		.generation = b->fw->generation,
		.rule = r,
		.action = event,
		.family = 4,
		.proto = proto,
		.out_port = b->fw->view.nat_meta[r].port,
		.sport = in_port,
		.dport = pub_port,
	};

	memcpy(rec.src, &in_addr, 4);
	memcpy(rec.dst, &pub, 4);
	dp_log_push(b->lc, b->fw->view.hdr.log_rate, &rec);
}

/* The mapping of the inside endpoint addr:port under nat rule r, found or
 * made, with a reference taken for the caller's connection. NULL with
 * *reason set when none can be had. */
static struct dp_flow *nat_mapping(struct burst *b, uint32_t r, uint32_t addr, uint16_t port,
				   uint8_t proto, enum dp_counter *reason)
{
	const struct dp_fw *fw = b->fw;
	const struct fw_nat_meta *meta = &fw->view.nat_meta[r];
	struct dp_flow_table *t = dp.flows;
	unsigned w = b->lc->worker_index;
	struct dp_flow *m = nat_find(DP_FLOW_FAM_MAP, addr, port, proto), *host, *alias;
	struct dp_flow_key k;
	struct dp_nat_pool *pool;
	struct dp_flow_init init = { .kind = DP_FLOW_K_HOST };
	int pi = proto == DP_IPPROTO_TCP ? DP_NAT_TCP : proto == DP_IPPROTO_UDP ? DP_NAT_UDP : DP_NAT_ICMP;
	uint32_t h;
	uint16_t pport;

	if (m && dp_flow_ref(m))
		return m; /* endpoint-independent: one mapping for every destination */
	*reason = DP_CNT_drop_fw_table_full;
	/* the host's count of mappings (its quota) */
	nat_key(&k, DP_FLOW_FAM_HOST, addr, 0, 0);
	host = dp_flow_lookup(t, &k, dp_flow_hash(&k));
	if (!host || !dp_flow_ref(host)) {
		host = dp_flow_insert(t, w, &k, dp_flow_hash(&k), b->now_s, &init);
		if (!host || !dp_flow_ref(host))
			return NULL;
	}
	if ((atomic_load_explicit(&host->refs, memory_order_relaxed) & ~DP_FLOW_REFS_DYING) >
	    fw->view.hdr.nat_host_limit) {
		dp_flow_unref(t, dp_flow_id(t, host), b->now_s);
		*reason = DP_CNT_drop_nat_host_limit;
		nat_log(b, DP_LOG_NAT_HOST_LIMIT, r, proto, addr, port, 0, 0);
		return NULL;
	}
	/* paired pooling (RFC 4787 REQ-2): a host always gets the same address */
	h = rte_be_to_cpu_32(addr) * 0x9e3779b1u;
	pool = dp.nat_pools[fw->nat_pool[r][(h >> 16) % meta->n_addrs]];
	pport = nat_port_get(fw, pool, pi, proto, w);
	if (!pport) {
		dp_flow_unref(t, dp_flow_id(t, host), b->now_s);
		*reason = DP_CNT_drop_nat_ports_exhausted;
		nat_log(b, DP_LOG_NAT_PORTS_EXHAUSTED, r, proto, addr, port, pool->addr, 0);
		return NULL;
	}
	init = (struct dp_flow_init){
		.kind = DP_FLOW_K_MAP,
		.rule = r,
		.nat = (meta->flags & FW_RULE_F_LOG) ? DP_FLOW_NAT_LOG : 0,
		.out_port = meta->port,
		.pool = fw->nat_pool[r][(h >> 16) % meta->n_addrs],
		.hold = dp_flow_id(t, host),
		.xaddr = { pool->addr },
		.xport = { pport },
	};
	nat_key(&k, DP_FLOW_FAM_MAP, addr, port, proto);
	m = dp_flow_insert(t, w, &k, dp_flow_hash(&k), b->now_s, &init);
	if (!m) {
		nat_port_free(&pool->ports[pi], w, pport);
		dp_flow_unref(t, dp_flow_id(t, host), b->now_s);
		return NULL;
	}
	init = (struct dp_flow_init){
		.kind = DP_FLOW_K_ALIAS,
		.out_port = meta->port,
		.peer = dp_flow_id(t, m),
		.xaddr = { addr },
		.xport = { port },
	};
	nat_key(&k, DP_FLOW_FAM_ALIAS, pool->addr, pport, proto);
	alias = dp_flow_insert(t, w, &k, dp_flow_hash(&k), b->now_s, &init);
	if (!alias) {
		dp_flow_kill(m); /* the sweep gives back its port and host count */
		return NULL;
	}
	m->peer = dp_flow_id(t, alias); /* read only by this worker, at unlink */
	dp_flow_ref(m);
	CNT(b->lc, nat_mappings_created);
	if (meta->flags & FW_RULE_F_LOG)
		nat_log(b, DP_LOG_NAT_CREATE, r, proto, addr, port, pool->addr, pport);
	return m;
}

/* A new connection: its translations, into init (and a mapping reference
 * in init->hold). Returns 0 or the counter of the drop. */
static int nat_connect(struct burst *b, struct pkt_ctx *c, const struct fw_key *k,
		       struct dp_flow_init *init)
{
	const struct dp_fw *fw = b->fw;
	const uint8_t *d = pkt_data(c->m);
	struct fw_key hk;
	enum dp_counter reason;
	uint32_t r, src;
	uint16_t sport;
	struct dp_flow *m;
	uint8_t proto = k->proto;

	if (c->nat_in == NAT_IN_RDR) {
		init->nat |= DP_FLOW_NAT_DST;
		init->xaddr[1] = c->nat_odst;
		init->xport[1] = c->nat_odport;
	}
	r = fw_class_lookup(fw->nat_cl, k);
	if (r < fw->n_nat && fw->view.nat_meta[r].kind != FW_NAT)
		r = fw->n_nat;
	if (r >= fw->n_nat && c->nat_in && k->out_port != c->nat_pub_port) {
		/* from inside to a public address and back inside: hairpinning
		 * (RFC 4787 REQ-9) wants the source translated as if it left */
		hk = *k;
		hk.out_port = c->nat_pub_port;
		r = fw_class_lookup(fw->nat_cl, &hk);
		if (r < fw->n_nat && fw->view.nat_meta[r].kind != FW_NAT)
			r = fw->n_nat;
		if (r < fw->n_nat)
			CNT(b->lc, nat_hairpins);
	}
	if (r >= fw->n_nat)
		return 0;
	if (proto != DP_IPPROTO_TCP && proto != DP_IPPROTO_UDP &&
	    !(proto == DP_IPPROTO_ICMP && c->pi.icmp_type == 8))
		return DP_CNT_drop_nat_unsupported;
	src = rd32n(d + c->pi.l3_off + 12);
	sport = proto == DP_IPPROTO_ICMP ? rd16(d + c->pi.l4_off + 4) : c->pi.sport;
	m = nat_mapping(b, r, src, sport, proto, &reason);
	if (!m)
		return reason;
	init->nat |= DP_FLOW_NAT_SRC;
	init->xaddr[0] = m->xaddr[0];
	init->xport[0] = m->xport[0];
	init->hold = dp_flow_id(dp.flows, m);
	return 0;
}

/* The way out for a packet of connection f: the public source, if its
 * sender's endpoint is translated. */
static inline void nat_plan(struct pkt_ctx *c, const struct dp_flow *f, bool opener)
{
	if (likely(!f->nat))
		return;
	if (opener && (f->nat & DP_FLOW_NAT_SRC)) {
		c->nat_out = NAT_OUT_PKT;
		c->nat_addr = f->xaddr[0];
		c->nat_port = f->xport[0];
	} else if (!opener && (f->nat & DP_FLOW_NAT_DST)) {
		c->nat_out = NAT_OUT_PKT;
		c->nat_addr = f->xaddr[1];
		c->nat_port = f->xport[1];
	}
}

/* An ICMP error about a packet of f (sent by the opener when
 * quoted_by_opener) goes back to that packet's sender, from the other side:
 * it must show the other side's public endpoint. */
static inline void nat_plan_error(struct pkt_ctx *c, const struct dp_flow *f,
				  bool quoted_by_opener)
{
	if (likely(!f->nat))
		return;
	if (!quoted_by_opener && (f->nat & DP_FLOW_NAT_SRC)) {
		c->nat_out = NAT_OUT_ERROR;
		c->nat_addr = f->xaddr[0];
		c->nat_port = f->xport[0];
	} else if (quoted_by_opener && (f->nat & DP_FLOW_NAT_DST)) {
		c->nat_out = NAT_OUT_ERROR;
		c->nat_addr = f->xaddr[1];
		c->nat_port = f->xport[1];
	}
}

static void stage_nat_out(struct burst *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		struct pkt_ctx *c = &b->p[i];
		int rc;

		if (likely(c->nat_out == NAT_OUT_NONE) || c->state != PKT_LIVE)
			continue;
		if (c->nat_out == NAT_OUT_PKT) {
			rc = nat_rewrite(pkt_data(c->m), c->m->data_len, &c->pi, NAT_SRC,
					 rte_be_to_cpu_32(c->nat_addr), c->nat_port);
			CNT(b->lc, nat_out);
		} else if (c->nat_out == NAT_OUT_ADDR) {
			rc = nat_rewrite_addr(pkt_data(c->m), c->m->data_len, &c->pi, NAT_SRC,
					      rte_be_to_cpu_32(c->nat_addr));
			CNT(b->lc, nat_out);
		} else {
			rc = nat_rewrite_icmp_error(pkt_data(c->m), c->m->data_len, &c->pi, NAT_SRC,
						    rte_be_to_cpu_32(c->nat_addr), c->nat_port);
			CNT(b->lc, nat_icmp_errors);
		}
		if (unlikely(rc < 0))
			drop(b, c, DP_CNT_drop_nat_unsupported);
	}
}

/* A flow admitted by older rules: does the current set still pass it?
 * Asked as for the flow's first packet, in the opener's direction. */
static bool fw_recheck(struct burst *b, struct dp_flow *f)
{
	const struct dp_flow_key *fk = &f->key;
	struct fw_key k = {
		.family = fk->family,
		.proto = fk->proto,
		.in_port = f->in_port,
		.out_port = f->out_port,
	};
	uint32_t rule;

	memcpy(k.src, f->opener_a ? fk->a : fk->b, 16);
	memcpy(k.dst, f->opener_a ? fk->b : fk->a, 16);
	if (fk->proto == DP_IPPROTO_ICMP || fk->proto == DP_IPPROTO_ICMPV6) {
		k.sport = fk->proto == DP_IPPROTO_ICMP ? 8 : 128; /* echo request */
		k.dport = 0;
	} else if (fk->proto == DP_IPPROTO_TCP || fk->proto == DP_IPPROTO_UDP) {
		k.sport = f->opener_a ? fk->pa : fk->pb;
		k.dport = f->opener_a ? fk->pb : fk->pa;
	}
	CNT(b->lc, fw_rechecked);
	rule = fw_class_lookup(b->fw->cl, &k);
	if (fw_action(b->fw, rule) != FW_PASS)
		return false;
	f->rule = rule;
	return true;
}

/* What the firewall needs of one packet, worked out for the whole burst in a
 * first pass: the lookups of the second pass are then independent of each
 * other and the core overlaps their cache misses (rampart-flowbench: 1000
 * flows 100 -> 67 cycles a packet, 10 000 flows 163 -> 78). */
struct fw_pre {
	struct fw_key k;
	struct dp_flow_key fk;
	uint64_t h;
	uint8_t tflags;
	bool from_a, track, creates, icmp, echo_req, frag_later;
};

/* The first pass: the classifier's key, the flow key and its hash. Returns
 * false when the packet was dropped. */
static bool fw_prepare(struct burst *b, struct pkt_ctx *c, uint16_t out_port, struct fw_pre *p)
{
	enum { TH_SYN = 0x02, TH_ACK = 0x10 };
	const uint8_t *d = pkt_data(c->m);
	bool v4 = c->pi.l3 == DP_L3_IPV4, from_a = true, track = true, creates = true;
	const uint8_t *src = d + c->pi.l3_off + (v4 ? 12 : 8), *dst = src + (v4 ? 4 : 16);
	uint8_t proto = c->pi.l4_proto, family = v4 ? 4 : 6, tflags = 0;
	struct fw_key k = {
		.family = family,
		.proto = proto,
		.in_port = (uint8_t)dp.port_index[b->in_port],
		.out_port = (uint8_t)dp.port_index[out_port],
	};
	uint16_t fsp = 0, fdp = 0;
	bool icmp = proto == (v4 ? DP_IPPROTO_ICMP : DP_IPPROTO_ICMPV6), echo_req = false;

	memcpy(k.src, src, v4 ? 4 : 16);
	memcpy(k.dst, dst, v4 ? 4 : 16);
	p->frag_later = false;
	if (proto == DP_IPPROTO_TCP || proto == DP_IPPROTO_UDP || icmp) {
		if (!c->pi.l4_off) {
			/* a later fragment: no ports; it follows its first fragment */
			if (!v4) {
				drop(b, c, DP_CNT_drop_fw_fragment);
				return false;
			}
			*p = (struct fw_pre){ .k = k, .frag_later = true };
			frag_key(&p->fk, DP_FLOW_FAM_FRAG, src - 12);
			p->h = dp_flow_hash(&p->fk);
			dp_flow_prefetch(dp.flows, p->h);
			return true;
		}
	}
	if (proto == DP_IPPROTO_TCP || proto == DP_IPPROTO_UDP) {
		k.sport = fsp = c->pi.sport;
		k.dport = fdp = c->pi.dport;
		if (proto == DP_IPPROTO_TCP) {
			tflags = d[c->pi.l4_off + 13];
			creates = (tflags & (TH_SYN | TH_ACK)) == TH_SYN;
		}
	} else if (icmp) {
		uint8_t req = v4 ? 8 : 128, rep = v4 ? 0 : 129;

		k.sport = c->pi.icmp_type;
		k.dport = c->pi.icmp_code;
		echo_req = c->pi.icmp_type == req;
		if (echo_req || c->pi.icmp_type == rep) {
			fsp = fdp = rd16(d + c->pi.l4_off + 4); /* the identifier */
			creates = echo_req;
		} else {
			track = false;
		}
	}
	if (track) {
		dp_flow_key_make(&p->fk, family, proto, src, dst, fsp, fdp, &from_a);
		p->h = dp_flow_hash(&p->fk);
		/* the second pass reads the buckets: start fetching them now */
		dp_flow_prefetch(dp.flows, p->h);
	}
	p->k = k;
	p->tflags = tflags;
	p->from_a = from_a;
	p->track = track;
	p->creates = creates;
	p->icmp = icmp;
	p->echo_req = echo_req;
	return true;
}

/* Endpoint-independent filtering (RFC 4787 REQ-8): a packet to a mapping
 * from anywhere opens a connection to the inside endpoint, which answers as
 * its public endpoint. */
static void fw_admit_eif(struct burst *b, struct pkt_ctx *c, struct fw_pre *p)
{
	struct dp_flow_table *t = dp.flows;
	struct dp_flow *m = &t->flows[c->nat_map - 1], *f;
	struct dp_flow_init init = {
		.generation = b->fw->generation,
		.rule = b->fw->n_rules,
		.opener_a = p->from_a,
		.in_port = p->k.in_port,
		.out_port = p->k.out_port,
		.nat = DP_FLOW_NAT_DST | DP_FLOW_NAT_EIF,
		.xaddr = { 0, c->nat_odst },
		.xport = { 0, c->nat_odport },
		.hold = c->nat_map,
	};

	if (!dp_flow_ref(m)) {
		drop(b, c, DP_CNT_drop_nat_filtered); /* the mapping is going */
		return;
	}
	f = dp_flow_insert(t, b->lc->worker_index, &p->fk, p->h, b->now_s, &init);
	if (!f) {
		dp_flow_unref(t, c->nat_map, b->now_s);
		drop(b, c, DP_CNT_drop_fw_table_full);
		return;
	}
	dp_flow_update(f, true, p->tflags);
	CNT(b->lc, fw_new_flows);
}

/* The second pass: one forwarded packet through connection tracking and the
 * rules. Returns with the packet still live (passed) or done (dropped). */
static void fw_packet(struct burst *b, struct pkt_ctx *c, struct fw_pre *p)
{
	const struct dp_fw *fw = b->fw;
	const uint8_t *d = pkt_data(c->m);
	const struct fw_key *k = &p->k;
	uint8_t proto = k->proto, family = k->family, tflags = p->tflags;
	bool from_a = p->from_a, track = p->track, creates = p->creates, icmp = p->icmp,
	     echo_req = p->echo_req;
	struct dp_flow *f;
	uint32_t rule;
	uint8_t act;

	if (p->frag_later) {
		f = dp_flow_lookup(dp.flows, &p->fk, p->h);
		if (!f) {
			drop(b, c, DP_CNT_drop_fw_fragment);
			return;
		}
		if (f->xaddr[0]) {
			c->nat_out = NAT_OUT_ADDR;
			c->nat_addr = f->xaddr[0];
		}
		CNT(b->lc, fw_fragments);
		return;
	}
	f = track ? dp_flow_lookup(dp.flows, &p->fk, p->h) : NULL;

	if (f) {
		bool opener = from_a == (bool)f->opener_a;

		if (icmp && opener != echo_req) {
			f = NULL; /* a request the wrong way: not part of this flow */
		} else if (proto == DP_IPPROTO_TCP && opener && creates &&
			   dp_flow_class_of(f) == DP_FLOW_CL_TCP_CLOSED) {
			dp_flow_kill(f); /* the ports are reused by a new connection */
			f = NULL;
		}
	}
	if (f) {
		bool opener = from_a == (bool)f->opener_a;

		if (atomic_load_explicit(&f->generation, memory_order_relaxed) != fw->generation) {
			/* a connection a mapping admitted (endpoint-independent
			 * filtering) was not admitted by a rule: nothing to re-check */
			if (!(fw->view.hdr.flags & FW_WIRE_F_KEEP_FLOWS) &&
			    !(f->nat & DP_FLOW_NAT_EIF) && !fw_recheck(b, f)) {
				dp_flow_kill(f);
				drop(b, c, DP_CNT_drop_fw_revoked);
				return;
			}
			atomic_store_explicit(&f->generation, fw->generation, memory_order_relaxed);
		}
		dp_flow_update(f, opener, tflags);
		if (atomic_load_explicit(&f->last_seen, memory_order_relaxed) != b->now_s)
			atomic_store_explicit(&f->last_seen, b->now_s, memory_order_relaxed);
		nat_plan(c, f, opener);
		CNT(b->lc, fw_flow_pkts);
		return;
	}
	if (icmp && dp_icmp_is_error(family, c->pi.icmp_type)) {
		struct dp_pkt_inner in;
		struct dp_flow_key ik;
		bool ia;

		/* RFC 5508 §4 / RFC 792: an error about a tracked flow belongs to it */
		if (dp_icmp_inner(d, c->m->data_len, &c->pi, &in) == 0 && in.family == family) {
			struct dp_flow *rf;

			dp_flow_key_make(&ik, family, in.proto, in.src, in.dst, in.sport, in.dport,
					 &ia);
			rf = dp_flow_lookup(dp.flows, &ik, dp_flow_hash(&ik));
			if (rf) {
				nat_plan_error(c, rf, ia == (bool)rf->opener_a);
				CNT(b->lc, fw_icmp_related);
				return;
			}
		}
	}
	if (c->nat_in == NAT_IN_MAP) {
		/* to a mapping, from an endpoint its connections do not know */
		if (!(fw->view.hdr.flags & FW_WIRE_F_NAT_EIF) || !creates) {
			drop(b, c, DP_CNT_drop_nat_filtered);
			return;
		}
		fw_admit_eif(b, c, p);
		return;
	}
	rule = fw_class_lookup(fw->cl, k);
	act = fw_action(fw, rule);
	{
		struct dp_rule_counter *rc =
			&fw->counters[b->lc->worker_index * fw->counter_stride + rule];

		rc->pkts++;
		rc->bytes += c->m->pkt_len;
	}
	if (rule < fw->n_rules && (fw->view.meta[rule].flags & FW_RULE_F_LOG))
		fw_log(b, k, rule, act);
	if (act == FW_PASS) {
		struct dp_flow_init init = {
			.generation = fw->generation,
			.rule = rule,
			.opener_a = from_a,
			.in_port = k->in_port,
			.out_port = k->out_port,
		};

		if (!track || (!creates && proto != DP_IPPROTO_TCP)) {
			CNT(b->lc, fw_stateless_pass);
			return;
		}
		if (!creates) {
			drop(b, c, DP_CNT_drop_fw_not_syn);
			return;
		}
		if (fw->n_nat && family == 4) {
			int why = nat_connect(b, c, k, &init);

			if (why) {
				/* out of ports or over its limit: tell the host at once
				 * (reset or unreachable), as a reject rule would */
				if (why == DP_CNT_drop_nat_ports_exhausted ||
				    why == DP_CNT_drop_nat_host_limit)
					fw_reject(b, c);
				drop(b, c, (enum dp_counter)why);
				return;
			}
		}
		f = dp_flow_insert(dp.flows, b->lc->worker_index, &p->fk, p->h, b->now_s, &init);
		if (!f) {
			if (init.hold)
				dp_flow_unref(dp.flows, init.hold, b->now_s);
			drop(b, c, DP_CNT_drop_fw_table_full);
			return;
		}
		dp_flow_update(f, true, tflags);
		nat_plan(c, f, true);
		CNT(b->lc, fw_new_flows);
		return;
	}
	if (act == FW_REJECT) {
		fw_reject(b, c);
		drop(b, c, DP_CNT_drop_fw_reject);
		return;
	}
	drop(b, c, DP_CNT_drop_fw_block);
}

static void stage_firewall(struct burst *b)
{
	struct fw_pre pre[DP_BURST];
	bool todo[DP_BURST];

	if (!b->fw || b->from_punt)
		return;
	for (unsigned i = 0; i < b->n; i++) {
		struct pkt_ctx *c = &b->p[i];
		const struct dp_nexthop *nh;

		todo[i] = false;
		if (c->state != PKT_LIVE)
			continue;
		nh = &b->rt->nh[c->nh];
		/* what is not forwarded is dropped by the next stage anyway */
		if (c->tun)
			todo[i] = fw_prepare(b, c, DP_VPN_PORT, &pre[i]);
		else if (nh->type == DP_NH_FORWARD)
			todo[i] = fw_prepare(b, c, nh->port_id, &pre[i]);
	}
	for (unsigned i = 0; i < b->n; i++) {
		struct pkt_ctx *c = &b->p[i];

		if (!todo[i])
			continue;
		fw_packet(b, c, &pre[i]);
		if (unlikely(c->pi.flags & DP_PKT_F_FRAG) && c->state == PKT_LIVE &&
		    c->pi.l3 == DP_L3_IPV4 && c->pi.l4_off)
			frag_note(b, DP_FLOW_FAM_FRAG, pkt_data(c->m) + c->pi.l3_off,
				  c->nat_out == NAT_OUT_PKT ? c->nat_addr : 0);
	}
}

static void stage_forward(struct burst *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		struct pkt_ctx *c = &b->p[i];
		const struct dp_nexthop *nh;
		uint8_t *ip;
		uint32_t mtu;
		bool v4;

		if (c->state != PKT_LIVE)
			continue;
		nh = &b->rt->nh[c->nh];
		v4 = c->pi.l3 == DP_L3_IPV4;
		if (c->tun) {
			mtu = c->tun->tun_mtu;
			goto checks;
		}
		mtu = dp.ports[dp.port_index[nh->port_id]].mtu;
		switch (nh->type) {
		case DP_NH_FORWARD:
			break;
		case DP_NH_BLACKHOLE:
			drop(b, c, DP_CNT_drop_blackhole);
			continue;
		case DP_NH_UNREACH:
			icmp_error(b->lc, b->rt, c->m, &c->pi,
				   v4 ? DP_ICMP_UNREACH : DP_ICMP6_UNREACH,
				   v4 ? DP_ICMP_UNREACH_HOST : DP_ICMP6_UNREACH_ADDR, 0, b->now);
			drop(b, c, DP_CNT_drop_blackhole);
			continue;
		default:
			icmp_error(b->lc, b->rt, c->m, &c->pi,
				   v4 ? DP_ICMP_UNREACH : DP_ICMP6_UNREACH,
				   v4 ? DP_ICMP_UNREACH_NET : DP_ICMP6_UNREACH_NOROUTE, 0, b->now);
			drop(b, c, DP_CNT_drop_no_route);
			continue;
		}
checks:
		ip = pkt_data(c->m) + c->pi.l3_off;
		if (!b->from_punt) {
			if (c->pi.ttl <= 1) {
				icmp_error(b->lc, b->rt, c->m, &c->pi,
					   v4 ? DP_ICMP_TIMXCEED : DP_ICMP6_TIME_EXCEEDED, 0, 0,
					   b->now);
				drop(b, c, DP_CNT_drop_ttl_exceeded);
				continue;
			}
		}
		if (c->pi.l3_len > mtu) {
			/* RFC 1191 / RFC 8201; we do not fragment in transit */
			if (!v4 || (c->pi.flags & DP_PKT_F_DF))
				icmp_error(b->lc, b->rt, c->m, &c->pi,
					   v4 ? DP_ICMP_UNREACH : DP_ICMP6_PKT_TOO_BIG,
					   v4 ? DP_ICMP_UNREACH_NEEDFRAG : 0, mtu, b->now);
			drop(b, c, DP_CNT_drop_too_big);
			continue;
		}
		if (!b->from_punt) {
			if (v4)
				dp_ipv4_dec_ttl(ip);
			else
				ip[7]--;
		}
		if (b->from_punt)
			CNT(b->lc, from_punt);
		else if (v4)
			CNT(b->lc, fwd_ipv4);
		else
			CNT(b->lc, fwd_ipv6);
	}
}

/* Packets into a peer's tunnel: the plaintext (an IP packet, or a ping)
 * at l3_off, l3_len bytes, becomes the payload of P_DATA_V2 in UDP from the
 * server's port to the peer; the outer packet is routed like any other. */
static void stage_vpn_out(struct burst *b)
{
	struct dp_vpn_op ops[DP_BURST];
	unsigned idx[DP_BURST], n = 0;
	const struct dp_vpn_peer_rt *last_p = NULL;
	const uint8_t *last_src = NULL;
	uint64_t t0, last_nh = 0;

	for (unsigned i = 0; i < b->n; i++) {
		struct pkt_ctx *c = &b->p[i];
		const struct dp_vpn_peer_rt *p = c->tun;
		unsigned ipl, hdr;
		uint16_t inner;

		if (c->state != PKT_LIVE || !p)
			continue;
		if (unlikely(!p->tx)) {
			drop(b, c, DP_CNT_drop_vpn_key);
			continue;
		}
		ipl = p->family == 4 ? 20 : 40;
		hdr = 14 + ipl + 8 + VPN_DATA_OVERHEAD; /* before the plaintext */
		inner = c->pi.l3_len;
		rte_pktmbuf_adj(c->m, c->pi.l3_off);
		if (!rte_pktmbuf_prepend(c->m, (uint16_t)hdr)) {
			drop(b, c, DP_CNT_drop_vpn_bad);
			continue;
		}
		ops[n] = (struct dp_vpn_op){ .m = c->m,
					     .p = p,
					     .k = p->tx,
					     .off = (uint16_t)(14 + ipl + 8),
					     .len = (uint16_t)(inner + VPN_DATA_OVERHEAD) };
		idx[n++] = i;
	}
	if (!n)
		return;
	t0 = rte_rdtsc();
	dp_vpn_encrypt(ops, n);
	b->lc->cnt[DP_CNT_vpn_crypto_cycles] += rte_rdtsc() - t0;
	for (unsigned j = 0; j < n; j++) {
		struct pkt_ctx *c = &b->p[idx[j]];
		const struct dp_vpn_peer_rt *p = ops[j].p;
		struct dp_vpn_pcnt *pc =
			&dp.vpn_cnt[b->lc->worker_index * DP_VPN_CNT_SLOTS + p->cnt];
		uint8_t *d = pkt_data(c->m), *ip = d + 14, *udp;
		uint16_t ulen = (uint16_t)(8 + ops[j].len);
		const uint8_t *src;
		uint64_t nh;

		if (ops[j].status) {
			drop(b, c, (enum dp_counter)ops[j].status);
			continue;
		}
		/* a run of packets to one peer: its outer route and source once */
		if (p == last_p) {
			nh = last_nh;
			src = last_src;
			goto route_known;
		}
		if (p->family == 4) {
			uint32_t dst;

			memcpy(&dst, p->remote, 4);
			rte_fib_lookup_bulk(b->rt->fib4, (uint32_t[]){ rte_be_to_cpu_32(dst) },
					    &nh, 1);
		} else {
			uint8_t dst[1][16];

			memcpy(dst[0], p->remote, 16);
			rte_fib6_lookup_bulk(b->rt->fib6, dst, &nh, 1);
		}
		if (b->rt->nh[nh].type != DP_NH_FORWARD) {
			drop(b, c, DP_CNT_drop_no_route);
			continue;
		}
		if (p->has_local) {
			src = p->local;
		} else {
			const struct dp_addr *a =
				port_addr(b->rt, b->rt->nh[nh].port_id, p->family, p->remote);

			if (!a) {
				drop(b, c, DP_CNT_drop_no_route);
				continue;
			}
			src = a->addr;
		}
		last_p = p;
		last_nh = nh;
		last_src = src;
route_known:
		c->nh = (uint32_t)nh;
		if (p->family == 4) {
			struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

			d[12] = 0x08, d[13] = 0x00;
			*h = (struct rte_ipv4_hdr){
				.version_ihl = 0x45,
				.total_length = rte_cpu_to_be_16((uint16_t)(20 + ulen)),
				.packet_id = rte_cpu_to_be_16(b->lc->ip_id++),
				.time_to_live = 64,
				.next_proto_id = DP_IPPROTO_UDP,
			};
			memcpy(&h->src_addr, src, 4);
			memcpy(&h->dst_addr, p->remote, 4);
			h->hdr_checksum = rte_ipv4_cksum(h);
			udp = ip + 20;
			c->pi.l3 = DP_L3_IPV4;
			c->pi.l3_len = (uint16_t)(20 + ulen);
		} else {
			struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)ip;

			d[12] = 0x86, d[13] = 0xdd;
			*h = (struct rte_ipv6_hdr){
				.vtc_flow = rte_cpu_to_be_32(6u << 28),
				.payload_len = rte_cpu_to_be_16(ulen),
				.proto = DP_IPPROTO_UDP,
				.hop_limits = 64,
			};
			memcpy(h->src_addr, src, 16);
			memcpy(h->dst_addr, p->remote, 16);
			udp = ip + 40;
			c->pi.l3 = DP_L3_IPV6;
			c->pi.l3_len = (uint16_t)(40 + ulen);
		}
		memcpy(udp, &p->local_port, 2);
		memcpy(udp + 2, &p->remote_port, 2);
		udp[4] = (uint8_t)(ulen >> 8);
		udp[5] = (uint8_t)ulen;
		udp[6] = udp[7] = 0;
		if (p->family == 6) {
			uint16_t ck = rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)ip, udp);

			memcpy(udp + 6, &ck, 2);
		}
		c->pi.l3_off = 14;
		c->pi.l4_off = (uint16_t)(udp - d);
		if (c->pi.l3_len > dp.ports[dp.port_index[b->rt->nh[nh].port_id]].mtu) {
			drop(b, c, DP_CNT_drop_too_big); /* tun-mtu is too large for the port */
			continue;
		}
		CNT(b->lc, vpn_tx);
		b->lc->cnt[DP_CNT_vpn_tx_bytes] += ops[j].len - VPN_DATA_OVERHEAD;
		pc->last_tx = b->now;
		pc->tx_pkts++;
		pc->tx_bytes += ops[j].len - VPN_DATA_OVERHEAD;
	}
}

static void send_solicit(struct dp_lcore *lc, const struct dp_runtime *rt, uint16_t port,
			 uint8_t family, const uint8_t *target)
{
	const uint8_t *mac = dp.ports[dp.port_index[port]].mac.addr_bytes;
	const struct dp_addr *src = port_addr(rt, port, family, target);
	struct rte_mbuf *m;

	if (!src)
		return;
	m = rte_pktmbuf_alloc(dp.pool);
	if (!m) {
		CNT(lc, drop_nombuf);
		return;
	}
	if (family == 4) {
		static const uint8_t zero[6];

		m->data_len = (uint16_t)dp_arp_build(pkt_data(m), 1, mac,
						     (const uint8_t *)"\xff\xff\xff\xff\xff\xff",
						     mac, src->addr, zero, target);
		CNT(lc, arp_requests_sent);
	} else {
		m->data_len = (uint16_t)dp_nd_ns_build(pkt_data(m), mac, src->addr, target);
		CNT(lc, nd_solicits_sent);
	}
	m->pkt_len = m->data_len;
	tx_enqueue(lc, port, m);
}

static inline void l2_rewrite(struct rte_mbuf *m, uint16_t port, const uint8_t mac[6])
{
	uint8_t *d = pkt_data(m);

	memcpy(d, mac, 6);
	memcpy(d + 6, dp.ports[dp.port_index[port]].mac.addr_bytes, 6);
}

static void stage_neigh(struct burst *b)
{
	uint64_t reach = (uint64_t)DP_NEIGH_REACHABLE_S * dp.tsc_hz;
	uint64_t retry = (uint64_t)DP_NEIGH_RETRY_S * dp.tsc_hz;
	struct dp_neigh_entry *last = NULL;

	for (unsigned i = 0; i < b->n; i++) {
		struct pkt_ctx *c = &b->p[i];
		const struct dp_nexthop *nh;
		struct dp_neigh_entry *ne;
		uint8_t family, mac[6];
		const uint8_t *gw;

		if (c->state != PKT_LIVE)
			continue;
		nh = &b->rt->nh[c->nh];
		family = c->pi.l3 == DP_L3_IPV4 ? 4 : 6;
		gw = nh->connected ? pkt_data(c->m) + c->pi.l3_off + (family == 4 ? 16 : 24)
				   : nh->gw;
		/* consecutive packets mostly share a next hop: look it up once */
		if (last && last->port == nh->port_id && last->family == family &&
		    memcmp(last->ip, gw, family == 4 ? 4 : 16) == 0)
			ne = last;
		else
			ne = last = dp_neigh_get(&dp.neigh, nh->port_id, family, gw);
		if (unlikely(!ne)) {
			drop(b, c, DP_CNT_drop_neigh_queue_full);
			continue;
		}
		if (likely(dp_neigh_mac(ne, mac))) {
			/* probe a stale entry again, but keep using it */
			if (unlikely(b->now - atomic_load_explicit(&ne->confirmed_at,
								   memory_order_relaxed) >
				     reach) &&
			    !(atomic_load_explicit(&ne->mac, memory_order_relaxed) &
			      DP_NEIGH_STATIC) &&
			    dp_neigh_claim_request(ne, b->now, retry))
				send_solicit(b->lc, b->rt, nh->port_id, family, gw);
			l2_rewrite(c->m, nh->port_id, mac);
			send_out(b, c, nh->port_id);
			continue;
		}
		if (b->lc->n_pending == DP_PENDING_MAX) {
			drop(b, c, DP_CNT_drop_neigh_queue_full);
			continue;
		}
		b->lc->pending[b->lc->n_pending++] = (struct dp_pending){
			.m = c->m,
			.ne = ne,
			.deadline = b->now + (uint64_t)DP_NEIGH_WAIT_S * dp.tsc_hz,
		};
		c->state = PKT_DONE;
		if (dp_neigh_claim_request(ne, b->now, retry))
			send_solicit(b->lc, b->rt, nh->port_id, family, gw);
	}
}

/* Packets waiting for a neighbour: send those resolved, retry the request
 * once a second, give up after DP_NEIGH_WAIT_S with host unreachable. */
static void service_pending(struct dp_lcore *lc, const struct dp_runtime *rt, uint64_t now)
{
	uint64_t retry = (uint64_t)DP_NEIGH_RETRY_S * dp.tsc_hz;
	unsigned keep = 0;

	for (unsigned i = 0; i < lc->n_pending; i++) {
		struct dp_pending *p = &lc->pending[i];
		struct dp_neigh_entry *ne = p->ne;
		uint8_t mac[6];

		if (dp_neigh_mac(ne, mac)) {
			l2_rewrite(p->m, ne->port, mac);
			tx_enqueue(lc, ne->port, p->m);
			continue;
		}
		if (now >= p->deadline || !rt) {
			struct dp_pkt_info pi;

			if (rt && dp_pkt_parse(pkt_data(p->m), p->m->data_len, &pi) == 0)
				icmp_error(lc, rt, p->m, &pi,
					   pi.l3 == DP_L3_IPV4 ? DP_ICMP_UNREACH : DP_ICMP6_UNREACH,
					   pi.l3 == DP_L3_IPV4 ? DP_ICMP_UNREACH_HOST
							       : DP_ICMP6_UNREACH_ADDR,
					   0, now);
			CNT(lc, drop_neigh_unresolved);
			rte_pktmbuf_free(p->m);
			continue;
		}
		if (rt && dp_neigh_claim_request(ne, now, retry))
			send_solicit(lc, rt, ne->port, ne->family, ne->ip);
		lc->pending[keep++] = *p;
	}
	lc->n_pending = keep;
}

static void process_burst(struct burst *b)
{
	stage_parse(b);
	if (b->rt) {
		stage_l2(b);
		stage_nat_in(b);
		stage_route(b);
		stage_local(b);
		stage_firewall(b);
		stage_forward(b);
		stage_nat_out(b);
		if (b->vpn || b->vpn_cli)
			stage_vpn_out(b);
		stage_neigh(b);
	}
}

/* Keepalive: a ping to each peer nothing was sent to for ping_s (worker 0,
 * once a second), through the tunnel's way out. */
static void vpn_keepalive(struct burst *kb, const struct dp_vpn *v)
{
	uint64_t idle = (uint64_t)v->ping_s * dp.tsc_hz;

	kb->n = 0;
	for (unsigned i = 0; i <= v->n_peers; i++) {
		const struct dp_vpn_peer_rt *p = i < v->n_peers ? &v->peers[i] : NULL;
		uint64_t last = 0;
		struct pkt_ctx *c;
		struct rte_mbuf *m;

		if (kb->n == DP_BURST || (!p && kb->n)) {
			stage_vpn_out(kb);
			stage_neigh(kb);
			kb->n = 0;
		}
		if (!p || !p->tx || !v->ping_s)
			continue;
		for (unsigned w = 0; w < dp.n_workers; w++) {
			const struct dp_vpn_pcnt *pc = &dp.vpn_cnt[w * DP_VPN_CNT_SLOTS + p->cnt];

			if (pc->last_tx > last)
				last = pc->last_tx;
		}
		if (kb->now - last < idle)
			continue;
		m = rte_pktmbuf_alloc(dp.pool);
		if (!m) {
			CNT(kb->lc, drop_nombuf);
			continue;
		}
		memcpy(rte_pktmbuf_mtod(m, uint8_t *) + 14, vpn_ping, sizeof(vpn_ping));
		m->data_len = m->pkt_len = 14 + sizeof(vpn_ping);
		c = &kb->p[kb->n++];
		memset(c, 0, sizeof(*c));
		c->m = m;
		c->pi.l3_off = 14;
		c->pi.l3_len = sizeof(vpn_ping);
		c->tun = p;
		CNT(kb->lc, vpn_pings_sent);
	}
}

int dp_worker_main(void *arg)
{
	unsigned lcore = rte_lcore_id();
	struct dp_lcore *lc = &dp.lcores[lcore];
	struct burst t = { .lc = lc, .in_port = DP_VPN_PORT, .from_tunnel = true }, *tb = &t;
	struct burst b = { .lc = lc, .tb = tb };
	struct rte_mbuf *pkts[DP_BURST];

	(void)arg;
	rte_rcu_qsbr_thread_register(dp.rcu, lcore);
	rte_rcu_qsbr_thread_online(dp.rcu, lcore);
	lc->icmp_last_tsc = rte_rdtsc();
	while (!dp.quit) {
		const struct dp_runtime *rt =
			atomic_load_explicit(&dp.runtime, memory_order_acquire);
		uint64_t t0 = rte_rdtsc(), t1;
		unsigned got = 0;

		b.rt = rt;
		b.fw = atomic_load_explicit(&dp.fw, memory_order_acquire);
		b.dns = atomic_load_explicit(&dp.dns, memory_order_acquire);
		b.vpn = atomic_load_explicit(&dp.vpn, memory_order_acquire);
		b.vpn_cli = atomic_load_explicit(&dp.vpn_cli, memory_order_acquire);
		b.now_s = (uint32_t)((t0 - dp.start_tsc) / dp.tsc_hz);
		/* the tunnel's burst: field by field, not a 6 KB struct literal per poll */
		tb->rt = rt;
		tb->fw = b.fw;
		tb->dns = b.dns;
		tb->vpn = b.vpn;
		tb->vpn_cli = b.vpn_cli;
		tb->now_s = b.now_s;
		tb->now = t0;
		for (unsigned q = 0; q < lc->n_rx; q++) {
			uint64_t tr = rte_rdtsc(), io;
			uint16_t n = rte_eth_rx_burst(lc->rx[q].port_id, lc->rx[q].queue, pkts,
						      DP_BURST);

			if (!n)
				continue;
			got += n;
			lc->cnt[DP_CNT_rx_pkts] += n;
			b.in_port = lc->rx[q].port_id;
			b.from_punt = b.in_port == dp.punt_port_id;
			b.now = t0;
			b.n = n;
			for (unsigned i = 0; i < n; i++) {
				b.p[i].m = pkts[i];
				b.p[i].state = PKT_LIVE;
				b.p[i].nh = 0;
				b.p[i].nat_in = b.p[i].nat_out = 0;
				b.p[i].tun = NULL;
				b.p[i].vpn_local = false;
			}
			t1 = rte_rdtsc();
			lc->cnt[DP_CNT_port_io_cycles] += t1 - tr;
			io = lc->cnt[DP_CNT_port_io_cycles];
			process_burst(&b);
			if (tb->n) {
				process_burst(tb);
				tb->n = 0;
			}
			/* the transmit calls a full buffer makes within are port I/O */
			lc->cnt[DP_CNT_pipeline_cycles] +=
				rte_rdtsc() - t1 - (lc->cnt[DP_CNT_port_io_cycles] - io);
		}
		if ((b.vpn || b.vpn_cli) && rt && lc->worker_index == 0 && t0 >= lc->next_vpn_tsc) {
			if (b.vpn)
				vpn_keepalive(tb, b.vpn);
			if (b.vpn_cli)
				vpn_keepalive(tb, b.vpn_cli);
			lc->next_vpn_tsc = t0 + dp.tsc_hz;
		}
		if (t0 >= lc->next_flow_tsc) {
			/* expiry sweep over this worker's share of the flow table */
			uint64_t fseq = atomic_load_explicit(&dp.nat_flush_seq,
							     memory_order_acquire);

			if (fseq != lc->nat_flush_seen) {
				lc->nat_flush_seen = fseq;
				dp_nat_flush_worker(lc->worker_index);
			}
			dp_flow_expire(dp.flows, lc->worker_index, b.now_s, 256);
			lc->next_flow_tsc = t0 + dp.tsc_hz / 1000;
		}
		if (lc->n_pending && t0 >= lc->next_service_tsc) {
			service_pending(lc, rt, t0);
			lc->next_service_tsc = t0 + dp.tsc_hz / 1000;
		}
		for (unsigned p = 0; p < dp.n_ports; p++)
			tx_flush_port(lc, dp.ports[p].port_id);
		t1 = rte_rdtsc();
		if (got) {
			lc->cnt[DP_CNT_busy_cycles] += t1 - t0;
			lc->cnt[DP_CNT_busy_polls]++;
		} else {
			lc->cnt[DP_CNT_idle_polls]++;
		}
		/* between bursts this worker holds no pointer into the runtime */
		rte_rcu_qsbr_quiescent(dp.rcu, lcore);
		dp_flow_quiescent(dp.flows, lc->worker_index);
	}
	for (unsigned i = 0; i < lc->n_pending; i++)
		rte_pktmbuf_free(lc->pending[i].m);
	lc->n_pending = 0;
	for (unsigned p = 0; p < dp.n_ports; p++)
		tx_flush_port(lc, dp.ports[p].port_id);
	rte_rcu_qsbr_thread_offline(dp.rcu, lcore);
	rte_rcu_qsbr_thread_unregister(dp.rcu, lcore);
	return 0;
}
