/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wire.h - the authoritative server's DNS message codec (RFC 1035 §4,
 * RFC 6891 EDNS): what the fast path needs to decide about a query in one
 * pass (answer it, refuse it, or hand it to ctrl) and to write the header,
 * the echoed question and the OPT record of its response. Plain C over byte
 * buffers, no allocation: the dataplane calls it on mbuf data, the tests and
 * the fuzzer on arrays.
 */
#ifndef RAMPART_DNS_WIRE_H
#define RAMPART_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN   12
#define DNS_NAME_MAX  255 /* wire form, with the root label */
#define DNS_LABEL_MAX 63
#define DNS_UDP_MIN   512 /* RFC 1035 §4.2.1; also the floor of an EDNS size */

/* Header flags (second 16-bit word), host order. */
#define DNS_F_QR 0x8000
#define DNS_F_AA 0x0400
#define DNS_F_TC 0x0200
#define DNS_F_RD 0x0100
#define DNS_F_RA 0x0080
#define DNS_F_AD 0x0020
#define DNS_F_CD 0x0010

enum dns_opcode { DNS_OP_QUERY = 0, DNS_OP_NOTIFY = 4, DNS_OP_UPDATE = 5 };

enum dns_rcode {
	DNS_RC_NOERROR = 0,
	DNS_RC_FORMERR = 1,
	DNS_RC_SERVFAIL = 2,
	DNS_RC_NXDOMAIN = 3,
	DNS_RC_NOTIMP = 4,
	DNS_RC_REFUSED = 5,
	DNS_RC_YXDOMAIN = 6, /* RFC 2136 */
	DNS_RC_YXRRSET = 7,
	DNS_RC_NXRRSET = 8,
	DNS_RC_NOTAUTH = 9,
	DNS_RC_NOTZONE = 10,
	DNS_RC_BADVERS = 16, /* extended (EDNS): 0 in the header, 1 in the OPT */
};

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_AAAA = 28,
	DNS_T_OPT = 41,
	DNS_T_TSIG = 250,
	DNS_T_IXFR = 251,
	DNS_T_AXFR = 252,
	DNS_T_ANY = 255,
};

#define DNS_CLASS_IN 1

/* What to do with a message, as dns_query_parse decides it. */
enum dns_verdict {
	DNS_ANSWER = 0, /* a well-formed query: look it up */
	DNS_DROP,	/* no answer at all: too short for a header, or a response */
	DNS_FORMERR,	/* answer FORMERR (header and, if it parsed, the question) */
	DNS_NOTIMP,	/* answer NOTIMP: an opcode nobody here implements */
	DNS_BADVERS,	/* answer BADVERS: an EDNS version above 0 */
	DNS_PUNT,	/* not for the fast path: NOTIFY, UPDATE, TSIG, zone transfers */
};

struct dns_query {
	uint16_t id;
	uint16_t flags; /* the header's flag word as received */
	uint8_t opcode; /* enum dns_opcode */
	uint16_t qtype, qclass;
	uint8_t qname[DNS_NAME_MAX];	/* wire form, case as received */
	uint8_t qname_lc[DNS_NAME_MAX]; /* the same, ASCII letters lowered (lookups) */
	uint8_t qname_len;		/* bytes, with the root label */
	uint8_t labels;			/* not counting the root */
	uint16_t question_len;		/* bytes of the question section: name + 4 */
	bool question_ok;		/* the question parsed (FORMERR can echo it) */
	/* EDNS (RFC 6891) */
	bool edns;
	uint8_t edns_version;
	bool edns_do;	    /* DNSSEC OK */
	uint16_t edns_size; /* the requester's UDP payload size, at least 512 */
};

/* Parse a query received over UDP (msg, len bytes) and say what to do with
 * it. q is filled as far as parsing went: id and flags whenever the verdict
 * is not DNS_DROP, the question when question_ok.
 *
 * Refused as FORMERR: QDCOUNT other than 1, answers or authority records in a
 * query (but the SOA of an IXFR, handed on), a name with a compression pointer, a label over 63
 * bytes or a name over 255, a truncated question or record, more than one OPT, an OPT not owned by
 * the root or with options that overrun it, bytes after the last record, an additional record that
 * is neither OPT nor TSIG. */
enum dns_verdict dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q);

/* Start a response in out (cap bytes): the header (id, opcode, RD and CD
 * echoed, QR set, aa as given, rcode's low 4 bits), and the question echoed
 * when q->question_ok, counts zero but QDCOUNT. Returns the bytes written,
 * or 0 when cap is too small. */
size_t dns_resp_begin(uint8_t *out, size_t cap, const struct dns_query *q, uint8_t rcode, bool aa);

/* Append an OPT record advertising udp_size, with rcode's upper 8 bits
 * (BADVERS), version 0 and the DO bit echoed (RFC 6891 §6.1.1, RFC 3225);
 * adds one to ARCOUNT. Returns the new length, or 0 when it does not fit. */
size_t dns_resp_opt(uint8_t *out, size_t len, size_t cap, const struct dns_query *q,
		    uint16_t udp_size, uint8_t rcode);

/* Set the counts of a response being built (host order). */
void dns_set_counts(uint8_t *out, uint16_t an, uint16_t ns, uint16_t ar);

/* The largest response the requester takes over UDP: its EDNS size (capped
 * at max), or 512 without EDNS. */
static inline size_t dns_udp_limit(const struct dns_query *q, size_t max)
{
	size_t lim = q->edns ? q->edns_size : DNS_UDP_MIN;

	return lim < max ? lim : max;
}

/* A name in wire form from text ("www.example.org", "example.org.", "." for
 * the root), letters lowered when fold. Returns the wire length, or 0 for a
 * bad name (empty label, label over 63, name over 255, a character other
 * than letters, digits, '-', '_' or '*' as a whole label). */
size_t dns_name_from_text(const char *text, uint8_t *out, size_t cap, bool fold);
/* A wire name as text with a trailing dot; returns buf. */
char *dns_name_to_text(const uint8_t *name, char *buf, size_t cap);

#endif /* RAMPART_DNS_WIRE_H */
