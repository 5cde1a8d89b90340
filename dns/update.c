/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * update.c - RFC 2136 dynamic updates on a record list (update.h). The
 * work is done on a copy, so a refused update leaves the zone untouched.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dns/update.h"
#include "dns/dns_internal.h"

#define WHY(...) snprintf(why, whylen, __VA_ARGS__)

static bool name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (dns_lower(a[i]) != dns_lower(b[i]))
			return false;
	return true;
}

bool dns_name_in(const uint8_t *name, const uint8_t *apex)
{
	size_t nl = dns_name_len(name, DNS_NAME_MAX), al = dns_name_len(apex, DNS_NAME_MAX), o = 0;

	if (!nl || !al)
		return false;
	while (nl - o > al)
		o += 1u + name[o];
	return nl - o == al && name_eq(name + o, al, apex, al);
}

/* A record of the message as a list record (owner folded), for lookups. */
static bool to_rec(const struct dns_upd_rr *u, struct dns_rec *r)
{
	size_t len = dns_name_len(u->owner, DNS_NAME_MAX);

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		r->owner[i] = dns_lower(u->owner[i]);
	r->owner_len = (uint8_t)len;
	r->type = u->type;
	r->ttl = u->ttl;
	r->rdlen = u->rdlen;
	r->rdata = (uint8_t *)u->rdata;
	return true;
}

static bool at(const struct dns_rec *x, const struct dns_rec *name)
{
	return x->owner_len == name->owner_len && memcmp(x->owner, name->owner, x->owner_len) == 0;
}

/* Records at name (of type, or any type for DNS_T_ANY). */
static size_t count(const struct dns_rrlist *l, const struct dns_rec *name, uint16_t type)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += at(&l->r[i], name) && (type == DNS_T_ANY || l->r[i].type == type);
	return n;
}

static bool meta(uint16_t t)
{
	return t == DNS_T_OPT || t == DNS_T_TSIG || (t >= DNS_T_IXFR && t <= DNS_T_ANY) || t == 0;
}

static int prerequisites(const struct dns_rrlist *l, const uint8_t *apex,
			 const struct dns_upd_rr *pre, size_t npre, char *why, size_t whylen)
{
	char t[1024];

	/* RFC 2136 §3.2.5: each record checked in order, the value-dependent
	 * RRsets (class IN) compared after all the others (pass 1) */
	for (size_t pass = 0, i = 0; pass < 2; i = 0, pass++)
		for (; i < npre; i++) {
			const struct dns_upd_rr *p = &pre[i];
			struct dns_rec r;

			if (!to_rec(p, &r))
				return WHY("prerequisite %zu: bad name", i + 1), DNS_RC_FORMERR;
			dns_name_to_text(r.owner, t, sizeof(t));
			if (pass == 1 && p->cls != DNS_CLASS_IN)
				continue;
			if (pass == 0 && p->ttl != 0)
				return WHY("prerequisite %s: TTL not 0", t), DNS_RC_FORMERR;
			if (pass == 0 && !dns_name_in(r.owner, apex))
				return WHY("prerequisite %s is outside the zone", t),
				       DNS_RC_NOTZONE;
			if (p->cls == DNS_CLASS_ANY || p->cls == DNS_CLASS_NONE) {
				bool any = p->cls == DNS_CLASS_ANY;
				size_t c;

				if (p->rdlen)
					return WHY("prerequisite %s: RDATA where none belongs", t),
					       DNS_RC_FORMERR;
				if (p->type != DNS_T_ANY && meta(p->type))
					return WHY("prerequisite %s: type %u", t, p->type),
					       DNS_RC_FORMERR;
				c = count(l, &r, p->type);
				if (any && !c)
					return p->type == DNS_T_ANY
						       ? (WHY("prerequisite: %s is not in use", t),
							  DNS_RC_NXDOMAIN)
						       : (WHY("prerequisite: %s type %u does not "
							      "exist",
							      t, p->type),
							  DNS_RC_NXRRSET);
				if (!any && c)
					return p->type == DNS_T_ANY
						       ? (WHY("prerequisite: %s is in use", t),
							  DNS_RC_YXDOMAIN)
						       : (WHY("prerequisite: %s type %u exists", t,
							      p->type),
							  DNS_RC_YXRRSET);
				continue;
			}
			if (p->cls != DNS_CLASS_IN)
				return WHY("prerequisite %s: class %u", t, p->cls), DNS_RC_FORMERR;
			if (meta(p->type))
				return WHY("prerequisite %s: type %u", t, p->type), DNS_RC_FORMERR;
			if (pass == 0)
				continue;
			/* value-dependent (§2.4.2): the RRset is exactly the prerequisites
			 * of this name and type, checked once, at the first of them */
			{
				bool first = true;
				size_t want = 0, have = count(l, &r, p->type);

				for (size_t k = 0; k < i && first; k++) {
					struct dns_rec o;

					first = !(pre[k].cls == DNS_CLASS_IN &&
						  to_rec(&pre[k], &o) && at(&o, &r) &&
						  o.type == r.type);
				}
				if (!first)
					continue;
				for (size_t k = i; k < npre; k++) {
					struct dns_rec o;

					if (pre[k].cls != DNS_CLASS_IN || !to_rec(&pre[k], &o) ||
					    !at(&o, &r) || o.type != r.type)
						continue;
					/* a duplicate in the prerequisites counts once */
					bool dup = false;

					for (size_t j = i; j < k && !dup; j++) {
						struct dns_rec d;

						dup = pre[j].cls == DNS_CLASS_IN &&
						      to_rec(&pre[j], &d) && dns_rec_same(&d, &o);
					}
					if (dup)
						continue;
					if (dns_rrlist_find(l, &o) < 0)
						return WHY("prerequisite: %s type %u differs", t,
							   p->type),
						       DNS_RC_NXRRSET;
					want++;
				}
				if (want != have)
					return WHY("prerequisite: %s type %u differs", t, p->type),
					       DNS_RC_NXRRSET;
			}
		}
	return DNS_RC_NOERROR;
}

static int prescan(const uint8_t *apex, const struct dns_upd_rr *upd, size_t nupd,
		   dns_update_allow_fn allow, void *ctx, char *why, size_t whylen)
{
	char t[1024];

	for (size_t i = 0; i < nupd; i++) {
		const struct dns_upd_rr *u = &upd[i];
		struct dns_rec r;

		if (!to_rec(u, &r))
			return WHY("update %zu: bad name", i + 1), DNS_RC_FORMERR;
		dns_name_to_text(r.owner, t, sizeof(t));
		if (!dns_name_in(r.owner, apex))
			return WHY("%s is outside the zone", t), DNS_RC_NOTZONE;
		switch (u->cls) {
		case DNS_CLASS_IN:
			if (meta(u->type))
				return WHY("%s: type %u cannot be added", t, u->type),
				       DNS_RC_FORMERR;
			break;
		case DNS_CLASS_ANY:
			if (u->ttl || u->rdlen || (u->type != DNS_T_ANY && meta(u->type)))
				return WHY("%s: a malformed RRset deletion", t), DNS_RC_FORMERR;
			break;
		case DNS_CLASS_NONE:
			if (u->ttl || meta(u->type))
				return WHY("%s: a malformed record deletion", t), DNS_RC_FORMERR;
			break;
		default:
			return WHY("%s: class %u", t, u->cls), DNS_RC_FORMERR;
		}
		if (allow && !allow(ctx, r.owner, u->cls == DNS_CLASS_ANY ? u->type : u->type))
			return WHY("the key may not change %s type %u", t, u->type), DNS_RC_REFUSED;
	}
	return DNS_RC_NOERROR;
}

/* Delete what matches at name: type (DNS_T_ANY: all), rdata (NULL: any);
 * at the apex, SOA and NS are kept. */
static bool delete (struct dns_rrlist *l, const struct dns_rec *name, uint16_t type,
		    const struct dns_rec *exact, bool apex)
{
	bool changed = false;

	for (size_t i = l->n; i-- > 0;) {
		const struct dns_rec *x = &l->r[i];

		if (!at(x, name) || (type != DNS_T_ANY && x->type != type))
			continue;
		if (exact && !dns_rec_same(x, exact))
			continue;
		if (x->type == DNS_T_SOA)
			continue;
		if (apex && x->type == DNS_T_NS && (!exact || count(l, name, DNS_T_NS) == 1))
			continue;
		dns_rrlist_del(l, i);
		changed = true;
	}
	return changed;
}

static int add(struct dns_rrlist *l, const struct dns_rec *r, bool apex, bool *changed,
	       bool *soa_set)
{
	long i;

	if (r->type == DNS_T_SOA) {
		struct dns_rec *cur = (struct dns_rec *)dns_rrlist_soa(l);

		if (!apex || !cur ||
		    !dns_serial_gt(dns_soa_serial(r->rdata, r->rdlen),
				   dns_soa_serial(cur->rdata, cur->rdlen)))
			return 0; /* ignored (§3.4.2.2) */
		dns_rrlist_del(l, (size_t)(cur - l->r));
		*changed = *soa_set = true;
		return dns_rrlist_add(l, r->owner, r->type, r->ttl, r->rdata, r->rdlen);
	}
	if (r->type == DNS_T_CNAME) {
		if (count(l, r, DNS_T_ANY) != count(l, r, DNS_T_CNAME))
			return 0; /* other data there */
		if (count(l, r, DNS_T_CNAME)) {
			if (dns_rrlist_find(l, r) >= 0 && l->r[dns_rrlist_find(l, r)].ttl == r->ttl)
				return 0;
			delete (l, r, DNS_T_CNAME, NULL, false);
		}
	} else if (count(l, r, DNS_T_CNAME)) {
		return 0; /* a CNAME there */
	}
	/* the RRset takes the TTL of what is added (one TTL per RRset) */
	for (size_t k = 0; k < l->n; k++)
		if (at(&l->r[k], r) && l->r[k].type == r->type && l->r[k].ttl != r->ttl) {
			l->r[k].ttl = r->ttl;
			*changed = true;
		}
	if ((i = dns_rrlist_find(l, r)) >= 0)
		return 0;
	*changed = true;
	return dns_rrlist_add(l, r->owner, r->type, r->ttl, r->rdata, r->rdlen);
}

int dns_update_apply(struct dns_rrlist *l, const uint8_t *apex, const struct dns_upd_rr *pre,
		     size_t npre, const struct dns_upd_rr *upd, size_t nupd,
		     dns_update_allow_fn allow, void *ctx, bool *changed, char *why, size_t whylen)
{
	struct dns_rrlist n;
	bool soa_set = false;
	size_t alen = dns_name_len(apex, DNS_NAME_MAX);
	int rc;

	*changed = false;
	if (why && whylen)
		why[0] = '\0';
	if (!alen)
		return WHY("bad zone name"), DNS_RC_SERVFAIL;
	if ((rc = prerequisites(l, apex, pre, npre, why, whylen)) != DNS_RC_NOERROR)
		return rc;
	if ((rc = prescan(apex, upd, nupd, allow, ctx, why, whylen)) != DNS_RC_NOERROR)
		return rc;
	if (dns_rrlist_copy(l, &n) < 0)
		return WHY("out of memory"), DNS_RC_SERVFAIL;
	for (size_t i = 0; i < nupd; i++) {
		const struct dns_upd_rr *u = &upd[i];
		struct dns_rec r;
		bool is_apex;

		to_rec(u, &r);
		is_apex = name_eq(r.owner, r.owner_len, apex, alen);
		if (u->cls == DNS_CLASS_IN) {
			if (add(&n, &r, is_apex, changed, &soa_set) < 0) {
				dns_rrlist_free(&n);
				return WHY("out of memory"), DNS_RC_SERVFAIL;
			}
		} else if (u->cls == DNS_CLASS_ANY) {
			if (!(is_apex && (u->type == DNS_T_SOA || u->type == DNS_T_NS)))
				*changed |= delete (&n, &r, u->type, NULL, is_apex);
		} else {
			*changed |= delete (&n, &r, u->type, &r, is_apex);
		}
	}
	if (*changed && !soa_set) {
		struct dns_rec *soa = (struct dns_rec *)dns_rrlist_soa(&n);

		if (soa)
			dns_soa_set_serial(soa->rdata, soa->rdlen,
					   dns_soa_serial(soa->rdata, soa->rdlen) + 1);
	}
	dns_rrlist_sort(&n);
	dns_rrlist_free(l);
	*l = n;
	return DNS_RC_NOERROR;
}
