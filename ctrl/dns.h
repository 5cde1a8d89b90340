/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns.h - rampart-ctrl's side of the authoritative DNS (dns.c): the zone
 * files of the configuration, read and compiled, and sent to the dataplane
 * whose fast path answers from them (docs/dns.md).
 */
#ifndef RAMPART_CTRL_DNS_H
#define RAMPART_CTRL_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "ctrl/conf/conf.h"
#include "dns/zone.h"

struct ctrl;

struct ctrl_dns {
	unsigned n;
	struct dns_zone *zones[CTRL_CONF_ZONES_MAX]; /* in the configuration's order */
	char names[CTRL_CONF_ZONES_MAX][256];
	void *wire; /* the zone set as the dataplane gets it */
	size_t wire_len;
	uint64_t generation; /* FNV-1a of wire, never 0; 0: no zones */
	uint64_t refused;    /* generation the dataplane refused */
};

/* Read the configured zones. A zone whose file has errors keeps the version
 * loaded before (at start: is not served); every error is logged, and with
 * errors != NULL written there too (--check). Returns the number of zones
 * with errors. */
int ctrl_dns_load(struct ctrl *c, char *errors, size_t errlen);
/* Send the zones when the dataplane's differ. */
int ctrl_dns_sync(struct ctrl *c);
void ctrl_dns_fini(struct ctrl *c);

#endif /* RAMPART_CTRL_DNS_H */
