/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rrlist.h - a zone's contents as a list of records, for what changes
 * zones on ctrl's side: the differences between two versions (IXFR out,
 * NOTIFY), applying a difference (IXFR in), dynamic updates (update.h).
 * The responder never sees a list: a changed list is compiled into a new
 * zone (dns_rrlist_build), checked like any other. Plain C.
 */
#ifndef RAMPART_DNS_RRLIST_H
#define RAMPART_DNS_RRLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/zone.h"

/* One record, class IN; owner folded to lower case, RDATA as given
 * (uncompressed names). */
struct dns_rec {
	uint8_t owner[DNS_NAME_MAX];
	uint8_t owner_len;
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t *rdata; /* malloc'd */
};

struct dns_rrlist {
	struct dns_rec *r;
	size_t n, cap;
};

/* Append a record (owner checked and folded). Returns 0, -EINVAL for a bad
 * owner name, or -ENOMEM. */
int dns_rrlist_add(struct dns_rrlist *l, const uint8_t *owner, uint16_t type, uint32_t ttl,
		   const uint8_t *rdata, uint16_t rdlen);
/* Remove record i (order kept). */
void dns_rrlist_del(struct dns_rrlist *l, size_t i);
void dns_rrlist_free(struct dns_rrlist *l);
/* A deep copy. */
int dns_rrlist_copy(const struct dns_rrlist *from, struct dns_rrlist *to);

/* Every record of a built zone. */
int dns_rrlist_from_zone(const struct dns_zone *z, struct dns_rrlist *l);
/* Compile the list into a zone (dns_zone_build, with all its checks). */
int dns_rrlist_build(const struct dns_rrlist *l, const uint8_t *apex, struct dns_zone **out,
		     char *err, size_t errlen);

/* Sort by owner (length, then bytes), type, RDATA, and drop records equal
 * in all three (RFC 2181 §5: an RRset holds no duplicates). */
void dns_rrlist_sort(struct dns_rrlist *l);
/* Equal owner, type and RDATA (the TTL aside). */
bool dns_rec_same(const struct dns_rec *a, const struct dns_rec *b);
/* Index of a record equal to r (owner, type, RDATA), or -1. */
long dns_rrlist_find(const struct dns_rrlist *l, const struct dns_rec *r);

/* The difference from one sorted list to another: del gets what from has
 * and to has not, add what to has and from has not; a record whose TTL
 * changed is in both. */
int dns_rrlist_diff(const struct dns_rrlist *from, const struct dns_rrlist *to,
		    struct dns_rrlist *del, struct dns_rrlist *add);
/* Apply a difference: remove each record of del (-ENOENT when one is not
 * there: the list is not the version the difference starts from), then add
 * those of add; the list is left sorted. On error l is unchanged. */
int dns_rrlist_apply(struct dns_rrlist *l, const struct dns_rrlist *del,
		     const struct dns_rrlist *add);

/* The SOA at the apex (the first SOA in the list), or NULL. */
const struct dns_rec *dns_rrlist_soa(const struct dns_rrlist *l);
/* The serial of an SOA's RDATA (0 when it is too short), and setting it. */
uint32_t dns_soa_serial(const uint8_t *rdata, uint16_t rdlen);
void dns_soa_set_serial(uint8_t *rdata, uint16_t rdlen, uint32_t serial);
/* RFC 1982 serial arithmetic: a newer than b. */
static inline bool dns_serial_gt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

#endif /* RAMPART_DNS_RRLIST_H */
