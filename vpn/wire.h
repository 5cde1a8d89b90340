/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wire.h - OpenVPN 2.6's packets as the VPN reads and writes them
 * (docs/vpn.md; ../shared/ref/openvpn.md §1): the first byte (opcode and
 * key id), the control packets' fields once their wrapping is removed
 * (acks, the peer's session id, the message id, the payload), the TCP
 * length prefix. Plain C over byte buffers, no allocation; every length is
 * checked (tests/fuzz/vpnwire_fuzz.c).
 */
#ifndef RAMPART_VPN_WIRE_H
#define RAMPART_VPN_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vpn_op {
	VPN_P_CONTROL_SOFT_RESET_V1 = 3,
	VPN_P_CONTROL_V1 = 4,
	VPN_P_ACK_V1 = 5,
	VPN_P_DATA_V1 = 6,
	VPN_P_CONTROL_HARD_RESET_CLIENT_V2 = 7,
	VPN_P_CONTROL_HARD_RESET_SERVER_V2 = 8,
	VPN_P_DATA_V2 = 9,
	VPN_P_CONTROL_HARD_RESET_CLIENT_V3 = 10,
	VPN_P_CONTROL_WKC_V1 = 11,
};

#define VPN_SID_LEN    8
#define VPN_ACKS_MAX   8    /* in a P_ACK_V1; OpenVPN 2.6 refuses more */
#define VPN_CTL_MTU    1250 /* control packets sent are at most this */
#define VPN_TC_HDR_LEN 17   /* op, session id, replay id and time */
#define VPN_TC_TAG_LEN 32

static inline uint8_t vpn_op_of(uint8_t b0)
{
	return b0 >> 3;
}

static inline uint8_t vpn_key_id_of(uint8_t b0)
{
	return b0 & 7;
}

/* A control opcode 2.6 takes (3..11 but the data ones). */
static inline bool vpn_op_is_control(uint8_t op)
{
	return op >= VPN_P_CONTROL_SOFT_RESET_V1 && op <= VPN_P_CONTROL_WKC_V1 &&
	       op != VPN_P_DATA_V1 && op != VPN_P_DATA_V2;
}

/* A control packet's fields after its header (op, session id, replay id)
 * and its wrapping: n acks, the acks, the peer's session id (when n > 0),
 * the message id (not in P_ACK_V1), the payload. */
struct vpn_ctl {
	uint8_t op;
	uint8_t n_acks;
	uint32_t acks[VPN_ACKS_MAX];
	uint8_t peer_sid[VPN_SID_LEN];
	uint32_t msgid; /* not for P_ACK_V1 */
	const uint8_t *payload;
	size_t payload_len;
};

/* Parse the part after the header (len bytes) of a control packet with
 * opcode op. Refused (-1): an ack count over VPN_ACKS_MAX, a packet shorter
 * than its fields, a P_ACK_V1 with a payload or without an ack. */
int vpn_ctl_parse(const uint8_t *p, size_t len, uint8_t op, struct vpn_ctl *c);
/* Write that part; returns its length, 0 when cap is too small. */
size_t vpn_ctl_write(uint8_t *out, size_t cap, const struct vpn_ctl *c);

/* The header in front: op and key id, the session id, the replay id and
 * time (tls-crypt). */
void vpn_hdr_write(uint8_t hdr[VPN_TC_HDR_LEN], uint8_t op, uint8_t key_id,
		   const uint8_t sid[VPN_SID_LEN], uint32_t rp_id, uint32_t rp_time);
void vpn_hdr_read(const uint8_t hdr[VPN_TC_HDR_LEN], uint8_t *op, uint8_t *key_id,
		  uint8_t sid[VPN_SID_LEN], uint32_t *rp_id, uint32_t *rp_time);

/* The early-negotiation TLVs of a message-0 hard reset (§1.8): 1 when
 * EARLY_NEG_FLAGS holds RESEND_WKC, 0 when not, -1 when malformed. */
int vpn_reset_tlv_resend_wkc(const uint8_t *p, size_t len);

/* TCP: the length of the next whole packet at p (have bytes), with its
 * 2-byte prefix; 0 when more bytes are needed; -1 for a zero length. */
long vpn_tcp_next(const uint8_t *p, size_t have);

#endif /* RAMPART_VPN_WIRE_H */
