/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_session.c - the server side of a session (vpn/session.h) against
 * Debian's openvpn 2.6 as the client, in a network namespace of the
 * test's own: tls-crypt-v2, TLS 1.2 with certificates both ways, key
 * method 2, data keys from the TLS exporter, cipher negotiation, PUSH_REPLY;
 * the client's tunnel comes up with the pushed address and `ping` through
 * it is answered by the test from the decrypted packets. Then a client
 * whose certificate another CA signed is refused.
 */
#include <arpa/inet.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "vpn/session.h"

static char dir[] = "/tmp/rampart-vpn-session.XXXXXX";
static struct vpn_server srv;
static struct vpn_session ss;

static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* Has the log file (in this test's folder) got the line? */
static bool log_has(const char *file, const char *text)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "grep -q '%s' %s/%s 2>/dev/null", text, dir, file);
	return system(cmd) == 0;
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* A CA, a server and a client certificate (EC P-256; EKU as OpenVPN's
 * remote-cert-tls wants), a second CA with its own client, and the
 * tls-crypt-v2 keys. */
static void pki(void)
{
	static const char *const script =
		"set -e; cd %s\n"
		"ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		"-keyout $1.key -out $1.crt -days 2 -subj /CN=$1 "
		"-addext basicConstraints=critical,CA:TRUE "
		"-addext keyUsage=critical,keyCertSign,cRLSign; }\n"
		"leaf() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		"-keyout $1.key -out $1.csr -subj /CN=$1; "
		"printf 'basicConstraints=CA:FALSE\\nkeyUsage=critical,digitalSignature\\n"
		"extendedKeyUsage=%%s\\n' $3 >$1.ext; "
		"openssl x509 -req -in $1.csr -CA $2.crt -CAkey $2.key -CAcreateserial -days 2 "
		"-extfile $1.ext -out $1.crt; }\n"
		"ca ca; ca other\n"
		"leaf server ca serverAuth; leaf client ca clientAuth; leaf stranger other "
		"clientAuth; leaf revoked ca clientAuth\n"
		/* a CRL from the CA with revoked's certificate on it */
		"touch index.txt; echo 1000 >crlnumber\n"
		"printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=index.txt\\ncrlnumber=crlnumber\\n"
		"default_md=sha256\\ndefault_crl_days=2\\nprivate_key=ca.key\\n"
		"certificate=ca.crt\\n' >ca.cnf\n"
		"openssl ca -config ca.cnf -revoke revoked.crt 2>/dev/null\n"
		"openssl ca -config ca.cnf -gencrl -out crl.pem 2>/dev/null\n"
		"openvpn --genkey tls-crypt-v2-server tc2-server.key\n"
		"openvpn --tls-crypt-v2 tc2-server.key --genkey tls-crypt-v2-client "
		"tc2-client.key\n"
		/* a client key from a server key since replaced: stale */
		"openvpn --genkey tls-crypt-v2-server tc2-old-server.key\n"
		"openvpn --tls-crypt-v2 tc2-old-server.key --genkey tls-crypt-v2-client "
		"tc2-stale.key\n"
		"openvpn --genkey secret tc.key\n";

	sh(script, dir);
}

static void lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
}

static const char *wrap_opt = "--tls-crypt-v2", *wrap_file = "tc2-client.key";
static const char *reneg_sec = "3600";
static const char *exit_notify = "0"; /* "1": it says EXIT when it stops */
static const char *data_ciphers = "AES-256-GCM:CHACHA20-POLY1305";

static pid_t client(int port, const char *cert, const char *log, const char *proto)
{
	pid_t pid = fork();

	if (pid == 0) {
		char p[8], key[64];

		/* its key beside it: client.crt, client.key */
		snprintf(key, sizeof(key), "%.*s.key", (int)(strlen(cert) - 4), cert);
		snprintf(p, sizeof(p), "%d", port);
		if (chdir(dir) < 0 || !freopen(log, "w", stdout))
			_exit(126);
		dup2(1, 2);
		execlp("openvpn", "openvpn", "--client", "--dev", "tun", "--proto", proto,
		       "--remote", "127.0.0.1", p, "--nobind", "--ca", "ca.crt", "--cert", cert,
		       "--key", key, "--remote-cert-tls", "server", wrap_opt, wrap_file,
		       "--data-ciphers", data_ciphers, "--disable-dco", "--verb", "4",
		       "--connect-retry-max", "1", "--hand-window", "20", "--reneg-sec", reneg_sec,
		       "--explicit-exit-notify", exit_notify, "--key-direction", "1", NULL);
		_exit(127);
	}
	return pid;
}

/* Answer an ICMP echo request to 198.18.60.1 in place; true when it was one. */
static bool echo_reply(uint8_t *ip, size_t len)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	uint32_t sum = 0;
	uint8_t t[4];

	if (len < ihl + 8 || (ip[0] >> 4) != 4 || ip[9] != 1 || ip[ihl] != 8 ||
	    memcmp(ip + 16, "\xc6\x12\x3c\x01", 4) != 0)
		return false;
	memcpy(t, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, t, 4);
	ip[ihl] = 0;
	ip[ihl + 2] = ip[ihl + 3] = 0;
	for (size_t i = ihl; i + 1 < len; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	if ((len - ihl) & 1)
		sum += (uint32_t)ip[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[ihl + 2] = (uint8_t)(~sum >> 8);
	ip[ihl + 3] = (uint8_t)~sum;
	return true;
}

/* The test's own network namespace with loopback up, and the PKI; false
 * when what it needs is not there (the test is skipped). */
static bool prepare(void)
{
	if (geteuid() != 0 ||
	    system("command -v openvpn >/dev/null && command -v openssl >/dev/null && command "
		   "-v ping >/dev/null") != 0 ||
	    access("/dev/net/tun", R_OK | W_OK) != 0)
		return false;
	cr_assert_not_null(mkdtemp(dir));
	pki();
	cr_assert_eq(unshare(CLONE_NEWNET), 0);
	lo_up();
	return true;
}

/* How the server wraps its control channel. */
enum wrap { WRAP_TLS_CRYPT_V2, WRAP_TLS_CRYPT, WRAP_TLS_AUTH };

/* A server (its control channel wrapped as asked) pushing the tunnel's
 * address, and its UDP socket on 127.0.0.1 (its port in *sa). */
static int udp_server(enum wrap wrap, struct sockaddr_in *sa)
{
	char p[4][300], err[256];
	int fd, rc;

	snprintf(p[0], sizeof(p[0]), "%s/ca.crt", dir);
	snprintf(p[1], sizeof(p[1]), "%s/server.crt", dir);
	snprintf(p[2], sizeof(p[2]), "%s/server.key", dir);
	snprintf(p[3], sizeof(p[3]), "%s/%s", dir,
		 wrap == WRAP_TLS_CRYPT_V2 ? "tc2-server.key" : "tc.key");
	switch (wrap) {
	case WRAP_TLS_CRYPT:
		rc = vpn_server_init_tls_crypt(&srv, p[0], p[1], p[2], p[3], err, sizeof(err));
		break;
	case WRAP_TLS_AUTH:
		rc = vpn_server_init_tls_auth(&srv, p[0], p[1], p[2], p[3], 0, false, err,
					      sizeof(err));
		break;
	default:
		rc = vpn_server_init(&srv, p[0], p[1], p[2], p[3], err, sizeof(err));
	}
	cr_assert_eq(rc, 0, "%s", err);
	snprintf(srv.push, sizeof(srv.push),
		 "route-gateway 198.18.60.1,topology subnet,"
		 "ifconfig 198.18.60.2 255.255.255.0");
	*sa = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)sa, sizeof(*sa)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)sa, &(socklen_t){ sizeof(*sa) }), 0);
	return fd;
}

/* One round of the server's loop: what came in (echo requests through the
 * tunnel answered; their count in *answered), timers, what goes out. */
static void pump(int fd, int wait_ms, int *answered)
{
	static struct sockaddr_in from;
	static socklen_t fl = sizeof(from);
	uint8_t pkt[2048], plain[2048];
	ssize_t n;
	size_t len;

	poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, wait_ms);
	while ((n = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &fl)) > 0)
		if (vpn_session_input(&ss, pkt, (size_t)n, now_ms(), plain, sizeof(plain), &len) ==
			    1 &&
		    echo_reply(plain, len) && vpn_session_send_data(&ss, plain, len) == 0 &&
		    answered)
			(*answered)++;
	vpn_session_tick(&ss, now_ms());
	while ((len = vpn_session_output(&ss, pkt, sizeof(pkt))))
		sendto(fd, pkt, len, 0, (struct sockaddr *)&from, fl);
}

/* ping COUNT times, at INTERVAL, through the client's tunnel once it is
 * up; its output in ping.log. Returns its pid, 0 while the tunnel is not
 * up yet. */
static pid_t pinger_start(const char *count, const char *interval)
{
	pid_t pid;

	if (!log_has("client.log", "Initialization Sequence Completed"))
		return 0;
	pid = fork();
	if (pid == 0) {
		char out[300];

		snprintf(out, sizeof(out), "%s/ping.log", dir);
		if (!freopen(out, "w", stdout))
			_exit(126);
		execlp("ping", "ping", "-c", count, "-i", interval, "-W", "2", "198.18.60.1", NULL);
		_exit(127);
	}
	return pid;
}

/* The pinger's exit status, -1 while it runs. */
static int pinger_done(pid_t pid)
{
	int st;

	if (!pid || waitpid(pid, &st, WNOHANG) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void finish(void)
{
	vpn_session_fini(&ss);
	vpn_server_fini(&srv);
	if (!getenv("KEEP_VPN_TEST"))
		sh("rm -rf %s", dir);
}

Test(vpn_session, openvpn_client_tunnel_and_ping, .timeout = 90)
{
	struct sockaddr_in sa;
	int fd, answered = 0, ping_rc = -1;
	pid_t cl, pinger = 0;
	uint64_t start;

	if (!prepare())
		cr_skip_test("needs root, /dev/net/tun, openvpn, openssl, ping");
	fd = udp_server(WRAP_TLS_CRYPT_V2, &sa);
	vpn_session_init(&ss, &srv, 0);
	cl = client(ntohs(sa.sin_port), "client.crt", "client.log", "udp4");
	for (start = now_ms(); now_ms() - start < 60000 && ping_rc < 0;) {
		pump(fd, 50, &answered);
		cr_assert_neq(ss.state, VPN_S_FAILED, "session failed: %s", ss.why);
		if (!pinger)
			pinger = pinger_start("3", "0.2");
		ping_rc = pinger_done(pinger);
	}
	kill(cl, SIGTERM);
	waitpid(cl, NULL, 0);
	cr_assert_eq(ss.state, VPN_S_ACTIVE, "state %d: %s; client log in %s", ss.state, ss.why,
		     dir);
	cr_assert_eq(ss.cipher, VPN_AES_256_GCM, "the first of our ciphers the client has");
	cr_assert(ss.peer.proto & VPN_IV_TLS_KEY_EXPORT);
	cr_assert_eq(ping_rc, 0, "ping through the tunnel (answered %d)", answered);
	cr_assert_geq(answered, 3);
	cr_assert(log_has("client.log", "Data Channel: cipher .AES-256-GCM"));
	cr_assert(log_has("client.log", "TLSv1.2"));
	vpn_session_fini(&ss);

	/* a client whose certificate another CA signed */
	vpn_session_init(&ss, &srv, 1);
	cl = client(ntohs(sa.sin_port), "stranger.crt", "stranger.log", "udp4");
	for (start = now_ms(); now_ms() - start < 20000 && ss.state != VPN_S_FAILED;)
		pump(fd, 50, NULL);
	kill(cl, SIGTERM);
	waitpid(cl, NULL, 0);
	cr_assert_eq(ss.state, VPN_S_FAILED, "a stranger's certificate was taken");
	cr_assert(strstr(ss.why, "TLS") != NULL, "%s", ss.why);
	vpn_session_fini(&ss);

	/* crl-verify: a certificate the CA revoked */
	{
		char crl[300], err[256];

		snprintf(crl, sizeof(crl), "%s/crl.pem", dir);
		cr_assert_eq(vpn_endpoint_crl(&srv, crl, err, sizeof(err)), 0, "%s", err);
	}
	vpn_session_init(&ss, &srv, 2);
	cl = client(ntohs(sa.sin_port), "revoked.crt", "revoked.log", "udp4");
	for (start = now_ms(); now_ms() - start < 20000 && ss.state != VPN_S_FAILED;)
		pump(fd, 50, NULL);
	kill(cl, SIGTERM);
	waitpid(cl, NULL, 0);
	cr_assert_eq(ss.state, VPN_S_FAILED, "a revoked certificate was taken");
	cr_assert(strstr(ss.why, "TLS") != NULL, "%s", ss.why);
	/* and the good client still gets in with the CRL in force */
	vpn_session_fini(&ss);
	vpn_session_init(&ss, &srv, 3);
	cl = client(ntohs(sa.sin_port), "client.crt", "client2.log", "udp4");
	for (start = now_ms(); now_ms() - start < 20000 && ss.state != VPN_S_ACTIVE;)
		pump(fd, 50, NULL);
	kill(cl, SIGTERM);
	waitpid(cl, NULL, 0);
	cr_assert_eq(ss.state, VPN_S_ACTIVE, "with the CRL: %s", ss.why);
	vpn_session_fini(&ss);

	/* a tls-crypt-v2 client key made for another server key: its resets
	 * are dropped unanswered, each counted, and the reason is there to log */
	vpn_session_init(&ss, &srv, 4);
	wrap_file = "tc2-stale.key";
	cl = client(ntohs(sa.sin_port), "client.crt", "stale.log", "udp4");
	for (start = now_ms(); now_ms() - start < 4000 && ss.wkc_refused < 2;)
		pump(fd, 50, NULL);
	kill(cl, SIGTERM);
	waitpid(cl, NULL, 0);
	wrap_file = "tc2-client.key";
	cr_assert_eq(ss.state, VPN_S_INIT, "a stale key got a session");
	cr_assert_geq(ss.wkc_refused, 2, "each retry is dropped and counted");
	cr_assert_str_eq(ss.why, "tls-crypt-v2: the client's key does not unwrap with the server "
				 "key (made for another server key, or altered): dropped");
	cr_assert(!log_has("stale.log", "Initialization Sequence Completed"));
	finish();
}

static const char *server_reneg_sec = "3600";

static pid_t server_proc(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (chdir(dir) < 0 || !freopen("server.log", "w", stdout))
			_exit(126);
		dup2(1, 2);
		execlp("openvpn", "openvpn", "--server", "198.18.60.0", "255.255.255.0",
		       "--topology", "subnet", "--dev", "tun", "--proto", "udp4", "--local",
		       "127.0.0.1", "--port", "1194", "--ca", "ca.crt", "--cert", "server.crt",
		       "--key", "server.key", "--dh", "none", "--remote-cert-tls", "client",
		       "--tls-crypt-v2", "tc2-server.key", "--data-ciphers",
		       "AES-256-GCM:CHACHA20-POLY1305", "--keepalive", "10", "60", "--disable-dco",
		       "--reneg-sec", server_reneg_sec, "--verb", "4", NULL);
		_exit(127);
	}
	return pid;
}

/* An ICMP echo request from src to 198.18.60.1, sequence seq. */
static size_t echo_request(uint8_t *ip, const uint8_t src[4], uint16_t seq)
{
	uint32_t sum = 0;

	memset(ip, 0, 36);
	ip[0] = 0x45;
	ip[3] = 36;
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, "\xc6\x12\x3c\x01", 4);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	ip[20] = 8;
	ip[24] = 0x52;
	ip[26] = (uint8_t)(seq >> 8);
	ip[27] = (uint8_t)seq;
	memcpy(ip + 28, "rampart!", 8);
	sum = 0;
	for (int i = 20; i < 36; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[22] = (uint8_t)(~sum >> 8);
	ip[23] = (uint8_t)~sum;
	return 36;
}

/* Our client against an openvpn server: want echo replies through its
 * tunnel, one request every 200 ms. */
static void client_session(int want)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(1194),
				  .sin_addr.s_addr = htonl(0x7f000001) };
	uint8_t pkt[2048], plain[2048];
	char err[256], p[4][300];
	int fd, replies = 0;
	uint16_t sent = 0;
	uint64_t start, last = 0;
	pid_t sp;

	if (!prepare())
		cr_skip_test("needs root, /dev/net/tun, openvpn, openssl, ping");
	sp = server_proc();
	start = now_ms();
	while (!log_has("server.log", "Initialization Sequence Completed")) {
		cr_assert_lt(now_ms() - start, 20000, "the openvpn server did not start");
		usleep(100000);
	}
	snprintf(p[0], sizeof(p[0]), "%s/ca.crt", dir);
	snprintf(p[1], sizeof(p[1]), "%s/client.crt", dir);
	snprintf(p[2], sizeof(p[2]), "%s/client.key", dir);
	snprintf(p[3], sizeof(p[3]), "%s/tc2-client.key", dir);
	cr_assert_eq(vpn_client_conf_init(&srv, p[0], p[1], p[2], p[3], "server", err, sizeof(err)),
		     0, "%s", err);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	vpn_session_init(&ss, &srv, VPN_PEER_ID_NONE);
	vpn_session_start(&ss, now_ms());
	start = now_ms();
	while (now_ms() - start < 40000 && replies < want && ss.state != VPN_S_FAILED) {
		ssize_t n;
		size_t len;

		poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 50);
		while ((n = recv(fd, pkt, sizeof(pkt), 0)) > 0)
			if (vpn_session_input(&ss, pkt, (size_t)n, now_ms(), plain, sizeof(plain),
					      &len) == 1 &&
			    len >= 28 && plain[9] == 1 && plain[20] == 0 && plain[24] == 0x52 &&
			    memcmp(plain + 12, "\xc6\x12\x3c\x01", 4) == 0)
				replies++; /* the server's kernel answered our ping */
		if (ss.state == VPN_S_ACTIVE && sent < want + 7 && now_ms() - last > 200) {
			len = echo_request(plain, ss.push_in.ifconfig, ++sent);
			cr_assert_eq(vpn_session_send_data(&ss, plain, len), 0);
			last = now_ms();
		}
		vpn_session_tick(&ss, now_ms());
		while ((len = vpn_session_output(&ss, pkt, sizeof(pkt))))
			send(fd, pkt, len, 0);
	}
	kill(sp, SIGTERM);
	waitpid(sp, NULL, 0);
	cr_assert_eq(ss.state, VPN_S_ACTIVE, "state %d: %s (server log in %s)", ss.state, ss.why,
		     dir);
	cr_assert(ss.push_in.has_ifconfig && ss.push_in.ifconfig[3] == 2, "the pushed address");
	cr_assert_eq(ss.cipher, VPN_AES_256_GCM);
	cr_assert_neq(ss.peer_id, VPN_PEER_ID_NONE, "a peer-id was pushed");
	cr_assert_geq(replies, want, "echo replies through the tunnel: %d of %u", replies, sent);
	/* the server's view, from its log (written as it goes: give it a moment) */
	for (start = now_ms(); now_ms() - start < 3000 &&
			       !log_has("server.log", "Data Channel: Cipher .AES-256-GCM");)
		usleep(100000);
	cr_assert(log_has("server.log", "Data Channel: Cipher .AES-256-GCM"),
		  "the server's log: %s/server.log", dir);
	cr_assert(log_has("server.log", "peer info: IV_PROTO=142"));
}

Test(vpn_session, client_to_openvpn_server, .timeout = 90)
{
	client_session(3);
	finish();
}

/* The server renegotiates every 3 s: our client answers its soft resets
 * (a new TLS session as the client, new keys) and its pings keep coming
 * back across the key changes. */
Test(vpn_session, client_renegotiation_by_the_server, .timeout = 90)
{
	server_reneg_sec = "3";
	client_session(40);
	cr_assert_geq(ss.renegs, 2, "renegotiations: %u", ss.renegs);
	cr_assert(log_has("server.log", "TLS: soft reset"));
	finish();
}

/* The same over TCP: each packet behind its 2-byte length, no HMAC cookie
 * (an empty server reset, P_CONTROL_V1 from the client, no WKC_V1). */
Test(vpn_session, openvpn_client_over_tcp, .timeout = 90)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	static uint8_t stream[65536];
	uint8_t pkt[2048], plain[2048];
	size_t have = 0;
	char err[256], p[4][300];
	int lfd, fd = -1, answered = 0, ping_rc = -1, on = 1;
	pid_t cl, pinger = 0;
	uint64_t start;

	if (!prepare())
		cr_skip_test("needs root, /dev/net/tun, openvpn, openssl, ping");
	snprintf(p[0], sizeof(p[0]), "%s/ca.crt", dir);
	snprintf(p[1], sizeof(p[1]), "%s/server.crt", dir);
	snprintf(p[2], sizeof(p[2]), "%s/server.key", dir);
	snprintf(p[3], sizeof(p[3]), "%s/tc2-server.key", dir);
	cr_assert_eq(vpn_server_init(&srv, p[0], p[1], p[2], p[3], err, sizeof(err)), 0, "%s", err);
	snprintf(srv.push, sizeof(srv.push),
		 "route-gateway 198.18.60.1,topology subnet,"
		 "ifconfig 198.18.60.2 255.255.255.0");
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(lfd, 1), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&sa, &(socklen_t){ sizeof(sa) }), 0);
	vpn_session_init(&ss, &srv, 0);
	ss.tcp = true;
	cl = client(ntohs(sa.sin_port), "client.crt", "client.log", "tcp-client");
	cr_assert_eq(poll(&(struct pollfd){ .fd = lfd, .events = POLLIN }, 1, 20000), 1,
		     "openvpn did not connect");
	fd = accept(lfd, NULL, NULL);
	cr_assert_geq(fd, 0);
	start = now_ms();
	while (now_ms() - start < 60000 && ping_rc < 0) {
		ssize_t n;
		size_t len;
		long next;

		if (poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 50) == 1) {
			n = recv(fd, stream + have, sizeof(stream) - have, 0);
			cr_assert_gt(n, 0, "openvpn closed the connection: see %s/client.log", dir);
			have += (size_t)n;
		}
		while ((next = vpn_tcp_next(stream, have)) > 0) {
			int r = vpn_session_input(&ss, stream + 2, (size_t)next - 2, now_ms(),
						  plain, sizeof(plain), &len);

			if (r == 1 && echo_reply(plain, len) &&
			    vpn_session_send_data(&ss, plain, len) == 0)
				answered++;
			memmove(stream, stream + next, have - (size_t)next);
			have -= (size_t)next;
		}
		cr_assert_geq(next, 0, "a zero-length packet");
		vpn_session_tick(&ss, now_ms());
		while ((len = vpn_session_output(&ss, pkt + 2, sizeof(pkt) - 2))) {
			pkt[0] = (uint8_t)(len >> 8);
			pkt[1] = (uint8_t)len;
			cr_assert_eq(send(fd, pkt, len + 2, 0), (ssize_t)(len + 2));
		}
		cr_assert_neq(ss.state, VPN_S_FAILED, "session failed: %s", ss.why);
		if (!pinger && log_has("client.log", "Initialization Sequence Completed")) {
			pinger = fork();
			if (pinger == 0) {
				int nul = open("/dev/null", O_WRONLY);

				dup2(nul, 1);
				execlp("ping", "ping", "-c", "3", "-i", "0.2", "-W", "2",
				       "198.18.60.1", NULL);
				_exit(127);
			}
		}
		if (pinger) {
			int st;

			if (waitpid(pinger, &st, WNOHANG) == pinger)
				ping_rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		}
	}
	kill(cl, SIGTERM);
	waitpid(cl, NULL, 0);
	cr_assert_eq(ss.state, VPN_S_ACTIVE, "%s", ss.why);
	cr_assert_eq(ping_rc, 0, "ping through the tunnel over TCP (answered %d)", answered);
	sh("grep -q 'TCP connection established' %s/client.log", dir);
	vpn_session_fini(&ss);
	vpn_server_fini(&srv);
	close(fd);
	close(lfd);
	if (!getenv("KEEP_VPN_TEST"))
		sh("rm -rf %s", dir);
}

/* A client whose control channel is wrapped as the server's is reaches
 * an active session. */
static void handshake_wrapped(enum wrap wrap, const char *opt, const char *name)
{
	struct sockaddr_in sa;
	uint64_t start;
	pid_t cl;
	int fd;

	if (!prepare())
		cr_skip_test("needs root, /dev/net/tun, openvpn, openssl, ping");
	fd = udp_server(wrap, &sa);
	vpn_session_init(&ss, &srv, 0);
	wrap_opt = opt;
	wrap_file = "tc.key";
	cl = client(ntohs(sa.sin_port), "client.crt", "client.log", "udp4");
	for (start = now_ms(); now_ms() - start < 30000 && ss.state != VPN_S_ACTIVE;) {
		pump(fd, 50, NULL);
		cr_assert_neq(ss.state, VPN_S_FAILED, "%s", ss.why);
	}
	kill(cl, SIGTERM);
	waitpid(cl, NULL, 0);
	cr_assert_eq(ss.state, VPN_S_ACTIVE, "with %s: %s", name, ss.why);
	finish();
}

/* tls-crypt (v1): one static key; the client starts with a V2 reset. */
Test(vpn_session, openvpn_client_with_tls_crypt, .timeout = 90)
{
	handshake_wrapped(WRAP_TLS_CRYPT, "--tls-crypt", "tls-crypt");
}

/* tls-auth: the control channel authenticated (HMAC-SHA1, key-direction
 * 1 at the client, 0 here), not encrypted; the client starts with a V2
 * reset. */
Test(vpn_session, openvpn_client_with_tls_auth, .timeout = 90)
{
	handshake_wrapped(WRAP_TLS_AUTH, "--tls-auth", "tls-auth");
}

/* explicit-exit-notify: a client that stops says EXIT (cc-exit was pushed);
 * the session ends at once, no keepalive timeout waited for. */
Test(vpn_session, client_exit_notify, .timeout = 60)
{
	struct sockaddr_in sa;
	uint64_t start;
	pid_t cl;
	int fd;

	if (!prepare())
		cr_skip_test("needs root, /dev/net/tun, openvpn, openssl, ping");
	fd = udp_server(WRAP_TLS_CRYPT_V2, &sa);
	vpn_session_init(&ss, &srv, 0);
	exit_notify = "1";
	cl = client(ntohs(sa.sin_port), "client.crt", "client.log", "udp4");
	for (start = now_ms(); now_ms() - start < 30000 &&
			       !log_has("client.log", "Initialization Sequence Completed");)
		pump(fd, 50, NULL);
	cr_assert_eq(ss.state, VPN_S_ACTIVE, "%s", ss.why);
	kill(cl, SIGTERM);
	for (start = now_ms(); now_ms() - start < 10000 && ss.state == VPN_S_ACTIVE;)
		pump(fd, 50, NULL);
	waitpid(cl, NULL, 0);
	cr_assert_eq(ss.state, VPN_S_FAILED);
	cr_assert_str_eq(ss.why, "the client left (EXIT)");
	finish();
}

/* Renegotiation: the client renegotiates every 3 s (a soft reset under the
 * next key id, a new TLS session, new data keys) while ping runs through
 * the tunnel: no ping is lost across the key changes. */
Test(vpn_session, renegotiation_with_traffic, .timeout = 120)
{
	struct sockaddr_in sa;
	int fd, ping_rc = -1;
	pid_t cl, pinger = 0;
	uint64_t start;

	if (!prepare())
		cr_skip_test("needs root, /dev/net/tun, openvpn, openssl, ping");
	fd = udp_server(WRAP_TLS_CRYPT_V2, &sa);
	vpn_session_init(&ss, &srv, 0);
	reneg_sec = "3";
	cl = client(ntohs(sa.sin_port), "client.crt", "client.log", "udp4");
	for (start = now_ms(); now_ms() - start < 90000 && ping_rc < 0;) {
		pump(fd, 20, NULL);
		cr_assert_neq(ss.state, VPN_S_FAILED, "%s", ss.why);
		if (!pinger)
			pinger = pinger_start("25", "0.4");
		ping_rc = pinger_done(pinger);
	}
	kill(cl, SIGTERM);
	waitpid(cl, NULL, 0);
	cr_assert_eq(ping_rc, 0, "ping across renegotiations");
	cr_assert_geq(ss.renegs, 2, "renegotiations: %u", ss.renegs);
	cr_assert(log_has("ping.log", " 0% packet loss"),
		  "ping lost packets across the key changes");
	cr_assert(log_has("client.log", "TLS: soft reset"));
	finish();
}

/* Cipher negotiation: a client with ChaCha20-Poly1305 only gets it (and
 * its pings through); one with AES-128-GCM only, which the server does not
 * offer, is refused with AUTH_FAILED. */
Test(vpn_session, chacha20_and_no_common_cipher, .timeout = 90)
{
	struct sockaddr_in sa;
	int fd, ping_rc = -1;
	pid_t cl, pinger = 0;
	uint64_t start;

	if (!prepare())
		cr_skip_test("needs root, /dev/net/tun, openvpn, openssl, ping");
	fd = udp_server(WRAP_TLS_CRYPT_V2, &sa);
	vpn_session_init(&ss, &srv, 0);
	data_ciphers = "CHACHA20-POLY1305";
	cl = client(ntohs(sa.sin_port), "client.crt", "client.log", "udp4");
	for (start = now_ms(); now_ms() - start < 60000 && ping_rc < 0;) {
		pump(fd, 50, NULL);
		cr_assert_neq(ss.state, VPN_S_FAILED, "%s", ss.why);
		if (!pinger)
			pinger = pinger_start("3", "0.2");
		ping_rc = pinger_done(pinger);
	}
	kill(cl, SIGTERM);
	waitpid(cl, NULL, 0);
	cr_assert_eq(ss.cipher, VPN_CHACHA20_POLY1305);
	cr_assert_eq(ping_rc, 0, "ping with ChaCha20-Poly1305");
	cr_assert(log_has("client.log", "Data Channel: cipher .CHACHA20-POLY1305"));
	vpn_session_fini(&ss);

	vpn_session_init(&ss, &srv, 1);
	data_ciphers = "AES-128-GCM";
	cl = client(ntohs(sa.sin_port), "client.crt", "client2.log", "udp4");
	for (start = now_ms(); now_ms() - start < 20000 && ss.state != VPN_S_FAILED;)
		pump(fd, 50, NULL);
	for (start = now_ms(); now_ms() - start < 500;)
		pump(fd, 50, NULL); /* AUTH_FAILED on its way */
	kill(cl, SIGTERM);
	waitpid(cl, NULL, 0);
	cr_assert_eq(ss.state, VPN_S_FAILED);
	cr_assert_str_eq(ss.why, "no data cipher in common with the client");
	cr_assert(log_has("client2.log", "AUTH: Received control message: AUTH_FAILED"));
	finish();
}

/* Both ends rampart's, in one process, packets handed over in memory:
 * the session comes up, data goes both ways, keepalive pings (every 1 s,
 * pushed with ping-restart 3) keep it up while nothing else flows, and
 * when the client falls silent the server ends the session. */
static struct vpn_server csrv;
static struct vpn_session cs;

static void exchange(bool client_heard)
{
	uint8_t pkt[2048], plain[2048];
	size_t len, pl;

	vpn_session_tick(&cs, now_ms());
	while ((len = vpn_session_output(&cs, pkt, sizeof(pkt))))
		if (client_heard)
			vpn_session_input(&ss, pkt, len, now_ms(), plain, sizeof(plain), &pl);
	vpn_session_tick(&ss, now_ms());
	while ((len = vpn_session_output(&ss, pkt, sizeof(pkt))))
		vpn_session_input(&cs, pkt, len, now_ms(), plain, sizeof(plain), &pl);
	usleep(20000);
}

/* Both ends rampart's: the server's and the client's endpoints from the
 * test's PKI (tls-crypt-v2). */
static void both_ends(void)
{
	char p[4][300], err[256];

	snprintf(p[0], sizeof(p[0]), "%s/ca.crt", dir);
	snprintf(p[1], sizeof(p[1]), "%s/server.crt", dir);
	snprintf(p[2], sizeof(p[2]), "%s/server.key", dir);
	snprintf(p[3], sizeof(p[3]), "%s/tc2-server.key", dir);
	cr_assert_eq(vpn_server_init(&srv, p[0], p[1], p[2], p[3], err, sizeof(err)), 0, "%s", err);
	snprintf(p[1], sizeof(p[1]), "%s/client.crt", dir);
	snprintf(p[2], sizeof(p[2]), "%s/client.key", dir);
	snprintf(p[3], sizeof(p[3]), "%s/tc2-client.key", dir);
	cr_assert_eq(
		vpn_client_conf_init(&csrv, p[0], p[1], p[2], p[3], "server", err, sizeof(err)), 0,
		"%s", err);
}

Test(vpn_session, rampart_both_ends_keepalive, .timeout = 60)
{
	uint8_t ip[64], pkt[2048], plain[2048];
	size_t len, pl;
	uint64_t start;
	int got;

	if (!prepare())
		cr_skip_test("needs root, /dev/net/tun, openvpn, openssl, ping");
	both_ends();
	srv.ping_s = 1;
	srv.ping_restart_s = 3;
	snprintf(srv.push, sizeof(srv.push), "topology subnet,ifconfig 198.18.60.2 255.255.255.0");
	vpn_session_init(&ss, &srv, 5);
	vpn_session_init(&cs, &csrv, VPN_PEER_ID_NONE);
	vpn_session_start(&cs, now_ms());
	for (start = now_ms(); now_ms() - start < 10000 && cs.state != VPN_S_ACTIVE;)
		exchange(true);
	cr_assert_eq(ss.state, VPN_S_ACTIVE, "server: %s", ss.why);
	cr_assert_eq(cs.state, VPN_S_ACTIVE, "client: %s", cs.why);
	cr_assert_eq(cs.peer_id, 5);
	cr_assert_eq(cs.ping_s, 1, "the pushed ping");
	cr_assert_eq(cs.ping_restart_s, 3, "the pushed ping-restart");
	/* data both ways */
	len = echo_request(ip, cs.push_in.ifconfig, 1);
	cr_assert_eq(vpn_session_send_data(&cs, ip, len), 0);
	got = 0;
	while ((len = vpn_session_output(&cs, pkt, sizeof(pkt)))) /* acks may come first */
		if (vpn_session_input(&ss, pkt, len, now_ms(), plain, sizeof(plain), &pl) == 1 &&
		    pl == 36 && memcmp(plain, ip, 36) == 0)
			got++;
	cr_assert_eq(got, 1, "the server got the client's packet");
	cr_assert(echo_reply(plain, 36));
	cr_assert_eq(vpn_session_send_data(&ss, plain, 36), 0);
	got = 0;
	while ((len = vpn_session_output(&ss, pkt, sizeof(pkt))))
		if (vpn_session_input(&cs, pkt, len, now_ms(), ip, sizeof(ip), &pl) == 1 &&
		    ip[20] == 0)
			got++;
	cr_assert_eq(got, 1, "an echo reply came back");
	/* a key's packet ids never wrap: the last one goes, none after it; the
	 * packets under the key reach the limit, and the next tick renegotiates */
	cs.data_pid = VPN_PID_LAST - 1;
	cr_assert_eq(vpn_session_send_data(&cs, ip, 36), 0, "the last packet id");
	cr_assert_eq(vpn_session_send_data(&cs, ip, 36), -1, "none after it");
	cs.key_pkts = VPN_KEY_PKTS_MAX;
	/* 5 s of nothing but keepalive (and that renegotiation): both stay up */
	for (start = now_ms(); now_ms() - start < 5000;)
		exchange(true);
	cr_assert_eq(ss.state, VPN_S_ACTIVE, "%s", ss.why);
	cr_assert_eq(cs.state, VPN_S_ACTIVE, "%s", cs.why);
	cr_assert_eq(cs.renegs, 1, "renegotiated once, at the packet limit");
	cr_assert(cs.keys_ready && cs.data_pid < 100, "the new key sends from the start");
	/* the client falls silent: the server gives up after ping-restart */
	for (start = now_ms(); now_ms() - start < 6000 && ss.state == VPN_S_ACTIVE;)
		exchange(false);
	cr_assert_eq(ss.state, VPN_S_FAILED);
	cr_assert(strstr(ss.why, "ping-restart") != NULL, "%s", ss.why);
	cr_assert_geq(now_ms() - start, 2000,
		      "not before 3 s after its last packet (a ping, at most 1 s before)");
	vpn_session_fini(&cs);
	vpn_server_fini(&csrv);
	finish();
}

/* A client that cannot derive keys with the TLS exporter (IV_PROTO without
 * bit 3, as OpenVPN before 2.6 without key-derivation tls-ekm): our server
 * refuses it after TLS, with the reason, and never pushes. Debian's 2.6
 * always announces EKM, so rampart's own client plays that peer. */
Test(vpn_session, a_client_without_ekm_is_refused, .timeout = 60)
{
	uint64_t start;

	if (!prepare())
		cr_skip_test("needs root, /dev/net/tun, openvpn, openssl, ping");
	both_ends();
	csrv.iv_proto = VPN_IV_DATA_V2 | VPN_IV_REQUEST_PUSH; /* no TLS_KEY_EXPORT */
	vpn_session_init(&ss, &srv, 5);
	vpn_session_init(&cs, &csrv, VPN_PEER_ID_NONE);
	vpn_session_start(&cs, now_ms());
	for (start = now_ms(); now_ms() - start < 10000 && ss.state != VPN_S_FAILED;)
		exchange(true);
	cr_assert_eq(ss.state, VPN_S_FAILED, "the server took a client without EKM");
	cr_assert_str_eq(ss.why, "the client cannot derive keys with the TLS exporter (IV_PROTO "
				 "bit 3): refused");
	cr_assert_neq(cs.state, VPN_S_ACTIVE, "nothing was pushed");
	cr_assert(!ss.pushed);
	vpn_session_fini(&cs);
	vpn_server_fini(&csrv);
	finish();
}
