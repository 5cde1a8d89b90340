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

struct ctrl_dns {
	unsigned n;
	struct dns_zone *zones[CTRL_CONF_ZONES_MAX]; /* in the configuration's order */
	char names[CTRL_CONF_ZONES_MAX][256];
	char status[CTRL_CONF_ZONES_MAX][512]; /* "" or the last load's error */
	time_t loaded[CTRL_CONF_ZONES_MAX];    /* when the version served was read */
	void *wire; /* the zone set as the dataplane gets it */
	size_t wire_len;
	uint64_t generation; /* FNV-1a of wire, never 0; 0: no zones */
	uint64_t refused;    /* generation the dataplane refused */
	int tcp_fd;	     /* listening on port 53 over TCP; -1: not */
	struct ctrl_dns_conn *conns[CTRL_DNS_TCP_CONNS];
	uint64_t tcp_queries;
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

#endif /* RAMPART_CTRL_DNS_H */
