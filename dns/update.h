/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * update.h - dynamic updates (RFC 2136) applied to a zone's record list:
 * the prerequisites checked, the update section checked whole and then
 * applied, the serial raised. Who may change what is the caller's: it is
 * asked for every record of the update section before anything changes.
 * Parsing the message and its TSIG is ctrl's (ctrl/dns_update.c). Plain C.
 */
#ifndef RAMPART_DNS_UPDATE_H
#define RAMPART_DNS_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/rrlist.h"

/* A record of the prerequisite or update section, names uncompressed. */
struct dns_upd_rr {
	const uint8_t *owner;
	uint16_t type, cls; /* cls: IN (1), NONE (254) or ANY (255) */
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
};

#define DNS_CLASS_NONE 254
#define DNS_CLASS_ANY  255

/* May the requester change RRset (name, type)? type is DNS_T_ANY for
 * "delete every RRset at name". */
typedef bool (*dns_update_allow_fn)(void *ctx, const uint8_t *name, uint16_t type);

/* Apply an UPDATE to l (the zone apex's records, sorted): RFC 2136 §3.2
 * (prerequisites), §3.4.1 (prescan, rights), §3.4.2 (changes: the SOA and
 * the apex's last NS are never deleted, a CNAME never joins other data nor
 * other data a CNAME, an added record takes over its RRset's TTL). When
 * something changed and the update did not set a newer SOA itself, the
 * serial goes up by one. Returns the rcode (enum dns_rcode): NOERROR with
 * *changed telling whether l differs; any other leaves l as it was, with
 * the reason in why. */
int dns_update_apply(struct dns_rrlist *l, const uint8_t *apex, const struct dns_upd_rr *pre,
		     size_t npre, const struct dns_upd_rr *upd, size_t nupd,
		     dns_update_allow_fn allow, void *ctx, bool *changed, char *why, size_t whylen);

/* Is name (wire, any case) apex or below it? */
bool dns_name_in(const uint8_t *name, const uint8_t *apex);

#endif /* RAMPART_DNS_UPDATE_H */
