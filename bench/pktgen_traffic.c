/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktgen_traffic.c - what rampart-pktgen sends and counts. Packets are built
 * once as templates (one per flow and frame size, checksums included) and
 * copied into mbufs from the pool per burst. One trial runs on one lcore:
 * transmit when the TSC says packets are due, receive between bursts, then
 * keep receiving for the rx timeout. One packet in N carries magic, sequence
 * number and TSC in its UDP payload; the receive side turns those into
 * latency samples. In the DNS mode (--dns) the templates are the queries of
 * pktgen_dns.c's set, one each, and the receive side counts the responses by
 * rcode. In the VPN mode (--vpn) the templates are the tunnel's inner packets:
 * upstream each burst is wrapped and encrypted (pktgen_vpn.c) before it goes,
 * downstream the receive side decrypts one in BENCH_VPN_CHECK_EVERY.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_udp.h>

#include "bench/pktgen.h"

volatile bool bench_quit;

/* IMIX 7:4:1 of 64, 570 and 1518 byte frames, interleaved */
static const unsigned imix_pattern[12] = { 64, 570, 64, 1518, 64, 570, 64, 570, 64, 64, 570, 64 };
/* In the VPN mode the frames are the inner packets': the large ones carry
 * 1420 bytes, what fits a 1500-byte port once encapsulated (the tun-mtu
 * rampart pushes). */
#define VPN_IMIX_MAX 1438

static unsigned imix_size(const struct bench_cfg *cfg, unsigned i)
{
	return cfg->vpn_sock ? RTE_MIN(imix_pattern[i], (unsigned)VPN_IMIX_MAX) : imix_pattern[i];
}

struct tmpl {
	uint16_t len; /* without CRC */
	uint8_t data[RTE_ETHER_MAX_LEN];
};

struct lat_stamp {
	uint32_t magic;
	uint32_t seq;
	uint64_t tsc;
} __attribute__((packed));

static struct tmpl *templates; /* [flow * n_sizes + size index]; --dns: [query] */
static unsigned n_sizes;
static struct bench_hist hist; /* one trial at a time, on one lcore */

#define L4_OFF_V4 (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr))
#define L4_OFF_V6 (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv6_hdr))
/* The smallest IPv6 frame that holds the stamp: 82 bytes with CRC. */
#define MIN_LEN_V6 (L4_OFF_V6 + sizeof(struct rte_udp_hdr) + sizeof(struct lat_stamp))

static unsigned l4_off(const struct bench_cfg *cfg)
{
	return cfg->ipv6 ? L4_OFF_V6 : L4_OFF_V4;
}

static void udp_cksum(const struct bench_cfg *cfg, uint8_t *frame)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(frame + l4_off(cfg));

	udp->dgram_cksum = 0;
	if (cfg->ipv6)
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(
			(const struct rte_ipv6_hdr *)(frame + RTE_ETHER_HDR_LEN), udp);
	else
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(
			(const struct rte_ipv4_hdr *)(frame + RTE_ETHER_HDR_LEN), udp);
}

/* Ethernet, IP and UDP headers of a frame of t->len bytes from flow to port
 * dport; the UDP checksum is left to udp_cksum, once the payload is there.
 * Flow i's source is cfg->src_base + i in the last 16 bits (wrapping there). */
static void build_hdrs(const struct bench_cfg *cfg, unsigned flow, uint16_t dport, struct tmpl *t)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)t->data;
	struct rte_udp_hdr *udp;
	unsigned l3 = t->len - RTE_ETHER_HDR_LEN, last = cfg->ipv6 ? 14 : 2;
	uint16_t low = (uint16_t)((cfg->src_base[last] << 8 | cfg->src_base[last + 1]) + flow);

	eth->dst_addr = cfg->dst_mac;
	eth->src_addr = cfg->src_mac;
	if (cfg->ipv6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = rte_cpu_to_be_32(0x60000000);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(l3 - sizeof(*ip)));
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, cfg->src_base, 16);
		ip->src_addr[14] = (uint8_t)(low >> 8);
		ip->src_addr[15] = (uint8_t)low;
		memcpy(ip->dst_addr, cfg->dst_ip, 16);
		udp = (struct rte_udp_hdr *)(ip + 1);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)l3);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, cfg->src_base, 4);
		((uint8_t *)&ip->src_addr)[2] = (uint8_t)(low >> 8);
		((uint8_t *)&ip->src_addr)[3] = (uint8_t)low;
		memcpy(&ip->dst_addr, cfg->dst_ip, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp = (struct rte_udp_hdr *)(ip + 1);
	}
	/* one source port per flow too, so RSS and flow tables see distinct 5-tuples */
	udp->src_port = rte_cpu_to_be_16((uint16_t)(1024 + flow));
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(t->len - l4_off(cfg)));
}

static void build_one(const struct bench_cfg *cfg, unsigned flow, unsigned size, struct tmpl *t)
{
	memset(t, 0, sizeof(*t));
	t->len = (uint16_t)(size - RTE_ETHER_CRC_LEN);
	if (cfg->ipv6 && t->len < MIN_LEN_V6)
		t->len = MIN_LEN_V6;
	build_hdrs(cfg, flow, 9 /* discard */, t);
	udp_cksum(cfg, t->data);
}

/* Query i of the DNS set, from flow i % flows, to port 53; frames as long as
 * the query, no padding (the shortest query is over Ethernet's 60 bytes). */
static void build_dns(const struct bench_cfg *cfg, unsigned i, struct tmpl *t)
{
	unsigned off = l4_off(cfg) + sizeof(struct rte_udp_hdr);

	memset(t, 0, sizeof(*t));
	t->len = (uint16_t)(off + bench_dns_query(i, cfg->dns_names, t->data + off));
	build_hdrs(cfg, i % cfg->flows, 53, t);
	udp_cksum(cfg, t->data);
}

/* Average frame size with CRC, as sent: IPv6 frames grow to hold the stamp. */
double bench_frame_avg(const struct bench_cfg *cfg)
{
	unsigned min = cfg->ipv6 ? MIN_LEN_V6 + RTE_ETHER_CRC_LEN : 0, sum = 0;

	if (cfg->dns) {
		uint8_t msg[BENCH_DNS_MSG_MAX];
		size_t dns = 0;

		for (unsigned i = 0; i < BENCH_DNS_SET; i++)
			dns += bench_dns_query(i, cfg->dns_names, msg);
		return l4_off(cfg) + sizeof(struct rte_udp_hdr) + RTE_ETHER_CRC_LEN +
		       (double)dns / BENCH_DNS_SET;
	}
	if (!cfg->imix)
		return RTE_MAX(cfg->size, min);
	for (unsigned i = 0; i < RTE_DIM(imix_pattern); i++)
		sum += RTE_MAX(imix_size(cfg, i), min);
	return (double)sum / RTE_DIM(imix_pattern);
}

int bench_templates_build(const struct bench_cfg *cfg)
{
	if (cfg->dns) {
		templates = calloc(BENCH_DNS_SET, sizeof(*templates));
		if (!templates)
			return -ENOMEM;
		for (unsigned i = 0; i < BENCH_DNS_SET; i++)
			build_dns(cfg, i, &templates[i]);
		return 0;
	}
	n_sizes = cfg->imix ? RTE_DIM(imix_pattern) : 1;
	templates = calloc((size_t)cfg->flows * n_sizes, sizeof(*templates));
	if (!templates)
		return -ENOMEM;
	for (unsigned f = 0; f < cfg->flows; f++)
		for (unsigned s = 0; s < n_sizes; s++)
			build_one(cfg, f, cfg->imix ? imix_size(cfg, s) : cfg->size,
				  &templates[f * n_sizes + s]);
	return 0;
}

void bench_templates_free(void)
{
	free(templates);
	templates = NULL;
}

struct rx_state {
	uint64_t start_tsc, stamped_sent;
	double ns_per_cycle;
	uint64_t rx_pkts, rx_bytes, max_seq, reordered;
	uint64_t dns_rcodes[16];
	uint64_t vpn_checked, vpn_bad;
	bool any_seq;
};

static const struct tmpl *tmpl_at(const struct bench_cfg *cfg, uint64_t k)
{
	if (cfg->dns)
		return &templates[k % BENCH_DNS_SET];
	return &templates[(k % cfg->flows) * n_sizes + (k / cfg->flows) % n_sizes];
}

static void rx_poll(const struct bench_cfg *cfg, struct rx_state *st)
{
	struct rte_mbuf *m[BENCH_BURST];
	unsigned off = l4_off(cfg) + sizeof(struct rte_udp_hdr);
	uint16_t n = rte_eth_rx_burst(cfg->rx_port, 0, m, BENCH_BURST);
	uint64_t now;

	if (!n)
		return;
	now = rte_rdtsc();
	for (uint16_t i = 0; i < n; i++) {
		const struct lat_stamp *ls;

		st->rx_pkts++;
		st->rx_bytes += m[i]->pkt_len + RTE_ETHER_CRC_LEN;
		if (cfg->dns) {
			int rc = bench_dns_rcode(rte_pktmbuf_mtod(m[i], const uint8_t *),
						 m[i]->data_len);

			if (rc >= 0)
				st->dns_rcodes[rc]++;
			continue;
		}
		if (cfg->vpn_down) {
			if (st->rx_pkts % BENCH_VPN_CHECK_EVERY == 1) {
				st->vpn_checked++;
				st->vpn_bad += !bench_vpn_check(m[i]);
			}
			continue;
		}
		if (!cfg->latency_every || m[i]->data_len < off + sizeof(*ls))
			continue;
		ls = rte_pktmbuf_mtod_offset(m[i], const struct lat_stamp *, off);
		/* stamps from before this trial (late stragglers) are not samples */
		if (ls->magic != BENCH_LAT_MAGIC || ls->tsc < st->start_tsc || ls->tsc > now ||
		    ls->seq >= st->stamped_sent)
			continue;
		bench_hist_add(&hist, (uint64_t)((double)(now - ls->tsc) * st->ns_per_cycle));
		if (st->any_seq && ls->seq < st->max_seq)
			st->reordered++;
		if (!st->any_seq || ls->seq > st->max_seq)
			st->max_seq = ls->seq;
		st->any_seq = true;
	}
	rte_pktmbuf_free_bulk(m, n);
}

/* Drop whatever is still queued from an earlier trial: until 10 ms pass
 * without a packet, at most half a second. */
static void rx_flush(const struct bench_cfg *cfg)
{
	uint64_t hz = rte_get_tsc_hz(), now = rte_rdtsc(), quiet = now + hz / 100,
		 stop = now + hz / 2;
	struct rte_mbuf *m[BENCH_BURST];

	while ((now = rte_rdtsc()) < quiet && now < stop) {
		uint16_t n = rte_eth_rx_burst(cfg->rx_port, 0, m, BENCH_BURST);

		if (n) {
			rte_pktmbuf_free_bulk(m, n);
			quiet = now + hz / 100;
		}
	}
}

/* Fill n mbufs from the templates, flows varying fastest; stamp one in N;
 * upstream VPN: wrap and encrypt them. */
static int fill(const struct bench_cfg *cfg, struct rte_mbuf **m, unsigned n, uint64_t first)
{
	unsigned off = l4_off(cfg) + sizeof(struct rte_udp_hdr);

	if (rte_pktmbuf_alloc_bulk(cfg->pool, m, n) < 0)
		return -ENOBUFS;
	for (unsigned i = 0; i < n; i++) {
		uint64_t k = first + i;
		const struct tmpl *t = tmpl_at(cfg, k);
		uint8_t *d = rte_pktmbuf_mtod(m[i], uint8_t *);

		rte_memcpy(d, t->data, t->len);
		m[i]->data_len = t->len;
		m[i]->pkt_len = t->len;
		if (cfg->latency_every && k % cfg->latency_every == 0) {
			struct lat_stamp ls = {
				.magic = BENCH_LAT_MAGIC,
				.seq = (uint32_t)(k / cfg->latency_every),
				.tsc = rte_rdtsc(),
			};

			memcpy(d + off, &ls, sizeof(ls));
			udp_cksum(cfg, d);
		}
	}
	if (cfg->vpn_sock && !cfg->vpn_down) {
		int rc = bench_vpn_wrap(m, n);

		if (rc < 0) {
			rte_pktmbuf_free_bulk(m, n);
			return rc;
		}
	}
	return 0;
}

/* A probe's return that says the DUT is ready: anything, or with --dns a
 * packet that is not a response (a forwarder's) or an answer from the zone,
 * NOERROR or NXDOMAIN (a server without it yet says REFUSED). */
static bool ready_reply(const struct bench_cfg *cfg, const struct rte_mbuf *m)
{
	int rc;

	if (!cfg->dns)
		return true;
	rc = bench_dns_rcode(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
	return rc < 0 || rc == 0 || rc == 3;
}

/*
 * Before the first trial: send one probe every millisecond until one comes
 * back, so the run starts when the DUT forwards (configured, neighbours
 * known), not when its links came up. Returns 0 or -ETIMEDOUT.
 */
int bench_wait_ready(const struct bench_cfg *cfg, double timeout_s)
{
	uint64_t hz = rte_get_tsc_hz(), now = rte_rdtsc(), stop, next = now;
	struct rte_mbuf *m[BENCH_BURST];

	stop = now + (uint64_t)(timeout_s * (double)hz);
	while ((now = rte_rdtsc()) < stop && !bench_quit) {
		uint16_t n = rte_eth_rx_burst(cfg->rx_port, 0, m, BENCH_BURST);

		if (n) {
			bool ready = false;

			for (uint16_t i = 0; i < n; i++)
				ready |= ready_reply(cfg, m[i]);
			rte_pktmbuf_free_bulk(m, n);
			if (ready) {
				rx_flush(cfg);
				return 0;
			}
		}
		if (now >= next && fill(cfg, m, 1, 1) == 0) {
			if (rte_eth_tx_burst(cfg->tx_port, 0, m, 1) == 0)
				rte_pktmbuf_free(m[0]);
			next = now + hz / 1000;
		}
	}
	return bench_quit ? -EINTR : -ETIMEDOUT;
}

static unsigned stamped_in(const struct bench_cfg *cfg, uint64_t first, unsigned n)
{
	unsigned c = 0;

	for (unsigned i = 0; cfg->latency_every && i < n; i++)
		c += (first + i) % cfg->latency_every == 0;
	return c;
}

/*
 * One trial: send at rate_pps (0: as fast as the port accepts) for
 * duration_s or cfg->count packets, whichever comes first, counting what comes
 * back. Packets the port refuses are offered again in the next burst (they
 * count in tx_refused, not in tx_pkts), so the pacing follows what really left.
 */
int bench_trial(const struct bench_cfg *cfg, double rate_pps, double duration_s,
		struct bench_result *res)
{
	uint64_t hz = rte_get_tsc_hz(), start, end, now, sent = 0, tx_bytes = 0, refused = 0,
		 limit = cfg->count ? cfg->count : UINT64_MAX;
	double pkts_per_cycle = rate_pps / (double)hz;
	struct rx_state st = { .ns_per_cycle = 1e9 / (double)hz };
	struct rte_mbuf *m[BENCH_BURST];

	memset(res, 0, sizeof(*res));
	if (duration_s > BENCH_MAX_DURATION_S)
		duration_s = BENCH_MAX_DURATION_S;
	bench_hist_reset(&hist);
	rx_flush(cfg);
	start = rte_rdtsc();
	st.start_tsc = start;
	end = start + (uint64_t)(duration_s * (double)hz);
	while (!bench_quit) {
		unsigned n = BENCH_BURST, done;

		now = rte_rdtsc();
		if (now >= end || sent >= limit)
			break;
		if (rate_pps > 0) {
			uint64_t due = (uint64_t)((double)(now - start) * pkts_per_cycle) + 1;

			n = due > sent ? (unsigned)RTE_MIN(due - sent, (uint64_t)BENCH_BURST) : 0;
		}
		if (limit - sent < n)
			n = (unsigned)(limit - sent);
		if (n && fill(cfg, m, n, sent) == 0) {
			done = rte_eth_tx_burst(cfg->tx_port, 0, m, (uint16_t)n);
			for (unsigned i = 0; i < done; i++)
				tx_bytes += m[i]->pkt_len + RTE_ETHER_CRC_LEN;
			if (done < n) {
				refused += n - done;
				rte_pktmbuf_free_bulk(&m[done], n - done);
			}
			st.stamped_sent += stamped_in(cfg, sent, done);
			sent += done;
		}
		rx_poll(cfg, &st);
	}
	end = rte_rdtsc();
	res->elapsed_s = (double)(end - start) / (double)hz;
	/* let what is in flight arrive */
	for (uint64_t stop = end + (uint64_t)(cfg->rx_timeout_s * (double)hz);
	     rte_rdtsc() < stop && !bench_quit;)
		rx_poll(cfg, &st);
	res->rate_pps = rate_pps;
	res->tx_pkts = sent;
	res->tx_bytes = tx_bytes;
	res->tx_refused = refused;
	res->rx_pkts = st.rx_pkts;
	res->rx_bytes = st.rx_bytes;
	res->lost = (int64_t)sent - (int64_t)st.rx_pkts;
	if (res->elapsed_s > 0) {
		res->tx_mpps = (double)sent / res->elapsed_s / 1e6;
		res->rx_mpps = (double)st.rx_pkts / res->elapsed_s / 1e6;
		res->tx_gbps = (double)tx_bytes * 8 / res->elapsed_s / 1e9;
		res->rx_gbps = (double)st.rx_bytes * 8 / res->elapsed_s / 1e9;
	}
	res->loss = sent && res->lost > 0 ? (double)res->lost / (double)sent : 0;
	res->lat_stamped = st.stamped_sent;
	res->lat_reordered = st.reordered;
	if (cfg->dns) {
		res->dns = true;
		res->dns_noerror = st.dns_rcodes[0];
		res->dns_nxdomain = st.dns_rcodes[3];
		for (unsigned i = 0; i < 16; i++)
			res->dns_answers += st.dns_rcodes[i];
		res->dns_other = res->dns_answers - res->dns_noerror - res->dns_nxdomain;
		if (res->elapsed_s > 0)
			res->dns_answers_per_s = (double)res->dns_answers / res->elapsed_s;
	}
	res->vpn_down = cfg->vpn_down;
	res->vpn_checked = st.vpn_checked;
	res->vpn_bad = st.vpn_bad;
	bench_result_latency(res, &hist);
	return bench_quit ? -EINTR : 0;
}
