/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns.c - the configured zone files, read with dns_zonefile_load into
 * zones, encoded as one zone set and sent to the dataplane (DP_MSG_ZONES)
 * whenever the one it runs differs. A broken zone file never replaces a
 * good zone: the version read before stays in service.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctrl/ctrl.h"
#include "ctrl/dns.h"
#include "dns/zonefile.h"

static uint64_t fnv64(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h ? h : 1;
}

int ctrl_dns_load(struct ctrl *c, char *errors, size_t errlen)
{
	struct ctrl_dns *d = &c->dns, next = { 0 };
	size_t used = 0;
	int failed = 0;

	if (errors && errlen)
		errors[0] = '\0';
	for (unsigned i = 0; i < c->conf.n_zones; i++) {
		const struct ctrl_conf_zone *cz = &c->conf.zones[i];
		char err[4096];
		struct dns_zone *z;

		snprintf(next.names[next.n], sizeof(next.names[0]), "%s", cz->name);
		if (dns_zonefile_load(cz->name, cz->file, NULL, 0, NULL, &z, err, sizeof(err)) == 0) {
			next.zones[next.n++] = z;
			ctrl_log("info", "dns: zone %s loaded from %s: %zu records, serial %u",
				 cz->name, cz->file, dns_zone_records(z), dns_zone_serial(z));
			continue;
		}
		failed++;
		if (errors && used < errlen)
			used += (size_t)snprintf(errors + used, errlen - used, "%s%s", used ? "\n" : "",
						 err);
		/* the version in service, if any, stays */
		z = NULL;
		for (unsigned k = 0; k < d->n; k++)
			if (d->zones[k] && strcasecmp(d->names[k], cz->name) == 0) {
				z = d->zones[k];
				d->zones[k] = NULL;
			}
		ctrl_log("error", "dns: zone %s refused%s: %s", cz->name,
			 z ? ", the version loaded before stays in service" : ", not served", err);
		if (z)
			next.zones[next.n++] = z;
	}
	/* what the new set does not take over goes */
	for (unsigned k = 0; k < d->n; k++) {
		bool kept = false;

		for (unsigned j = 0; j < next.n; j++)
			kept |= next.zones[j] == d->zones[k];
		if (!kept)
			dns_zone_free(d->zones[k]);
	}
	free(d->wire);
	next.refused = d->refused;
	*d = next;
	if (d->n && dns_zones_encode((const struct dns_zone *const *)d->zones, d->n, &d->wire,
				     &d->wire_len) == 0)
		d->generation = fnv64(d->wire, d->wire_len);
	return failed;
}

int ctrl_dns_sync(struct ctrl *c)
{
	struct ctrl_dns *d = &c->dns;
	const struct dp_result *r;
	struct dp_msg m;
	int rc;

	if (!d->generation || !c->dp_connected || c->check_only ||
	    c->hello.zones_generation == d->generation || d->refused == d->generation)
		return 0;
	rc = ctrl_dp_call(c, DP_MSG_ZONES, d->generation, d->wire, d->wire_len, DP_MSG_RESULT, &m);
	if (rc < 0)
		return rc;
	r = m.payload;
	rc = r->rc;
	if (rc < 0) {
		d->refused = d->generation;
		ctrl_log("error", "dns: the dataplane refused the zones: %.*s",
			 (int)strnlen(r->msg, sizeof(r->msg)), r->msg);
	} else {
		c->hello.zones_generation = r->generation;
		ctrl_log("info", "dns: %u zones in service on the dataplane (%016llx)", d->n,
			 (unsigned long long)d->generation);
	}
	dp_msg_free(&m);
	return rc;
}

void ctrl_dns_fini(struct ctrl *c)
{
	for (unsigned i = 0; i < c->dns.n; i++)
		dns_zone_free(c->dns.zones[i]);
	free(c->dns.wire);
	memset(&c->dns, 0, sizeof(c->dns));
}
