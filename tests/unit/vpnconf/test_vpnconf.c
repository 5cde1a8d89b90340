/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of vpn/conf/conf.c: the example configs and the OpenVPN lab's
 * load whole; OpenVPN's line syntax (quotes, escapes, comments, inline
 * blocks); every refusal with its exact "file:line: option X is not
 * supported: why"; the checks made after the last line. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vpn/conf/conf.h"

#define PATH "cfg/t.conf"

static struct vpn_conf c;
static char err[1024];

/* a minimal client and server, each ending in a newline */
#define CLIENT                 \
	"client\n"             \
	"dev tun\n"            \
	"remote 198.18.50.1\n" \
	"ca ca.crt\n"          \
	"cert client.crt\n"    \
	"key client.key\n"     \
	"tls-crypt-v2 tc2-client.key\n"
#define SERVER                               \
	"server 198.18.60.0 255.255.255.0\n" \
	"dev tun\n"                          \
	"ca ca.crt\n"                        \
	"cert server.crt\n"                  \
	"key server.key\n"                   \
	"tls-crypt-v2 tc2-server.key\n"

static int parse(const char *text)
{
	return vpn_conf_parse(PATH, text, strlen(text), &c, err, sizeof(err));
}

static void parse_ok(const char *text)
{
	cr_assert_eq(parse(text), 0, "refused: %s", err);
}

/* the error must be exactly PATH:line: cause, and nothing returned */
static void assert_error(const char *text, unsigned line, const char *cause)
{
	char want[1024];

	cr_assert_eq(parse(text), -EINVAL, "accepted:\n%s", text);
	snprintf(want, sizeof(want), "%s:%u: %s", PATH, line, cause);
	cr_assert_str_eq(err, want);
	cr_assert_null(c.remotes, "nothing returned on error");
	cr_assert_null(c.dev, "nothing returned on error");
}

static int load(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return vpn_conf_parse(path, NULL, 0, &c, err, sizeof(err));
}

/* ---- the example files ---- */

Test(vpnconf, the_example_server_config_loads)
{
	cr_assert_eq(load(CONF_DIR, "vpn-server.conf"), 0, "%s", err);
	cr_assert_eq(c.role, VPN_CONF_ROLE_SERVER);
	cr_assert_eq(c.role_line, 5);
	cr_assert(c.pool4.set);
	cr_assert_eq(c.pool4.network, 0xc6123c00u);
	cr_assert_eq(c.pool4.local, 0xc6123c01u);
	cr_assert_eq(c.pool4.pool_start, 0xc6123c02u);
	cr_assert_eq(c.pool4.pool_end, 0xc6123cfeu);
	cr_assert(c.pool6.set);
	cr_assert_eq(c.pool6.prefix_len, 64);
	cr_assert_eq(c.pool6.local[15], 1);
	cr_assert_eq(c.proto.transport, VPN_CONF_UDP);
	cr_assert_str_eq(c.local, "198.18.50.1");
	cr_assert_str_eq(c.ca.path, CONF_DIR "/ca.crt", "relative to the config's folder");
	cr_assert_str_eq(c.tls_crypt_v2.path, CONF_DIR "/tc2-server.key");
	cr_assert_eq(c.n_data_ciphers, 3);
	cr_assert_eq(c.data_ciphers[1], VPN_CONF_CHACHA20_POLY1305);
	cr_assert_eq(c.n_push, 3);
	cr_assert_str_eq(c.push[2].option, "dhcp-option DNS 198.18.60.1");
	cr_assert_eq(c.keepalive_interval_s, 10);
	cr_assert_eq(c.keepalive_timeout_s, 60);
	cr_assert_eq(c.ping_s, 10);
	cr_assert_eq(c.ping_restart_s, 120, "a server doubles keepalive's timeout");
	cr_assert_eq(c.max_clients, 200);
	cr_assert_not(c.client_to_client, "off by default");
	vpn_conf_free(&c);
}

Test(vpnconf, the_example_client_config_loads)
{
	cr_assert_eq(load(CONF_DIR, "vpn-client.conf"), 0, "%s", err);
	cr_assert_eq(c.role, VPN_CONF_ROLE_CLIENT);
	cr_assert(c.pull);
	cr_assert_eq(c.n_remotes, 2);
	cr_assert_str_eq(c.remotes[1].host, "2001:db8:50::1");
	cr_assert_eq(c.remotes[1].proto.family, VPN_CONF_AF_INET6);
	cr_assert_eq(c.remotes[0].proto.family, VPN_CONF_AF_ANY);
	cr_assert(c.nobind);
	cr_assert_eq(c.verify_x509_type, VPN_CONF_X509_NAME);
	cr_assert_str_eq(c.verify_x509_name, "server");
	cr_assert(c.redirect_gateway);
	cr_assert_eq(c.redirect_gateway_flags, VPN_CONF_RG_DEF1 | VPN_CONF_RG_IPV6);
	cr_assert_eq(c.n_routes, 1);
	cr_assert_eq(c.explicit_exit_notify, 2);
	vpn_conf_free(&c);
}

/* The configs OpenVPN 2.6.14 ran in the lab (openvpn.md §6), copied as they
 * are: every option in them is in rampart's subset; verb and disable-dco are
 * accepted and ignored. */
Test(vpnconf, the_openvpn_lab_server_config_loads_as_is)
{
	cr_assert_eq(load(VPNCONF_FILES, "lab-server.conf"), 0, "%s", err);
	cr_assert_eq(c.role, VPN_CONF_ROLE_SERVER);
	cr_assert_eq(c.proto.family, VPN_CONF_AF_INET);
	cr_assert_eq(c.port, 1194);
	cr_assert_eq(c.remote_cert_tls, VPN_CONF_CERT_TLS_CLIENT);
	cr_assert_str_eq(c.tls_crypt_v2.path, VPNCONF_FILES "/tc2-server.key");
	cr_assert_not(c.tls_crypt_v2_force_cookie);
	cr_assert_eq(c.n_data_ciphers, 2);
	cr_assert_eq(c.data_ciphers[0], VPN_CONF_AES_256_GCM);
	cr_assert_eq(c.data_ciphers[1], VPN_CONF_CHACHA20_POLY1305);
	cr_assert_eq(c.tls_version_min, VPN_CONF_TLS_1_2);
	vpn_conf_free(&c);
}

Test(vpnconf, the_openvpn_lab_client_config_loads_as_is)
{
	cr_assert_eq(load(VPNCONF_FILES, "lab-client.conf"), 0, "%s", err);
	cr_assert_eq(c.role, VPN_CONF_ROLE_CLIENT);
	cr_assert_eq(c.n_remotes, 1);
	cr_assert_eq(c.remotes[0].port, 1194);
	cr_assert_eq(c.remotes[0].proto.family, VPN_CONF_AF_INET, "proto udp4 applies");
	cr_assert_eq(c.remote_cert_tls, VPN_CONF_CERT_TLS_SERVER);
	cr_assert_eq(c.explicit_exit_notify, 1);
	vpn_conf_free(&c);
}

Test(vpnconf, a_missing_file_names_the_file_and_the_cause)
{
	cr_assert_eq(vpn_conf_parse("/nonexistent/x.conf", NULL, 0, &c, err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "/nonexistent/x.conf: No such file or directory");
}

/* ---- defaults ---- */

Test(vpnconf, defaults_are_openvpns)
{
	parse_ok(CLIENT);
	cr_assert_eq(c.port, 1194);
	cr_assert_eq(c.remotes[0].port, 1194);
	cr_assert_eq(c.proto.transport, VPN_CONF_UDP);
	cr_assert_eq(c.tls_version_min, VPN_CONF_TLS_1_2);
	cr_assert_eq(c.tls_version_max, VPN_CONF_TLS_ANY);
	cr_assert_eq(c.n_data_ciphers, 3);
	cr_assert_eq(c.data_ciphers[0], VPN_CONF_AES_256_GCM);
	cr_assert_eq(c.data_ciphers[1], VPN_CONF_AES_128_GCM);
	cr_assert_eq(c.data_ciphers[2], VPN_CONF_CHACHA20_POLY1305);
	cr_assert_eq(c.reneg_sec, 3600);
	cr_assert_eq(c.reneg_bytes, 0);
	cr_assert_eq(c.hand_window_s, 60);
	cr_assert_eq(c.tls_timeout_s, 2);
	cr_assert_eq(c.tun_mtu, 1500);
	cr_assert_eq(c.mssfix, 1492);
	cr_assert_eq(c.resolv_retry_s, -1);
	cr_assert_eq(c.auth, VPN_CONF_SHA1);
	cr_assert_eq(c.tls_auth_direction, VPN_CONF_KEYDIR_BIDI);
	cr_assert_eq(c.explicit_exit_notify, 0);
	cr_assert_eq(c.n_lines, 7);
	vpn_conf_free(&c);
}

/* ---- syntax ---- */

Test(vpnconf, comments_start_a_word_with_hash_or_semicolon)
{
	parse_ok("# a comment\n"
		 "; another\n"
		 "   # indented\n" CLIENT "verify-x509-name a#b ; the rest is a comment\n"
		 "tls-cipher x;y # trailing\n");
	cr_assert_str_eq(c.verify_x509_name, "a#b", "# inside a word is the word's");
	cr_assert_str_eq(c.tls_cipher, "x;y");
	vpn_conf_free(&c);
}

Test(vpnconf, quotes_and_backslash_escapes_as_openvpn)
{
	parse_ok(CLIENT "verify-x509-name \"C=US, CN=my server\" subject\n"
			"tls-cipher 'single \\ quoted'\n"
			"tls-ciphersuites a\\ b\\\\c\\\"d\n"
			"tls-groups \"a\\\"b\"\n");
	cr_assert_str_eq(c.verify_x509_name, "C=US, CN=my server");
	cr_assert_str_eq(c.tls_cipher, "single \\ quoted", "no escapes in single quotes");
	cr_assert_str_eq(c.tls_ciphersuites, "a b\\c\"d");
	cr_assert_str_eq(c.tls_groups, "a\"b");
	vpn_conf_free(&c);
}

Test(vpnconf, quoting_errors_name_the_line)
{
	assert_error(CLIENT "verify-x509-name \"open\n", 8, "no closing quotation (\")");
	assert_error(CLIENT "verify-x509-name 'open\n", 8, "no closing single quotation (')");
	assert_error(CLIENT "verify-x509-name a\\nb\n", 8,
		     "bad backslash: \\ escapes only \\, \" and spaces (write \\\\ for a "
		     "backslash)");
	assert_error(CLIENT "verify-x509-name ab\\", 8, "the line ends with a backslash");
}

Test(vpnconf, words_and_lines_have_openvpns_limits)
{
	char text[2048];
	char word[300];

	memset(word, 'a', 257);
	word[257] = '\0';
	snprintf(text, sizeof(text), CLIENT "verify-x509-name %s\n", word);
	assert_error(text, 8, "a parameter is longer than 256 characters");
	word[256] = '\0';
	snprintf(text, sizeof(text), CLIENT "verify-x509-name %s\n", word);
	parse_ok(text);
	cr_assert_eq(strlen(c.verify_x509_name), 256);
	vpn_conf_free(&c);
	assert_error(CLIENT "redirect-gateway a b c d e f g h i j k l m n o p\n", 8,
		     "more than 16 words on one line");
}

Test(vpnconf, double_dashes_crlf_and_a_byte_order_mark_are_tolerated)
{
	parse_ok("\xEF\xBB\xBF--client\r\n"
		 "--dev tun\r\n"
		 "remote 198.18.50.1 1195 tcp\r\n"
		 "ca ca.crt\r\ncert c.crt\r\nkey c.key\r\ntls-crypt tc.key\r\n");
	cr_assert_eq(c.role, VPN_CONF_ROLE_CLIENT);
	cr_assert_eq(c.remotes[0].port, 1195);
	cr_assert_eq(c.remotes[0].proto.transport, VPN_CONF_TCP);
	cr_assert_str_eq(c.ca.path, "cfg/ca.crt");
	vpn_conf_free(&c);
}

Test(vpnconf, a_nul_byte_is_refused_with_its_line)
{
	static const char text[] = "client\ndev tun\0\n";

	cr_assert_eq(vpn_conf_parse(PATH, text, sizeof(text) - 1, &c, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, PATH ":2: a NUL byte: this is not a text file");
}

/* ---- inline blocks ---- */

Test(vpnconf, inline_blocks_keep_their_text_and_count_their_lines)
{
	parse_ok("client\n"
		 "dev tun\n"
		 "remote 198.18.50.1\n"
		 "<ca>\n"
		 "-----BEGIN CERTIFICATE-----\n"
		 "MIIB\n"
		 "-----END CERTIFICATE-----\n"
		 "</ca>\n"
		 "<cert>\n"
		 "C\n"
		 "  </cert>  trailing words are ignored\n"
		 "<key>\n"
		 "</key>\n"
		 "<tls-crypt-v2>\n"
		 "-----BEGIN OpenVPN tls-crypt-v2 client key-----\n"
		 "-----END OpenVPN tls-crypt-v2 client key-----\n"
		 "</tls-crypt-v2>\n"
		 "verify-x509-name x\n");
	cr_assert_null(c.ca.path);
	cr_assert_str_eq(c.ca.inline_text, "-----BEGIN CERTIFICATE-----\nMIIB\n"
					   "-----END CERTIFICATE-----\n");
	cr_assert_eq(c.ca.inline_len, strlen(c.ca.inline_text));
	cr_assert_eq(c.ca.line, 4);
	cr_assert_str_eq(c.cert.inline_text, "C\n");
	cr_assert_str_eq(c.key.inline_text, "", "an empty block");
	cr_assert_eq(c.key.line, 12);
	cr_assert_eq(c.tls_crypt_v2.line, 14);
	cr_assert_eq(c.n_lines, 18);
	vpn_conf_free(&c);
}

Test(vpnconf, inline_tls_auth_takes_key_direction)
{
	parse_ok(SERVER "key-direction 0\n"
			"<tls-auth>\nK\n</tls-auth>\n");
	cr_assert_str_eq(c.tls_auth.inline_text, "K\n");
	cr_assert_eq(c.tls_auth_direction, VPN_CONF_KEYDIR_NORMAL);
	vpn_conf_free(&c);
}

Test(vpnconf, inline_block_errors)
{
	assert_error(CLIENT "<ca>\nX\n", 8, "<ca> has no </ca>");
	assert_error(CLIENT "</ca>\n", 8, "</ca> without its opening tag");
	assert_error(CLIENT "<remote>\nX\n</remote>\n", 8,
		     "option remote cannot be given as an inline <remote> block");
	assert_error(CLIENT "<connection>\nremote x\n</connection>\n", 8,
		     "option connection is not supported: write several remote lines instead "
		     "of <connection> blocks");
	assert_error(CLIENT "<secret>\nX\n</secret>\n", 8,
		     "option secret is not supported: static keys have no forward secrecy and no "
		     "key exchange: use TLS with certificates");
	assert_error(CLIENT "<frob>\nX\n</frob>\n", 8,
		     "option <frob> is not supported: rampart does not implement it "
		     "(docs/vpn.md lists the options it does)");
	assert_error(CLIENT "<dh>\nX\n</dh>\n", 8,
		     "option dh is not supported: finite-field Diffie-Hellman is not used: "
		     "rampart's TLS uses ECDHE only (write dh none)");
}

/* ---- paths ---- */

Test(vpnconf, relative_paths_are_joined_to_the_configs_folder)
{
	const char *text = CLIENT "crl-verify /etc/crl.pem\nextra-certs sub/extra.pem\n";

	cr_assert_eq(
		vpn_conf_parse("/etc/rampart/vpn/c.conf", text, strlen(text), &c, err, sizeof(err)),
		0, "%s", err);
	cr_assert_str_eq(c.ca.path, "/etc/rampart/vpn/ca.crt");
	cr_assert_str_eq(c.crl_verify.path, "/etc/crl.pem", "absolute paths stay");
	cr_assert_str_eq(c.extra_certs.path, "/etc/rampart/vpn/sub/extra.pem");
	vpn_conf_free(&c);
	cr_assert_eq(vpn_conf_parse("c.conf", text, strlen(text), &c, err, sizeof(err)), 0);
	cr_assert_str_eq(c.ca.path, "ca.crt", "a config in the working folder");
	vpn_conf_free(&c);
	cr_assert_eq(vpn_conf_parse("/c.conf", text, strlen(text), &c, err, sizeof(err)), 0);
	cr_assert_str_eq(c.ca.path, "/ca.crt");
	vpn_conf_free(&c);
}

/* ---- options ---- */

Test(vpnconf, remote_route_push_and_dhcp_option_accumulate_others_last_wins)
{
	parse_ok(CLIENT "remote vpn.example 443 tcp-client\n"
			"port 1200\n"
			"proto udp6\n"
			"route 198.19.5.7 255.255.255.0 vpn_gateway 5\n"
			"route 198.19.9.9\n"
			"route-ipv6 2001:db8:5::/48 2001:db8::1 7\n"
			"route-ipv6 2001:db8:6::1\n"
			"dhcp-option DNS 198.18.60.1\n"
			"dhcp-option DOMAIN example.test\n"
			"dhcp-option DISABLE-NBT\n"
			"ca other.crt\n"
			"reneg-sec 100 50\n"
			"reneg-sec 200\n");
	cr_assert_eq(c.n_remotes, 2);
	cr_assert_eq(c.remotes[0].port, 1200, "port applies to remotes without one");
	cr_assert_eq(c.remotes[0].proto.family, VPN_CONF_AF_INET6, "proto applies");
	cr_assert_eq(c.remotes[1].port, 443);
	cr_assert_eq(c.remotes[1].proto.transport, VPN_CONF_TCP);
	cr_assert_eq(c.remotes[1].line, 8);
	cr_assert_eq(c.n_routes, 2);
	cr_assert_eq(c.routes[0].network, 0xc6130500u, "masked as the kernel would");
	cr_assert_eq(c.routes[0].netmask, 0xffffff00u);
	cr_assert_eq(c.routes[0].gw, VPN_CONF_GW_VPN);
	cr_assert_eq(c.routes[0].metric, 5);
	cr_assert_eq(c.routes[1].netmask, 0xffffffffu);
	cr_assert_eq(c.routes[1].metric, -1);
	cr_assert_eq(c.n_routes6, 2);
	cr_assert_eq(c.routes6[0].prefix_len, 48);
	cr_assert(c.routes6[0].has_gateway);
	cr_assert_eq(c.routes6[0].metric, 7);
	cr_assert_eq(c.routes6[1].prefix_len, 128);
	cr_assert_eq(c.n_dhcp_options, 3);
	cr_assert_str_eq(c.dhcp_options[1].value, "example.test");
	cr_assert_null(c.dhcp_options[2].value);
	cr_assert_str_eq(c.ca.path, "cfg/other.crt", "last one wins");
	cr_assert_eq(c.ca.line, 18);
	cr_assert_eq(c.reneg_sec, 200);
	cr_assert_eq(c.reneg_sec_min, 0, "the second reneg-sec replaces the whole");
	vpn_conf_free(&c);
}

Test(vpnconf, a_server_with_everything_it_may_set)
{
	parse_ok(
		"mode server\n"
		"tls-server\n"
		"dev tun0\n"
		"proto tcp-server\n"
		"topology subnet\n"
		"ifconfig 198.18.60.1 255.255.255.0\n"
		"ifconfig-pool 198.18.60.100 198.18.60.199 255.255.255.0\n"
		"ca ca.crt\ncert s.crt\nkey s.key\n"
		"tls-auth ta.key 0\n"
		"auth SHA256\n"
		"push \"redirect-gateway def1\"\n"
		"client-to-client\n"
		"max-clients 10\n"
		"ping 5\nping-restart 30\n"
		"reneg-bytes 1000000\nreneg-pkts 18446744073709551615\n"
		"hand-window 30\ntls-timeout 4\n"
		"tls-version-min 1.3\ntls-version-max 1.3\n"
		"cipher AES-128-GCM\n"
		"data-ciphers ?BF-CBC:chacha20-poly1305:AES-256-GCM:AES-256-GCM\n"
		"verify-client-cert require\n"
		"allow-compression no\nkey-method 2\n"
		"user nobody\ngroup nogroup\npersist-key\npersist-tun\nverb 3\nmute 20\n"
		"status /tmp/s.log 10\nlog /tmp/l\nwritepid /tmp/p\nifconfig-pool-persist ipp.txt\n"
		"mssfix 1400 mtu\ntun-mtu 1400\nfloat\n");
	cr_assert_eq(c.role, VPN_CONF_ROLE_SERVER);
	cr_assert_eq(c.role_line, 1);
	cr_assert_eq(c.proto.transport, VPN_CONF_TCP);
	cr_assert_eq(c.pool4.local, 0xc6123c01u);
	cr_assert_eq(c.pool4.pool_start, 0xc6123c64u);
	cr_assert_eq(c.pool4.pool_end, 0xc6123cc7u);
	cr_assert_eq(c.tls_auth_direction, VPN_CONF_KEYDIR_NORMAL);
	cr_assert_eq(c.auth, VPN_CONF_SHA256);
	cr_assert(c.client_to_client);
	cr_assert_eq(c.ping_s, 5);
	cr_assert_eq(c.ping_restart_s, 30);
	cr_assert_eq(c.reneg_pkts, UINT64_MAX);
	cr_assert_eq(c.tls_version_min, VPN_CONF_TLS_1_3);
	cr_assert_eq(c.cipher, VPN_CONF_AES_128_GCM);
	cr_assert_eq(c.n_data_ciphers, 2, "an optional unknown cipher is skipped, twice is once");
	cr_assert_eq(c.data_ciphers[0], VPN_CONF_CHACHA20_POLY1305);
	cr_assert_eq(c.mssfix, 1400);
	cr_assert(c.mssfix_mtu);
	cr_assert(c.float_peer);
	vpn_conf_free(&c);
}

Test(vpnconf, server_nopool_and_an_ipv6_only_server)
{
	parse_ok("server 198.18.60.0 255.255.255.248 nopool\n" SERVER);
	cr_assert_eq(c.pool4.netmask, 0xffffff00u, "the later server line wins");
	vpn_conf_free(&c);
	parse_ok(SERVER "server 198.18.60.0 255.255.255.248 nopool\n");
	cr_assert_eq(c.pool4.pool_start, 0);
	cr_assert_eq(c.pool4.local, 0xc6123c01u);
	vpn_conf_free(&c);
	parse_ok("server-ipv6 2001:db8:60::1/112\ndev tun\nca a\ncert b\nkey c\ntls-crypt d\n");
	cr_assert_eq(c.role, VPN_CONF_ROLE_SERVER);
	cr_assert_not(c.pool4.set);
	cr_assert_eq(c.pool6.network[15], 0, "masked");
	cr_assert_eq(c.pool6.local[15], 1);
	vpn_conf_free(&c);
}

Test(vpnconf, tls_auth_direction_last_wins_between_key_direction_and_tls_auth)
{
	parse_ok(SERVER "tls-auth ta.key 0\nkey-direction 1\n");
	cr_assert_eq(c.tls_auth_direction, VPN_CONF_KEYDIR_INVERSE);
	vpn_conf_free(&c);
	parse_ok(SERVER "key-direction 1\ntls-auth ta.key\n");
	cr_assert_eq(c.tls_auth_direction, VPN_CONF_KEYDIR_INVERSE);
	cr_assert_str_eq(c.tls_auth.path, "cfg/ta.key");
	vpn_conf_free(&c);
	parse_ok(SERVER "tls-crypt-v2 k force-cookie\n");
	cr_assert(c.tls_crypt_v2_force_cookie);
	vpn_conf_free(&c);
}

Test(vpnconf, a_device_not_named_tun_needs_dev_type_tun)
{
	parse_ok(CLIENT "dev vpn0\ndev-type tun\n");
	cr_assert_str_eq(c.dev, "vpn0");
	vpn_conf_free(&c);
}

Test(vpnconf, a_client_keepalive_is_used_as_written)
{
	parse_ok(CLIENT "keepalive 10 60\nexplicit-exit-notify\n");
	cr_assert_eq(c.ping_s, 10);
	cr_assert_eq(c.ping_restart_s, 60);
	cr_assert_eq(c.explicit_exit_notify, 1, "no count: 1");
	vpn_conf_free(&c);
}

/* ---- refusals: every one, exactly ---- */

struct refusal {
	const char *line;
	const char *cause;
};

#define SCRIPTS	 "rampart runs no scripts or plugins"
#define COMPRESS "compression is insecure (VORACLE); rampart neither compresses nor frames for it"
#define AEAD                                                                                    \
	"the data channel runs AEAD ciphers only: AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305 " \
	"(no CBC, no unauthenticated encryption)"
#define PUSHED "it is negotiated or pushed by the server, never set in a file"

static const struct refusal refusals[] = {
	{ "dev tap", "option dev tap is not supported: rampart carries IP packets only (layer 3, "
		     "dev tun); tap bridges Ethernet frames" },
	{ "dev tap0", "option dev tap0 is not supported: rampart carries IP packets only (layer 3, "
		      "dev tun); tap bridges Ethernet frames" },
	{ "dev null", "option dev null is not supported: a VPN without a tunnel device is of no "
		      "use" },
	{ "dev-type tap", "option dev-type tap is not supported: rampart carries IP packets only "
			  "(layer 3, dev-type tun)" },
	{ "topology net30", "option topology net30 is not supported: rampart gives each client one "
			    "address in one subnet (topology subnet); net30 and p2p are OpenVPN's "
			    "legacy per-client point-to-point layouts" },
	{ "topology p2p", "option topology p2p is not supported: rampart gives each client one "
			  "address in one subnet (topology subnet); net30 and p2p are OpenVPN's "
			  "legacy per-client point-to-point layouts" },
	{ "mode p2p", "option mode p2p is not supported: point-to-point mode is not implemented: "
		      "use client and server" },
	{ "push \"comp-lzo no\"", "option push comp-lzo no is not supported: " COMPRESS },
	{ "push \"compress lz4\"", "option push compress lz4 is not supported: " COMPRESS },
	{ "crl-verify crls dir", "option crl-verify dir is not supported: give one CRL file (PEM), "
				 "not a folder of revoked serial numbers" },
	{ "dh dh2048.pem", "option dh with a file is not supported: finite-field Diffie-Hellman is "
			   "not used: rampart's TLS uses ECDHE only (write dh none)" },
	{ "tls-version-min 1.0", "option tls-version-min 1.0 is not supported: TLS before 1.2 is "
				 "deprecated (RFC 8996); rampart speaks TLS 1.2 and 1.3" },
	{ "tls-version-min 1.1 or-highest",
	  "option tls-version-min 1.1 is not supported: TLS before 1.2 is deprecated (RFC 8996); "
	  "rampart speaks TLS 1.2 and 1.3" },
	{ "tls-version-max 1.1", "option tls-version-max 1.1 is not supported: TLS before 1.2 is "
				 "deprecated (RFC 8996); rampart speaks TLS 1.2 and 1.3" },
	{ "verify-client-cert none", "option verify-client-cert none is not supported: every "
				     "client must present a certificate the ca signed" },
	{ "verify-client-cert optional", "option verify-client-cert optional is not supported: "
					 "every client must present a certificate the ca signed" },
	{ "data-ciphers AES-256-GCM:AES-256-CBC",
	  "option data-ciphers AES-256-CBC is not supported: " AEAD },
	{ "data-ciphers BF-CBC", "option data-ciphers BF-CBC is not supported: " AEAD },
	{ "cipher AES-256-CBC", "option cipher AES-256-CBC is not supported: " AEAD },
	{ "cipher none", "option cipher none is not supported: " AEAD },
	{ "auth MD5", "option auth MD5 is not supported: MD5 is broken; tls-auth's HMAC takes SHA1 "
		      "or SHA-2 (SHA224, SHA256, SHA384, SHA512)" },
	{ "auth none", "option auth none is not supported: packets must be authenticated; "
		       "tls-auth's HMAC takes SHA1 or SHA-2" },
	{ "auth WHIRLPOOL", "option auth WHIRLPOOL is not supported: tls-auth's HMAC takes SHA1 or "
			    "SHA-2 (SHA224, SHA256, SHA384, SHA512)" },
	{ "allow-compression yes", "option allow-compression yes is not supported: " COMPRESS
				   " (allow-compression no is accepted)" },
	{ "allow-compression asym", "option allow-compression asym is not supported: " COMPRESS
				    " (allow-compression no is accepted)" },
	{ "key-method 1", "option key-method 1 is not supported: key-method 1 was removed from "
			  "OpenVPN 2.5; rampart runs key-method 2 only" },
	{ "fragment 1300", "option fragment is not supported: fragmenting inside the tunnel is not "
			   "implemented (as in MirageVPN); lower tun-mtu or use mssfix" },
	{ "comp-lzo", "option comp-lzo is not supported: " COMPRESS },
	{ "comp-lzo no", "option comp-lzo is not supported: " COMPRESS },
	{ "compress", "option compress is not supported: " COMPRESS },
	{ "compress stub-v2", "option compress is not supported: " COMPRESS },
	{ "comp-noadapt", "option comp-noadapt is not supported: " COMPRESS },
	{ "secret static.key",
	  "option secret is not supported: static keys have no forward secrecy "
	  "and no key exchange: use TLS with certificates" },
	{ "ncp-disable", "option ncp-disable is not supported: removed from OpenVPN 2.6: the data "
			 "cipher is negotiated from data-ciphers" },
	{ "ncp-ciphers AES-256-GCM", "option ncp-ciphers is not supported: the old name of "
				     "data-ciphers: write data-ciphers" },
	{ "data-ciphers-fallback AES-256-CBC",
	  "option data-ciphers-fallback is not supported: it serves peers that cannot negotiate "
	  "ciphers (before OpenVPN 2.4); rampart requires cipher negotiation and AEAD" },
	{ "duplicate-cn", "option duplicate-cn is not supported: clients are told apart by their "
			  "certificate's common name: give each client its own certificate" },
	{ "script-security 2", "option script-security is not supported: " SCRIPTS },
	{ "up /etc/openvpn/up.sh", "option up is not supported: " SCRIPTS },
	{ "down x", "option down is not supported: " SCRIPTS },
	{ "plugin x.so", "option plugin is not supported: " SCRIPTS },
	{ "route-up x", "option route-up is not supported: " SCRIPTS },
	{ "route-pre-down x", "option route-pre-down is not supported: " SCRIPTS },
	{ "ipchange x", "option ipchange is not supported: " SCRIPTS },
	{ "client-connect x", "option client-connect is not supported: " SCRIPTS },
	{ "client-disconnect x", "option client-disconnect is not supported: " SCRIPTS },
	{ "learn-address x", "option learn-address is not supported: " SCRIPTS },
	{ "tls-verify x", "option tls-verify is not supported: " SCRIPTS },
	{ "tls-crypt-v2-verify x", "option tls-crypt-v2-verify is not supported: " SCRIPTS },
	{ "auth-user-pass-verify x via-env",
	  "option auth-user-pass-verify is not supported: " SCRIPTS },
	{ "management 127.0.0.1 7505", "option management is not supported: rampart is managed "
				       "through its control socket, not OpenVPN's management "
				       "interface" },
	{ "key-derivation tls-ekm", "option key-derivation is not supported: " PUSHED },
	{ "protocol-flags cc-exit", "option protocol-flags is not supported: " PUSHED },
	{ "peer-id 3", "option peer-id is not supported: " PUSHED },
	{ "config other.conf", "option config is not supported: one file per configuration: write "
			       "the options, or inline blocks, in it" },
	{ "pkcs12 c.p12", "option pkcs12 is not supported: give ca, cert and key as PEM" },
	{ "peer-fingerprint AA:BB", "option peer-fingerprint is not supported: peers are "
				    "authenticated with a ca, cert and key" },
	{ "auth-user-pass", "option auth-user-pass is not supported: clients authenticate with "
			    "certificates only" },
	{ "http-proxy p 8080", "option http-proxy is not supported: rampart connects directly, "
			       "without proxies" },
	{ "socks-proxy p",
	  "option socks-proxy is not supported: rampart connects directly, without "
	  "proxies" },
	{ "server-bridge", "option server-bridge is not supported: it bridges Ethernet (dev tap); "
			   "rampart is tun only" },
	{ "ifconfig-ipv6 2001:db8::1 2001:db8::2", "option ifconfig-ipv6 is not supported: a "
						   "server's IPv6 pool is given with server-ipv6" },
	{ "ifconfig-ipv6-pool 2001:db8::1000/64", "option ifconfig-ipv6-pool is not supported: a "
						  "server's IPv6 pool is given with server-ipv6" },
	{ "client-config-dir ccd", "option client-config-dir is not supported: per-client "
				   "configuration files are not implemented" },
	{ "ns-cert-type server", "option ns-cert-type is not supported: removed from OpenVPN 2.5: "
				 "write remote-cert-tls" },
	{ "frobnicate 1", "option frobnicate is not supported: rampart does not implement it "
			  "(docs/vpn.md lists the options it does)" },
	{ "dns server 1 address 198.18.0.1", "option dns is not supported: rampart does not "
					     "implement it (docs/vpn.md lists the options it "
					     "does)" },
};

Test(vpnconf, every_refusal_names_the_option_line_and_why)
{
	char text[1024];

	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		/* at line 9 of a client, and as the first line of a server */
		snprintf(text, sizeof(text), "# x\n" CLIENT "%s\n", refusals[i].line);
		assert_error(text, 9, refusals[i].cause);
		snprintf(text, sizeof(text), "%s\n" SERVER, refusals[i].line);
		assert_error(text, 1, refusals[i].cause);
	}
}

Test(vpnconf, bad_values_are_errors_with_their_line)
{
	assert_error(CLIENT "remote h 70000\n", 8,
		     "option remote: \"70000\" is not a number from 1 to 65535");
	assert_error(CLIENT "remote h 1 sctp\n", 8, "option remote: unknown protocol \"sctp\"");
	assert_error(CLIENT "proto icmp\n", 8, "option proto: unknown protocol \"icmp\"");
	assert_error(CLIENT "port 0\n", 8, "option port: \"0\" is not a number from 1 to 65535");
	assert_error(CLIENT "keepalive 10 15\n", 8,
		     "option keepalive: the timeout (15) must be at least twice the interval (10)");
	assert_error(CLIENT "keepalive 10\n", 8,
		     "option keepalive: wrong number of parameters (keepalive INTERVAL TIMEOUT)");
	assert_error(CLIENT "nobind 1\n", 8, "option nobind: wrong number of parameters (nobind)");
	assert_error(CLIENT "verb\n", 8, "option verb: wrong number of parameters");
	assert_error("server 198.18.60.1 255.255.255.0\n", 1,
		     "option server: 198.18.60.1 is not a network address for netmask "
		     "255.255.255.0");
	assert_error("server 198.18.60.0 255.0.255.0\n", 1,
		     "option server: \"255.0.255.0\" is not a netmask");
	assert_error("server 198.18.60.0 255.255.255.252\n", 1,
		     "option server: the netmask must be /29 or shorter (255.255.255.252)");
	assert_error("server 198.18.60.0 255.255.255.0 pool\n", 1,
		     "option server: \"pool\" is not nopool");
	assert_error("server x 255.255.255.0\n", 1, "option server: \"x\" is not an IPv4 address");
	assert_error("server-ipv6 2001:db8::/48\n", 1,
		     "option server-ipv6: the prefix must be /64 to /124 (2001:db8::/48)");
	assert_error("server-ipv6 2001:db8::/129\n", 1,
		     "option server-ipv6: \"2001:db8::/129\" is not an IPv6 address[/bits]");
	assert_error(CLIENT "topology star\n", 8, "option topology: unknown topology \"star\"");
	assert_error(CLIENT "mode peer\n", 8, "option mode: \"peer\" is neither server nor p2p");
	assert_error(SERVER "push \"route 198.19.0.0 255.255.0.0,route x\"\n", 7,
		     "option push: \"route 198.19.0.0 255.255.0.0,route x\" contains a comma "
		     "(PUSH_REPLY separates options with commas)");
	assert_error(SERVER "push \"\"\n", 7, "option push: empty option");
	assert_error(CLIENT "redirect-gateway def2\n", 8,
		     "option redirect-gateway: unknown flag \"def2\"");
	assert_error(CLIENT "route 198.19.0.0 255.255.0.0 gw\n", 8,
		     "option route: \"gw\" is not an IPv4 address");
	assert_error(CLIENT "route-ipv6 2001:db8::/64 x\n", 8,
		     "option route-ipv6: \"x\" is not an IPv6 address");
	assert_error(CLIENT "verify-x509-name a cn\n", 8,
		     "option verify-x509-name: type \"cn\" is not subject, name or name-prefix");
	assert_error(CLIENT "remote-cert-tls peer\n", 8,
		     "option remote-cert-tls: \"peer\" is not server or client");
	assert_error(CLIENT "tls-version-min 2.0\n", 8,
		     "option tls-version-min: unknown TLS version \"2.0\"");
	assert_error(CLIENT "key-direction 2\n", 8,
		     "option key-direction: direction \"2\" is not 0 or 1");
	assert_error(CLIENT "data-ciphers ?BF-CBC\n", 8,
		     "option data-ciphers: no cipher in \"?BF-CBC\"");
	assert_error(CLIENT "reneg-sec 10 20\n", 8, "option reneg-sec: the minimum 20 exceeds 10");
	assert_error(CLIENT "reneg-bytes 18446744073709551616\n", 8,
		     "option reneg-bytes: \"18446744073709551616\" is not a number");
	assert_error(CLIENT "mssfix 1400 auto\n", 8,
		     "option mssfix: \"auto\" is neither mtu nor fixed");
	assert_error(CLIENT "tls-crypt-v2 k cookie\n", 8,
		     "option tls-crypt-v2: \"cookie\" is neither force-cookie nor allow-noncookie");
}

/* ---- checks after the last line ---- */

Test(vpnconf, cross_checks_name_the_line_of_the_option_concerned)
{
	assert_error("dev tun\n", 1,
		     "neither client nor server: write client, or server with its address pool");
	assert_error("", 1,
		     "neither client nor server: write client, or server with its address "
		     "pool");
	assert_error(CLIENT "server 198.18.60.0 255.255.255.0\n", 8,
		     "a configuration is either a client or a server, not both");
	assert_error("tls-client\ndev tun\n", 1,
		     "option tls-client without pull is not supported: point-to-point mode is not "
		     "implemented (write client)");
	assert_error("tls-server\ndev tun\n", 1,
		     "option tls-server without mode server is not supported: point-to-point mode "
		     "is not implemented (write server)");
	assert_error("mode server\ndev tun\n", 1, "mode server needs tls-server");
	assert_error("pull\ndev tun\n", 1, "pull needs tls-client (or write client)");
	assert_error(SERVER "pull\n", 7, "pull is for a client, not a server");
	assert_error("client\nremote h\nca a\ncert b\nkey c\ntls-crypt d\n", 1,
		     "no dev: add dev tun");
	assert_error(CLIENT "dev vpn0\n", 8, "dev vpn0: add dev-type tun (the name does not say)");
	assert_error("client\ndev tun\nca a\ncert b\nkey c\ntls-crypt d\n", 1,
		     "a client needs remote (the server's address)");
	assert_error("client\ndev tun\nremote h\ncert b\nkey c\ntls-crypt d\n", 1,
		     "a client needs ca, cert and key: ca is missing");
	assert_error("client\ndev tun\nremote h\nca a\nkey c\ntls-crypt d\n", 1,
		     "a client needs ca, cert and key: cert is missing");
	assert_error("client\ndev tun\nremote h\nca a\ncert b\ntls-crypt d\n", 1,
		     "a client needs ca, cert and key: key is missing");
	assert_error("client\ndev tun\nremote h\nca a\ncert b\nkey c\n", 1,
		     "no control-channel wrapping: add tls-crypt-v2, tls-crypt or tls-auth "
		     "(rampart never runs an unwrapped control channel)");
	assert_error("mode server\ntls-server\ndev tun\nca a\ncert b\nkey c\ntls-crypt d\n", 1,
		     "a server needs an address pool: add server or server-ipv6");
	assert_error("server 198.18.60.0 255.255.255.0\ndev tun\nca a\nkey c\ntls-crypt d\n", 1,
		     "a server needs ca, cert and key: cert is missing");
	assert_error("server 198.18.60.0 255.255.255.0\ndev tun\nca a\ncert b\nkey c\n", 1,
		     "no control-channel wrapping: add tls-crypt-v2, tls-crypt or tls-auth "
		     "(rampart never runs an unwrapped control channel)");
	assert_error(SERVER "tls-auth ta.key 0\ntls-crypt tc.key\n", 8,
		     "tls-auth and tls-crypt are mutually exclusive");
	assert_error(CLIENT "tls-crypt tc.key\n", 8,
		     "a client uses one of tls-crypt-v2, tls-crypt and tls-auth");
	assert_error("tls-auth ta.key 1\n" CLIENT, 8,
		     "a client uses one of tls-crypt-v2, tls-crypt and tls-auth");
	assert_error(CLIENT "tls-crypt-v2 k force-cookie\n", 8,
		     "option tls-crypt-v2: force-cookie is for a server, not a client");
	assert_error(CLIENT "push \"route 198.19.0.0 255.255.0.0\"\nclient-to-client\n", 8,
		     "option push is for a server, not a client");
	assert_error(CLIENT "max-clients 3\n", 8,
		     "option max-clients is for a server, not a client");
	assert_error(CLIENT "ifconfig 198.18.60.1 255.255.255.0\n", 8,
		     "option ifconfig is for a server, not a client");
	assert_error(SERVER "remote 198.18.50.2\n", 7,
		     "option remote is for a client, not a server");
	assert_error(SERVER "nobind\n", 7, "option nobind is for a client, not a server");
	assert_error(SERVER "redirect-gateway def1\n", 7,
		     "option redirect-gateway is for a client, not a server");
	assert_error(SERVER "proto tcp-client\n", 7, "option proto: tcp-client is for a client");
	assert_error(CLIENT "proto tcp-server\n", 8, "option proto: tcp-server is for a server");
	assert_error(CLIENT "remote h 1 tcp-server\n", 8,
		     "option remote: tcp-server is for a server");
	assert_error(CLIENT "keepalive 10 60\nping 5\n", 9,
		     "keepalive conflicts with ping, ping-restart and ping-exit (keepalive sets "
		     "them)");
	assert_error(CLIENT "tls-version-max 1.2\ntls-version-min 1.3\n", 8,
		     "option tls-version-max is below tls-version-min");
	assert_error(SERVER "ifconfig-pool 198.18.60.10 198.18.60.20\n", 7,
		     "option ifconfig-pool: server already defines the pool");
	assert_error("mode server\ntls-server\ndev tun\nca a\ncert b\nkey c\ntls-crypt d\n"
		     "ifconfig-pool 198.18.60.10 198.18.60.20\n",
		     8, "option ifconfig-pool needs ifconfig (the server's address)");
	assert_error("mode server\ntls-server\ndev tun\nca a\ncert b\nkey c\ntls-crypt d\n"
		     "ifconfig 198.18.60.1 255.255.255.0\n"
		     "ifconfig-pool 198.18.61.10 198.18.61.20\n",
		     9, "option ifconfig-pool: the pool is outside ifconfig's subnet");
	assert_error("ifconfig-pool 198.18.60.20 198.18.60.10\n", 1,
		     "option ifconfig-pool: 198.18.60.20 comes after 198.18.60.10");
}

Test(vpnconf, the_error_buffer_may_be_short)
{
	char small[16];

	cr_assert_eq(vpn_conf_parse(PATH, "frob\n", 5, &c, small, sizeof(small)), -EINVAL);
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	cr_assert_eq(vpn_conf_parse(PATH, "frob\n", 5, &c, NULL, 0), -EINVAL);
}
