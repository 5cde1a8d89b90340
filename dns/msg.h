/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * msg.h - DNS messages as ctrl exchanges them with other servers and with
 * updaters, read and signed through Knot's libknot: whole messages parsed
 * with their names decompressed (transfers in, UPDATE, NOTIFY), TSIG
 * (RFC 8945) checked on requests and put on responses, and the few
 * requests ctrl sends (SOA query, AXFR, IXFR, NOTIFY). The fast path never
 * calls these (wire.h is its codec).
 */
#ifndef RAMPART_DNS_MSG_H
#define RAMPART_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/update.h"
#include "dns/wire.h"

enum { DNS_SEC_AN = 0, DNS_SEC_NS = 1, DNS_SEC_AR = 2 };

/* TSIG errors (RFC 8945 §3), in the TSIG record of a response */
#define DNS_TSIG_BADSIG	 16
#define DNS_TSIG_BADKEY	 17
#define DNS_TSIG_BADTIME 18

/* A parsed message. The records point into memory the message owns. */
struct dns_msg {
	uint16_t id, flags; /* flags: the header's second word */
	uint8_t opcode, rcode;
	bool has_question;
	const uint8_t *qname; /* wire, as sent */
	uint16_t qtype, qclass;
	size_t n[3]; /* records per section (no OPT, no TSIG) */
	struct dns_upd_rr *rr[3];
	bool tsig;		 /* it ends with a TSIG record */
	const uint8_t *tsig_key; /* its key name (wire) */
	void *pkt;		 /* libknot's packet */
};

/* Parse a whole message (compressed names allowed). Returns 0, or -EINVAL
 * for anything malformed (-ENOMEM). */
int dns_msg_parse(const uint8_t *wire, size_t len, struct dns_msg *m);
void dns_msg_free(struct dns_msg *m);

struct dns_tsig_key;
/* A key from its name ("acme" or "acme."), algorithm ("hmac-sha256") and
 * base64 secret. Returns 0, -EINVAL or -ENOMEM. */
int dns_tsig_key_new(const char *name, const char *algorithm, const char *secret,
		     struct dns_tsig_key **out);
void dns_tsig_key_free(struct dns_tsig_key *k);
/* Does key k have this name (wire)? */
bool dns_tsig_key_is(const struct dns_tsig_key *k, const uint8_t *name);

/* Check a signed request's TSIG with key k (the one its name picks; NULL:
 * none has that name). Returns 0 when it verifies, else the TSIG error
 * (DNS_TSIG_BADKEY, BADSIG, BADTIME). */
int dns_msg_tsig_check(const struct dns_msg *req, const struct dns_tsig_key *k);
/* Sign a response (msg, *len bytes of cap) to req: with k and error 0, a
 * signature over the request's MAC; with an error (after a failed check),
 * the unsigned TSIG record that says which (RFC 8945 §5.3.2). Returns 0 or
 * -ENOSPC. */
int dns_msg_tsig_sign(uint8_t *msg, size_t *len, size_t cap, const struct dns_msg *req,
		      const struct dns_tsig_key *k, int error);

/* Requests: a query (id, opcode, name, type; with an SOA serial for IXFR
 * in the authority section, RFC 1995 §3), NOTIFY (RFC 1996, AA set). For
 * IXFR, soa is the SOA RDATA of the version held. Returns the length, 0
 * when cap is too small. */
size_t dns_msg_query(uint8_t *out, size_t cap, uint16_t id, uint8_t opcode, const uint8_t *qname,
		     uint16_t qtype, const uint8_t *soa, uint16_t soa_len);

/* Write records as zone-file text, one per line, names absolute, in the
 * list's order but the SOA first (what an updated or transferred zone is
 * saved as). Returns 0, or -EIO / -ENOMEM. */
#include <stdio.h>
int dns_rrlist_print(const struct dns_rrlist *l, FILE *f);
/* One record as zone-file text into buf (without a newline). Returns the
 * length or -1. */
int dns_rec_text(const struct dns_rec *r, char *buf, size_t cap);

#endif /* RAMPART_DNS_MSG_H */
