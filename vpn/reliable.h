/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reliable.h - OpenVPN's reliability layer for one key id
 * (../shared/ref/openvpn.md §1.6): message ids from 0 with the reset, 6
 * packets in flight, sent again after 2 s doubling each time, or at once
 * when 3 acks for later ids came; on the receiving side 12 buffered, handed
 * on strictly in order, duplicates acked again and not handed on twice,
 * anything beyond the window dropped; acks per packet, at most 8 in a
 * P_ACK_V1 and 4 riding on a control packet. Plain C, no allocation; the
 * caller owns the clock (milliseconds) and the wire.
 */
#ifndef RAMPART_VPN_RELIABLE_H
#define RAMPART_VPN_RELIABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpn/wire.h"

#define VPN_REL_SEND		6
#define VPN_REL_RECV		12
#define VPN_REL_PAYLOAD_MAX	1600
#define VPN_REL_TIMEOUT_MS	2000 /* tls-timeout */
#define VPN_REL_EARLY_ACKS	3    /* acks for later ids that resend at once */
#define VPN_REL_ACKS_PENDING	32
#define VPN_REL_ACKS_ON_CONTROL 4

struct vpn_rel_out {
	bool used;
	uint8_t op;
	uint32_t msgid;
	uint64_t due_ms;
	uint32_t timeout_ms;
	unsigned later_acks, sent;
	size_t len;
	uint8_t payload[VPN_REL_PAYLOAD_MAX];
};

struct vpn_rel_in {
	bool used;
	uint8_t op;
	size_t len;
	uint8_t payload[VPN_REL_PAYLOAD_MAX];
};

struct vpn_rel {
	uint32_t next_msgid; /* the next one sent */
	struct vpn_rel_out out[VPN_REL_SEND];
	uint32_t expect;		     /* the next one handed on */
	struct vpn_rel_in in[VPN_REL_RECV];  /* in[(msgid - expect)] ... by msgid % RECV */
	uint32_t acks[VPN_REL_ACKS_PENDING]; /* to send, oldest first */
	unsigned n_acks;
};

void vpn_rel_init(struct vpn_rel *r);

/* Queue a reliable packet (op, payload) to send now: its message id, or -1
 * when 6 are in flight (or the payload is too large). */
long vpn_rel_send(struct vpn_rel *r, uint8_t op, const uint8_t *payload, size_t len,
		  uint64_t now_ms);
/* The peer acked these ids (stale or unknown ones are ignored). */
void vpn_rel_acked(struct vpn_rel *r, const uint32_t *acks, unsigned n);
/* The next packet to put on the wire now (first sends and resends), or
 * NULL; the caller sends it with the acks it takes (vpn_rel_take_acks). */
struct vpn_rel_out *vpn_rel_due(struct vpn_rel *r, uint64_t now_ms);
/* When the next one falls due (UINT64_MAX: nothing in flight). */
uint64_t vpn_rel_next_due(const struct vpn_rel *r);
bool vpn_rel_all_acked(const struct vpn_rel *r);

/* A reliable packet came in: 1 new (buffered), 0 a duplicate, -1 beyond the
 * window (dropped, not acked). New and duplicate ones are to be acked. */
int vpn_rel_received(struct vpn_rel *r, uint32_t msgid, uint8_t op, const uint8_t *payload,
		     size_t len);
/* The next one in order, or false; the pointer stays good until the next
 * call that changes r. */
bool vpn_rel_next_in(struct vpn_rel *r, uint8_t *op, const uint8_t **payload, size_t *len);
/* Up to max acks to send (oldest first), taken off the pending list. */
unsigned vpn_rel_take_acks(struct vpn_rel *r, uint32_t *acks, unsigned max);

#endif /* RAMPART_VPN_RELIABLE_H */
