/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_vpn.c - the VPN's control-channel pieces against Debian's OpenVPN
 * 2.6 itself: its key files (static, tls-crypt-v2 server and client) read;
 * its client key's WKc unwrapped with its server key, and wrapped again
 * byte for byte; tls-crypt both ways and its refusals; the replay window;
 * the control packets' fields. And a live exchange: an openvpn client (in
 * a network namespace of the test's own) sends its tls-crypt-v2 hard
 * reset, gets our server reset, and answers with its ClientHello in a
 * P_CONTROL_WKC_V1, which we unwrap and check.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "vpn/keys.h"
#include "vpn/tlscrypt.h"
#include "vpn/wire.h"

static char dir[] = "/tmp/rampart-vpn-test.XXXXXX";

static bool have_openvpn(void)
{
	return system("command -v openvpn >/dev/null 2>&1") == 0;
}

static char *slurp(const char *name, size_t *len)
{
	char p[256];
	FILE *f;
	char *buf = malloc(65536);

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "r");
	cr_assert_not_null(f, "%s", p);
	*len = fread(buf, 1, 65535, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void keys_setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	if (!have_openvpn())
		return;
	run("cd %s && openvpn --genkey secret static.key >/dev/null 2>&1", dir);
	run("cd %s && openvpn --genkey tls-crypt-v2-server srv.key >/dev/null 2>&1", dir);
	run("cd %s && openvpn --tls-crypt-v2 srv.key --genkey tls-crypt-v2-client cli.key "
	    ">/dev/null 2>&1",
	    dir);
}

static void keys_teardown(void)
{
	run("rm -rf %s", dir);
}

TestSuite(vpn_keys, .init = keys_setup, .fini = keys_teardown);

Test(vpn_keys, openvpn_static_key)
{
	struct vpn_key2 k;
	char err[256];
	size_t len;
	char *t;

	if (!have_openvpn())
		cr_skip_test("openvpn not installed (make deps)");
	t = slurp("static.key", &len);
	cr_assert_eq(vpn_static_key_parse(t, len, &k, err, sizeof(err)), 0, "%s", err);
	/* a flipped digit changes the key; a short one is refused */
	t[strstr(t, "-----END") - t - 2] = 'x';
	cr_assert_eq(vpn_static_key_parse(t, len, &k, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "a static key holds hex digits only");
	cr_assert_eq(vpn_static_key_parse("nothing", 7, &k, err, sizeof(err)), -1);
	free(t);
}

Test(vpn_keys, openvpn_tls_crypt_v2_keys)
{
	uint8_t srv[128], wkc[VPN_WKC_MAX], meta[VPN_WKC_MAX], again[VPN_WKC_MAX];
	struct vpn_key2 kc, kc2;
	size_t len, wl, ml;
	char err[256];
	char *t;

	if (!have_openvpn())
		cr_skip_test("openvpn not installed (make deps)");
	t = slurp("srv.key", &len);
	cr_assert_eq(vpn_tc2_server_key_parse(t, len, srv, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vpn_tc2_client_key_parse(t, len, &kc, wkc, &wl, err, sizeof(err)), -1,
		     "a server key is not a client key");
	free(t);
	t = slurp("cli.key", &len);
	cr_assert_eq(vpn_tc2_client_key_parse(t, len, &kc, wkc, &wl, err, sizeof(err)), 0, "%s",
		     err);
	free(t);
	cr_assert_eq(wl, 299, "OpenVPN's default WKc: 32 + 256 + 9 + 2");
	/* the server's view: the WKc at the end of a packet */
	cr_assert_eq(vpn_tc2_unwrap_wkc(srv, wkc, wl, &kc2, meta, &ml), (long)wl);
	cr_assert_eq(memcmp(&kc, &kc2, sizeof(kc)), 0, "Kc unwrapped is the client's");
	cr_assert_eq(ml, 9);
	cr_assert_eq(meta[0], 1, "TIMESTAMP metadata");
	/* wrapping again gives OpenVPN's bytes exactly */
	cr_assert_eq(vpn_tc2_wrap_wkc(srv, &kc, meta, ml, again, sizeof(again)), wl);
	cr_assert_eq(memcmp(again, wkc, wl), 0, "our WKc is OpenVPN's");
	/* any flipped bit is refused */
	for (size_t i = 0; i < wl - 2; i += 7) {
		wkc[i] ^= 0x10;
		cr_assert_eq(vpn_tc2_unwrap_wkc(srv, wkc, wl, &kc2, meta, &ml), -1, "bit at %zu",
			     i);
		wkc[i] ^= 0x10;
	}
	srv[70] ^= 1; /* another server's key */
	cr_assert_eq(vpn_tc2_unwrap_wkc(srv, wkc, wl, &kc2, meta, &ml), -1);
}

Test(vpn_tlscrypt, both_directions_and_refusals)
{
	struct vpn_key2 k;
	struct vpn_tc srv, cli;
	uint8_t hdr[VPN_TC_HDR_LEN], sid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t pkt[512], plain[512], msg[100];
	size_t n;

	for (size_t i = 0; i < sizeof(k); i++)
		((uint8_t *)&k)[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	vpn_tc_init(&srv, &k, true);
	vpn_tc_init(&cli, &k, false);
	vpn_hdr_write(hdr, VPN_P_CONTROL_V1, 0, sid, 5, 1700000000);
	n = vpn_tc_wrap(&srv, hdr, msg, sizeof(msg), pkt, sizeof(pkt));
	cr_assert_eq(n, VPN_TC_HDR_LEN + VPN_TC_TAG_LEN + sizeof(msg));
	cr_assert_neq(memcmp(pkt + 49, msg, sizeof(msg)), 0, "encrypted");
	cr_assert_eq(vpn_tc_unwrap(&cli, pkt, n, plain, sizeof(plain)), (long)sizeof(msg));
	cr_assert_eq(memcmp(plain, msg, sizeof(msg)), 0);
	cr_assert_eq(vpn_tc_unwrap(&srv, pkt, n, plain, sizeof(plain)), -1,
		     "the server does not take its own direction back");
	for (size_t i = 0; i < n; i += 5) {
		pkt[i] ^= 1;
		cr_assert_eq(vpn_tc_unwrap(&cli, pkt, n, plain, sizeof(plain)), -1, "byte %zu", i);
		pkt[i] ^= 1;
	}
	cr_assert_eq(vpn_tc_unwrap(&cli, pkt, 48, plain, sizeof(plain)), -1, "too short");
	n = vpn_tc_wrap(&cli, hdr, msg, 0, pkt, sizeof(pkt));
	cr_assert_eq(vpn_tc_unwrap(&srv, pkt, n, plain, sizeof(plain)), 0, "empty plaintext");
	vpn_tc_wipe(&srv);
	cr_assert_eq(srv.out.enc[0] | srv.in.mac[31], 0);
}

Test(vpn_tlscrypt, tls_auth)
{
	struct vpn_key2 k;
	struct vpn_ta srv, cli, both;
	uint8_t hdr[VPN_TC_HDR_LEN], back[VPN_TC_HDR_LEN], sid[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	uint8_t pkt[256], msg[40];
	const uint8_t *rest;
	size_t n;

	for (size_t i = 0; i < sizeof(k); i++)
		((uint8_t *)&k)[i] = (uint8_t)(i * 11 + 5);
	memset(msg, 0x42, sizeof(msg));
	vpn_hdr_write(hdr, VPN_P_CONTROL_V1, 2, sid, 7, 1700000000);
	for (int sha = 0; sha < 2; sha++) {
		vpn_ta_init(&srv, &k, 0, sha);
		vpn_ta_init(&cli, &k, 1, sha);
		n = vpn_ta_wrap(&srv, hdr, msg, sizeof(msg), pkt, sizeof(pkt));
		cr_assert_eq(n, 9 + (sha ? 32 : 20) + 8 + sizeof(msg));
		cr_assert_eq(pkt[0], hdr[0], "op in clear");
		cr_assert_eq(vpn_ta_unwrap(&cli, pkt, n, back, &rest), (long)sizeof(msg));
		cr_assert_eq(memcmp(back, hdr, sizeof(hdr)), 0, "the header as tls-crypt lays it");
		cr_assert_eq(memcmp(rest, msg, sizeof(msg)), 0, "the rest in clear");
		cr_assert_eq(vpn_ta_unwrap(&srv, pkt, n, back, &rest), -1, "the wrong direction");
		for (size_t i = 0; i < n; i += 3) {
			pkt[i] ^= 4;
			cr_assert_eq(vpn_ta_unwrap(&cli, pkt, n, back, &rest), -1, "byte %zu", i);
			pkt[i] ^= 4;
		}
	}
	vpn_ta_init(&both, &k, -1, false);
	n = vpn_ta_wrap(&both, hdr, msg, sizeof(msg), pkt, sizeof(pkt));
	cr_assert_eq(vpn_ta_unwrap(&both, pkt, n, back, &rest), (long)sizeof(msg),
		     "no direction: one key both ways");
	cr_assert_eq(vpn_ta_unwrap(&both, pkt, 20, back, &rest), -1, "too short");
}

Test(vpn_tlscrypt, replay_window)
{
	struct vpn_replay r = { 0 };

	cr_assert_not(vpn_replay_check(&r, 0, 100), "id 0");
	cr_assert(vpn_replay_check(&r, 1, 100));
	cr_assert_not(vpn_replay_check(&r, 1, 100), "again");
	cr_assert(vpn_replay_check(&r, 5, 100));
	cr_assert(vpn_replay_check(&r, 3, 100), "late, inside the window");
	cr_assert_not(vpn_replay_check(&r, 3, 100), "late, twice");
	cr_assert(vpn_replay_check(&r, 100, 100));
	cr_assert_not(vpn_replay_check(&r, 30, 100), "70 behind");
	cr_assert(vpn_replay_check(&r, 40, 100), "60 behind");
	cr_assert_not(vpn_replay_check(&r, 200, 99), "an earlier time");
	cr_assert(vpn_replay_check(&r, 1, 101), "a later time: a new sequence");
	cr_assert(vpn_replay_check(&r, 0x0f000001, 101), "tls-crypt-v2 early negotiation ids");
}

Test(vpn_wire, control_fields)
{
	struct vpn_ctl c = { .op = VPN_P_CONTROL_V1,
			     .n_acks = 2,
			     .acks = { 7, 9 },
			     .peer_sid = { 9, 8, 7, 6, 5, 4, 3, 2 },
			     .msgid = 42 },
		       d;
	uint8_t buf[64], payload[3] = { 0x16, 3, 3 };
	size_t n;

	c.payload = payload;
	c.payload_len = 3;
	n = vpn_ctl_write(buf, sizeof(buf), &c);
	cr_assert_eq(n, 1 + 8 + 8 + 4 + 3);
	cr_assert_eq(vpn_ctl_parse(buf, n, VPN_P_CONTROL_V1, &d), 0);
	cr_assert_eq(d.n_acks, 2);
	cr_assert_eq(d.acks[1], 9);
	cr_assert_eq(d.msgid, 42);
	cr_assert_eq(d.payload_len, 3);
	cr_assert_eq(memcmp(d.peer_sid, c.peer_sid, 8), 0);
	for (size_t k = 0; k < n - 3; k++)
		cr_assert_eq(vpn_ctl_parse(buf, k, VPN_P_CONTROL_V1, &d), -1, "cut at %zu", k);
	buf[0] = 9;
	cr_assert_eq(vpn_ctl_parse(buf, n, VPN_P_CONTROL_V1, &d), -1, "9 acks");
	/* an ack: no message id, no payload, at least one ack */
	c.op = VPN_P_ACK_V1;
	n = vpn_ctl_write(buf, sizeof(buf), &c);
	cr_assert_eq(n, 1 + 8 + 8);
	cr_assert_eq(vpn_ctl_parse(buf, n, VPN_P_ACK_V1, &d), 0);
	cr_assert_eq(vpn_ctl_parse(buf, n + 1, VPN_P_ACK_V1, &d), -1, "bytes after the acks");
	buf[0] = 0;
	cr_assert_eq(vpn_ctl_parse(buf, 1, VPN_P_ACK_V1, &d), -1, "an ack of nothing");
	cr_assert(vpn_op_is_control(VPN_P_CONTROL_WKC_V1));
	cr_assert_not(vpn_op_is_control(VPN_P_DATA_V2));
	cr_assert_not(vpn_op_is_control(1), "key-method 1 resets");
	cr_assert_eq(vpn_reset_tlv_resend_wkc((const uint8_t *)"\0\1\0\2\0\1", 6), 1);
	cr_assert_eq(vpn_reset_tlv_resend_wkc((const uint8_t *)"\0\7\0\1x\0\1\0\2\0\0", 11), 0);
	cr_assert_eq(vpn_reset_tlv_resend_wkc((const uint8_t *)"\0\1\0\3\0\1", 6), -1);
	cr_assert_eq(vpn_tcp_next((const uint8_t *)"\0\3abc", 5), 5);
	cr_assert_eq(vpn_tcp_next((const uint8_t *)"\0\3ab", 4), 0);
	cr_assert_eq(vpn_tcp_next((const uint8_t *)"\0\0", 2), -1);
}

/* ---- a live exchange with an openvpn client ---- */

static void lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
}

Test(vpn_keys, openvpn_client_speaks_tls_crypt_v2, .timeout = 60)
{
	uint8_t srv[128], pkt[2048], plain[2048], meta[VPN_WKC_MAX], hdr[VPN_TC_HDR_LEN];
	uint8_t my_sid[8] = { 0x52, 0x41, 0x4d, 0x50, 0x41, 0x52, 0x54, 1 }, cli_sid[8], op, kid;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	struct vpn_key2 kc;
	struct vpn_tc tc;
	struct vpn_ctl c;
	uint32_t rp_id, rp_time;
	size_t len, ml;
	long n, wl, pl;
	char *t, err[256];
	pid_t pid;
	int fd;

	if (!have_openvpn() || geteuid() != 0 || system("command -v openssl >/dev/null") != 0)
		cr_skip_test("needs root, openvpn and openssl");
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "a network namespace of its own");
	lo_up();
	/* a client certificate for openvpn to load (the exchange stops before
	 * it is used) */
	run("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	    "-keyout c.key -out c.crt -days 1 -subj /CN=client >/dev/null 2>&1",
	    dir);
	t = slurp("srv.key", &len);
	cr_assert_eq(vpn_tc2_server_key_parse(t, len, srv, err, sizeof(err)), 0, "%s", err);
	free(t);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &(socklen_t){ sizeof(sa) }), 0);
	pid = fork();
	if (pid == 0) {
		char port[8];

		snprintf(port, sizeof(port), "%u", ntohs(sa.sin_port));
		cr_assert_eq(chdir(dir), 0);
		freopen("openvpn.log", "w", stdout);
		dup2(1, 2);
		execlp("openvpn", "openvpn", "--client", "--dev", "null", "--proto", "udp4",
		       "--remote", "127.0.0.1", port, "--nobind", "--ca", "c.crt", "--cert",
		       "c.crt", "--key", "c.key", "--tls-crypt-v2", "cli.key", "--verb", "4",
		       "--connect-retry-max", "1", NULL);
		_exit(127);
	}
	/* 1. its hard reset, V3, with the WKc */
	cr_assert_eq(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 20000), 1,
		     "no packet from openvpn");
	n = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &fl);
	cr_assert_gt(n, 0);
	cr_assert_eq(vpn_op_of(pkt[0]), VPN_P_CONTROL_HARD_RESET_CLIENT_V3);
	wl = vpn_tc2_unwrap_wkc(srv, pkt, (size_t)n, &kc, meta, &ml);
	cr_assert_gt(wl, 0, "its WKc unwraps with the server key");
	vpn_tc_init(&tc, &kc, true);
	pl = vpn_tc_unwrap(&tc, pkt, (size_t)(n - wl), plain, sizeof(plain));
	cr_assert_geq(pl, 0, "its reset authenticates with Kc");
	vpn_hdr_read(pkt, &op, &kid, cli_sid, &rp_id, &rp_time);
	cr_assert_eq(kid, 0);
	cr_assert_eq(rp_id, 0x0f000001, "early negotiation");
	cr_assert_eq(vpn_ctl_parse(plain, (size_t)pl, op, &c), 0);
	cr_assert_eq(c.n_acks, 0);
	cr_assert_eq(c.msgid, 0);
	/* 2. our reset: ack 0, asking for the WKc again (the HMAC-cookie flow) */
	{
		static const uint8_t tlv[6] = { 0, 1, 0, 2, 0, 1 };
		struct vpn_ctl r = { .op = VPN_P_CONTROL_HARD_RESET_SERVER_V2,
				     .n_acks = 1,
				     .acks = { 0 },
				     .msgid = 0,
				     .payload = tlv,
				     .payload_len = sizeof(tlv) };
		uint8_t rest[64], out[256];
		size_t rl, ol;

		memcpy(r.peer_sid, cli_sid, 8);
		rl = vpn_ctl_write(rest, sizeof(rest), &r);
		vpn_hdr_write(hdr, VPN_P_CONTROL_HARD_RESET_SERVER_V2, 0, my_sid, 1,
			      (uint32_t)time(NULL));
		ol = vpn_tc_wrap(&tc, hdr, rest, rl, out, sizeof(out));
		cr_assert_eq(ol, 72u, "the size 2.6's own server reset has");
		cr_assert_eq(sendto(fd, out, ol, 0, (struct sockaddr *)&from, fl), (ssize_t)ol);
	}
	/* 3. its P_CONTROL_WKC_V1: our reset acked, its ClientHello, the WKc again */
	for (;;) {
		cr_assert_eq(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 10000), 1,
			     "no answer to our reset");
		n = recvfrom(fd, pkt, sizeof(pkt), 0, NULL, NULL);
		if (vpn_op_of(pkt[0]) != VPN_P_CONTROL_HARD_RESET_CLIENT_V3)
			break; /* its reset again: ours is on its way */
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	cr_assert_eq(vpn_op_of(pkt[0]), VPN_P_CONTROL_WKC_V1, "got opcode %u", vpn_op_of(pkt[0]));
	wl = vpn_tc2_unwrap_wkc(srv, pkt, (size_t)n, &kc, meta, &ml);
	cr_assert_gt(wl, 0);
	pl = vpn_tc_unwrap(&tc, pkt, (size_t)(n - wl), plain, sizeof(plain));
	cr_assert_geq(pl, 0, "it authenticates");
	vpn_hdr_read(pkt, &op, &kid, cli_sid, &rp_id, &rp_time);
	cr_assert_eq(rp_id, 0x0f000002);
	cr_assert_eq(vpn_ctl_parse(plain, (size_t)pl, op, &c), 0);
	cr_assert_eq(c.n_acks, 1);
	cr_assert_eq(c.acks[0], 0, "our reset acked");
	cr_assert_eq(memcmp(c.peer_sid, my_sid, 8), 0, "with our session id");
	cr_assert_eq(c.msgid, 1);
	cr_assert_geq(c.payload_len, 6);
	cr_assert_eq(c.payload[0], 0x16, "a TLS handshake record");
	cr_assert_eq(c.payload[5], 0x01, "a ClientHello");
	vpn_tc_wipe(&tc);
	close(fd);
}
