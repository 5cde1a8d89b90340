/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns.h - rampart-ctrl's side of the authoritative DNS (dns.c): the zone
 * files of the configuration, read and compiled, and sent to the dataplane
 * whose fast path answers from them (docs/dns.md).
 */
#ifndef RAMPART_CTRL_DNS_H
#define RAMPART_CTRL_DNS_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ctrl/conf/conf.h"
#include "dns/rrlist.h"
#include "dns/zone.h"

struct ctrl;

#define CTRL_DNS_TCP_CONNS  64 /* TCP clients at once; more wait in the backlog */
#define CTRL_DNS_TCP_IDLE_S 10 /* an idle connection is closed after (RFC 7766 §6.2.3) */

struct ctrl_dns_conn {
	int fd;
	time_t last; /* last activity */
	size_t have; /* bytes in buf */
	uint8_t buf[2 + 65535];
};

#define CTRL_DNS_HIST	      16 /* changes kept per zone for IXFR */
#define CTRL_DNS_NOTIFY_TRIES 5	 /* NOTIFY sent, unanswered, before giving up */

/* One change of a zone: from serial to serial, what went and what came (each
 * holding the SOA of its version). */
struct ctrl_dns_delta {
	uint32_t from, to;
	struct dns_rrlist del, add;
};

/* What ctrl keeps per zone name beside the zone itself (dns_xfr.c): its
 * changes for IXFR, the NOTIFY being sent, the secondary's refresh. */
struct ctrl_dns_zst {
	char name[256];	  /* "": a free slot */
	char status[512]; /* "" or the last load's or transfer's error */
	struct ctrl_dns_delta hist[CTRL_DNS_HIST];
	unsigned n_hist; /* oldest first */
	/* NOTIFY out (RFC 1996) */
	uint32_t notify_serial;
	unsigned
		notify_left[CTRL_CONF_XFR_MAX]; /* tries left per target; 0: answered or given up */
	uint16_t notify_id[CTRL_CONF_XFR_MAX];
	time_t notify_next;
	/* a secondary: when to ask the primary next, and how it went */
	time_t refresh_at, expire_at;
	char xfr_status[256];
	/* counters */
	uint64_t notify_sent, notify_answered, notify_in, xfr_out, ixfr_out, xfr_in, ixfr_in,
		updates, updates_refused;
};

struct ctrl_dns {
	unsigned n;
	struct dns_zone *zones[CTRL_CONF_ZONES_MAX]; /* in the configuration's order */
	char names[CTRL_CONF_ZONES_MAX][256];
	time_t loaded[CTRL_CONF_ZONES_MAX]; /* when the version served was read */
	void *wire;			    /* the zone set as the dataplane gets it */
	size_t wire_len;
	uint64_t generation; /* FNV-1a of wire, never 0; 0: no zones */
	uint64_t refused;    /* generation the dataplane refused */
	int tcp_fd;	     /* listening on port 53 over TCP; -1: not */
	struct ctrl_dns_conn *conns[CTRL_DNS_TCP_CONNS];
	uint64_t tcp_queries;
	int udp_fd; /* port 53 over UDP: what the fast path hands on (NOTIFY, UPDATE, ...) */
	uint64_t udp_queries;
	int notify_fd; /* NOTIFY goes out from a port of its own: answers to port
			* 53 would be taken for queries by the fast path */
	struct ctrl_dns_zst zst[CTRL_CONF_ZONES_MAX];
	struct dns_tsig_key *keys[CTRL_CONF_KEYS_MAX]; /* conf.keys, made usable */
	unsigned n_keys;
};

/* Read the configured zones. A zone whose file has errors keeps the version
 * loaded before (at start: is not served); every error is logged, and with
 * errors != NULL written there too (--check). Returns the number of zones
 * with errors. */
int ctrl_dns_load(struct ctrl *c, char *errors, size_t errlen);
/* The same for one zone (name), the others kept as they are; -ENOENT when
 * no zone of that name is configured. */
int ctrl_dns_load_zone(struct ctrl *c, const char *name, char *errors, size_t errlen);
/* The API: dns.zones, dns.reload {zone}; NULL for another command. */
struct json_t;
struct json_t *ctrl_dns_api(struct ctrl *c, const char *cmd, struct json_t *req);
/* Send the zones when the dataplane's differ. */
int ctrl_dns_sync(struct ctrl *c);
void ctrl_dns_fini(struct ctrl *c);

/* DNS over TCP (RFC 7766): ctrl answers from the same zones what comes to
 * port 53 over TCP (the dataplane hands TCP to the kernel): listen when zones
 * are configured; accept; serve a readable connection (-1: close it); close
 * the idle ones (from the tick). */
int ctrl_dns_listen(struct ctrl *c);
void ctrl_dns_accept(struct ctrl *c, int (*watch)(struct ctrl *c, int fd));
bool ctrl_dns_is_conn(const struct ctrl *c, int fd);
int ctrl_dns_serve(struct ctrl *c, int fd);
void ctrl_dns_tick(struct ctrl *c);

/* ---- between dns.c, dns_xfr.c and dns_update.c ---- */
struct dns_msg;
/* The served zone of that name and its index, or NULL. */
struct dns_zone *ctrl_dns_zone(struct ctrl *c, const char *name, int *idx);
/* The configured zone of that name (wire or text), or NULL. */
const struct ctrl_conf_zone *ctrl_dns_conf_zone(const struct ctrl *c, const char *name);
const struct ctrl_conf_zone *ctrl_dns_conf_zone_wire(const struct ctrl *c, const uint8_t *name);
/* Put z in service as zone name (replacing what was), saved to its file
 * first when save (an update, a transfer in): encodes the set, sends it to
 * the dataplane, notes the change for IXFR and NOTIFY. Takes z. Returns 0
 * or -errno (z freed, the old zone kept). */
int ctrl_dns_replace(struct ctrl *c, const char *name, struct dns_zone *z, bool save);
/* The state kept for zone name (made when missing). */
struct ctrl_dns_zst *ctrl_dns_zst(struct ctrl *c, const char *name);
/* A zone went from old (NULL: none) to z: history, NOTIFY. */
void ctrl_dns_changed(struct ctrl *c, const char *name, const struct dns_zone *old,
		      const struct dns_zone *z);
/* The peer of a TCP connection (IPv4-mapped made IPv4). */
bool ctrl_dns_peer_of(int fd, struct dp_addr *a);
/* May peer transfer zone qname? Its index among the served zones, or -1. */
int ctrl_dns_transfer_allowed(struct ctrl *c, const struct dp_addr *peer, const uint8_t *qname);
/* UDP port 53: open (from ctrl_dns_listen), and a readable socket. */
int ctrl_dns_udp_open(struct ctrl *c);
void ctrl_dns_udp(struct ctrl *c);
void ctrl_dns_notify_answers(struct ctrl *c);
/* A message the fast path's codec does not answer, from peer over TCP or
 * UDP: NOTIFY, UPDATE, IXFR over UDP, signed queries. The response into
 * out; returns its length, 0 for none. */
size_t ctrl_dns_other(struct ctrl *c, const struct dp_addr *peer, const uint8_t *msg, size_t len,
		      uint8_t *out, size_t cap, bool tcp);
/* A response to m: the header with rcode (and AA), the question echoed. */
size_t ctrl_dns_resp(uint8_t *out, size_t cap, const struct dns_msg *m, uint8_t rcode, bool aa);
/* AXFR or IXFR (RFC 5936, RFC 1995) of zone idx to a TCP client. */
int ctrl_dns_xfr_out(struct ctrl *c, int fd, const struct dns_msg *m, int idx);
/* UPDATE (RFC 2136) with TSIG: the response into out. */
size_t ctrl_dns_update(struct ctrl *c, const struct dp_addr *peer, const struct dns_msg *m,
		       uint8_t *out, size_t cap);
/* TSIG keys from the configuration (at start and reload). */
int ctrl_dns_keys(struct ctrl *c, char *err, size_t errlen);
/* NOTIFY retries and secondaries' refresh (from the tick). */
void ctrl_dns_xfr_tick(struct ctrl *c);
void ctrl_dns_xfr_fini(struct ctrl *c);
/* JSON about a zone's transfers and updates (for dns.zones). */
struct json_t *ctrl_dns_xfr_json(struct ctrl *c, const char *name);

#endif /* RAMPART_CTRL_DNS_H */
