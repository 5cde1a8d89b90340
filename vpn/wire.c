/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wire.c - OpenVPN control packets' fields (wire.h).
 */
#include <string.h>

#include "vpn/wire.h"

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int vpn_ctl_parse(const uint8_t *p, size_t len, uint8_t op, struct vpn_ctl *c)
{
	size_t o = 1;

	memset(c, 0, sizeof(*c));
	c->op = op;
	if (len < 1 || p[0] > VPN_ACKS_MAX)
		return -1;
	c->n_acks = p[0];
	if (len < o + 4u * c->n_acks + (c->n_acks ? VPN_SID_LEN : 0))
		return -1;
	for (unsigned i = 0; i < c->n_acks; i++, o += 4)
		c->acks[i] = rd32(p + o);
	if (c->n_acks) {
		memcpy(c->peer_sid, p + o, VPN_SID_LEN);
		o += VPN_SID_LEN;
	}
	if (op == VPN_P_ACK_V1)
		return c->n_acks && o == len ? 0 : -1;
	if (len < o + 4)
		return -1;
	c->msgid = rd32(p + o);
	o += 4;
	c->payload = p + o;
	c->payload_len = len - o;
	return 0;
}

size_t vpn_ctl_write(uint8_t *out, size_t cap, const struct vpn_ctl *c)
{
	size_t need = 1 + 4u * c->n_acks + (c->n_acks ? VPN_SID_LEN : 0) +
		      (c->op == VPN_P_ACK_V1 ? 0 : 4 + c->payload_len);
	size_t o = 1;

	if (c->n_acks > VPN_ACKS_MAX || need > cap)
		return 0;
	out[0] = c->n_acks;
	for (unsigned i = 0; i < c->n_acks; i++, o += 4)
		wr32(out + o, c->acks[i]);
	if (c->n_acks) {
		memcpy(out + o, c->peer_sid, VPN_SID_LEN);
		o += VPN_SID_LEN;
	}
	if (c->op != VPN_P_ACK_V1) {
		wr32(out + o, c->msgid);
		o += 4;
		if (c->payload_len)
			memcpy(out + o, c->payload, c->payload_len);
		o += c->payload_len;
	}
	return o;
}

void vpn_hdr_write(uint8_t hdr[VPN_TC_HDR_LEN], uint8_t op, uint8_t key_id,
		   const uint8_t sid[VPN_SID_LEN], uint32_t rp_id, uint32_t rp_time)
{
	hdr[0] = (uint8_t)(op << 3 | (key_id & 7));
	memcpy(hdr + 1, sid, VPN_SID_LEN);
	wr32(hdr + 9, rp_id);
	wr32(hdr + 13, rp_time);
}

void vpn_hdr_read(const uint8_t hdr[VPN_TC_HDR_LEN], uint8_t *op, uint8_t *key_id,
		  uint8_t sid[VPN_SID_LEN], uint32_t *rp_id, uint32_t *rp_time)
{
	*op = vpn_op_of(hdr[0]);
	*key_id = vpn_key_id_of(hdr[0]);
	memcpy(sid, hdr + 1, VPN_SID_LEN);
	*rp_id = rd32(hdr + 9);
	*rp_time = rd32(hdr + 13);
}

int vpn_reset_tlv_resend_wkc(const uint8_t *p, size_t len)
{
	int resend = 0;

	for (size_t o = 0; o < len;) {
		unsigned type, vl;

		if (len - o < 4)
			return -1;
		type = (unsigned)(p[o] << 8 | p[o + 1]);
		vl = (unsigned)(p[o + 2] << 8 | p[o + 3]);
		if (len - o - 4 < vl)
			return -1;
		if (type == 1) { /* EARLY_NEG_FLAGS */
			if (vl != 2)
				return -1;
			resend = (p[o + 5] & 1) != 0;
		}
		o += 4 + vl;
	}
	return resend;
}

long vpn_tcp_next(const uint8_t *p, size_t have)
{
	size_t len;

	if (have < 2)
		return 0;
	len = (size_t)(p[0] << 8 | p[1]);
	if (!len)
		return -1;
	return have >= 2 + len ? (long)(2 + len) : 0;
}
