/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_control.c - what OpenVPN says inside TLS (vpn/control.h): the
 * key-method-2 message both ways (the trailing strings optional, empty ones
 * in both spellings, refusals), the peer-info 2.6.14 sends, cipher
 * negotiation, the PUSH_REPLY 2.6.14 sent (parsed), continuations (built
 * and merged), pushed compression and unknown options refused, commands.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "vpn/control.h"

static struct vpn_km2 a, b;

Test(vpn_control, key_method_2)
{
	uint8_t buf[12000];
	char err[256];
	size_t n;

	memset(&a, 0, sizeof(a));
	a.from_client = true;
	memset(a.pre_master, 1, 48);
	memset(a.random1, 2, 32);
	memset(a.random2, 3, 32);
	vpn_options_string(a.options, sizeof(a.options), false, false);
	vpn_peer_info_write(a.peer_info, sizeof(a.peer_info),
			    (const enum vpn_cipher[]){ VPN_AES_256_GCM, VPN_CHACHA20_POLY1305 }, 2,
			    0);
	n = vpn_km2_write(&a, buf, sizeof(buf));
	cr_assert_gt(n, 5 + 48 + 64);
	cr_assert_eq(vpn_km2_parse(buf, n, true, &b, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(memcmp(b.pre_master, a.pre_master, 48), 0);
	cr_assert_eq(b.random2[31], 3);
	cr_assert_str_eq(b.options, "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth "
				    "SHA1,keysize 128,key-method 2,tls-client");
	cr_assert_str_eq(b.username, "");
	cr_assert_str_eq(b.peer_info, a.peer_info);
	/* the server's: no pre-master; strings after the options optional */
	a.from_client = false;
	a.peer_info[0] = '\0';
	n = vpn_km2_write(&a, buf, sizeof(buf));
	cr_assert_eq(vpn_km2_parse(buf, n, false, &b, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vpn_km2_parse(buf, n - 6, false, &b, err, sizeof(err)), 0,
		     "ending after the options string");
	/* an empty string as len 1 and a NUL (MirageVPN) */
	buf[n - 2] = 0;
	buf[n - 1] = 1;
	buf[n] = 0;
	cr_assert_eq(vpn_km2_parse(buf, n + 1, false, &b, err, sizeof(err)), 0, "%s", err);
	/* refusals */
	buf[4] = 1;
	cr_assert_eq(vpn_km2_parse(buf, n, false, &b, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "key method 1: only key method 2 is supported");
	buf[4] = 2;
	buf[n + 1] = 7;
	cr_assert_eq(vpn_km2_parse(buf, n + 2, false, &b, err, sizeof(err)), -1,
		     "a byte after the last string");
	cr_assert_eq(vpn_km2_parse(buf, 5 + 64, false, &b, err, sizeof(err)), -1, "no options");
	for (size_t k = 0; k < n; k++)
		vpn_km2_parse(buf, k, false, &b, err, sizeof(err)); /* any cut: no overrun */
	buf[5 + 64 + 1] = 0xff; /* an options string longer than the message */
	cr_assert_eq(vpn_km2_parse(buf, n, false, &b, err, sizeof(err)), -1);
}

Test(vpn_control, peer_info_and_ncp)
{
	static const char v2614[] = "IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\n"
				    "IV_CIPHERS=AES-256-GCM:CHACHA20-POLY1305\nIV_PROTO=990\n"
				    "IV_LZO_STUB=1\nIV_COMP_STUB=1\nIV_COMP_STUBv2=1\nbogus\n"
				    "X_NOT=1\n";
	const enum vpn_cipher all[3] = { VPN_AES_256_GCM, VPN_AES_128_GCM, VPN_CHACHA20_POLY1305 },
			      chacha[1] = { VPN_CHACHA20_POLY1305 },
			      aes128[1] = { VPN_AES_128_GCM };
	struct vpn_peer_info pi;
	char err[128], mine[256];

	cr_assert_eq(vpn_peer_info_parse(v2614, &pi, err, sizeof(err)), 0);
	cr_assert_eq(pi.proto, 990);
	cr_assert(pi.proto & VPN_IV_TLS_KEY_EXPORT, "EKM");
	cr_assert_eq(pi.mtu, 1600);
	cr_assert_str_eq(pi.version, "2.6.14");
	cr_assert_eq(vpn_ncp_choose(all, 3, &pi), VPN_AES_256_GCM, "the server's order");
	cr_assert_eq(vpn_ncp_choose(chacha, 1, &pi), VPN_CHACHA20_POLY1305);
	cr_assert_eq(vpn_ncp_choose(aes128, 1, &pi), -1, "no overlap: AUTH_FAILED");
	strcpy(pi.ciphers, "aes-256-gcm");
	cr_assert_eq(vpn_ncp_choose(all, 3, &pi), -1, "names compare exactly");
	pi.ciphers[0] = '\0';
	pi.ncp2 = true;
	cr_assert_eq(vpn_ncp_choose(chacha, 1, &pi), -1);
	cr_assert_eq(vpn_ncp_choose(all, 3, &pi), VPN_AES_256_GCM, "IV_NCP=2 without IV_CIPHERS");
	vpn_peer_info_write(mine, sizeof(mine), chacha, 1, 0);
	cr_assert_eq(vpn_peer_info_parse(mine, &pi, err, sizeof(err)), 0);
	cr_assert_eq(pi.proto, 142, "DATA_V2, REQUEST_PUSH, TLS_KEY_EXPORT, CC_EXIT_NOTIFY");
	cr_assert_str_eq(pi.ciphers, "CHACHA20-POLY1305");
}

static char parts[8][VPN_PUSH_BUNDLE + 16];
static unsigned n_parts;

static void collect(void *ctx, const char *msg, size_t len)
{
	(void)ctx;
	cr_assert_leq(len - 1, VPN_PUSH_BUNDLE);
	cr_assert_eq(msg[len - 1], '\0');
	memcpy(parts[n_parts++], msg, len);
}

Test(vpn_control, push_reply)
{
	static const char seen[] =
		"PUSH_REPLY,route-gateway 198.18.60.1,topology subnet,ping 10,ping-restart 60,"
		"ifconfig 198.18.60.2 255.255.255.0,peer-id 0,cipher AES-256-GCM,protocol-flags "
		"cc-exit tls-ekm dyn-tls-crypt,tun-mtu 1500";
	struct vpn_push p;
	char err[256], opts[4096];
	size_t o = 0;

	vpn_push_init(&p);
	cr_assert_eq(vpn_push_parse(seen, sizeof(seen), &p, err, sizeof(err)), 1, "%s", err);
	cr_assert(p.has_ifconfig);
	cr_assert_eq(p.ifconfig[3], 2);
	cr_assert_eq(p.netmask[2], 255);
	cr_assert_eq(p.peer_id, 0);
	cr_assert_eq(p.cipher, VPN_AES_256_GCM);
	cr_assert(p.tls_ekm && p.cc_exit && p.dyn_tls_crypt);
	cr_assert_eq(p.ping, 10);
	cr_assert_eq(p.ping_restart, 60);
	cr_assert_eq(p.tun_mtu, 1500);
	/* refused */
	vpn_push_init(&p);
	cr_assert_eq(vpn_push_parse("PUSH_REPLY,comp-lzo no", 22, &p, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "pushed comp-lzo refused: compression is not supported (VORACLE)");
	cr_assert_eq(vpn_push_parse("PUSH_REPLY,cipher BF-CBC", 24, &p, err, sizeof(err)), -1);
	cr_assert_eq(vpn_push_parse("PUSH_REPLY,up /bin/sh", 21, &p, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "pushed option \"up\" refused: not one rampart knows");
	cr_assert_eq(vpn_push_parse("PUSH_REPLY,topology net30", 25, &p, err, sizeof(err)), -1);
	cr_assert_eq(vpn_push_parse("PUSH_REQUEST", 12, &p, err, sizeof(err)), -1);
	/* 60 routes: cut into parts, merged back */
	for (int i = 0; i < 60; i++)
		o += (size_t)snprintf(opts + o, sizeof(opts) - o,
				      "%sroute 198.19.%d.0 255.255.255.0", i ? "," : "", i);
	o += (size_t)snprintf(opts + o, sizeof(opts) - o, ",peer-id 7");
	n_parts = 0;
	cr_assert_eq(vpn_push_build(opts, collect, NULL), 2);
	vpn_push_init(&p);
	for (unsigned i = 0; i < n_parts; i++)
		cr_assert_eq(vpn_push_parse(parts[i], strlen(parts[i]) + 1, &p, err, sizeof(err)),
			     i + 1 == n_parts ? 1 : 0, "part %u: %s", i, err);
	cr_assert_eq(p.n_routes, 60);
	cr_assert_str_eq(p.routes[59], "198.19.59.0 255.255.255.0");
	cr_assert_eq(p.peer_id, 7);
	n_parts = 0;
	cr_assert_eq(vpn_push_build("ping 10", collect, NULL), 1);
	cr_assert_str_eq(parts[0], "PUSH_REPLY,ping 10", "short: no continuation");
}

Test(vpn_control, commands)
{
	cr_assert_eq(vpn_cmd_of("PUSH_REQUEST", 13), VPN_CMD_PUSH_REQUEST);
	cr_assert_eq(vpn_cmd_of("AUTH_FAILED,bad", 15), VPN_CMD_AUTH_FAILED);
	cr_assert_eq(vpn_cmd_of("EXIT", 4), VPN_CMD_EXIT);
	cr_assert_eq(vpn_cmd_of("RESTART,[N]", 11), VPN_CMD_RESTART);
	cr_assert_eq(vpn_cmd_of("EXI", 3), VPN_CMD_UNKNOWN);
	cr_assert_eq(vpn_cmd_of("HELLO", 5), VPN_CMD_UNKNOWN);
}
