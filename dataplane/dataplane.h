/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane.h - the public face of rampart-dataplane: the control-channel
 * protocol spoken between rampart-ctrl and the dataplane's agent thread, and
 * the plain-C helpers both sides use to send, receive and validate it.
 *
 * Messages travel over a Unix SOCK_SEQPACKET socket, one message per packet:
 * a fixed header followed by the payload. Payloads larger than DP_MSG_INLINE_MAX
 * travel in a sealed memfd passed with SCM_RIGHTS; the header then carries
 * DP_MSG_F_MEMFD and the payload length. Every message is validated by the
 * receiver before it is used (dp_msg_recv, dp_netcfg_validate).
 *
 * Nothing here needs DPDK: ctrl, the CLI, the tests and the fuzzers use it too.
 */
#ifndef RAMPART_DATAPLANE_H
#define RAMPART_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_PROTO_MAGIC	   0x52504450u /* "RPDP" */
#define DP_PROTO_VERSION   6
#define DP_MSG_INLINE_MAX  16384u      /* larger payloads go in a memfd */
#define DP_MSG_PAYLOAD_MAX (64u << 20) /* hard cap on any payload */

#define DP_MAX_PORTS	    16
#define DP_PORT_NAME_MAX    16 /* including the NUL */
#define DP_PORT_ADDRS_MAX   8
#define DP_ROUTES_MAX	    65536
#define DP_NEIGH_STATIC_MAX 1024
#define DP_MAX_LCORES	    64

enum dp_msg_type {
	DP_MSG_HELLO = 1,      /* ctrl -> dp, no payload */
	DP_MSG_HELLO_REPLY,    /* dp -> ctrl, struct dp_hello */
	DP_MSG_NETCFG,	       /* ctrl -> dp, netcfg object, generation in the header */
	DP_MSG_RESULT,	       /* dp -> ctrl, struct dp_result */
	DP_MSG_GET_PORTS,      /* ctrl -> dp, no payload */
	DP_MSG_PORTS,	       /* dp -> ctrl, struct dp_port_info[] */
	DP_MSG_GET_ROUTES,     /* ctrl -> dp, no payload */
	DP_MSG_ROUTES,	       /* dp -> ctrl, struct dp_route[] (effective table) */
	DP_MSG_GET_STATS,      /* ctrl -> dp, no payload */
	DP_MSG_STATS,	       /* dp -> ctrl, struct dp_stats_hdr + dp_lcore_stats[] */
	DP_MSG_RULES,	       /* ctrl -> dp, firewall rules (fw_rules.h wire form) */
	DP_MSG_GET_RULE_STATS, /* ctrl -> dp, no payload */
	DP_MSG_RULE_STATS,     /* dp -> ctrl, struct dp_rule_stats + counters */
	DP_MSG_FLUSH_FLOWS,    /* ctrl -> dp, no payload: drop every tracked flow */
	DP_MSG_GET_NAT,	       /* ctrl -> dp, struct dp_nat_query */
	DP_MSG_NAT,	       /* dp -> ctrl, struct dp_nat_hdr + pools + mappings */
	DP_MSG_NAT_FLUSH,      /* ctrl -> dp, struct dp_nat_flush */
	DP_MSG_ZONES,	       /* ctrl -> dp, struct dp_zones_hdr + DNS zone set (dns/zone.h) */
	DP_MSG_GET_DNS_STATS,  /* ctrl -> dp, no payload */
	DP_MSG_DNS_STATS,      /* dp -> ctrl, struct dp_dns_stats + dp_zone_counters[n_zones] */
	DP_MSG_VPN,	       /* ctrl -> dp, struct dp_vpn_hdr + dp_vpn_peer[n_peers] (whole state) */
	DP_MSG_GET_VPN_STATS,  /* ctrl -> dp, no payload */
	DP_MSG_VPN_STATS,      /* dp -> ctrl, struct dp_vpn_stats + dp_vpn_peer_stats[n_peers] */
	DP_MSG_TYPE_MAX,
};

#define DP_MSG_F_MEMFD 0x1u

struct dp_msg_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t seq;
	uint32_t len; /* payload bytes */
	uint32_t flags;
	uint32_t reserved;
	uint64_t generation; /* of the object carried, or the dataplane's current one */
};

/* An address with its prefix length. family is 4 or 6, or 0 for "none". */
struct dp_addr {
	uint8_t family;
	uint8_t prefixlen;
	uint8_t pad[2];
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
};

struct dp_port_addr {
	char port[DP_PORT_NAME_MAX];
	struct dp_addr addr; /* the appliance's address and the connected prefix */
};

/* A static route. via.family == 0: the destination is on port's link. */
struct dp_route {
	struct dp_addr dst;
	struct dp_addr via;
	char port[DP_PORT_NAME_MAX]; /* empty: found from via's connected prefix */
	uint32_t flags;		     /* DP_ROUTE_F_* */
	uint32_t reserved;
};

#define DP_ROUTE_F_CONNECTED 0x1u /* derived from a port address */
#define DP_ROUTE_F_BLACKHOLE 0x2u /* drop silently */
#define DP_ROUTE_F_UNREACH   0x4u /* drop with ICMP unreachable */

struct dp_neigh {
	struct dp_addr ip;
	uint8_t mac[6];
	uint8_t pad[2];
	char port[DP_PORT_NAME_MAX];
};

/* DP_MSG_NETCFG payload: header, then n_addrs dp_port_addr, n_routes dp_route,
 * n_neigh dp_neigh, packed in that order. */
struct dp_netcfg_hdr {
	uint32_t n_addrs;
	uint32_t n_routes;
	uint32_t n_neigh;
	uint32_t icmp_rate_pps; /* ICMP errors each lcore may send per second */
};

struct dp_hello {
	uint32_t version;
	uint32_t n_ports;
	uint32_t n_workers;
	uint32_t pid;
	uint64_t netcfg_generation; /* 0: no configuration received yet */
	uint64_t rules_generation;  /* 0: no firewall rules (everything is routed) */
	uint64_t zones_generation;  /* 0: no DNS zones (port 53 goes to the kernel) */
	uint64_t vpn_generation;    /* 0: no VPN data channel (every VPN packet goes to ctrl) */
	uint64_t vpn_client_generation; /* 0: no VPN client's tunnel */
	uint64_t uptime_s;
	char ports[DP_MAX_PORTS][DP_PORT_NAME_MAX];
};

struct dp_result {
	int32_t rc; /* 0 or a negative errno */
	uint32_t reserved;
	uint64_t generation; /* the dataplane's generation after the request */
	char msg[256];
};

struct dp_port_info {
	char name[DP_PORT_NAME_MAX];
	char devargs[128];
	uint16_t port_id;
	uint16_t mtu;
	uint8_t mac[6];
	uint8_t link_up;
	uint8_t is_punt; /* the exception-path TAP port */
	uint32_t speed_mbps;
	uint16_t n_rxq;
	uint16_t n_txq;
	uint32_t n_addrs;
	struct dp_addr addrs[DP_PORT_ADDRS_MAX];
	uint64_t rx_pkts, tx_pkts, rx_bytes, tx_bytes;
	uint64_t rx_missed, rx_errors, tx_errors, rx_nombuf;
};

/*
 * Dataplane counters, per lcore, summed on read. One list feeds the enum, the
 * telemetry names, the CLI and the stats message, so the two sides agree.
 */
#define DP_COUNTERS(X)                                                                 \
	X(rx_pkts, "packets received from ports")                                      \
	X(tx_pkts, "packets handed to ports for transmission")                         \
	X(fwd_ipv4, "IPv4 packets forwarded")                                          \
	X(fwd_ipv6, "IPv6 packets forwarded")                                          \
	X(arp_in, "ARP packets received")                                              \
	X(arp_replies_sent, "ARP replies sent for own addresses")                      \
	X(arp_requests_sent, "ARP requests sent to resolve next hops")                 \
	X(nd_in, "neighbour discovery packets received")                               \
	X(nd_adverts_sent, "neighbour advertisements sent for own addresses")          \
	X(nd_solicits_sent, "neighbour solicitations sent to resolve next hops")       \
	X(neigh_learned, "neighbour entries learned or refreshed")                     \
	X(echo_replies_sent, "ICMP/ICMPv6 echo replies sent")                          \
	X(icmp_errors_sent, "ICMP/ICMPv6 errors generated")                            \
	X(icmp_errors_ratelimited, "ICMP/ICMPv6 errors suppressed by the rate limit")  \
	X(punted, "packets punted to the kernel on the exception port")                \
	X(from_punt, "packets from the kernel forwarded out a port")                   \
	X(drop_malformed, "dropped: malformed or truncated headers")                   \
	X(drop_unsupported, "dropped: unsupported ethertype or protocol")              \
	X(drop_not_for_us, "dropped: L2 destination is not this port")                 \
	X(drop_no_config, "dropped: no network configuration yet")                     \
	X(drop_no_route, "dropped: no route to destination")                           \
	X(drop_ttl_exceeded, "dropped: TTL or hop limit exhausted")                    \
	X(drop_too_big, "dropped: larger than the egress MTU")                         \
	X(drop_neigh_unresolved, "dropped: next hop did not resolve in time")          \
	X(drop_neigh_queue_full, "dropped: queue of packets awaiting resolution full") \
	X(drop_blackhole, "dropped: blackhole or unreachable route")                   \
	X(drop_tx_full, "dropped: transmit queue full")                                \
	X(drop_punt_full, "dropped: exception port full")                              \
	X(drop_nombuf, "dropped: no buffer for a generated packet")                    \
	X(fw_new_flows, "firewall: flows admitted by a rule")                          \
	X(fw_flow_pkts, "firewall: packets passed on a tracked flow")                  \
	X(fw_stateless_pass, "firewall: packets passed by a rule without a flow")      \
	X(fw_icmp_related, "firewall: ICMP errors passed for a tracked flow")          \
	X(fw_rechecked, "firewall: flows re-checked against a newer rule set")         \
	X(fw_rejects_sent, "firewall: TCP resets and ICMP unreachables sent")          \
	X(fw_log_records, "firewall: log records queued")                              \
	X(fw_log_suppressed, "firewall: log records over the rate limit")              \
	X(drop_fw_block, "dropped: blocked by a firewall rule or the default")         \
	X(drop_fw_reject, "dropped: rejected by a firewall rule")                      \
	X(drop_fw_not_syn, "dropped: TCP segment of no tracked flow, not a SYN")       \
	X(drop_fw_revoked, "dropped: flow closed because newer rules deny it")         \
	X(drop_fw_table_full, "dropped: flow table full, new flow refused")            \
	X(drop_fw_fragment, "dropped: IP fragment whose first fragment did not pass")  \
	X(fw_fragments, "firewall: later IPv4 fragments passed after their first")     \
	X(nat_out, "NAT: packets whose source was translated on the way out")          \
	X(nat_in, "NAT: packets whose destination was translated on the way in")       \
	X(nat_icmp_errors, "NAT: ICMP errors translated with the packet they quote")   \
	X(nat_mappings_created, "NAT: mappings (inside endpoint to public) created")   \
	X(nat_hairpins, "NAT: connections from inside to a public address, turned back") \
	X(drop_nat_filtered, "dropped: to a NAT mapping, from no endpoint it addressed") \
	X(drop_nat_ports_exhausted, "dropped: no free NAT port in this worker's share") \
	X(drop_nat_host_limit, "dropped: inside host at its limit of NAT mappings")    \
	X(drop_nat_unsupported, "dropped: matches a nat rule, cannot be translated")   \
	X(dns_queries, "DNS: UDP queries to the appliance's port 53 seen by the fast path") \
	X(dns_noerror, "DNS: answered NOERROR (answers, NODATA and referrals)")        \
	X(dns_nxdomain, "DNS: answered NXDOMAIN")                                      \
	X(dns_refused, "DNS: answered REFUSED (not in a zone served here)")            \
	X(dns_formerr, "DNS: answered FORMERR, NOTIMP or BADVERS")                     \
	X(dns_truncated, "DNS: answered with TC set (too big for the requester's size)") \
	X(dns_punted, "DNS: handed to ctrl (NOTIFY, UPDATE, TSIG, transfers)")         \
	X(drop_dns, "dropped: DNS message too short or a response")                    \
	X(dns_rrl_slipped, "DNS: over the rate limit, sent truncated (TC) instead")    \
	X(drop_dns_rrl, "dropped: DNS response over the rate limit of its source prefix") \
	X(vpn_rx, "VPN: data packets decrypted (keepalive pings included)")           \
	X(vpn_tx, "VPN: data packets encrypted and sent (keepalive pings included)")   \
	X(vpn_rx_bytes, "VPN: bytes of the packets decrypted (inner packets)")         \
	X(vpn_tx_bytes, "VPN: bytes of the packets encrypted (inner packets)")         \
	X(vpn_crypto_cycles, "VPN: TSC cycles in the AEAD (decrypt and encrypt calls)") \
	X(vpn_pings_sent, "VPN: keepalive pings sent to peers")                        \
	X(vpn_punted, "VPN: data packets of no peer the dataplane knows, to ctrl")     \
	X(vpn_floats, "VPN: authentic packets of a peer from a new address (it floats there)") \
	X(drop_vpn_auth, "dropped: VPN data packet whose tag does not check")          \
	X(drop_vpn_replay, "dropped: VPN data packet replayed or too old")             \
	X(drop_vpn_key, "dropped: VPN data packet under a key id not in use")          \
	X(drop_vpn_peer_addr, "dropped: VPN data packet from another address family than its peer's") \
	X(drop_vpn_spoofed, "dropped: tunnel packet whose source is not its peer's address") \
	X(drop_vpn_no_peer, "dropped: to a tunnel address no peer holds")             \
	X(drop_vpn_c2c, "dropped: from one tunnel peer to another (client-to-client off)") \
	X(drop_vpn_bad, "dropped: VPN inner packet malformed, or no room to encapsulate") \
	X(drop_vpn_down, "dropped: routed into the VPN client's tunnel while it is down") \
	X(pipeline_cycles, "TSC cycles in the packet pipeline's stages (port I/O excluded)") \
	X(port_io_cycles, "TSC cycles in the ports' receive (non-empty) and transmit calls") \
	X(busy_cycles, "TSC cycles spent on non-empty bursts")                         \
	X(busy_polls, "polls that returned packets")                                   \
	X(idle_polls, "polls that returned nothing")

enum dp_counter {
#define DP_CNT_ENUM(name, help) DP_CNT_##name,
	DP_COUNTERS(DP_CNT_ENUM)
#undef DP_CNT_ENUM
		DP_CNT_MAX
};

extern const char *const dp_counter_names[DP_CNT_MAX];
extern const char *const dp_counter_help[DP_CNT_MAX];

/* DP_MSG_STATS payload: header, then n_lcores dp_lcore_stats. */
struct dp_stats_hdr {
	uint32_t n_lcores;
	uint32_t n_counters; /* DP_CNT_MAX of the sender; must match */
	uint64_t tsc_hz;
};

struct dp_lcore_stats {
	uint32_t lcore_id;
	uint32_t reserved;
	uint64_t counters[DP_CNT_MAX];
};

/* DP_MSG_RULE_STATS payload: this header, then n_rules + 1 struct
 * dp_rule_counter (the last is the default policy), summed over workers. */
struct dp_rule_stats {
	uint64_t generation;
	uint32_t n_rules;
	uint32_t flows_capacity;
	uint32_t flows_in_use;
	uint32_t classifier_tuples;
	uint64_t classifier_bytes;
	uint64_t build_us; /* time the dataplane took to build the classifier */
};

struct dp_rule_counter {
	uint64_t pkts;
	uint64_t bytes;
};

/* DP_MSG_ZONES payload: this header, then the zone set (dns_zones_encode). */
struct dp_zones_hdr {
	uint32_t rrl_rate; /* responses a second per source prefix; 0: no limit */
	uint32_t rrl_slip; /* every Nth response over the limit goes out truncated; 0: none */
};

/* DP_MSG_DNS_STATS payload: this header, then n_zones dp_zone_counters in
 * the order of the zone set, summed over the workers. */
struct dp_dns_stats {
	uint64_t generation; /* of the zone set counted */
	uint32_t n_zones;
	uint32_t pad;
};

struct dp_zone_counters {
	uint64_t noerror, nxdomain, other;
};

/* DP_MSG_GET_NAT: at most max_list mappings, of one inside host (addr,
 * network order) or all (addr 0). */
struct dp_nat_query {
	uint32_t addr;
	uint32_t max_list;
};

/* DP_MSG_NAT payload: this header, n_pools dp_nat_pool_info, n_list
 * dp_nat_mapping. */
struct dp_nat_hdr {
	uint64_t generation;
	uint32_t n_pools;
	uint32_t n_list;
	uint32_t mappings; /* live mappings in the table (all hosts) */
	uint32_t hosts;	   /* inside hosts holding mappings */
	uint32_t binding_bytes; /* table memory per mapping (entry + alias + slots) */
	uint32_t flows_capacity;
	uint32_t flows_in_use;
	uint32_t host_limit;
};

struct dp_nat_pool_info {
	uint32_t addr; /* network order */
	uint8_t proto;
	uint8_t pad[3];
	uint32_t in_use;
	uint32_t size;
};

struct dp_nat_mapping {
	uint32_t inside, public_; /* network order */
	uint16_t inside_port, public_port;
	uint8_t proto;
	uint8_t out_port;
	uint16_t pad;
	uint32_t sessions; /* connections using it */
	uint32_t idle;	   /* seconds since the last of them went, 0 while used */
};

/* DP_MSG_NAT_FLUSH: drop the mappings of one inside host (addr, network
 * order) or all (addr 0), with the connections using them. */
struct dp_nat_flush {
	uint32_t addr;
	uint32_t pad;
};

/*
 * The VPN's data channel (docs/vpn.md): ctrl runs the control channel and
 * sends the dataplane its whole state whenever it changes (a session's keys
 * are ready, a renegotiation, a session ends): the UDP port, the tunnel's
 * pool, and every peer with its keys. The workers decrypt P_DATA_V2 of the
 * peers they know (the rest goes to ctrl on the exception path), route the
 * inner packets, encrypt what is routed to a peer's tunnel address, and send
 * keepalive pings; ctrl reads their counters (DP_MSG_GET_VPN_STATS) for
 * ping-restart and reneg-bytes/reneg-pkts. A key is the same key across
 * messages while its epoch is: its packet ids and replay window go on.
 *
 * The VPN client's tunnel is a state of its own (DP_VPN_F_CLIENT): port is
 * ctrl's local UDP port towards the server, no pools, at most one peer, the
 * server, under the peer id it pushed, with our tunnel addresses; routes to
 * the port "vpn" lead into it, and while it has no peer or no key what is
 * routed there is dropped (fail hard). The server's peers may send anything
 * (the inner source is not checked).
 */
#define DP_VPN_PEERS_MAX    1024
#define DP_VPN_F_C2C	    0x1u	/* client-to-client */
#define DP_VPN_F_CLIENT	    0x2u	/* the VPN client's tunnel */
#define DP_VPN_CLIENT_PEER  0xffffffffu /* the client's peer in DP_MSG_VPN_STATS */

struct dp_vpn_hdr {
	uint32_t n_peers;
	uint32_t max_peers; /* peer ids (pool slots) are below this */
	uint16_t port;	    /* the server's UDP port (host order) */
	uint16_t tun_mtu;   /* largest inner packet */
	uint32_t flags;	    /* DP_VPN_F_* */
	uint32_t ping_s;    /* a keepalive ping after this long without sending */
	uint32_t pool4_start; /* peer i holds pool4_start + i (host order); 0: no IPv4 */
	struct dp_addr pool4, pool6; /* the tunnel's networks */
	struct dp_addr local4, local6; /* the server's tunnel addresses (to ctrl) */
	uint8_t pool6_first[16]; /* peer i holds this + i (IPv6) */
};

struct dp_vpn_key {
	uint64_t epoch; /* the same epoch: the same key, its state goes on */
	uint8_t key_id; /* 0-7 */
	uint8_t cipher; /* enum vpn_cipher */
	uint8_t pad[6];
	uint8_t enc_key[32], enc_iv[8]; /* we send with */
	uint8_t dec_key[32], dec_iv[8]; /* the peer sends with */
};

struct dp_vpn_peer {
	uint32_t peer_id; /* its pool slot */
	uint8_t n_keys;	  /* 1 or 2 */
	uint8_t tx_key;	  /* index into keys[] we send with */
	uint8_t has4, has6;
	uint64_t epoch; /* of the session: its counters start again when it changes */
	struct dp_addr remote, local; /* outer; local.family 0: the port's address */
	uint16_t remote_port, local_port; /* host order */
	uint32_t pad;
	uint8_t tun4[4], tun6[16]; /* its tunnel addresses */
	struct dp_vpn_key keys[2];
};

struct dp_vpn_stats {
	uint64_t generation;
	uint32_t n_peers;
	uint32_t crypto; /* 1: AES-GCM through the ipsec-mb PMD, 0: libsodium */
};

struct dp_vpn_peer_stats {
	uint32_t peer_id;
	uint32_t pad;
	uint64_t epoch;
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t rx_idle_ms; /* since the last packet from it; UINT64_MAX: none yet */
	/* floated: its authentic packets now come from this address and port */
	uint8_t floated, pad2;
	uint16_t float_port; /* host order */
	uint8_t float_addr[16];
	uint32_t pad3;
};

/* Validate a DP_MSG_VPN payload: sizes, ranges, peer ids below max_peers and
 * each once, key ids and ciphers. 0, or -EINVAL with the reason in err. */
int dp_vpn_validate(const void *payload, size_t len, char *err, size_t errlen);

/* A received message. payload is owned by the message: free with dp_msg_free. */
struct dp_msg {
	struct dp_msg_hdr hdr;
	void *payload;
	size_t len;
	bool mapped; /* payload is an mmap of a memfd */
};

/* Send one message; payloads over DP_MSG_INLINE_MAX go in a sealed memfd.
 * Returns 0 or a negative errno. */
int dp_msg_send(int fd, uint16_t type, uint32_t seq, uint64_t generation, const void *payload,
		size_t len);

/* Receive and validate one message (magic, version, type, length, memfd seals).
 * Returns 0, -ECONNRESET on orderly close, or a negative errno; on error *msg
 * holds nothing to free. */
int dp_msg_recv(int fd, struct dp_msg *msg);
void dp_msg_free(struct dp_msg *msg);

/* Check a message of a known type has the payload size its type requires. */
int dp_msg_check_size(const struct dp_msg *msg);

/* Validate a DP_MSG_NETCFG payload: counts against the length, address
 * families and prefix lengths, NUL-terminated names. On error writes a reason
 * to err. Returns 0 or -EINVAL. */
int dp_netcfg_validate(const void *payload, size_t len, char *err, size_t errlen);

/* Pointers into a validated netcfg payload. */
struct dp_netcfg_view {
	const struct dp_netcfg_hdr *hdr;
	const struct dp_port_addr *addrs;
	const struct dp_route *routes;
	const struct dp_neigh *neigh;
};
void dp_netcfg_view(const void *payload, struct dp_netcfg_view *view);

/* Parse "198.18.1.1", "198.18.1.0/24", "2001:db8::1/64". With want_prefix, a
 * missing /len means a host prefix (32/128). Host bits set beyond the prefix
 * are an error only when strict is set. Returns 0 or -EINVAL. */
int dp_addr_parse(const char *s, bool want_prefix, bool strict, struct dp_addr *out);
/* Format an address (with /len when with_prefix); returns buf. */
char *dp_addr_format(const struct dp_addr *a, bool with_prefix, char *buf, size_t len);
/* True when a and b are in the same prefix of length prefix->prefixlen. */
bool dp_addr_in_prefix(const struct dp_addr *a, const struct dp_addr *prefix);
/* The same over raw address bytes: do a and prefix agree on their first
 * bits bits? (Inline: the workers ask it of packets.) */
static inline bool dp_bytes_in_prefix(const uint8_t *a, const uint8_t *prefix, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	for (unsigned i = 0; i < full; i++)
		if (a[i] != prefix[i])
			return false;
	return !rest || ((a[full] ^ prefix[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}
/* Parse "02:00:00:00:00:01". */
int dp_mac_parse(const char *s, uint8_t mac[6]);

#endif /* RAMPART_DATAPLANE_H */
