/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktgen_vpn.c - rampart-pktgen's VPN mode (--vpn SOCKET): the generator is
 * one OpenVPN client of a rampart dataplane that runs the data channel in its
 * workers. It gives the DUT a peer with fresh keys over the dataplane's
 * control socket (DP_MSG_VPN, as rampart-ctrl does once a handshake is done;
 * the keys come from 256 random bytes where ctrl has the TLS exporter's), and
 * keeps the mirror of that state for itself, run by the dataplane's own
 * crypto (dataplane/vpn.c: the ipsec-mb PMD for AES-GCM, libsodium for
 * ChaCha20-Poly1305).
 *
 * Upstream (the default), the templates are the inner packets: each burst is
 * wrapped in outer Ethernet, IPv4, UDP and P_DATA_V2 and encrypted with
 * increasing packet ids, so the DUT decrypts, checks and forwards them.
 * Downstream (--vpn-down), the templates go out plain to the peer's tunnel
 * address; the DUT encrypts them towards the peer, and the receive side
 * decrypts one in BENCH_VPN_CHECK_EVERY of what comes back, checking the tag,
 * the replay window and the inner destination.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_udp.h>

#include "bench/pktgen.h"
#include "dataplane/dp.h"
#include "vpn/data.h"

/* dataplane/vpn.c's globals: the crypto device, the counters it sizes */
struct dp_main dp;

#define OUTER_LEN  (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))
#define POOL_FIRST 0xc6133c02u /* 198.19.60.2: peer id 0 */
#define POOL_LAST  0xc6133cfeu /* 198.19.60.254 */

struct vpn_state {
	struct dp_vpn_hdr h;
	struct dp_vpn_peer p;
};

static struct vpn_state push_state;	/* the DUT's side, until pushed */
static struct dp_vpn *mine;		/* the mirror: the peer's side */
static const struct dp_vpn_peer_rt *me; /* its one peer */
static uint8_t outer[OUTER_LEN];	/* upstream: the outer headers */
static uint32_t tun_addr;		/* network order */
static uint32_t peer_id;

_Static_assert(BENCH_BURST <= DP_BURST, "a burst is one batch of the crypto stage");

static int addr(const char *s, bool prefix, struct dp_addr *a)
{
	return dp_addr_parse(s, prefix, false, a);
}

static void outer_build(const struct bench_cfg *cfg)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)outer;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	eth->dst_addr = cfg->dst_mac;
	eth->src_addr = cfg->src_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(BENCH_VPN_PEER);
	ip->dst_addr = rte_cpu_to_be_32(BENCH_VPN_SERVER);
	udp->src_port = rte_cpu_to_be_16(BENCH_VPN_PORT);
	udp->dst_port = rte_cpu_to_be_16(BENCH_VPN_PORT);
}

int bench_vpn_init(const struct bench_cfg *cfg)
{
	struct vpn_state *s = &push_state, mirror;
	struct vpn_data_keys dut;
	struct dp_vpn_key *k = &s->p.keys[0];
	uint8_t ekm[256];
	uint32_t tun;
	char err[300];
	int rc = 0;

	memcpy(&tun, cfg->vpn_down ? cfg->dst_ip : cfg->src_base, 4);
	if (rte_be_to_cpu_32(tun) < POOL_FIRST || rte_be_to_cpu_32(tun) > POOL_LAST) {
		fprintf(stderr,
			"rampart-pktgen: --vpn: the peer's tunnel address (%s) must be in "
			"198.19.60.2 .. 198.19.60.254\n",
			cfg->vpn_down ? "--dst-ip with --vpn-down" : "--src-ip");
		return -EINVAL;
	}
	tun_addr = tun;
	if (getrandom(ekm, sizeof(ekm), 0) != (ssize_t)sizeof(ekm)) {
		fprintf(stderr, "rampart-pktgen: --vpn: no random bytes for the keys\n");
		return -EIO;
	}
	vpn_data_keys_from_ekm(ekm, (enum vpn_cipher)cfg->vpn_cipher, true, &dut);
	explicit_bzero(ekm, sizeof(ekm));

	memset(s, 0, sizeof(*s));
	s->h = (struct dp_vpn_hdr){ .n_peers = 1,
				    .max_peers = 256,
				    .port = BENCH_VPN_PORT,
				    .tun_mtu = 1500,
				    .pool4_start = POOL_FIRST };
	if (addr("198.19.60.0/24", true, &s->h.pool4) < 0 ||
	    addr("198.18.0.2", false, &s->p.remote) < 0)
		return -EINVAL;
	peer_id = s->p.peer_id = rte_be_to_cpu_32(tun) - POOL_FIRST;
	s->p.n_keys = 1;
	s->p.has4 = 1;
	s->p.epoch = rte_rdtsc() | 1;
	s->p.remote_port = BENCH_VPN_PORT;
	memcpy(s->p.tun4, &tun, 4);
	*k = (struct dp_vpn_key){ .epoch = s->p.epoch, .cipher = (uint8_t)cfg->vpn_cipher };
	memcpy(k->enc_key, dut.out.key, sizeof(k->enc_key));
	memcpy(k->enc_iv, dut.out.implicit_iv, sizeof(k->enc_iv));
	memcpy(k->dec_key, dut.in.key, sizeof(k->dec_key));
	memcpy(k->dec_iv, dut.in.implicit_iv, sizeof(k->dec_iv));
	vpn_data_keys_wipe(&dut);

	/* the mirror, as a one-worker dataplane in this process builds it */
	mirror = *s;
	memcpy(mirror.p.keys[0].enc_key, k->dec_key, sizeof(k->dec_key));
	memcpy(mirror.p.keys[0].enc_iv, k->dec_iv, sizeof(k->dec_iv));
	memcpy(mirror.p.keys[0].dec_key, k->enc_key, sizeof(k->enc_key));
	memcpy(mirror.p.keys[0].dec_iv, k->enc_iv, sizeof(k->enc_iv));
	memset(dp.port_index, -1, sizeof(dp.port_index));
	dp.n_workers = 1;
	dp.tsc_hz = rte_get_tsc_hz();
	dp_vpn_init();
	if (dp_vpn_build(&mirror, sizeof(mirror), 1, &mine, err, sizeof(err)) < 0) {
		fprintf(stderr, "rampart-pktgen: --vpn: %s\n", err);
		rc = -EINVAL;
	} else {
		me = mine->peer[mirror.p.peer_id];
	}
	explicit_bzero(&mirror, sizeof(mirror));
	outer_build(cfg);
	return rc;
}

/* One try: connect, send the state, read the result. 0, -EAGAIN (no
 * dataplane listening yet) or another negative errno, said on stderr. */
static int push_once(const char *path, uint64_t generation)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct dp_msg m;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "rampart-pktgen: --vpn: socket path too long\n");
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = errno == ENOENT || errno == ECONNREFUSED ? -EAGAIN : -errno;
		close(fd);
		return rc;
	}
	rc = dp_msg_send(fd, DP_MSG_VPN, 1, generation, &push_state, sizeof(push_state));
	if (rc == 0)
		rc = dp_msg_recv(fd, &m);
	close(fd);
	if (rc < 0) {
		fprintf(stderr, "rampart-pktgen: --vpn: %s: %s\n", path, strerror(-rc));
		return rc;
	}
	if (m.hdr.type != DP_MSG_RESULT || m.len < sizeof(struct dp_result)) {
		fprintf(stderr, "rampart-pktgen: --vpn: %s: unexpected reply type %u\n", path,
			m.hdr.type);
		rc = -EPROTO;
	} else if (((const struct dp_result *)m.payload)->rc < 0) {
		const struct dp_result *r = m.payload;

		fprintf(stderr, "rampart-pktgen: --vpn: the dataplane refused the peer: %.*s\n",
			(int)sizeof(r->msg), r->msg);
		rc = r->rc;
	}
	dp_msg_free(&m);
	return rc;
}

int bench_vpn_push(const struct bench_cfg *cfg, double timeout_s)
{
	uint64_t hz = rte_get_tsc_hz(), stop = rte_rdtsc() + (uint64_t)(timeout_s * (double)hz);
	int rc;

	do {
		rc = push_once(cfg->vpn_sock, (uint64_t)time(NULL));
		if (rc != -EAGAIN)
			break;
		rte_delay_ms(100);
	} while (rte_rdtsc() < stop && !bench_quit);
	if (rc == -EAGAIN)
		fprintf(stderr,
			"rampart-pktgen: --vpn: no dataplane listening on %s within %.0f s\n",
			cfg->vpn_sock, timeout_s);
	/* the DUT holds its copy now */
	explicit_bzero(&push_state.p.keys, sizeof(push_state.p.keys));
	return rc;
}

int bench_vpn_wrap(struct rte_mbuf **m, unsigned n)
{
	struct dp_vpn_op ops[BENCH_BURST];

	for (unsigned i = 0; i < n; i++) {
		uint16_t inner = (uint16_t)(m[i]->data_len - RTE_ETHER_HDR_LEN);
		uint8_t *d = (uint8_t *)rte_pktmbuf_prepend(m[i], OUTER_LEN + VPN_DATA_OVERHEAD -
									  RTE_ETHER_HDR_LEN);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + RTE_ETHER_HDR_LEN);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

		if (!d)
			return -ENOSPC;
		memcpy(d, outer, OUTER_LEN);
		udp->dgram_len =
			rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + VPN_DATA_OVERHEAD + inner));
		ip->total_length = rte_cpu_to_be_16(
			(uint16_t)(sizeof(*ip) + sizeof(*udp) + VPN_DATA_OVERHEAD + inner));
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		ops[i] = (struct dp_vpn_op){ .m = m[i],
					     .p = me,
					     .k = me->tx,
					     .off = OUTER_LEN,
					     .len = (uint16_t)(VPN_DATA_OVERHEAD + inner) };
	}
	dp_vpn_encrypt(ops, n);
	for (unsigned i = 0; i < n; i++)
		if (ops[i].status)
			return -EKEYEXPIRED; /* the key's packet ids are spent */
	return 0;
}

bool bench_vpn_check(struct rte_mbuf *m)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)d;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);
	const uint8_t *p = d + OUTER_LEN, *inner = p + VPN_DATA_OVERHEAD;
	struct dp_vpn_op op;
	uint16_t len;
	uint32_t id, dst;

	if (m->data_len < OUTER_LEN + VPN_DATA_OVERHEAD + sizeof(struct rte_ipv4_hdr) ||
	    eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    ip->version_ihl != RTE_IPV4_VHL_DEF || ip->next_proto_id != IPPROTO_UDP ||
	    ip->dst_addr != rte_cpu_to_be_32(BENCH_VPN_PEER) ||
	    udp->src_port != rte_cpu_to_be_16(BENCH_VPN_PORT) ||
	    udp->dst_port != rte_cpu_to_be_16(BENCH_VPN_PORT))
		return false;
	len = (uint16_t)(rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp));
	id = (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	if (len <= VPN_DATA_OVERHEAD + sizeof(struct rte_ipv4_hdr) ||
	    OUTER_LEN + len > m->data_len || p[0] >> 3 != 9 || id != peer_id || !me->key[p[0] & 7])
		return false;
	op = (struct dp_vpn_op){
		.m = m, .p = me, .k = me->key[p[0] & 7], .off = OUTER_LEN, .len = len
	};
	dp_vpn_decrypt(&op, 1);
	memcpy(&dst, inner + 16, 4);
	return op.status == 0 && (inner[0] >> 4) == 4 && dst == tun_addr;
}
