/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dp_vpn_validate (dataplane/msg/dp_msg.c): the VPN state ctrl
 * sends the dataplane (DP_MSG_VPN), a header and its peers. Well-formed
 * states with no peers and with an IPv4 and an IPv6 peer, then each field the
 * dataplane indexes or trusts, broken one at a time and refused with its
 * reason; dp_msg_check_size agrees.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dataplane/dataplane.h"

/* The wire form has no padding between the header and the peers. */
struct vpn_state {
	struct dp_vpn_hdr h;
	struct dp_vpn_peer p[2];
};

_Static_assert(sizeof(struct vpn_state) ==
		       sizeof(struct dp_vpn_hdr) + 2 * sizeof(struct dp_vpn_peer),
	       "the test's state is the wire form");

enum { AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305 }; /* enum vpn_cipher */

static void addr(const char *s, struct dp_addr *a)
{
	cr_assert_eq(dp_addr_parse(s, true, false, a), 0, "%s", s);
}

static struct dp_vpn_hdr good_hdr(uint32_t n_peers)
{
	struct dp_vpn_hdr h = { .n_peers = n_peers,
				.max_peers = 64,
				.port = 1194,
				.tun_mtu = 1400,
				.flags = DP_VPN_F_C2C,
				.ping_s = 10,
				.pool4_start = 0x0a080002 /* 198.18.60.2 */ };
	struct dp_addr first;

	addr("198.18.60.0/24", &h.pool4);
	addr("2001:db8:60::/64", &h.pool6);
	addr("198.18.60.1", &h.local4);
	addr("2001:db8:60::1", &h.local6);
	addr("2001:db8:60::1000", &first);
	memcpy(h.pool6_first, first.addr, 16);
	return h;
}

static void key(struct dp_vpn_key *k, uint8_t key_id, uint8_t cipher, uint64_t epoch)
{
	k->epoch = epoch;
	k->key_id = key_id;
	k->cipher = cipher;
	memset(k->enc_key, 0x11, sizeof(k->enc_key));
	memset(k->dec_key, 0x22, sizeof(k->dec_key));
}

/* Peer 3 over IPv4 with one key; peer 17 over IPv6 with two keys (a
 * renegotiation: key 1 retiring, key 2 sending). */
static struct vpn_state good(void)
{
	struct vpn_state s;
	struct dp_vpn_peer *a = &s.p[0], *b = &s.p[1];
	struct dp_addr t;

	memset(&s, 0, sizeof(s));
	s.h = good_hdr(2);

	a->peer_id = 3;
	a->n_keys = 1;
	a->tx_key = 0;
	a->has4 = 1;
	a->epoch = 100;
	addr("198.51.100.7", &a->remote);
	a->remote_port = 40000;
	a->local_port = 1194;
	addr("198.18.60.5", &t);
	memcpy(a->tun4, t.addr, 4);
	key(&a->keys[0], 0, AES_256_GCM, 1);

	b->peer_id = 17;
	b->n_keys = 2;
	b->tx_key = 1;
	b->has4 = 1;
	b->has6 = 1;
	b->epoch = 200;
	addr("2001:db8::7", &b->remote);
	addr("2001:db8::1", &b->local);
	b->remote_port = 51820;
	b->local_port = 1194;
	addr("198.18.60.19", &t);
	memcpy(b->tun4, t.addr, 4);
	addr("2001:db8:60::1011", &t);
	memcpy(b->tun6, t.addr, 16);
	key(&b->keys[0], 1, CHACHA20_POLY1305, 2);
	key(&b->keys[1], 2, AES_128_GCM, 3);
	return s;
}

static char err[256];

static int check_size(const void *payload, size_t len)
{
	struct dp_msg m = { .hdr = { .type = DP_MSG_VPN }, .payload = (void *)payload, .len = len };

	return dp_msg_check_size(&m);
}

static void accepted(const void *s, size_t len)
{
	memset(err, 0, sizeof(err));
	cr_assert_eq(dp_vpn_validate(s, len, err, sizeof(err)), 0, "refused: %s", err);
	cr_assert_eq(check_size(s, len), 0);
}

/* Refused with -EINVAL, a reason, and exactly this one. */
static void refused(const void *s, size_t len, const char *why)
{
	memset(err, 0, sizeof(err));
	cr_assert_eq(dp_vpn_validate(s, len, err, sizeof(err)), -EINVAL, "accepted: %s", why);
	cr_assert_neq(err[0], '\0', "a refusal says why");
	cr_assert_str_eq(err, why);
	cr_assert_eq(check_size(s, len), -EINVAL, "the size check refuses it too");
}

Test(vpnstate, a_state_with_no_peers_validates)
{
	struct dp_vpn_hdr h = good_hdr(0);

	accepted(&h, sizeof(h));
	h.flags = 0;
	memset(&h.pool4, 0, sizeof(h.pool4)); /* no IPv4 in the tunnel */
	memset(&h.local4, 0, sizeof(h.local4));
	accepted(&h, sizeof(h));
}

Test(vpnstate, an_ipv4_peer_and_an_ipv6_peer_with_two_keys_validate)
{
	struct vpn_state s = good();

	accepted(&s, sizeof(s));
	s.h.n_peers = 1;
	accepted(&s, sizeof(s.h) + sizeof(s.p[0])); /* the first peer alone */
}

Test(vpnstate, the_last_peer_slot_is_usable)
{
	struct vpn_state s = good();

	s.h.max_peers = DP_VPN_PEERS_MAX;
	s.p[0].peer_id = DP_VPN_PEERS_MAX - 1;
	s.p[1].peer_id = 0;
	accepted(&s, sizeof(s));
}

Test(vpnstate, the_length_must_be_the_header_and_its_peers)
{
	struct vpn_state s = good();

	refused(&s, sizeof(s.h) - 1, "VPN state: 119 bytes, shorter than its header");
	refused(&s, 0, "VPN state: 0 bytes, shorter than its header");
	refused(&s, sizeof(s) - 1, "VPN state: 2 peers (at most 1024) do not fill 679 bytes");
	refused(&s, sizeof(s.h) + sizeof(s.p[0]),
		"VPN state: 2 peers (at most 1024) do not fill 400 bytes");
	s.h.n_peers = 1;
	refused(&s, sizeof(s), "VPN state: 1 peers (at most 1024) do not fill 680 bytes");
	s.h.n_peers = 0;
	refused(&s, sizeof(s.h) + 1, "VPN state: 0 peers (at most 1024) do not fill 121 bytes");
}

Test(vpnstate, more_peers_than_the_dataplane_holds_are_refused)
{
	struct vpn_state s = good();

	s.h.n_peers = DP_VPN_PEERS_MAX + 1;
	refused(&s, sizeof(s), "VPN state: 1025 peers (at most 1024) do not fill 680 bytes");
	s.h.n_peers = 0xffffffffu; /* no overflow of the length it implies */
	refused(&s, sizeof(s), "VPN state: 4294967295 peers (at most 1024) do not fill 680 bytes");
}

Test(vpnstate, more_peer_slots_than_the_dataplane_holds_are_refused)
{
	struct vpn_state s = good();

	s.h.max_peers = DP_VPN_PEERS_MAX + 1;
	refused(&s, sizeof(s), "VPN state: 2 peers (at most 1024) do not fill 680 bytes");
	s.h.max_peers = 0xffffffffu;
	refused(&s, sizeof(s), "VPN state: 2 peers (at most 1024) do not fill 680 bytes");
}

Test(vpnstate, port_tun_mtu_and_flags_must_be_in_range)
{
	struct vpn_state s;

	s = good();
	s.h.port = 0;
	refused(&s, sizeof(s), "VPN state: port 0, tun-mtu 1400 or flags 0x1 out of range");
	s = good();
	s.h.tun_mtu = 500;
	refused(&s, sizeof(s), "VPN state: port 1194, tun-mtu 500 or flags 0x1 out of range");
	s = good();
	s.h.tun_mtu = 9001;
	refused(&s, sizeof(s), "VPN state: port 1194, tun-mtu 9001 or flags 0x1 out of range");
	s = good();
	s.h.flags = DP_VPN_F_C2C | 0x4;
	refused(&s, sizeof(s), "VPN state: port 1194, tun-mtu 1400 or flags 0x5 out of range");
	s = good();
	s.h.flags = 0x80000000u;
	refused(&s, sizeof(s),
		"VPN state: port 1194, tun-mtu 1400 or flags 0x80000000 out of range");
	s = good();
	s.h.tun_mtu = 576;
	accepted(&s, sizeof(s));
	s.h.tun_mtu = 9000;
	accepted(&s, sizeof(s));
}

/* The VPN client's tunnel: the server its one peer, under the peer id it
 * pushed, with our tunnel addresses; no pool, no client-to-client. */
static struct vpn_state client_state(void)
{
	struct vpn_state s = good();

	s.h = (struct dp_vpn_hdr){ .n_peers = 1,
				   .max_peers = 8,
				   .port = 40123,
				   .tun_mtu = 1500,
				   .flags = DP_VPN_F_CLIENT,
				   .ping_s = 10 };
	s.p[0].peer_id = 7;
	s.p[0].has6 = 1; /* any tunnel address: not from a pool here */
	return s;
}

Test(vpnstate, a_client_tunnel_with_its_server_validates)
{
	struct vpn_state s = client_state();
	size_t one = sizeof(s.h) + sizeof(s.p[0]);

	accepted(&s, one);
	s.h.n_peers = 0; /* down: what is routed into it is dropped */
	accepted(&s, sizeof(s.h));
}

Test(vpnstate, a_client_tunnel_has_one_peer_and_no_pool)
{
	const char *why = "VPN client's tunnel: at most one peer (the server), no pool, no "
			  "client-to-client";
	struct vpn_state s = client_state();
	size_t one = sizeof(s.h) + sizeof(s.p[0]);

	s.h.n_peers = 2;
	s.p[1].peer_id = 3;
	refused(&s, sizeof(s), why);
	s = client_state();
	addr("198.18.60.0/24", &s.h.pool4);
	refused(&s, one, why);
	s = client_state();
	s.h.pool4_start = 0xc6123c02;
	refused(&s, one, why);
	s = client_state();
	addr("2001:db8:60::1", &s.h.local6);
	refused(&s, one, why);
	s = client_state();
	s.h.flags |= DP_VPN_F_C2C;
	refused(&s, one, why);
	s = client_state();
	s.p[0].peer_id = 8; /* its slot is below max_peers as anyone's */
	refused(&s, one, "VPN peer 0: peer id 8 out of range or twice");
}

Test(vpnstate, the_tunnel_networks_must_be_of_their_family)
{
	const char *why = "VPN state: the tunnel's networks are not IPv4 and IPv6 prefixes";
	struct vpn_state s;

	s = good();
	s.h.pool4.family = 6;
	refused(&s, sizeof(s), why);
	s = good();
	s.h.pool6.family = 4;
	refused(&s, sizeof(s), why);
	s = good();
	s.h.pool4.prefixlen = 33;
	refused(&s, sizeof(s), why);
	s = good();
	s.h.pool6.prefixlen = 129;
	refused(&s, sizeof(s), why);
	s = good();
	s.h.local4.family = 6;
	refused(&s, sizeof(s), why);
	s = good();
	s.h.local6.family = 5;
	refused(&s, sizeof(s), why);
}

Test(vpnstate, peer_ids_must_be_slots_below_max_peers)
{
	struct vpn_state s = good();

	s.p[1].peer_id = 64; /* max_peers */
	refused(&s, sizeof(s), "VPN peer 1: peer id 64 out of range or twice");
	s.p[1].peer_id = DP_VPN_PEERS_MAX;
	refused(&s, sizeof(s), "VPN peer 1: peer id 1024 out of range or twice");
	s.p[1].peer_id = 0xffffffffu;
	refused(&s, sizeof(s), "VPN peer 1: peer id 4294967295 out of range or twice");
	s = good();
	s.h.max_peers = 0;
	refused(&s, sizeof(s), "VPN peer 0: peer id 3 out of range or twice");
}

Test(vpnstate, a_peer_id_holds_one_peer)
{
	struct vpn_state s = good();

	s.p[1].peer_id = s.p[0].peer_id;
	refused(&s, sizeof(s), "VPN peer 1: peer id 3 out of range or twice");
}

Test(vpnstate, a_peer_has_one_or_two_keys_and_sends_with_one_of_them)
{
	struct vpn_state s;

	s = good();
	s.p[0].n_keys = 0;
	refused(&s, sizeof(s), "VPN peer 3: 0 keys, sending with key 0");
	s = good();
	s.p[1].n_keys = 3;
	refused(&s, sizeof(s), "VPN peer 17: 3 keys, sending with key 1");
	s = good();
	s.p[0].tx_key = 1;
	refused(&s, sizeof(s), "VPN peer 3: 1 keys, sending with key 1");
	s = good();
	s.p[1].tx_key = 2;
	refused(&s, sizeof(s), "VPN peer 17: 2 keys, sending with key 2");
	s = good();
	s.p[1].tx_key = 0;
	accepted(&s, sizeof(s));
}

Test(vpnstate, key_ids_and_ciphers_must_be_in_range)
{
	struct vpn_state s;

	s = good();
	s.p[0].keys[0].key_id = 8;
	refused(&s, sizeof(s), "VPN peer 3: key id 8 or cipher 1 out of range");
	s = good();
	s.p[1].keys[1].key_id = 0xff;
	refused(&s, sizeof(s), "VPN peer 17: key id 255 or cipher 0 out of range");
	s = good();
	s.p[0].keys[0].cipher = 3;
	refused(&s, sizeof(s), "VPN peer 3: key id 0 or cipher 3 out of range");
	s = good();
	s.p[1].keys[0].key_id = 7;
	accepted(&s, sizeof(s));
}

Test(vpnstate, an_unused_second_key_is_not_looked_at)
{
	struct vpn_state s = good();

	s.p[0].keys[1].key_id = 0xff; /* n_keys is 1 */
	s.p[0].keys[1].cipher = 0xff;
	accepted(&s, sizeof(s));
}

Test(vpnstate, two_keys_of_a_peer_have_different_ids)
{
	struct vpn_state s = good();

	s.p[1].keys[1].key_id = s.p[1].keys[0].key_id;
	refused(&s, sizeof(s), "VPN peer 17: two keys with id 1");
}

Test(vpnstate, the_outer_addresses_are_of_one_family_with_a_port)
{
	const char *why3 = "VPN peer 3: its outer addresses are not of one family";
	const char *why17 = "VPN peer 17: its outer addresses are not of one family";
	struct vpn_state s;

	s = good();
	s.p[0].remote.family = 0;
	refused(&s, sizeof(s), why3);
	s = good();
	s.p[0].remote.family = 5;
	refused(&s, sizeof(s), why3);
	s = good();
	s.p[0].remote_port = 0;
	refused(&s, sizeof(s), why3);
	s = good();
	addr("2001:db8::1", &s.p[0].local); /* local IPv6, remote IPv4 */
	refused(&s, sizeof(s), why3);
	s = good();
	addr("198.51.100.1", &s.p[1].local); /* local IPv4, remote IPv6 */
	refused(&s, sizeof(s), why17);
	s = good();
	addr("198.51.100.1", &s.p[0].local); /* local IPv4, remote IPv4 */
	accepted(&s, sizeof(s));
}

Test(vpnstate, a_tunnel_address_needs_the_tunnel_network_of_its_family)
{
	struct vpn_state s;

	s = good();
	memset(&s.h.pool4, 0, sizeof(s.h.pool4));
	refused(&s, sizeof(s), "VPN peer 3: a tunnel address outside the tunnel's networks");
	s = good();
	memset(&s.h.pool6, 0, sizeof(s.h.pool6));
	refused(&s, sizeof(s), "VPN peer 17: a tunnel address outside the tunnel's networks");
	s = good();
	memset(&s.h.pool6, 0, sizeof(s.h.pool6));
	s.p[1].has6 = 0; /* IPv4 only */
	accepted(&s, sizeof(s));
}

Test(vpnstate, a_refusal_without_an_error_buffer_is_only_a_code)
{
	struct vpn_state s = good();

	s.p[1].keys[0].cipher = 3;
	cr_assert_eq(dp_vpn_validate(&s, sizeof(s), NULL, 0), -EINVAL);
	cr_assert_eq(dp_vpn_validate(&s, sizeof(s), NULL, 256), -EINVAL);
	cr_assert_eq(dp_vpn_validate(&s, 3, NULL, 0), -EINVAL);
}

Test(vpnstate, a_short_error_buffer_is_not_overrun)
{
	struct vpn_state s = good();
	char small[8] = "xxxxxxx";

	s.h.port = 0;
	cr_assert_eq(dp_vpn_validate(&s, sizeof(s), small, 4), -EINVAL);
	cr_assert_str_eq(small, "VPN");
	cr_assert_eq(small[4], 'x');
	memset(small, 'x', sizeof(small));
	cr_assert_eq(dp_vpn_validate(&s, sizeof(s), small, 0), -EINVAL);
	cr_assert_eq(small[0], 'x', "nothing written to an empty buffer");
}
