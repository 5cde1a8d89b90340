/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reliable.c - OpenVPN's reliability layer (reliable.h).
 */
#include <string.h>

#include "vpn/reliable.h"

void vpn_rel_init(struct vpn_rel *r)
{
	memset(r, 0, sizeof(*r));
}

long vpn_rel_send(struct vpn_rel *r, uint8_t op, const uint8_t *payload, size_t len,
		  uint64_t now_ms)
{
	struct vpn_rel_out *o = NULL;

	if (len > VPN_REL_PAYLOAD_MAX)
		return -1;
	for (unsigned i = 0; i < VPN_REL_SEND && !o; i++)
		if (!r->out[i].used)
			o = &r->out[i];
	if (!o)
		return -1;
	*o = (struct vpn_rel_out){ .used = true,
				   .op = op,
				   .msgid = r->next_msgid++,
				   .due_ms = now_ms,
				   .timeout_ms = VPN_REL_TIMEOUT_MS,
				   .len = len };
	if (len)
		memcpy(o->payload, payload, len);
	return (long)o->msgid;
}

void vpn_rel_acked(struct vpn_rel *r, const uint32_t *acks, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		bool hit = false;

		for (unsigned i = 0; i < VPN_REL_SEND; i++)
			if (r->out[i].used && r->out[i].msgid == acks[k]) {
				r->out[i].used = false;
				hit = true;
			}
		if (!hit)
			continue; /* stale, or acked again: ignored */
		/* older ones still in flight: one more ack for a later id */
		for (unsigned i = 0; i < VPN_REL_SEND; i++)
			if (r->out[i].used && (int32_t)(acks[k] - r->out[i].msgid) > 0)
				r->out[i].later_acks++;
	}
}

struct vpn_rel_out *vpn_rel_due(struct vpn_rel *r, uint64_t now_ms)
{
	struct vpn_rel_out *best = NULL;

	for (unsigned i = 0; i < VPN_REL_SEND; i++) {
		struct vpn_rel_out *o = &r->out[i];

		if (!o->used)
			continue;
		if (o->due_ms > now_ms && o->later_acks < VPN_REL_EARLY_ACKS)
			continue;
		if (!best || (int32_t)(o->msgid - best->msgid) < 0)
			best = o;
	}
	if (best) {
		if (best->sent++) /* a resend: wait twice as long next time */
			best->timeout_ms = best->timeout_ms < 60000 ? best->timeout_ms * 2 : 120000;
		best->due_ms = now_ms + best->timeout_ms;
		best->later_acks = 0;
	}
	return best;
}

uint64_t vpn_rel_next_due(const struct vpn_rel *r)
{
	uint64_t t = UINT64_MAX;

	for (unsigned i = 0; i < VPN_REL_SEND; i++)
		if (r->out[i].used && r->out[i].due_ms < t)
			t = r->out[i].due_ms;
	return t;
}

bool vpn_rel_all_acked(const struct vpn_rel *r)
{
	for (unsigned i = 0; i < VPN_REL_SEND; i++)
		if (r->out[i].used)
			return false;
	return true;
}

static void want_ack(struct vpn_rel *r, uint32_t msgid)
{
	for (unsigned i = 0; i < r->n_acks; i++)
		if (r->acks[i] == msgid)
			return;
	if (r->n_acks == VPN_REL_ACKS_PENDING) { /* the oldest goes: it will be resent */
		memmove(r->acks, r->acks + 1, sizeof(r->acks[0]) * (VPN_REL_ACKS_PENDING - 1));
		r->n_acks--;
	}
	r->acks[r->n_acks++] = msgid;
}

int vpn_rel_received(struct vpn_rel *r, uint32_t msgid, uint8_t op, const uint8_t *payload,
		     size_t len)
{
	uint32_t ahead = msgid - r->expect;
	struct vpn_rel_in *in;

	if ((int32_t)ahead < 0) { /* handed on already: ack it again */
		want_ack(r, msgid);
		return 0;
	}
	if (ahead >= VPN_REL_RECV || len > VPN_REL_PAYLOAD_MAX)
		return -1;
	want_ack(r, msgid);
	in = &r->in[msgid % VPN_REL_RECV];
	if (in->used)
		return 0;
	in->used = true;
	in->op = op;
	in->len = len;
	if (len)
		memcpy(in->payload, payload, len);
	return 1;
}

bool vpn_rel_next_in(struct vpn_rel *r, uint8_t *op, const uint8_t **payload, size_t *len)
{
	struct vpn_rel_in *in = &r->in[r->expect % VPN_REL_RECV];

	if (!in->used)
		return false;
	in->used = false; /* the payload stays readable until the slot is filled again */
	*op = in->op;
	*payload = in->payload;
	*len = in->len;
	r->expect++;
	return true;
}

unsigned vpn_rel_take_acks(struct vpn_rel *r, uint32_t *acks, unsigned max)
{
	unsigned n = r->n_acks < max ? r->n_acks : max;

	memcpy(acks, r->acks, n * sizeof(acks[0]));
	memmove(r->acks, r->acks + n, (r->n_acks - n) * sizeof(r->acks[0]));
	r->n_acks -= n;
	return n;
}
