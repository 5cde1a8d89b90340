/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * msg.c - whole DNS messages through libknot (msg.h): parsing, TSIG, the
 * requests ctrl sends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libknot/libknot.h>

#include "dns/msg.h"
#include "dns/dns_internal.h"

struct dns_tsig_key {
	knot_tsig_key_t k;
};

void dns_msg_free(struct dns_msg *m)
{
	for (int s = 0; s < 3; s++)
		free(m->rr[s]);
	if (m->pkt)
		knot_pkt_free(m->pkt);
	memset(m, 0, sizeof(*m));
}

int dns_msg_parse(const uint8_t *wire, size_t len, struct dns_msg *m)
{
	knot_pkt_t *pkt;
	static const knot_section_t secs[3] = { KNOT_ANSWER, KNOT_AUTHORITY, KNOT_ADDITIONAL };

	memset(m, 0, sizeof(*m));
	if (len < DNS_HDR_LEN || len > 65535)
		return -EINVAL;
	pkt = knot_pkt_new(NULL, (uint16_t)len, NULL);
	if (!pkt)
		return -ENOMEM;
	memcpy(pkt->wire, wire, len);
	pkt->size = len;
	m->pkt = pkt;
	if (knot_pkt_parse(pkt, KNOT_PF_NOCANON) != KNOT_EOK) {
		dns_msg_free(m);
		return -EINVAL;
	}
	m->id = dns_rd16(wire);
	m->flags = dns_rd16(wire + 2);
	m->opcode = (uint8_t)(m->flags >> 11 & 0xf);
	m->rcode = (uint8_t)(m->flags & 0xf);
	if (knot_wire_get_qdcount(pkt->wire) > 1) {
		dns_msg_free(m);
		return -EINVAL;
	}
	if (knot_wire_get_qdcount(pkt->wire) == 1) {
		m->has_question = true;
		m->qname = knot_pkt_wire_qname(pkt);
		m->qtype = knot_pkt_qtype(pkt);
		m->qclass = knot_pkt_qclass(pkt);
	}
	for (int s = 0; s < 3; s++) {
		const knot_pktsection_t *sec = knot_pkt_section(pkt, secs[s]);
		size_t total = 0, k = 0;

		for (uint16_t i = 0; i < sec->count; i++) {
			const knot_rrset_t *rr = knot_pkt_rr(sec, i);

			if (rr->type == KNOT_RRTYPE_OPT || rr->type == KNOT_RRTYPE_TSIG)
				continue;
			total += rr->rrs.count ? rr->rrs.count : 1;
		}
		m->rr[s] = calloc(total ? total : 1, sizeof(*m->rr[s]));
		if (!m->rr[s]) {
			dns_msg_free(m);
			return -ENOMEM;
		}
		for (uint16_t i = 0; i < sec->count; i++) {
			const knot_rrset_t *rr = knot_pkt_rr(sec, i);

			if (rr->type == KNOT_RRTYPE_OPT || rr->type == KNOT_RRTYPE_TSIG)
				continue;
			for (uint16_t j = 0; j < (rr->rrs.count ? rr->rrs.count : 1); j++) {
				const knot_rdata_t *rd =
					rr->rrs.count ? knot_rdataset_at(&rr->rrs, j) : NULL;

				m->rr[s][k++] = (struct dns_upd_rr){
					.owner = rr->owner,
					.type = rr->type,
					.cls = rr->rclass,
					.ttl = rr->ttl,
					.rdata = rd ? rd->data : (const uint8_t *)"",
					.rdlen = rd ? rd->len : 0,
				};
			}
		}
		m->n[s] = k;
	}
	if (pkt->tsig_rr) {
		m->tsig = true;
		m->tsig_key = pkt->tsig_rr->owner;
	}
	return 0;
}

int dns_tsig_key_new(const char *name, const char *algorithm, const char *secret,
		     struct dns_tsig_key **out)
{
	struct dns_tsig_key *k = calloc(1, sizeof(*k));

	*out = NULL;
	if (!k)
		return -ENOMEM;
	if (knot_tsig_key_init(&k->k, algorithm, name, secret) != KNOT_EOK) {
		free(k);
		return -EINVAL;
	}
	*out = k;
	return 0;
}

void dns_tsig_key_free(struct dns_tsig_key *k)
{
	if (!k)
		return;
	knot_tsig_key_deinit(&k->k);
	free(k);
}

bool dns_tsig_key_is(const struct dns_tsig_key *k, const uint8_t *name)
{
	size_t a = dns_name_len(name, DNS_NAME_MAX), b = dns_name_len(k->k.name, DNS_NAME_MAX);

	if (!a || a != b)
		return false;
	for (size_t i = 0; i < a; i++)
		if (dns_lower(name[i]) != dns_lower(k->k.name[i]))
			return false;
	return true;
}

int dns_msg_tsig_check(const struct dns_msg *req, const struct dns_tsig_key *k)
{
	const knot_pkt_t *pkt = req->pkt;
	int rc;

	if (!req->tsig || !k || knot_tsig_rdata_alg(pkt->tsig_rr) != k->k.algorithm)
		return DNS_TSIG_BADKEY;
	/* libknot took the TSIG record off the wire it parsed */
	rc = knot_tsig_server_check(pkt->tsig_rr, pkt->wire, pkt->size, &k->k);
	if (rc == KNOT_EOK)
		return 0;
	if (rc == KNOT_TSIG_EBADTIME)
		return DNS_TSIG_BADTIME;
	if (rc == KNOT_TSIG_EBADKEY)
		return DNS_TSIG_BADKEY;
	return DNS_TSIG_BADSIG;
}

int dns_msg_tsig_sign(uint8_t *msg, size_t *len, size_t cap, const struct dns_msg *req,
		      const struct dns_tsig_key *k, int error)
{
	const knot_pkt_t *pkt = req->pkt;
	uint8_t digest[64];
	size_t dlen = sizeof(digest);
	int rc;

	if (!req->tsig)
		return 0;
	if (error || !k)
		rc = knot_tsig_add(msg, len, cap, (uint16_t)(error ? error : DNS_TSIG_BADKEY),
				   pkt->tsig_rr);
	else
		rc = knot_tsig_sign(msg, len, cap, knot_tsig_rdata_mac(pkt->tsig_rr),
				    knot_tsig_rdata_mac_length(pkt->tsig_rr), digest, &dlen, &k->k,
				    0, knot_tsig_rdata_time_signed(pkt->tsig_rr));
	return rc == KNOT_EOK ? 0 : -ENOSPC;
}

size_t dns_msg_query(uint8_t *out, size_t cap, uint16_t id, uint8_t opcode, const uint8_t *qname,
		     uint16_t qtype, const uint8_t *soa, uint16_t soa_len)
{
	size_t nl = dns_name_len(qname, DNS_NAME_MAX), len = DNS_HDR_LEN;

	if (!nl || cap < DNS_HDR_LEN + nl + 4 + (soa ? 2 + 10 + soa_len : 0))
		return 0;
	memset(out, 0, DNS_HDR_LEN);
	dns_wr16(out, id);
	dns_wr16(out + 2, (uint16_t)(opcode << 11 | (opcode == DNS_OP_NOTIFY ? DNS_F_AA : 0)));
	dns_wr16(out + 4, 1);
	memcpy(out + len, qname, nl);
	len += nl;
	dns_wr16(out + len, qtype);
	dns_wr16(out + len + 2, DNS_CLASS_IN);
	len += 4;
	if (soa) {
		/* the zone's SOA: owner a pointer to the question's name */
		dns_wr16(out + len, 0xc000 | DNS_HDR_LEN);
		dns_wr16(out + len + 2, DNS_T_SOA);
		dns_wr16(out + len + 4, DNS_CLASS_IN);
		memset(out + len + 6, 0, 4);
		dns_wr16(out + len + 10, soa_len);
		memcpy(out + len + 12, soa, soa_len);
		len += 12u + soa_len;
		dns_wr16(out + (opcode == DNS_OP_NOTIFY ? 6 : 8), 1);
	}
	return len;
}

/* libknot's text dump trusts the RDATA to have its type's layout (and
 * reads past it when not); records from the network (updates, transfers)
 * are written in their type's text form only when the layout is checked
 * here, else in RFC 3597's generic form, which says the same bytes. */
static bool layout_ok(uint16_t type, const uint8_t *r, size_t len)
{
	size_t n;

	switch (type) {
	case 1: /* A */
		return len == 4;
	case 28: /* AAAA */
		return len == 16;
	case 2:
	case 5:
	case 12:
	case 39: /* NS, CNAME, PTR, DNAME */
		return dns_name_len(r, len) == len;
	case 15: /* MX */
		return len > 2 && dns_name_len(r + 2, len - 2) == len - 2;
	case 33: /* SRV */
		return len > 6 && dns_name_len(r + 6, len - 6) == len - 6;
	case 6: /* SOA */
		n = dns_name_len(r, len);
		n += n ? dns_name_len(r + n, len - n) : 0;
		return n && dns_name_len(r, len) != n && n + 20 == len;
	case 16:
	case 99: /* TXT, SPF: character strings */
		for (n = 0; n < len; n += 1u + r[n])
			;
		return len && n == len;
	case 43:
	case 59: /* DS, CDS */
		return len > 4;
	case 44: /* SSHFP */
		return len > 2;
	case 52: /* TLSA */
		return len > 3;
	case 257: /* CAA: flags, tag length, tag, value */
		return len >= 2 && r[1] && (size_t)r[1] + 2 <= len;
	default:
		return false;
	}
}

int dns_rec_text(const struct dns_rec *r, char *buf, size_t cap)
{
	knot_dump_style_t style = KNOT_DUMP_STYLE_DEFAULT;
	knot_rrset_t rr;
	size_t dlen = 1024;
	char *dst = malloc(dlen);
	int n;

	if (!dst)
		return -1;

	knot_rrset_init(&rr, (knot_dname_t *)r->owner, r->type, KNOT_CLASS_IN, r->ttl);
	if (knot_rrset_add_rdata(&rr, r->rdata, r->rdlen, NULL) != KNOT_EOK) {
		free(dst);
		return -1;
	}
	style.generic = !layout_ok(r->type, r->rdata, r->rdlen);
	n = knot_rrset_txt_dump(&rr, &dst, &dlen, &style);
	knot_rdataset_clear(&rr.rrs, NULL);
	if (n < 0 || (size_t)n >= cap) {
		free(dst);
		return -1;
	}
	while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
		n--;
	memcpy(buf, dst, (size_t)n);
	buf[n] = '\0';
	free(dst);
	return n;
}

int dns_rrlist_print(const struct dns_rrlist *l, FILE *f)
{
	const struct dns_rec *soa = dns_rrlist_soa(l);
	char *line = malloc(70000);

	if (!line)
		return -ENOMEM;
	for (size_t pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < l->n; i++) {
			const struct dns_rec *r = &l->r[i];

			if ((pass == 0) != (r == soa))
				continue;
			if (dns_rec_text(r, line, 70000) < 0 || fprintf(f, "%s\n", line) < 0) {
				free(line);
				return -EIO;
			}
		}
	free(line);
	return 0;
}
