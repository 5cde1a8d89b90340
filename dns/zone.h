/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zone.h - authoritative zones compiled for the fast path, and the responder
 * over them. A zone is built once (ctrl parses the zone file; the dataplane
 * builds from what ctrl sends) into a table of names, each with its RRsets
 * in wire form, the empty non-terminals and zone cuts marked, so that a
 * query is answered with a few hash lookups and copies: exact and
 * case-insensitive matches with the query's case echoed, NOERROR, NXDOMAIN
 * and NODATA with the SOA in the authority section, CNAME chains inside the
 * zone, wildcards (RFC 4592), referrals with glue below zone cuts, ANY per
 * RFC 8482, TC=1 when the answer does not fit, REFUSED outside the zones.
 *
 * Plain C over memory the builder allocates; answering allocates nothing.
 */
#ifndef RAMPART_DNS_ZONE_H
#define RAMPART_DNS_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "dns/wire.h"

/* One record as the builder takes it: owner in wire form (any case), RDATA
 * in wire form with names uncompressed. Class IN. */
struct dns_zone_rr {
	const uint8_t *owner;
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
	uint32_t line; /* where it was read (for messages), 0: unknown */
};

struct dns_zone;

/* Build a zone for apex (wire form) from n records. Refused, with a reason
 * in err: no SOA at the apex or more than one, no NS at the apex, an owner
 * outside the zone, a CNAME beside other data at its name (RFC 2181 §10.1),
 * RDATA that is not what its type needs (A, AAAA, NS, CNAME, SOA, MX, PTR
 * are checked), records of one RRset with different TTLs (the smallest is
 * not picked silently). *err_line (when not NULL) gets the line of the record
 * the error is about, 0 when none. Returns 0, -EINVAL or -ENOMEM. */
int dns_zone_build(const uint8_t *apex, const struct dns_zone_rr *rrs, size_t n,
		   struct dns_zone **out, char *err, size_t errlen, uint32_t *err_line);
void dns_zone_free(struct dns_zone *z);

/* The zone's apex (wire form, lower case) and SOA serial. */
const uint8_t *dns_zone_apex(const struct dns_zone *z);
uint32_t dns_zone_serial(const struct dns_zone *z);
/* The SOA record's RDATA (wire, names uncompressed), its length and TTL. */
const uint8_t *dns_zone_soa(const struct dns_zone *z, uint16_t *rdlen, uint32_t *ttl);
/* Names (with the empty non-terminals) and records in the zone. */
size_t dns_zone_names(const struct dns_zone *z);
size_t dns_zone_records(const struct dns_zone *z);

/* ---- a zone set between ctrl and the dataplane ----
 * ctrl sends the records of its zones (DP_MSG_ZONES); the dataplane checks
 * every length and builds each zone again with dns_zone_build, so what it
 * serves has passed the same checks whoever sent it. */
#define DNS_ZONES_MAX 256

/* Encode n zones (their records as built) into one malloc'd buffer. Returns
 * 0 or -ENOMEM. */
int dns_zones_encode(const struct dns_zone *const *zones, unsigned n, void **buf, size_t *len);
/* Decode and build a zone set: *n zones into zones (at most max). On any
 * error builds nothing and says why in err. Returns 0, -EINVAL or -ENOMEM. */
int dns_zones_decode(const void *buf, size_t len, struct dns_zone **zones, unsigned max,
		     unsigned *n, char *err, size_t errlen);

/* Answer q (dns_query_parse said DNS_ANSWER) from the zone whose apex is the
 * longest suffix of its name among zones[0..n): the whole response into out
 * (cap bytes), at most limit bytes (dns_udp_limit) before it sets TC and
 * keeps only the question. With EDNS, an OPT advertising edns_size ends the
 * response. Returns its length (0 when cap is too small for even a header
 * and question), and the rcode in *rcode. */
size_t dns_answer(const struct dns_zone *const *zones, unsigned n, const struct dns_query *q,
		  uint8_t *out, size_t cap, size_t limit, uint16_t edns_size, uint8_t *rcode);
/* The same, and the index in zones of the zone that answered in *zone (-1:
 * none, REFUSED). */
size_t dns_answer_zone(const struct dns_zone *const *zones, unsigned n, const struct dns_query *q,
		       uint8_t *out, size_t cap, size_t limit, uint16_t edns_size, uint8_t *rcode,
		       int *zone);

#endif /* RAMPART_DNS_ZONE_H */
