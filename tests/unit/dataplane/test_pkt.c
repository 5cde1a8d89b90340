/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of dataplane/pkt.c: parsing, and the packets the dataplane writes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "dataplane/pkt.h"
#include "frames.h"

static uint8_t f[2048];
static struct dp_pkt_info pi;

Test(pkt, udp_over_ipv4_gives_offsets_ports_and_ttl)
{
	size_t n = udp4(f, 5353, 53, 10);

	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(pi.l3, DP_L3_IPV4);
	cr_assert_eq(pi.l3_off, 14);
	cr_assert_eq(pi.l3_len, 38);
	cr_assert_eq(pi.l4_off, 34);
	cr_assert_eq(pi.l4_proto, 17);
	cr_assert_eq(pi.sport, 5353);
	cr_assert_eq(pi.dport, 53);
	cr_assert_eq(pi.ttl, 64);
	cr_assert_eq(pi.flags, 0);
}

Test(pkt, ethernet_padding_after_the_ip_packet_is_accepted)
{
	size_t n = udp4(f, 1, 2, 0);

	memset(f + n, 0, 60 - n);
	cr_assert_eq(dp_pkt_parse(f, 60, &pi), 0);
	cr_assert_eq(pi.l3_len, 28);
}

Test(pkt, frame_shorter_than_ethernet_header_is_malformed)
{
	cr_assert_eq(dp_pkt_parse(f, 13, &pi), -EBADMSG);
}

Test(pkt, unknown_ethertype_and_vlan_tag_are_unsupported)
{
	eth(f, MAC_B, MAC_A, 0x88cc);
	cr_assert_eq(dp_pkt_parse(f, 60, &pi), -EPROTONOSUPPORT);
	eth(f, MAC_B, MAC_A, 0x8100);
	cr_assert_eq(dp_pkt_parse(f, 60, &pi), -EPROTONOSUPPORT);
}

Test(pkt, ipv4_with_bad_header_checksum_is_malformed)
{
	size_t n = udp4(f, 1, 2, 0);

	f[14 + 10] ^= 0x01;
	cr_assert_eq(dp_pkt_parse(f, n, &pi), -EBADMSG);
}

Test(pkt, ipv4_with_ihl_below_5_is_malformed)
{
	size_t n = udp4(f, 1, 2, 0);

	f[14] = 0x44;
	ipv4_fix_csum(f);
	f[14] = 0x44;
	cr_assert_eq(dp_pkt_parse(f, n, &pi), -EBADMSG);
}

Test(pkt, ipv4_total_length_beyond_the_frame_is_malformed)
{
	size_t n = udp4(f, 1, 2, 0);

	cr_assert_eq(dp_pkt_parse(f, n - 1, &pi), -EBADMSG);
}

Test(pkt, truncated_tcp_header_is_malformed)
{
	size_t n = ipv4(f, 6, 64, 12, IP4_A, IP4_B);

	cr_assert_eq(dp_pkt_parse(f, n, &pi), -EBADMSG);
}

Test(pkt, udp_length_beyond_ip_payload_is_malformed)
{
	size_t n = udp4(f, 1, 2, 4);

	f[34 + 5] = 40;
	cr_assert_eq(dp_pkt_parse(f, n, &pi), -EBADMSG);
}

Test(pkt, later_fragment_has_no_l4_and_first_fragment_keeps_ports)
{
	size_t n = udp4(f, 7, 9, 16);

	f[14 + 6] = 0x20; /* MF, offset 0: first */
	ipv4_fix_csum(f);
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(pi.flags & (DP_PKT_F_FRAG | DP_PKT_F_FRAG_LATER), DP_PKT_F_FRAG);
	cr_assert_eq(pi.dport, 9);
	f[14 + 7] = 0x10; /* offset 16*8 */
	ipv4_fix_csum(f);
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert(pi.flags & DP_PKT_F_FRAG_LATER);
	cr_assert_eq(pi.l4_off, 0);
}

Test(pkt, df_flag_is_reported)
{
	size_t n = udp4(f, 1, 2, 0);

	f[14 + 6] = 0x40;
	ipv4_fix_csum(f);
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(pi.flags, DP_PKT_F_DF);
}

Test(pkt, ipv6_hop_by_hop_and_fragment_headers_are_walked_to_udp)
{
	size_t n = ipv6(f, 0, 64, 8 + 8 + 8, IP6_A, IP6_B);
	uint8_t *x = f + 54;

	x[0] = 44; /* hop-by-hop -> fragment */
	x[1] = 0;
	x[8] = 17; /* fragment -> udp, offset 0 */
	x[16 + 1] = 80;
	x[16 + 3] = 53;
	x[16 + 5] = 8;
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(pi.l4_proto, 17);
	cr_assert_eq(pi.l4_off, 54 + 16);
	cr_assert_eq(pi.sport, 80);
	cr_assert(pi.flags & DP_PKT_F_FRAG);
}

Test(pkt, nine_ipv6_extension_headers_are_malformed)
{
	size_t n = ipv6(f, 60, 64, 9 * 8, IP6_A, IP6_B);

	for (int i = 0; i < 9; i++)
		f[54 + i * 8] = 60;
	cr_assert_eq(dp_pkt_parse(f, n, &pi), -EBADMSG);
}

Test(pkt, ipv6_payload_length_beyond_frame_is_malformed)
{
	size_t n = ipv6(f, 17, 64, 8, IP6_A, IP6_B);

	cr_assert_eq(dp_pkt_parse(f, n - 1, &pi), -EBADMSG);
}

Test(pkt, broadcast_destination_sets_both_l2_flags)
{
	size_t n = udp4(f, 1, 2, 0);

	memset(f, 0xff, 6);
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(pi.flags & (DP_PKT_F_L2_BCAST | DP_PKT_F_L2_MCAST),
		     DP_PKT_F_L2_BCAST | DP_PKT_F_L2_MCAST);
}

Test(pkt, ttl_decrement_keeps_the_checksum_valid)
{
	srand(1);
	for (int i = 0; i < 10000; i++) {
		uint8_t src[4] = {(uint8_t)rand(), (uint8_t)rand(), (uint8_t)rand(), (uint8_t)rand()};
		uint8_t ttl = (uint8_t)(2 + rand() % 254);

		ipv4(f, (uint8_t)rand(), ttl, 0, src, IP4_B);
		f[14 + 4] = (uint8_t)rand();
		f[14 + 5] = (uint8_t)rand();
		ipv4_fix_csum(f);
		dp_ipv4_dec_ttl(f + 14);
		cr_assert_eq(f[14 + 8], ttl - 1);
		cr_assert_eq(ref_csum(f + 14, 20, 0), 0, "iteration %d", i);
	}
}

Test(arp, request_parses_and_bad_sizes_are_refused)
{
	static const uint8_t zero[6];
	struct dp_arp a;
	size_t n = dp_arp_build(f, 1, MAC_A, (const uint8_t *)"\xff\xff\xff\xff\xff\xff", MAC_A,
				IP4_A, zero, IP4_B);

	cr_assert_eq(n, 60);
	cr_assert_eq(dp_arp_parse(f, n, &a), 0);
	cr_assert_eq(a.op, 1);
	cr_assert_arr_eq(a.sha, MAC_A, 6);
	cr_assert_arr_eq(a.spa, IP4_A, 4);
	cr_assert_arr_eq(a.tpa, IP4_B, 4);
	cr_assert_eq(dp_arp_parse(f, 41, &a), -EBADMSG);
	f[14 + 4] = 8; /* hardware length */
	cr_assert_eq(dp_arp_parse(f, n, &a), -EBADMSG);
	f[14 + 4] = 6;
	f[14 + 7] = 3; /* op */
	cr_assert_eq(dp_arp_parse(f, n, &a), -EBADMSG);
}

static size_t ns_frame(uint8_t *b, uint8_t hlim, bool with_ll)
{
	size_t plen = 24 + (with_ll ? 8 : 0), n = ipv6(b, 58, hlim, plen, IP6_A, IP6_B);
	uint8_t *icmp = b + 54;
	uint16_t c;

	icmp[0] = 135;
	memcpy(icmp + 8, IP6_B, 16);
	if (with_ll) {
		icmp[24] = 1;
		icmp[25] = 1;
		memcpy(icmp + 26, MAC_A, 6);
	}
	c = ref_csum6(b + 14, icmp, plen, 58);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	return n;
}

Test(nd, solicitation_with_source_link_layer_option_parses)
{
	struct dp_nd nd;
	size_t n = ns_frame(f, 255, true);

	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(dp_nd_parse(f, n, &pi, &nd), 0);
	cr_assert_eq(nd.type, DP_ND_NS);
	cr_assert_arr_eq(nd.target, IP6_B, 16);
	cr_assert_arr_eq(nd.src, IP6_A, 16);
	cr_assert(nd.has_ll);
	cr_assert_arr_eq(nd.ll, MAC_A, 6);
}

Test(nd, hop_limit_below_255_is_refused)
{
	struct dp_nd nd;
	size_t n = ns_frame(f, 254, false);

	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(dp_nd_parse(f, n, &pi, &nd), -EBADMSG);
}

Test(nd, bad_checksum_is_refused)
{
	struct dp_nd nd;
	size_t n = ns_frame(f, 255, false);

	f[54 + 2] ^= 1;
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(dp_nd_parse(f, n, &pi, &nd), -EBADMSG);
}

Test(nd, option_of_length_zero_is_refused)
{
	struct dp_nd nd;
	size_t n = ns_frame(f, 255, true);
	uint8_t *icmp = f + 54;
	uint16_t c;

	icmp[25] = 0;
	icmp[2] = icmp[3] = 0;
	c = ref_csum6(f + 14, icmp, 32, 58);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(dp_nd_parse(f, n, &pi, &nd), -EBADMSG);
}

Test(nd, built_solicitation_goes_to_the_solicited_node_group)
{
	struct dp_nd nd;
	size_t n = dp_nd_ns_build(f, MAC_A, IP6_A, IP6_B);
	static const uint8_t group[16] = {0xff, 2, [11] = 1, [12] = 0xff, [15] = 2};

	cr_assert_eq(n, DP_ND_NS_LEN);
	cr_assert_arr_eq(f, ((uint8_t[]){0x33, 0x33, 0xff, 0, 0, 2}), 6);
	cr_assert_arr_eq(f + 14 + 24, group, 16);
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(dp_nd_parse(f, n, &pi, &nd), 0);
	cr_assert_arr_eq(nd.target, IP6_B, 16);
	cr_assert_arr_eq(nd.ll, MAC_A, 6);
}

Test(nd, built_advertisement_has_router_solicited_override_flags)
{
	struct dp_nd nd;
	size_t n = dp_nd_na_build(f, MAC_B, MAC_A, IP6_B, IP6_A, true);

	cr_assert_eq(f[54 + 4], 0xe0);
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(dp_nd_parse(f, n, &pi, &nd), 0);
	cr_assert(nd.solicited);
	cr_assert_arr_eq(nd.ll, MAC_B, 6);
	cr_assert_arr_eq(f + 14 + 8, IP6_B, 16); /* from the target itself */
	n = dp_nd_na_build(f, MAC_B, MAC_A, IP6_B, NULL, false);
	cr_assert_eq(f[54 + 4], 0xa0);
	cr_assert_eq(f[14 + 24], 0xff); /* all-nodes */
}

Test(icmp, ipv4_echo_reply_swaps_addresses_with_valid_checksums)
{
	size_t n = icmp4_echo(f, IP4_A, IP4_B);

	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(dp_icmp_echo_reply(f, n, &pi), 0);
	cr_assert_arr_eq(f, MAC_A, 6);
	cr_assert_arr_eq(f + 6, MAC_B, 6);
	cr_assert_arr_eq(f + 14 + 12, IP4_B, 4);
	cr_assert_arr_eq(f + 14 + 16, IP4_A, 4);
	cr_assert_eq(f[34], 0);
	cr_assert_eq(ref_csum(f + 14, 20, 0), 0);
	cr_assert_eq(ref_csum(f + 34, 16, 0), 0);
}

Test(icmp, ipv6_echo_reply_keeps_a_valid_checksum)
{
	size_t n = ipv6(f, 58, 64, 16, IP6_A, IP6_B);
	uint8_t *icmp = f + 54;
	uint16_t c;

	icmp[0] = 128;
	memcpy(icmp + 8, "rampart!", 8);
	c = ref_csum6(f + 14, icmp, 16, 58);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(dp_icmp_echo_reply(f, n, &pi), 0);
	cr_assert_eq(icmp[0], 129);
	cr_assert_arr_eq(f + 14 + 8, IP6_B, 16);
	cr_assert_eq(ref_csum6(f + 14, icmp, 16, 58), 0);
}

Test(icmp, echo_reply_refuses_what_is_not_an_echo_request)
{
	size_t n = udp4(f, 1, 2, 0);

	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_eq(dp_icmp_echo_reply(f, n, &pi), -EINVAL);
}

Test(icmp, no_errors_about_errors_fragments_broadcasts_or_odd_sources)
{
	size_t n = icmp4_echo(f, IP4_A, IP4_B);

	f[34] = 3; /* an ICMP error itself */
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_not(dp_icmp_error_allowed(f, n, &pi));
	n = udp4(f, 1, 2, 0);
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert(dp_icmp_error_allowed(f, n, &pi));
	memset(f, 0xff, 6);
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_not(dp_icmp_error_allowed(f, n, &pi));
	n = ipv4(f, 253, 64, 8, (const uint8_t[]){0, 0, 0, 0}, IP4_B);
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_not(dp_icmp_error_allowed(f, n, &pi));
	n = ipv4(f, 253, 64, 8, IP4_A, (const uint8_t[]){224, 0, 0, 1});
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_not(dp_icmp_error_allowed(f, n, &pi));
	n = udp4(f, 1, 2, 16);
	f[14 + 7] = 0x10;
	ipv4_fix_csum(f);
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_not(dp_icmp_error_allowed(f, n, &pi));
	n = ipv6(f, 17, 64, 8, (const uint8_t[16]){0}, IP6_B);
	f[54 + 5] = 8;
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_not(dp_icmp_error_allowed(f, n, &pi));
}

Test(icmp, ipv4_time_exceeded_quotes_the_original_to_548_bytes)
{
	static uint8_t e[DP_ICMP_ERROR_MAX];
	size_t n = udp4(f, 1, 2, 1000), len;
	static const uint8_t me[4] = {198, 18, 1, 1};

	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	len = dp_icmp_error_build(e, f, n, &pi, DP_ICMP_TIMXCEED, 0, 0, MAC_B, me);
	cr_assert_eq(len, 14 + 576);
	cr_assert_arr_eq(e, MAC_A, 6); /* back to the sender */
	cr_assert_arr_eq(e + 14 + 12, me, 4);
	cr_assert_arr_eq(e + 14 + 16, IP4_A, 4);
	cr_assert_eq(e[34], 11);
	cr_assert_arr_eq(e + 42, f + 14, 548);
	cr_assert_eq(ref_csum(e + 14, 20, 0), 0);
	cr_assert_eq(ref_csum(e + 34, 576 - 20, 0), 0);
}

Test(icmp, ipv4_fragmentation_needed_carries_the_mtu)
{
	static uint8_t e[DP_ICMP_ERROR_MAX];
	size_t n = udp4(f, 1, 2, 100);
	static const uint8_t me[4] = {198, 18, 1, 1};

	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	cr_assert_neq(dp_icmp_error_build(e, f, n, &pi, DP_ICMP_UNREACH, DP_ICMP_UNREACH_NEEDFRAG,
					  1400, MAC_B, me), 0);
	cr_assert_eq(e[34 + 6] << 8 | e[34 + 7], 1400);
}

Test(icmp, ipv6_packet_too_big_caps_the_quote_and_has_a_valid_checksum)
{
	static uint8_t e[DP_ICMP_ERROR_MAX];
	size_t n = ipv6(f, 17, 64, 1400, IP6_A, IP6_B), len;
	static const uint8_t me[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};

	f[54 + 4] = 1400 >> 8;
	f[54 + 5] = 1400 & 0xff;
	cr_assert_eq(dp_pkt_parse(f, n, &pi), 0);
	len = dp_icmp_error_build(e, f, n, &pi, DP_ICMP6_PKT_TOO_BIG, 0, 1280, MAC_B, me);
	cr_assert_eq(len, 14 + 1280);
	cr_assert_eq(e[54], 2);
	cr_assert_eq(e[54 + 6] << 8 | e[54 + 7], 1280);
	cr_assert_arr_eq(e + 14 + 24, IP6_A, 16);
	cr_assert_eq(ref_csum6(e + 14, e + 54, 1280 - 40, 58), 0);
}
