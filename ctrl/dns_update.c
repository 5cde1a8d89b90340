/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns_update.c - dynamic updates (RFC 2136) signed with TSIG (RFC 8945):
 * the key checked, its rights (dns.zones[].update) asked for every record
 * of the update section, the change applied to a copy of the zone
 * (dns/update.h), compiled and checked like a zone file, journaled under
 * state_dir/dns/ZONE.journal, written over the zone file and put in
 * service (dataplane, secondaries told). An unsigned update is refused: a
 * zone changes only for a key that may change it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctrl/ctrl.h"
#include "ctrl/dns.h"
#include "dns/msg.h"
#include "dns/update.h"

struct rights {
	const struct ctrl_conf_zone *cz;
	unsigned key;
};

/* Does name (text, no trailing dot) match pattern ("a.b" exactly, "*.b"
 * every name below b)? */
static bool name_match(const char *name, const char *pat, size_t plen)
{
	size_t nl = strlen(name);

	if (plen > 2 && pat[0] == '*' && pat[1] == '.')
		return nl > plen - 1 && strncasecmp(name + nl - (plen - 1), pat + 1, plen - 1) == 0;
	return nl == plen && strncasecmp(name, pat, plen) == 0;
}

static bool allowed(void *ctx, const uint8_t *name, uint16_t type)
{
	const struct rights *r = ctx;
	char t[DNS_NAME_MAX * 4];
	size_t tl;

	dns_name_to_text(name, t, sizeof(t));
	tl = strlen(t);
	if (tl > 1 && t[tl - 1] == '.')
		t[tl - 1] = '\0';
	for (unsigned g = 0; g < r->cz->n_grants; g++) {
		const struct ctrl_conf_grant *gr = &r->cz->grants[g];
		bool type_ok = !gr->n_types, name_ok = false;

		if (gr->key != r->key)
			continue;
		for (unsigned k = 0; k < gr->n_types && type != DNS_T_ANY; k++)
			type_ok |= gr->types[k] == type;
		for (const char *p = gr->names; *p && !name_ok;) {
			size_t len = strcspn(p, " ");

			name_ok = name_match(t, p, len);
			p += len + (p[len] == ' ');
		}
		if (type_ok && name_ok)
			return true;
	}
	return false;
}

/* Append the change to state_dir/dns/ZONE.journal. */
static int journal(struct ctrl *c, const struct ctrl_conf_zone *cz, const struct dns_rrlist *from,
		   const struct dns_rrlist *to, const char *who)
{
	char path[600], line[70000 / 4], ts[32];
	struct dns_rrlist del, add;
	time_t now = time(NULL);
	struct tm tm;
	const struct dns_rec *fs = dns_rrlist_soa(from), *tsoa = dns_rrlist_soa(to);
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%.255s/dns", c->conf.state_dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%.255s/dns/%.255s.journal", c->conf.state_dir, cz->name);
	if (dns_rrlist_diff(from, to, &del, &add) < 0)
		return -ENOMEM;
	f = fopen(path, "a");
	if (!f) {
		rc = -errno;
		goto out;
	}
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "; %s serial %u -> %u by %s\n", ts,
		fs ? dns_soa_serial(fs->rdata, fs->rdlen) : 0,
		tsoa ? dns_soa_serial(tsoa->rdata, tsoa->rdlen) : 0, who);
	for (size_t i = 0; i < del.n; i++)
		if (dns_rec_text(&del.r[i], line, sizeof(line)) >= 0)
			fprintf(f, "-%s\n", line);
	for (size_t i = 0; i < add.n; i++)
		if (dns_rec_text(&add.r[i], line, sizeof(line)) >= 0)
			fprintf(f, "+%s\n", line);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		rc = -errno;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
out:
	dns_rrlist_free(&del);
	dns_rrlist_free(&add);
	return rc;
}

static const char *rcode_name(int rc)
{
	static const char *const n[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					 "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
					 "NXRRSET", "NOTAUTH", "NOTZONE" };

	return rc >= 0 && rc <= 10 ? n[rc] : "?";
}

/* The response, signed with k when the request was. */
static size_t answer(uint8_t *out, size_t cap, const struct dns_msg *m,
		     const struct dns_tsig_key *k, int rcode, int tsig_error)
{
	size_t n = ctrl_dns_resp(out, cap, m, (uint8_t)rcode, false);

	if (n && m->tsig && dns_msg_tsig_sign(out, &n, cap, m, k, tsig_error) < 0)
		return 0;
	return n;
}

size_t ctrl_dns_update(struct ctrl *c, const struct dp_addr *peer, const struct dns_msg *m,
		       uint8_t *out, size_t cap)
{
	const struct ctrl_conf_zone *cz;
	const struct dns_tsig_key *k = NULL;
	struct ctrl_dns_zst *st;
	struct dns_zone *z, *nz = NULL;
	struct dns_rrlist before, after;
	struct rights r;
	uint8_t apex[DNS_NAME_MAX];
	char who[1200], a[64], kn[DNS_NAME_MAX * 4], why[512];
	bool changed;
	int rcode, tsig_err, rc;

	dp_addr_format(peer, false, a, sizeof(a));
	if (!m->has_question || m->qtype != DNS_T_SOA) {
		ctrl_log("info", "dns: UPDATE from %s refused: the zone section is not one SOA", a);
		return ctrl_dns_resp(out, cap, m, DNS_RC_FORMERR, false);
	}
	cz = ctrl_dns_conf_zone_wire(c, m->qname);
	z = cz ? ctrl_dns_zone(c, cz->name, NULL) : NULL;
	if (!cz || !z || cz->n_primaries) {
		ctrl_log("info",
			 "dns: UPDATE from %s refused: %s is not a zone served here as "
			 "its primary",
			 a, dns_name_to_text(m->qname, kn, sizeof(kn)));
		return answer(out, cap, m, NULL, DNS_RC_NOTAUTH, m->tsig ? DNS_TSIG_BADKEY : 0);
	}
	st = ctrl_dns_zst(c, cz->name);
	if (!m->tsig) {
		ctrl_log("warning", "dns: UPDATE of %s from %s refused: not signed (TSIG)",
			 cz->name, a);
		if (st)
			st->updates_refused++;
		return ctrl_dns_resp(out, cap, m, DNS_RC_REFUSED, false);
	}
	dns_name_to_text(m->tsig_key, kn, sizeof(kn));
	r = (struct rights){ .cz = cz, .key = CTRL_CONF_KEYS_MAX };
	for (unsigned i = 0; i < c->dns.n_keys; i++)
		if (dns_tsig_key_is(c->dns.keys[i], m->tsig_key)) {
			k = c->dns.keys[i];
			r.key = i;
		}
	tsig_err = dns_msg_tsig_check(m, k);
	if (tsig_err) {
		ctrl_log("warning", "dns: UPDATE of %s from %s refused: key %s: %s", cz->name, a,
			 kn,
			 tsig_err == DNS_TSIG_BADKEY	? "unknown key or algorithm"
			 : tsig_err == DNS_TSIG_BADTIME ? "signed too long ago or ahead (BADTIME)"
							: "bad signature");
		if (st)
			st->updates_refused++;
		return answer(out, cap, m, k, DNS_RC_NOTAUTH, tsig_err);
	}
	snprintf(who, sizeof(who), "key %s from %s", kn, a);
	if (dns_rrlist_from_zone(z, &before) < 0)
		return answer(out, cap, m, k, DNS_RC_SERVFAIL, 0);
	dns_rrlist_sort(&before);
	if (dns_rrlist_copy(&before, &after) < 0) {
		dns_rrlist_free(&before);
		return answer(out, cap, m, k, DNS_RC_SERVFAIL, 0);
	}
	dns_name_from_text(cz->name, apex, sizeof(apex), true);
	rcode = dns_update_apply(&after, apex, m->rr[DNS_SEC_AN], m->n[DNS_SEC_AN],
				 m->rr[DNS_SEC_NS], m->n[DNS_SEC_NS], allowed, &r, &changed, why,
				 sizeof(why));
	if (rcode == DNS_RC_NOERROR && changed &&
	    dns_rrlist_build(&after, apex, &nz, why, sizeof(why)) < 0)
		rcode = DNS_RC_REFUSED; /* the zone it would make is not a valid zone */
	if (rcode != DNS_RC_NOERROR) {
		ctrl_log("warning", "dns: UPDATE of %s by %s refused (%s): %s", cz->name, who,
			 rcode_name(rcode), why);
		if (st)
			st->updates_refused++;
		goto out;
	}
	if (!changed) {
		ctrl_log("info", "dns: UPDATE of %s by %s: nothing to change", cz->name, who);
		goto out;
	}
	if ((rc = journal(c, cz, &before, &after, who)) < 0) {
		ctrl_log("error", "dns: UPDATE of %s by %s not made: journal: %s", cz->name, who,
			 strerror(-rc));
		dns_zone_free(nz);
		rcode = DNS_RC_SERVFAIL;
		goto out;
	}
	ctrl_log("info", "dns: UPDATE of %s by %s: serial %u -> %u", cz->name, who,
		 dns_zone_serial(z), dns_zone_serial(nz));
	if ((rc = ctrl_dns_replace(c, cz->name, nz, true)) < 0) {
		char path[600];
		FILE *f;

		/* the journal says so */
		snprintf(path, sizeof(path), "%.255s/dns/%.255s.journal", c->conf.state_dir,
			 cz->name);
		if ((f = fopen(path, "a"))) {
			fprintf(f, "; the change above was not made: %s\n", strerror(-rc));
			fclose(f);
		}
		rcode = DNS_RC_SERVFAIL;
		goto out;
	}
	if (st)
		st->updates++;
out:
	dns_rrlist_free(&before);
	dns_rrlist_free(&after);
	return answer(out, cap, m, k, rcode, 0);
}
