/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpnstate_fuzz.c - validation of the VPN state the dataplane receives over
 * the control channel (DP_MSG_VPN, dp_vpn_validate); whatever validates is
 * checked again against what dp_vpn_build indexes with: the length the peer
 * count says, peer ids below max_peers and each once (v->peer[], the
 * per-worker counters), key counts, the key we send with, key ids that are
 * indices into key[8] and each once, ciphers and outer address families;
 * the VPN client's tunnel (DP_VPN_F_CLIENT) with at most one peer, no pool,
 * no client-to-client. dp_msg_check_size must agree with the validator on
 * every input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dataplane.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_peer(const struct dp_vpn_hdr *h, const struct dp_vpn_peer *p, uint8_t *seen)
{
	if (p->peer_id >= h->max_peers || seen[p->peer_id])
		abort();
	seen[p->peer_id] = 1;
	if (p->n_keys < 1 || p->n_keys > 2 || p->tx_key >= p->n_keys)
		abort();
	for (unsigned k = 0; k < p->n_keys; k++)
		if (p->keys[k].key_id > 7 || p->keys[k].cipher > 2)
			abort();
	if (p->n_keys == 2 && p->keys[0].key_id == p->keys[1].key_id)
		abort();
	if (p->remote.family != 4 && p->remote.family != 6)
		abort();
	if (!p->remote_port || (p->local.family && p->local.family != p->remote.family))
		abort();
	/* a server's clients hold pool addresses; the client's tunnel has no pool */
	if (!(h->flags & DP_VPN_F_CLIENT) &&
	    ((p->has4 && h->pool4.family != 4) || (p->has6 && h->pool6.family != 6)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t seen[DP_VPN_PEERS_MAX];
	const struct dp_vpn_hdr *h;
	const struct dp_vpn_peer *p;
	struct dp_msg m;
	char err[256];
	void *copy;
	int rc;

	/* an exact-size heap copy: any read past the end is caught */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	err[0] = '\0';
	rc = dp_vpn_validate(copy, size, err, sizeof(err));
	if (rc != 0 && (rc != -EINVAL || !err[0]))
		abort(); /* 0, or -EINVAL with the reason */

	memset(&m, 0, sizeof(m));
	m.hdr.type = DP_MSG_VPN;
	m.payload = copy;
	m.len = size;
	if ((dp_msg_check_size(&m) == 0) != (rc == 0))
		abort(); /* the agent's size check and the builder's validation agree */

	if (rc == 0) {
		h = copy;
		if (h->n_peers > DP_VPN_PEERS_MAX || h->max_peers > DP_VPN_PEERS_MAX)
			abort();
		if (size != sizeof(*h) + (size_t)h->n_peers * sizeof(*p))
			abort();
		if (!h->port || h->tun_mtu < 576 || h->tun_mtu > 9000 ||
		    (h->flags & ~(DP_VPN_F_C2C | DP_VPN_F_CLIENT)))
			abort();
		if ((h->flags & DP_VPN_F_CLIENT) &&
		    (h->n_peers > 1 || h->pool4.family || h->pool6.family || h->local4.family ||
		     h->local6.family || h->pool4_start || (h->flags & DP_VPN_F_C2C)))
			abort();
		if ((h->pool4.family != 0 && h->pool4.family != 4) ||
		    (h->pool6.family != 0 && h->pool6.family != 6))
			abort();
		if ((h->pool4.family == 4 && h->pool4.prefixlen > 32) ||
		    (h->pool6.family == 6 && h->pool6.prefixlen > 128))
			abort();
		memset(seen, 0, sizeof(seen));
		p = (const struct dp_vpn_peer *)(h + 1);
		for (uint32_t i = 0; i < h->n_peers; i++)
			check_peer(h, &p[i], seen);
	}
	free(copy);
	return 0;
}
