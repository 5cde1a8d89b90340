/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dns.c - the DNS zones on the agent's side: a DP_MSG_ZONES payload is
 * decoded and every zone built again (dns_zones_decode) off the packet path,
 * then published with one pointer store; the old set is freed after an RCU
 * grace period, so no query goes unanswered during a reload. The answering
 * is in worker.c (stage_local).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "dataplane/dp.h"

static void dns_free(struct dp_dns *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->n; i++)
		dns_zone_free(d->zones[i]);
	free(d->counters);
	free(d);
}

int dp_dns_build(const void *payload, size_t len, uint64_t generation, struct dp_dns **out,
		 char *err, size_t errlen)
{
	struct dp_dns *d;
	int rc;

	if (generation == 0) {
		snprintf(err, errlen, "generation 0 is reserved");
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->generation = generation;
	if (len < sizeof(struct dp_zones_hdr)) {
		snprintf(err, errlen, "zones: shorter than their header");
		free(d);
		return -EINVAL;
	}
	d->rrl_rate = ((const struct dp_zones_hdr *)payload)->rrl_rate;
	d->rrl_slip = ((const struct dp_zones_hdr *)payload)->rrl_slip;
	if (d->rrl_rate > 1000000 || d->rrl_slip > 10) {
		snprintf(err, errlen, "zones: rate limit %u or slip %u out of range", d->rrl_rate,
			 d->rrl_slip);
		free(d);
		return -EINVAL;
	}
	rc = dns_zones_decode((const uint8_t *)payload + sizeof(struct dp_zones_hdr),
			      len - sizeof(struct dp_zones_hdr), d->zones, DNS_ZONES_MAX, &d->n, err,
			      errlen);
	if (rc < 0) {
		free(d);
		return rc;
	}
	/* each worker's counters on their own cache lines */
	d->stride = (unsigned)((d->n * sizeof(struct dp_zone_counters) + 63) / 64 * 64 /
			       sizeof(struct dp_zone_counters));
	if (!d->stride)
		d->stride = 1;
	d->counters = calloc((size_t)d->stride * dp.n_workers, sizeof(*d->counters));
	if (!d->counters) {
		dns_free(d);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

int dp_dns_stats(void **payload, size_t *len)
{
	struct dp_dns *d = atomic_load(&dp.dns); /* the agent is its only writer */
	unsigned n = d ? d->n : 0;
	struct dp_dns_stats *h;
	struct dp_zone_counters *c;

	*len = sizeof(*h) + (size_t)n * sizeof(*c);
	h = calloc(1, *len);
	if (!h)
		return -ENOMEM;
	c = (struct dp_zone_counters *)(h + 1);
	h->n_zones = n;
	h->generation = d ? d->generation : 0;
	for (unsigned w = 0; w < dp.n_workers && d; w++)
		for (unsigned z = 0; z < n; z++) {
			const struct dp_zone_counters *x = &d->counters[(size_t)w * d->stride + z];

			c[z].noerror += x->noerror;
			c[z].nxdomain += x->nxdomain;
			c[z].other += x->other;
		}
	*payload = h;
	return 0;
}

void dp_dns_publish(struct dp_dns *d)
{
	struct dp_dns *old = atomic_exchange_explicit(&dp.dns, d, memory_order_acq_rel);

	rte_rcu_qsbr_synchronize(dp.rcu, RTE_QSBR_THRID_INVALID);
	dns_free(old);
}
