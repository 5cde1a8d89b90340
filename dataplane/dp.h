/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp.h - types shared by the files of rampart-dataplane: ports, the runtime
 * network configuration swapped by RCU, per-lcore worker state and counters.
 */
#ifndef RAMPART_DP_H
#define RAMPART_DP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "ctrl/conf/conf.h"
#include "dataplane/dataplane.h"
#include "dataplane/flow.h"
#include "dataplane/neigh.h"
#include "fw_rules/fw_rules.h"
#include "dns/zone.h"
#include "nat/nat.h"
#include "vpn/tlscrypt.h"

#define DP_BURST	     32
#define DP_PENDING_MAX	     256 /* per lcore: packets waiting for a neighbour */
#define DP_NEIGH_RETRY_S     1
#define DP_NEIGH_WAIT_S	     3
#define DP_NEIGH_REACHABLE_S 30

struct dp_port {
	char name[DP_PORT_NAME_MAX];
	char devargs[128];
	uint16_t port_id;
	uint16_t mtu;
	uint16_t n_rxq, n_txq;
	struct rte_ether_addr mac;
	bool is_punt;
};

enum dp_nh_type {
	DP_NH_NONE = 0,
	DP_NH_FORWARD,	 /* out port, to gw (or to the destination when connected) */
	DP_NH_LOCAL,	 /* one of our addresses */
	DP_NH_BLACKHOLE, /* drop silently */
	DP_NH_UNREACH,	 /* drop, ICMP unreachable */
	DP_NH_TUNNEL,	 /* into the VPN client's tunnel (a route on port "vpn") */
};

struct dp_nexthop {
	uint8_t type;
	uint8_t family;
	bool connected;
	uint16_t port_id;
	uint8_t gw[16];
};

struct dp_port_addrs {
	unsigned n;
	struct dp_addr a[DP_PORT_ADDRS_MAX];
};

/* The network configuration the workers read: immutable once published. */
struct dp_runtime {
	uint64_t generation;
	struct rte_fib *fib4;
	struct rte_fib6 *fib6;
	uint32_t icmp_rate_pps;
	bool has_tunnel; /* a route into the VPN client's tunnel */
	struct dp_port_addrs addrs[RTE_MAX_ETHPORTS];
	void *netcfg; /* the payload it was built from, for GET_ROUTES */
	size_t netcfg_len;
	uint32_t n_nh;
	struct dp_nexthop nh[]; /* nh[0] unused: FIB default "no route" */
};

/* The DNS zones the fast path answers from: immutable once published. */
struct dp_dns {
	uint64_t generation;
	uint32_t rrl_rate, rrl_slip; /* response rate limiting (docs/dns.md) */
	struct dp_zone_counters *counters; /* [worker][zone], zones padded to a cache line */
	unsigned stride;		   /* zones' counters per worker */
	unsigned n;
	struct dns_zone *zones[DNS_ZONES_MAX];
};

/* A public address of the NAT and its ports, one allocator per protocol.
 * Pools outlive rule sets (mappings hold their ports across pushes): made by
 * the agent when a rule set first names the address, never freed. */
#define DP_NAT_POOLS_MAX 64
enum { DP_NAT_TCP = 0, DP_NAT_UDP, DP_NAT_ICMP, DP_NAT_PROTOS };
struct dp_nat_pool {
	uint32_t addr; /* network order */
	struct nat_ports ports[DP_NAT_PROTOS];
};

/* The firewall the workers apply: immutable once published (counters aside). */
struct dp_fw {
	uint64_t generation;
	struct fw_compiled view; /* points into blob */
	void *blob;
	struct fw_class *cl;
	uint32_t n_rules;
	size_t counter_stride;		  /* counters per worker, cache-line padded */
	struct dp_rule_counter *counters; /* [worker][rule], rule n_rules: default */
	uint64_t build_us;
	/* NAT: the nat and rdr rules' classifier, each rule's pool indexes,
	 * and the public addresses (pools and forwarded) the way in looks for */
	struct fw_class *nat_cl;
	uint32_t n_nat;
	uint8_t (*nat_pool)[FW_NAT_ADDRS_MAX];
	unsigned n_pub;
	uint32_t pub[DP_NAT_POOLS_MAX * 2];
};

/* The VPN's data channel (vpn.c, docs/vpn.md). A key's state outlives the
 * messages that keep it (same epoch): its packet ids go on, its replay
 * window too (the worker that receives the peer's packets writes it: RSS
 * keeps one outer flow on one queue). */
#define DP_VPN_PORT	 (RTE_MAX_ETHPORTS - 1) /* m->port of packets out of the tunnel */
#define DP_VPN_CNT_SLOTS (DP_VPN_PEERS_MAX + 1) /* the server's peers, the client's */
struct dp_vpn_key_state {
	uint64_t epoch;
	uint64_t mark; /* the build that last took it */
	uint8_t key_id, cipher;
	void *enc_sess, *dec_sess; /* the PMD's sessions (AES-GCM); NULL: libsodium */
	uint8_t enc_key[32], enc_iv[8], dec_key[32], dec_iv[8];
	struct vpn_replay replay;
	_Atomic uint64_t tx_pid __rte_cache_aligned; /* 64 bits: past VPN_PID_LAST for good */
};

struct dp_vpn_peer_rt {
	uint32_t peer_id; /* network order, shifted: the 3 bytes after the op */
	uint32_t cnt;	  /* its slot in dp.vpn_cnt: the peer id, the client's last */
	uint64_t epoch;
	uint8_t family;
	bool has4, has6, has_local;
	bool is_server;	  /* the VPN client's server: its inner sources go unchecked */
	uint16_t tun_mtu; /* host order */
	uint16_t remote_port, local_port; /* network order */
	uint8_t remote[16], local[16];
	uint32_t tun4; /* network order */
	uint8_t tun6[16];
	struct dp_vpn_key_state *key[8]; /* by key id */
	struct dp_vpn_key_state *tx;
};

/* The VPN's state the workers read: immutable once published (keys aside). */
struct dp_vpn {
	uint64_t generation;
	uint64_t mark; /* its keys' mark */
	uint16_t port;	  /* host order */
	uint16_t tun_mtu; /* host order */
	uint32_t flags, max_peers, ping_s;
	uint32_t pool4_start, pool4_net, pool4_mask; /* host order */
	uint8_t pool6[16], pool6_first[16], pool6_len;
	bool has_pool4, has_pool6, has_local4, has_local6;
	uint32_t local4; /* network order */
	uint8_t local6[16];
	unsigned n_peers;
	struct dp_vpn_peer_rt *peer[DP_VPN_PEERS_MAX]; /* by peer id */
	struct dp_vpn_peer_rt peers[];
};

/* Each worker's counters of each peer slot, summed on read. */
struct dp_vpn_pcnt {
	uint64_t epoch; /* of the peer counted */
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t last_rx, last_tx; /* TSC */
	/* the peer's packets came, authentic, from another address and port
	 * (NAT rebinding): the latest, for ctrl to follow (float) */
	uint64_t float_tsc;
	uint8_t float_addr[16];
	uint16_t float_port; /* network order */
	uint8_t pad[46];
};

/* A log record, queued by a worker, written out by the agent: a firewall
 * decision (action FW_PASS..FW_REJECT), or a NAT event (DP_LOG_NAT_*: src and
 * sport the inside endpoint, dst and dport the public one, rule the nat
 * rule). */
enum {
	DP_LOG_NAT_CREATE = 0x10,
	DP_LOG_NAT_DELETE,
	DP_LOG_NAT_PORTS_EXHAUSTED,
	DP_LOG_NAT_HOST_LIMIT,
};
static inline const char *dp_log_nat_event(uint8_t a)
{
	return a == DP_LOG_NAT_CREATE	   ? "create"
	       : a == DP_LOG_NAT_DELETE	   ? "delete"
	       : a == DP_LOG_NAT_HOST_LIMIT ? "host-limit"
					    : "ports-exhausted";
}
struct dp_fw_log {
	uint64_t tsc;
	uint64_t generation;
	uint32_t rule;
	uint8_t action, family, proto, in_port, out_port;
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
};
#define DP_FW_LOG_RING 256
#define DP_RRL_BUCKETS 4096

struct dp_pending {
	struct rte_mbuf *m;
	struct dp_neigh_entry *ne;
	uint64_t deadline;
};

/* One worker's state: touched by its lcore only, read by the agent. */
struct dp_lcore {
	uint64_t cnt[DP_CNT_MAX];
	unsigned worker_index;
	unsigned n_rx;
	struct {
		uint16_t port_id, queue;
	} rx[DP_MAX_PORTS + 1];
	struct {
		uint16_t n;
		struct rte_mbuf *m[DP_BURST];
	} tx[RTE_MAX_ETHPORTS];
	unsigned n_pending;
	struct dp_pending pending[DP_PENDING_MAX];
	double icmp_tokens;
	uint64_t icmp_last_tsc;
	uint64_t next_service_tsc;
	uint64_t next_flow_tsc;
	uint64_t next_vpn_tsc; /* keepalive pings (worker 0) */
	uint16_t ip_id;	       /* of the VPN's outer IPv4 packets */
	double fw_log_tokens;
	uint64_t fw_log_last_tsc;
	_Atomic uint32_t fw_log_head; /* written by the worker */
	_Atomic uint32_t fw_log_tail; /* written by the agent */
	uint64_t nat_flush_seen;
	/* DNS response rate limiting: token buckets by source prefix (hashed) */
	struct {
		uint32_t tokens; /* in 1/1024 of a response */
		uint32_t last;	 /* TSC >> 20 when last refilled */
		uint32_t slip;	 /* responses over the limit, for the slip count */
	} rrl[DP_RRL_BUCKETS];
	struct dp_fw_log fw_log[DP_FW_LOG_RING];
} __rte_cache_aligned;

struct dp_main {
	struct ctrl_conf conf;
	unsigned n_ports; /* including the punt port, last */
	struct dp_port ports[DP_MAX_PORTS + 1];
	int16_t port_index[RTE_MAX_ETHPORTS]; /* ethdev id -> ports[] index or -1 */
	int punt_port_id;		      /* -1 without a punt port */
	unsigned n_workers;
	unsigned worker_lcores[DP_MAX_LCORES];
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *rcu;
	_Atomic(struct dp_runtime *) runtime;
	_Atomic(struct dp_fw *) fw; /* NULL: no rules, plain routing */
	_Atomic(struct dp_dns *) dns; /* NULL: no zones, port 53 goes to the kernel */
	_Atomic(struct dp_vpn *) vpn; /* NULL: every VPN packet goes to ctrl */
	_Atomic(struct dp_vpn *) vpn_cli; /* the VPN client's tunnel (DP_VPN_F_CLIENT) */
	struct dp_vpn_pcnt *vpn_cnt;	  /* [worker][DP_VPN_CNT_SLOTS] */
	int crypto_dev;		      /* the ipsec-mb AES-GCM PMD, -1: none */
	struct rte_mempool *crypto_sess_pool;
	struct dp_flow_table *flows;
	struct dp_nat_pool *nat_pools[DP_NAT_POOLS_MAX];
	_Atomic unsigned n_nat_pools;
	/* NAT flush requests: the workers each revoke their own entries */
	_Atomic uint64_t nat_flush_seq;
	_Atomic uint32_t nat_flush_addr; /* network order, 0: all */
	struct dp_neigh_table neigh;
	struct dp_lcore lcores[RTE_MAX_LCORE];
	uint64_t start_tsc, tsc_hz;
	volatile bool quit;
};

extern struct dp_main dp;

/* port.c */
int dp_ports_setup(char *err, size_t errlen);
void dp_ports_close(void);
int dp_port_by_name(const char *name);
void dp_port_info(unsigned index, struct dp_port_info *info, const struct dp_runtime *rt);

/* runtime.c */
int dp_runtime_build(const void *netcfg, size_t len, uint64_t generation, struct dp_runtime **out,
		     char *err, size_t errlen);
void dp_runtime_free(struct dp_runtime *rt);
void dp_runtime_publish(struct dp_runtime *rt);
int dp_runtime_routes(const struct dp_runtime *rt, struct dp_route **routes, size_t *n);

/* fw.c: firewall rule sets, built by the agent, swapped by RCU */
int dp_fw_build(const void *payload, size_t len, uint64_t generation, struct dp_fw **out, char *err,
		size_t errlen);
void dp_fw_publish(struct dp_fw *fw);
/* At exit, the workers stopped: the rules in force freed. */
void dp_fw_fini(void);
int dp_fw_stats(void **payload, size_t *len);
void dp_fw_flush_flows(void);
/* dns.c: zone sets, built by the agent, swapped by RCU */
int dp_dns_build(const void *payload, size_t len, uint64_t generation, struct dp_dns **out,
		 char *err, size_t errlen);
void dp_dns_publish(struct dp_dns *d);
int dp_dns_stats(void **payload, size_t *len);
/* nat.c: pools, the flow table's release hook, show and flush */
int dp_nat_build(struct dp_fw *fw, char *err, size_t errlen);
void dp_nat_release(void *arg, unsigned w, const struct dp_flow *f);
int dp_nat_show(const struct dp_nat_query *q, void **payload, size_t *len);
void dp_nat_flush_request(uint32_t addr);
void dp_nat_flush_worker(unsigned w);
/* Write out the workers' queued log records. */
void dp_fw_log_drain(void);
/* Queue a record on lc's ring, at most rate a second (rec->tsc is now). */
void dp_log_push(struct dp_lcore *lc, double rate, const struct dp_fw_log *rec);

/* vpn.c: the VPN's data channel: the crypto device, the state built by the
 * agent and swapped by RCU, the workers' batches, the counters */
void dp_vpn_init(void);
int dp_vpn_build(const void *payload, size_t len, uint64_t generation, struct dp_vpn **out,
		 char *err, size_t errlen);
void dp_vpn_publish(struct dp_vpn *v);
/* At exit, the workers stopped: both states and their keys freed, wiped. */
void dp_vpn_fini(void);
int dp_vpn_stats(void **payload, size_t *len);
/* One packet of a batch: the OpenVPN packet at off (op byte) in m, len bytes. */
struct dp_vpn_op {
	struct rte_mbuf *m;
	const struct dp_vpn_peer_rt *p;
	struct dp_vpn_key_state *k;
	uint16_t off, len;
	int32_t status;	 /* 0: done; else a DP_CNT_drop_* */
	uint16_t moved;	 /* from another address than the peer's: the outer IP header's offset */
};
/* Decrypt in place (tag, replay window) / encrypt in place a batch of at
 * most DP_BURST, each len > 24, peers' keys grouped in one call to the PMD
 * each. Encryption takes the plaintext
 * at off + 24 and writes the header and tag before it. */
void dp_vpn_decrypt(struct dp_vpn_op *ops, unsigned n);
void dp_vpn_encrypt(struct dp_vpn_op *ops, unsigned n);

/* worker.c */
int dp_worker_main(void *arg);

/* agent.c */
int dp_agent_run(void);

/* stats.c */
void dp_stats_sum(uint64_t out[DP_CNT_MAX]);
int dp_telemetry_register(void);

#endif /* RAMPART_DP_H */
