/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rrlist.c - zones as lists of records: copies, canonical order,
 * differences and their application (rrlist.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/rrlist.h"
#include "dns/dns_internal.h"

int dns_rrlist_add(struct dns_rrlist *l, const uint8_t *owner, uint16_t type, uint32_t ttl,
		   const uint8_t *rdata, uint16_t rdlen)
{
	size_t len = dns_name_len(owner, DNS_NAME_MAX);
	struct dns_rec *r;

	if (!len)
		return -EINVAL;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct dns_rec *nr = realloc(l->r, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		l->r = nr;
		l->cap = cap;
	}
	r = &l->r[l->n];
	r->rdata = malloc(rdlen ? rdlen : 1);
	if (!r->rdata)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		r->owner[i] = dns_lower(owner[i]);
	r->owner_len = (uint8_t)len;
	r->type = type;
	r->ttl = ttl;
	r->rdlen = rdlen;
	if (rdlen)
		memcpy(r->rdata, rdata, rdlen);
	l->n++;
	return 0;
}

void dns_rrlist_del(struct dns_rrlist *l, size_t i)
{
	free(l->r[i].rdata);
	memmove(&l->r[i], &l->r[i + 1], (l->n - i - 1) * sizeof(l->r[0]));
	l->n--;
}

void dns_rrlist_free(struct dns_rrlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->r[i].rdata);
	free(l->r);
	memset(l, 0, sizeof(*l));
}

int dns_rrlist_copy(const struct dns_rrlist *from, struct dns_rrlist *to)
{
	memset(to, 0, sizeof(*to));
	for (size_t i = 0; i < from->n; i++) {
		const struct dns_rec *r = &from->r[i];

		if (dns_rrlist_add(to, r->owner, r->type, r->ttl, r->rdata, r->rdlen) < 0) {
			dns_rrlist_free(to);
			return -ENOMEM;
		}
	}
	return 0;
}

/* The encoded zone set of one zone: magic, count, apex, record count, then
 * records (owner length and name, type, TTL, RDLENGTH, RDATA): zone.c. */
int dns_rrlist_from_zone(const struct dns_zone *z, struct dns_rrlist *l)
{
	const struct dns_zone *zs[1] = { z };
	const uint8_t *p, *end;
	void *set;
	size_t len;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	if (dns_zones_encode(zs, 1, &set, &len) < 0)
		return -ENOMEM;
	p = (const uint8_t *)set + 8;
	p += 1 + p[0] + 4;
	end = (const uint8_t *)set + len;
	while (p < end && rc == 0) {
		size_t ol = p[0];
		uint16_t type = dns_rd16(p + 1 + ol);
		uint32_t ttl = (uint32_t)dns_rd16(p + 3 + ol) << 16 | dns_rd16(p + 5 + ol);
		uint16_t rdlen = dns_rd16(p + 7 + ol);

		rc = dns_rrlist_add(l, p + 1, type, ttl, p + 9 + ol, rdlen);
		p += 9 + ol + rdlen;
	}
	free(set);
	if (rc < 0)
		dns_rrlist_free(l);
	return rc;
}

int dns_rrlist_build(const struct dns_rrlist *l, const uint8_t *apex, struct dns_zone **out,
		     char *err, size_t errlen)
{
	struct dns_zone_rr *rrs = calloc(l->n ? l->n : 1, sizeof(*rrs));
	int rc;

	if (!rrs) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < l->n; i++)
		rrs[i] = (struct dns_zone_rr){ .owner = l->r[i].owner,
					       .type = l->r[i].type,
					       .ttl = l->r[i].ttl,
					       .rdata = l->r[i].rdata,
					       .rdlen = l->r[i].rdlen };
	rc = dns_zone_build(apex, rrs, l->n, out, err, errlen, NULL);
	free(rrs);
	return rc;
}

static int cmp_rec(const struct dns_rec *a, const struct dns_rec *b)
{
	int c;

	if (a->owner_len != b->owner_len)
		return a->owner_len < b->owner_len ? -1 : 1;
	c = memcmp(a->owner, b->owner, a->owner_len);
	if (c)
		return c;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	c = memcmp(a->rdata, b->rdata, a->rdlen < b->rdlen ? a->rdlen : b->rdlen);
	if (c)
		return c;
	return a->rdlen < b->rdlen ? -1 : a->rdlen > b->rdlen;
}

static int cmp_rec_q(const void *a, const void *b)
{
	return cmp_rec(a, b);
}

bool dns_rec_same(const struct dns_rec *a, const struct dns_rec *b)
{
	return cmp_rec(a, b) == 0;
}

void dns_rrlist_sort(struct dns_rrlist *l)
{
	size_t o = 0;

	if (l->n > 1)
		qsort(l->r, l->n, sizeof(l->r[0]), cmp_rec_q);
	for (size_t i = 0; i < l->n; i++) {
		if (o && cmp_rec(&l->r[o - 1], &l->r[i]) == 0) {
			free(l->r[i].rdata);
			continue;
		}
		l->r[o++] = l->r[i];
	}
	l->n = o;
}

long dns_rrlist_find(const struct dns_rrlist *l, const struct dns_rec *r)
{
	for (size_t i = 0; i < l->n; i++)
		if (cmp_rec(&l->r[i], r) == 0)
			return (long)i;
	return -1;
}

static int add_rec(struct dns_rrlist *l, const struct dns_rec *r)
{
	return dns_rrlist_add(l, r->owner, r->type, r->ttl, r->rdata, r->rdlen);
}

int dns_rrlist_diff(const struct dns_rrlist *from, const struct dns_rrlist *to,
		    struct dns_rrlist *del, struct dns_rrlist *add)
{
	size_t i = 0, k = 0;
	int rc = 0;

	memset(del, 0, sizeof(*del));
	memset(add, 0, sizeof(*add));
	while (rc == 0 && (i < from->n || k < to->n)) {
		int c = i == from->n ? 1 : k == to->n ? -1 : cmp_rec(&from->r[i], &to->r[k]);

		if (c < 0) {
			rc = add_rec(del, &from->r[i++]);
		} else if (c > 0) {
			rc = add_rec(add, &to->r[k++]);
		} else {
			if (from->r[i].ttl != to->r[k].ttl &&
			    ((rc = add_rec(del, &from->r[i])) < 0 ||
			     (rc = add_rec(add, &to->r[k])) < 0))
				break;
			i++;
			k++;
		}
	}
	if (rc < 0) {
		dns_rrlist_free(del);
		dns_rrlist_free(add);
	}
	return rc;
}

int dns_rrlist_apply(struct dns_rrlist *l, const struct dns_rrlist *del,
		     const struct dns_rrlist *add)
{
	struct dns_rrlist n;
	int rc;

	if ((rc = dns_rrlist_copy(l, &n)) < 0)
		return rc;
	for (size_t i = 0; i < del->n; i++) {
		long at = dns_rrlist_find(&n, &del->r[i]);

		if (at < 0) {
			dns_rrlist_free(&n);
			return -ENOENT;
		}
		dns_rrlist_del(&n, (size_t)at);
	}
	for (size_t i = 0; i < add->n; i++) {
		long at = dns_rrlist_find(&n, &add->r[i]);

		if (at >= 0) { /* already there: the TTL is the one added */
			n.r[at].ttl = add->r[i].ttl;
			continue;
		}
		if ((rc = add_rec(&n, &add->r[i])) < 0) {
			dns_rrlist_free(&n);
			return rc;
		}
	}
	dns_rrlist_sort(&n);
	dns_rrlist_free(l);
	*l = n;
	return 0;
}

const struct dns_rec *dns_rrlist_soa(const struct dns_rrlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->r[i].type == DNS_T_SOA)
			return &l->r[i];
	return NULL;
}

/* Offset of the serial in an SOA's RDATA (after two names), 0: too short. */
static size_t serial_off(const uint8_t *rdata, uint16_t rdlen)
{
	size_t a = dns_name_len(rdata, rdlen), b;

	if (!a)
		return 0;
	b = dns_name_len(rdata + a, rdlen - a);
	if (!b || a + b + 20 > rdlen)
		return 0;
	return a + b;
}

uint32_t dns_soa_serial(const uint8_t *rdata, uint16_t rdlen)
{
	size_t o = serial_off(rdata, rdlen);

	return o ? (uint32_t)dns_rd16(rdata + o) << 16 | dns_rd16(rdata + o + 2) : 0;
}

void dns_soa_set_serial(uint8_t *rdata, uint16_t rdlen, uint32_t serial)
{
	size_t o = serial_off(rdata, rdlen);

	if (o) {
		dns_wr16(rdata + o, (uint16_t)(serial >> 16));
		dns_wr16(rdata + o + 2, (uint16_t)serial);
	}
}
