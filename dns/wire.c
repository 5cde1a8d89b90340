/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wire.c - the query side of the DNS codec: one pass over a received
 * message decides whether the fast path answers it, refuses it or hands it
 * on, and keeps what the answer needs (id, flags, the question as sent and
 * folded, EDNS); and the first bytes of every response. Nothing is read
 * outside the message.
 */
#include <string.h>

#include "dns/dns_internal.h"
#include "dns/wire.h"

/* Skip a record's owner name (labels, maybe ending in a compression
 * pointer); *root tells whether it was the root name alone. */
static bool skip_name(const uint8_t *m, size_t len, size_t *off, bool *root)
{
	size_t o = *off, total = 0;

	*root = o < len && m[o] == 0;
	for (;;) {
		uint8_t l;

		if (o >= len)
			return false;
		l = m[o];
		if ((l & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return false;
			*off = o + 2;
			return true;
		}
		if (l & 0xc0)
			return false; /* the reserved label types (RFC 6891 §5) */
		if (l == 0) {
			*off = o + 1;
			return true;
		}
		total += 1u + l;
		if (total + 1 > DNS_NAME_MAX || o + 1 + l > len)
			return false;
		o += 1u + l;
	}
}

/* The question's name into q (no pointers allowed: nothing precedes it). */
static bool parse_qname(const uint8_t *m, size_t len, size_t *off, struct dns_query *q)
{
	size_t o = *off, n = 0;

	for (;;) {
		uint8_t l;

		if (o >= len)
			return false;
		l = m[o];
		if (l & 0xc0)
			return false; /* a pointer, or a reserved label type */
		if (n + 1u + l > DNS_NAME_MAX || o + 1u + l > len)
			return false;
		q->qname[n] = q->qname_lc[n] = l;
		n++;
		o++;
		if (l == 0)
			break;
		for (unsigned i = 0; i < l; i++, n++, o++) {
			q->qname[n] = m[o];
			q->qname_lc[n] = dns_lower(m[o]);
		}
		q->labels++;
	}
	q->qname_len = (uint8_t)n;
	*off = o;
	return true;
}

/* An OPT record's RDATA: options of code, length, value, exactly filling it. */
static bool opt_rdata_ok(const uint8_t *p, size_t rdlen)
{
	size_t o = 0;

	while (o < rdlen) {
		if (rdlen - o < 4 || dns_rd16(p + o + 2) > rdlen - o - 4)
			return false;
		o += 4u + dns_rd16(p + o + 2);
	}
	return true;
}

enum dns_verdict dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q)
{
	uint16_t qd, an, ns, ar;
	size_t off = DNS_HDR_LEN;
	bool punt = false;

	q->question_ok = false;
	q->edns = false;
	q->edns_do = false;
	q->edns_version = 0;
	q->edns_size = DNS_UDP_MIN;
	q->labels = 0;
	q->qname_len = 0;
	if (len < DNS_HDR_LEN)
		return DNS_DROP;
	q->id = dns_rd16(msg);
	q->flags = dns_rd16(msg + 2);
	if (q->flags & DNS_F_QR)
		return DNS_DROP; /* never answer an answer: no loops */
	q->opcode = (uint8_t)((q->flags >> 11) & 0xf);
	qd = dns_rd16(msg + 4);
	an = dns_rd16(msg + 6);
	ns = dns_rd16(msg + 8);
	ar = dns_rd16(msg + 10);
	if (q->opcode == DNS_OP_NOTIFY || q->opcode == DNS_OP_UPDATE)
		return DNS_PUNT;
	if (q->opcode != DNS_OP_QUERY)
		return DNS_NOTIMP;
	if (qd != 1 || an)
		return DNS_FORMERR;
	if (!parse_qname(msg, len, &off, q) || off + 4 > len)
		return DNS_FORMERR;
	q->qtype = dns_rd16(msg + off);
	q->qclass = dns_rd16(msg + off + 2);
	off += 4;
	q->question_len = (uint16_t)(q->qname_len + 4);
	q->question_ok = true;
	if (ns) /* only IXFR carries a record there: the requester's SOA */
		return q->qtype == DNS_T_IXFR ? DNS_PUNT : DNS_FORMERR;
	for (unsigned i = 0; i < ar; i++) {
		uint16_t type, class, rdlen;
		uint32_t ttl;
		bool root;

		if (!skip_name(msg, len, &off, &root) || off + 10 > len)
			return DNS_FORMERR;
		type = dns_rd16(msg + off);
		class = dns_rd16(msg + off + 2);
		ttl = (uint32_t)dns_rd16(msg + off + 4) << 16 | dns_rd16(msg + off + 6);
		rdlen = dns_rd16(msg + off + 8);
		off += 10;
		if (rdlen > len - off)
			return DNS_FORMERR;
		if (type == DNS_T_TSIG) {
			/* signed: ctrl checks it; it must be the last record */
			if (i + 1 != ar)
				return DNS_FORMERR;
			punt = true;
		} else if (type == DNS_T_OPT) {
			if (q->edns || !root || !opt_rdata_ok(msg + off, rdlen))
				return DNS_FORMERR;
			q->edns = true;
			q->edns_size = class < DNS_UDP_MIN ? DNS_UDP_MIN : class;
			q->edns_version = (uint8_t)(ttl >> 16);
			q->edns_do = (ttl & 0x8000) != 0;
		} else {
			return DNS_FORMERR;
		}
		off += rdlen;
	}
	if (off != len)
		return DNS_FORMERR;
	if (q->edns && q->edns_version > 0)
		return DNS_BADVERS;
	if (punt || q->qtype == DNS_T_AXFR || q->qtype == DNS_T_IXFR)
		return DNS_PUNT;
	return DNS_ANSWER;
}

size_t dns_resp_begin(uint8_t *out, size_t cap, const struct dns_query *q, uint8_t rcode, bool aa)
{
	size_t n = DNS_HDR_LEN + (q->question_ok ? q->question_len : 0);
	uint16_t flags =
		(uint16_t)(DNS_F_QR | (q->opcode & 0xf) << 11 | (q->flags & (DNS_F_RD | DNS_F_CD)) |
			   (aa ? DNS_F_AA : 0) | (rcode & 0xf));

	if (cap < n)
		return 0;
	dns_wr16(out, q->id);
	dns_wr16(out + 2, flags);
	dns_wr16(out + 4, q->question_ok ? 1 : 0);
	memset(out + 6, 0, 6);
	if (q->question_ok) {
		memcpy(out + DNS_HDR_LEN, q->qname, q->qname_len);
		dns_wr16(out + DNS_HDR_LEN + q->qname_len, q->qtype);
		dns_wr16(out + DNS_HDR_LEN + q->qname_len + 2, q->qclass);
	}
	return n;
}

size_t dns_resp_opt(uint8_t *out, size_t len, size_t cap, const struct dns_query *q,
		    uint16_t udp_size, uint8_t rcode)
{
	uint8_t *p = out + len;

	if (len < DNS_HDR_LEN || cap < len || cap - len < 11)
		return 0;
	p[0] = 0; /* the root */
	dns_wr16(p + 1, DNS_T_OPT);
	dns_wr16(p + 3, udp_size < DNS_UDP_MIN ? DNS_UDP_MIN : udp_size);
	p[5] = (uint8_t)(rcode >> 4); /* extended rcode */
	p[6] = 0;		      /* version */
	dns_wr16(p + 7, q->edns_do ? 0x8000 : 0);
	dns_wr16(p + 9, 0);
	dns_wr16(out + 10, (uint16_t)(dns_rd16(out + 10) + 1));
	return len + 11;
}

void dns_set_counts(uint8_t *out, uint16_t an, uint16_t ns, uint16_t ar)
{
	dns_wr16(out + 6, an);
	dns_wr16(out + 8, ns);
	dns_wr16(out + 10, ar);
}

size_t dns_name_from_text(const char *text, uint8_t *out, size_t cap, bool fold)
{
	size_t n = 0, tl = strlen(text);

	if (tl == 1 && text[0] == '.') {
		if (cap < 1)
			return 0;
		out[0] = 0;
		return 1;
	}
	if (tl && text[tl - 1] == '.')
		tl--;
	for (size_t s = 0; s <= tl && tl;) {
		size_t e = s;

		while (e < tl && text[e] != '.')
			e++;
		if (e == s || e - s > DNS_LABEL_MAX || n + 1 + (e - s) + 1 > DNS_NAME_MAX ||
		    n + 1 + (e - s) + 1 > cap)
			return 0;
		out[n++] = (uint8_t)(e - s);
		for (size_t i = s; i < e; i++) {
			uint8_t c = (uint8_t)text[i];
			bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				  (c >= '0' && c <= '9') || c == '-' || c == '_' ||
				  (c == '*' && e - s == 1);

			if (!ok)
				return 0;
			out[n++] = fold ? dns_lower(c) : c;
		}
		s = e + 1;
	}
	if (!tl)
		return 0;
	out[n++] = 0;
	return n;
}

char *dns_name_to_text(const uint8_t *name, char *buf, size_t cap)
{
	size_t o = 0, i = 0;

	if (!cap)
		return buf;
	while (i < DNS_NAME_MAX && name[i]) {
		uint8_t l = name[i++];

		for (unsigned k = 0; k < l && i < DNS_NAME_MAX; k++, i++) {
			uint8_t c = name[i];

			if (o + 5 >= cap)
				goto out;
			if (c > 32 && c < 127 && c != '.' && c != '\\') {
				buf[o++] = (char)c;
			} else {
				/* RFC 1035 §5.1: \DDD */
				buf[o++] = '\\';
				buf[o++] = (char)('0' + c / 100);
				buf[o++] = (char)('0' + c / 10 % 10);
				buf[o++] = (char)('0' + c % 10);
			}
		}
		if (o + 2 >= cap)
			goto out;
		buf[o++] = '.';
	}
	if (!o && cap >= 2)
		buf[o++] = '.'; /* the root */
out:
	buf[o] = '\0';
	return buf;
}
