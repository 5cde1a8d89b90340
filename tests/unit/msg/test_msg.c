/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of dataplane/msg/dp_msg.c: framing over a SOCK_SEQPACKET
 * socketpair, memfd payloads and their seals, descriptors nobody asked for,
 * per-type sizes, netcfg validation field by field, address helpers.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dataplane/dataplane.h"

static int sv[2];

static void setup(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	/* room for a header plus a whole inline payload, and more */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){ 1 << 20 }, sizeof(int));
}

static void teardown(void)
{
	close(sv[0]);
	close(sv[1]);
}

TestSuite(msg, .init = setup, .fini = teardown);

static unsigned open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	cr_assert_not_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

Test(msg, small_payload_round_trips_inline)
{
	struct dp_result r = { .rc = -22, .generation = 7 };
	struct dp_msg m;

	snprintf(r.msg, sizeof(r.msg), "refused");
	cr_assert_eq(dp_msg_send(sv[0], DP_MSG_RESULT, 42, 7, &r, sizeof(r)), 0);
	cr_assert_eq(dp_msg_recv(sv[1], &m), 0);
	cr_assert_eq(m.hdr.magic, DP_PROTO_MAGIC);
	cr_assert_eq(m.hdr.type, DP_MSG_RESULT);
	cr_assert_eq(m.hdr.seq, 42);
	cr_assert_eq(m.hdr.generation, 7);
	cr_assert_eq(m.hdr.flags, 0);
	cr_assert_not(m.mapped);
	cr_assert_eq(m.len, sizeof(r));
	cr_assert_eq(dp_msg_check_size(&m), 0);
	cr_assert_str_eq(((struct dp_result *)m.payload)->msg, "refused");
	dp_msg_free(&m);
}

Test(msg, message_without_payload_has_none)
{
	struct dp_msg m;

	cr_assert_eq(dp_msg_send(sv[0], DP_MSG_HELLO, 1, 0, NULL, 0), 0);
	cr_assert_eq(dp_msg_recv(sv[1], &m), 0);
	cr_assert_eq(m.len, 0);
	cr_assert_null(m.payload);
	cr_assert_eq(dp_msg_check_size(&m), 0);
	dp_msg_free(&m);
}

Test(msg, payload_of_exactly_the_inline_limit_stays_inline)
{
	uint8_t *p = calloc(1, DP_MSG_INLINE_MAX);
	struct dp_msg m;

	p[DP_MSG_INLINE_MAX - 1] = 0x5a;
	cr_assert_eq(dp_msg_send(sv[0], DP_MSG_ROUTES, 1, 0, p, DP_MSG_INLINE_MAX), 0);
	cr_assert_eq(dp_msg_recv(sv[1], &m), 0);
	cr_assert_not(m.mapped);
	cr_assert_eq(m.len, DP_MSG_INLINE_MAX);
	cr_assert_eq(((uint8_t *)m.payload)[DP_MSG_INLINE_MAX - 1], 0x5a);
	dp_msg_free(&m);
	free(p);
}

Test(msg, one_byte_over_the_inline_limit_travels_in_a_sealed_memfd)
{
	size_t len = DP_MSG_INLINE_MAX + 1;
	uint8_t *p = malloc(len);
	struct dp_msg m;

	memset(p, 0xa5, len);
	cr_assert_eq(dp_msg_send(sv[0], DP_MSG_ROUTES, 9, 3, p, len), 0);
	cr_assert_eq(dp_msg_recv(sv[1], &m), 0);
	cr_assert(m.mapped);
	cr_assert_eq(m.hdr.flags, DP_MSG_F_MEMFD);
	cr_assert_eq(m.hdr.seq, 9);
	cr_assert_eq(m.len, len);
	cr_assert_arr_eq(m.payload, p, len);
	dp_msg_free(&m);
	free(p);
}

Test(msg, large_payload_travels_in_a_sealed_memfd)
{
	size_t len = (1u << 20) - (1u << 20) % sizeof(struct dp_route);
	uint8_t *p = malloc(len);
	struct dp_msg m;
	unsigned fds = open_fds();

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31);
	cr_assert_eq(dp_msg_send(sv[0], DP_MSG_ROUTES, 1, 0, p, len), 0);
	cr_assert_eq(open_fds(), fds, "the sender closed its memfd");
	cr_assert_eq(dp_msg_recv(sv[1], &m), 0);
	cr_assert(m.mapped);
	cr_assert_eq(m.len, len);
	cr_assert_arr_eq(m.payload, p, m.len);
	cr_assert_eq(dp_msg_check_size(&m), 0);
	cr_assert_eq(open_fds(), fds, "the receiver keeps the mapping, not the descriptor");
	dp_msg_free(&m);
	free(p);
}

Test(msg, payload_over_the_hard_cap_is_not_sent)
{
	cr_assert_eq(dp_msg_send(sv[0], DP_MSG_ROUTES, 1, 0, "", (size_t)DP_MSG_PAYLOAD_MAX + 1),
		     -EMSGSIZE);
}

Test(msg, orderly_close_is_connreset_and_empty_socket_is_eagain)
{
	struct dp_msg m;

	cr_assert_eq(dp_msg_recv(sv[1], &m), -EAGAIN);
	close(sv[0]);
	sv[0] = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	cr_assert_eq(dp_msg_recv(sv[1], &m), -ECONNRESET);
}

static int raw(const void *buf, size_t len)
{
	struct dp_msg m;

	cr_assert_eq(send(sv[0], buf, len, 0), (ssize_t)len);
	return dp_msg_recv(sv[1], &m);
}

static const struct dp_msg_hdr hello = { .magic = DP_PROTO_MAGIC,
					 .version = DP_PROTO_VERSION,
					 .type = DP_MSG_HELLO };

Test(msg, garbled_headers_are_refused)
{
	struct dp_msg_hdr x;

	cr_assert_eq(raw(&hello, sizeof(hello) - 1), -EBADMSG, "truncated header");
	cr_assert_eq(raw(&hello, 1), -EBADMSG, "one byte");
	x = hello;
	x.magic ^= 1;
	cr_assert_eq(raw(&x, sizeof(x)), -EPROTO, "magic");
	x = hello;
	x.version = DP_PROTO_VERSION + 1;
	cr_assert_eq(raw(&x, sizeof(x)), -EPROTO, "version");
	x = hello;
	x.type = 0;
	cr_assert_eq(raw(&x, sizeof(x)), -EPROTO, "type 0");
	x = hello;
	x.type = DP_MSG_TYPE_MAX;
	cr_assert_eq(raw(&x, sizeof(x)), -EPROTO, "type past the last");
	x = hello;
	x.flags = 0x80;
	cr_assert_eq(raw(&x, sizeof(x)), -EPROTO, "unknown flag");
	x = hello;
	x.len = DP_MSG_PAYLOAD_MAX + 1;
	cr_assert_eq(raw(&x, sizeof(x)), -EPROTO, "length over the cap");
	x = hello;
	x.len = 4;
	cr_assert_eq(raw(&x, sizeof(x)), -EBADMSG, "length without payload");
	x = hello;
	x.flags = DP_MSG_F_MEMFD;
	x.len = 100;
	cr_assert_eq(raw(&x, sizeof(x)), -EBADMSG, "memfd flag without a descriptor");
}

Test(msg, payload_longer_than_its_header_says_is_refused)
{
	struct {
		struct dp_msg_hdr h;
		uint8_t p[8];
	} x = { .h = hello };

	x.h.len = 4;
	cr_assert_eq(raw(&x, sizeof(x)), -EBADMSG);
}

Test(msg, inline_message_larger_than_any_allowed_is_refused)
{
	size_t len = sizeof(struct dp_msg_hdr) + DP_MSG_INLINE_MAX + 1;
	struct dp_msg_hdr *h = calloc(1, len);

	*h = hello;
	h->len = DP_MSG_INLINE_MAX + 1;
	cr_assert_eq(raw(h, len), -EMSGSIZE);
	free(h);
}

/* Send hdr with the descriptors fds[0..n) attached. */
static void send_with_fds(const struct dp_msg_hdr *h, const int *fds, unsigned n, size_t extra)
{
	char buf[CMSG_SPACE(sizeof(int) * 4)] = { 0 }, body[sizeof(*h) + 16] = { 0 };
	struct iovec iov = { .iov_base = body, .iov_len = sizeof(*h) + extra };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = buf,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memcpy(body, h, sizeof(*h));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	cr_assert_geq(sendmsg(sv[0], &mh, 0), 0);
}

static int memfd_of(size_t len, int seals)
{
	int fd = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	char *z = calloc(1, len + 1);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, z, len), (ssize_t)len);
	free(z);
	if (seals)
		cr_assert_eq(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

#define ALL_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

static struct dp_msg_hdr memfd_hdr(uint32_t len)
{
	struct dp_msg_hdr h = { .magic = DP_PROTO_MAGIC,
				.version = DP_PROTO_VERSION,
				.type = DP_MSG_ROUTES,
				.len = len,
				.flags = DP_MSG_F_MEMFD };

	return h;
}

Test(msg, unsealed_or_partly_sealed_memfd_is_refused)
{
	struct dp_msg_hdr h = memfd_hdr(4096);
	struct dp_msg m;
	int fd;

	fd = memfd_of(4096, 0);
	send_with_fds(&h, &fd, 1, 0);
	cr_assert_eq(dp_msg_recv(sv[1], &m), -EPERM, "no seals: the sender could still write");
	close(fd);
	fd = memfd_of(4096, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	send_with_fds(&h, &fd, 1, 0);
	cr_assert_eq(dp_msg_recv(sv[1], &m), -EPERM, "writable");
	close(fd);
	fd = memfd_of(4096, ALL_SEALS);
	send_with_fds(&h, &fd, 1, 0);
	cr_assert_eq(dp_msg_recv(sv[1], &m), 0, "all seals");
	dp_msg_free(&m);
	close(fd);
}

Test(msg, memfd_whose_size_is_not_the_header_length_is_refused)
{
	struct dp_msg_hdr h = memfd_hdr(4096);
	struct dp_msg m;
	int fd = memfd_of(4095, ALL_SEALS);

	send_with_fds(&h, &fd, 1, 0);
	cr_assert_eq(dp_msg_recv(sv[1], &m), -EBADMSG);
	close(fd);
}

Test(msg, a_plain_file_is_not_a_memfd)
{
	struct dp_msg_hdr h = memfd_hdr(4096);
	struct dp_msg m;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	send_with_fds(&h, &fd, 1, 0);
	cr_assert_eq(dp_msg_recv(sv[1], &m), -EPERM);
	close(fd);
}

Test(msg, descriptors_nobody_asked_for_are_closed_and_the_message_refused)
{
	struct dp_msg_hdr h = memfd_hdr(4096);
	struct dp_msg m;
	unsigned before;
	int fds[2];

	fds[0] = memfd_of(4096, ALL_SEALS);
	fds[1] = memfd_of(4096, ALL_SEALS);
	before = open_fds();
	send_with_fds(&hello, fds, 1, 0); /* inline message with a descriptor */
	cr_assert_eq(dp_msg_recv(sv[1], &m), -EBADMSG);
	cr_assert_eq(open_fds(), before, "received descriptor closed");
	send_with_fds(&h, fds, 2, 0); /* memfd message with two */
	cr_assert_eq(dp_msg_recv(sv[1], &m), -EBADMSG);
	cr_assert_eq(open_fds(), before, "both received descriptors closed");
	send_with_fds(&h, fds, 1, 8); /* memfd message with inline bytes too */
	cr_assert_eq(dp_msg_recv(sv[1], &m), -EBADMSG);
	cr_assert_eq(open_fds(), before);
	h.magic = 0;
	send_with_fds(&h, fds, 1, 0); /* bad header: its descriptor is closed too */
	cr_assert_eq(dp_msg_recv(sv[1], &m), -EPROTO);
	cr_assert_eq(open_fds(), before);
	close(fds[0]);
	close(fds[1]);
}

static int size_ok(uint16_t type, const void *payload, size_t len)
{
	struct dp_msg m = { .hdr = { .type = type }, .payload = (void *)payload, .len = len };

	return dp_msg_check_size(&m);
}

Test(msg, fixed_size_types_must_have_their_size_exactly)
{
	static struct dp_hello h;
	static struct dp_result r;

	cr_assert_eq(size_ok(DP_MSG_HELLO_REPLY, &h, sizeof(h)), 0);
	cr_assert_eq(size_ok(DP_MSG_HELLO_REPLY, &h, sizeof(h) - 1), -EBADMSG);
	cr_assert_eq(size_ok(DP_MSG_RESULT, &r, sizeof(r)), 0);
	cr_assert_eq(size_ok(DP_MSG_RESULT, &r, sizeof(r) + 1), -EBADMSG);
	cr_assert_eq(size_ok(DP_MSG_HELLO, NULL, 0), 0);
	cr_assert_eq(size_ok(DP_MSG_HELLO, &h, 1), -EBADMSG, "requests carry nothing");
	cr_assert_eq(size_ok(DP_MSG_GET_PORTS, &h, 1), -EBADMSG);
	cr_assert_eq(size_ok(DP_MSG_GET_ROUTES, &h, 1), -EBADMSG);
	cr_assert_eq(size_ok(DP_MSG_GET_STATS, &h, 1), -EBADMSG);
	cr_assert_eq(size_ok(0, NULL, 0), -EPROTO);
	cr_assert_eq(size_ok(DP_MSG_TYPE_MAX, NULL, 0), -EPROTO);
}

Test(msg, array_types_must_be_whole_elements)
{
	static struct dp_port_info p[DP_MAX_PORTS + 2];
	static struct dp_route r[3];

	cr_assert_eq(size_ok(DP_MSG_PORTS, p, 0), 0, "no ports");
	cr_assert_eq(size_ok(DP_MSG_PORTS, p, 2 * sizeof(p[0])), 0);
	cr_assert_eq(size_ok(DP_MSG_PORTS, p, 2 * sizeof(p[0]) - 1), -EBADMSG);
	cr_assert_eq(size_ok(DP_MSG_PORTS, p, (DP_MAX_PORTS + 1) * sizeof(p[0])), 0,
		     "ports and the exception port");
	cr_assert_eq(size_ok(DP_MSG_PORTS, p, sizeof(p)), -EBADMSG, "more ports than can be");
	cr_assert_eq(size_ok(DP_MSG_ROUTES, r, sizeof(r)), 0);
	cr_assert_eq(size_ok(DP_MSG_ROUTES, r, sizeof(r) - 4), -EBADMSG);
}

Test(msg, stats_must_have_our_counters_and_as_many_lcores_as_they_say)
{
	static struct {
		struct dp_stats_hdr h;
		struct dp_lcore_stats l[2];
	} s = { .h = { .n_lcores = 2, .n_counters = DP_CNT_MAX } };

	cr_assert_eq(size_ok(DP_MSG_STATS, &s, sizeof(s)), 0);
	cr_assert_eq(size_ok(DP_MSG_STATS, &s, sizeof(s) - 8), -EBADMSG);
	cr_assert_eq(size_ok(DP_MSG_STATS, &s, sizeof(s.h) - 1), -EBADMSG);
	s.h.n_counters = DP_CNT_MAX + 1;
	cr_assert_eq(size_ok(DP_MSG_STATS, &s, sizeof(s)), -EBADMSG, "other counter set");
	s.h.n_counters = DP_CNT_MAX;
	s.h.n_lcores = 0xffffffffu;
	cr_assert_eq(size_ok(DP_MSG_STATS, &s, sizeof(s)), -EBADMSG, "no overflow");
}

Test(msg, counter_tables_follow_the_x_macro)
{
	cr_assert_str_eq(dp_counter_names[DP_CNT_rx_pkts], "rx_pkts");
	cr_assert_str_eq(dp_counter_names[DP_CNT_drop_no_route], "drop_no_route");
	cr_assert_str_eq(dp_counter_names[DP_CNT_MAX - 1], "idle_polls");
	cr_assert_str_eq(dp_counter_help[DP_CNT_rx_pkts], "packets received from ports");
	for (unsigned i = 0; i < DP_CNT_MAX; i++) {
		cr_assert_not_null(dp_counter_names[i]);
		cr_assert_gt(strlen(dp_counter_help[i]), 0);
	}
}

/* A netcfg with one address, one route and one neighbour. */
struct one_each {
	struct dp_netcfg_hdr h;
	struct dp_port_addr a;
	struct dp_route r;
	struct dp_neigh n;
};

static struct one_each good(void)
{
	struct one_each c = { .h = { .n_addrs = 1, .n_routes = 1, .n_neigh = 1 } };

	snprintf(c.a.port, sizeof(c.a.port), "wan");
	dp_addr_parse("198.19.1.1/24", true, false, &c.a.addr);
	dp_addr_parse("198.51.100.0/24", true, true, &c.r.dst);
	dp_addr_parse("198.19.1.2", false, false, &c.r.via);
	dp_addr_parse("198.19.1.2", false, false, &c.n.ip);
	snprintf(c.n.port, sizeof(c.n.port), "wan");
	return c;
}

static char err[256];

static void refused(struct one_each *c, size_t len, const char *why)
{
	memset(err, 0, sizeof(err));
	cr_assert_eq(dp_netcfg_validate(c, len, err, sizeof(err)), -EINVAL, "accepted: %s", why);
	cr_assert_str_eq(err, why);
}

Test(netcfg, a_well_formed_configuration_validates_and_views)
{
	struct one_each c = good();
	struct dp_netcfg_view v;

	cr_assert_eq(dp_netcfg_validate(&c, sizeof(c), err, sizeof(err)), 0, "%s", err);
	dp_netcfg_view(&c, &v);
	cr_assert_eq((const void *)v.hdr, (const void *)&c.h);
	cr_assert_eq((const void *)v.addrs, (const void *)&c.a);
	cr_assert_eq((const void *)v.routes, (const void *)&c.r);
	cr_assert_eq((const void *)v.neigh, (const void *)&c.n);
	cr_assert_eq(v.routes->dst.prefixlen, 24);
	cr_assert_str_eq(v.addrs->port, "wan");
}

Test(netcfg, an_empty_configuration_is_valid)
{
	struct dp_netcfg_hdr h = { .icmp_rate_pps = 100 };

	cr_assert_eq(dp_netcfg_validate(&h, sizeof(h), NULL, 0), 0);
}

Test(netcfg, lengths_and_counts_must_agree_without_overflow)
{
	struct one_each c = good();

	refused(&c, sizeof(c.h) - 1, "netcfg: 15 bytes, shorter than its header");
	cr_assert_eq(dp_netcfg_validate(NULL, 0, NULL, 0), -EINVAL);
	refused(&c, sizeof(c) - 1, "netcfg: length 159, counts say 160");
	refused(&c, sizeof(c) + 1, "netcfg: length 161, counts say 160");
	c.h.n_routes = 0xffffffffu;
	refused(&c, sizeof(c), "netcfg: 4294967295 routes, more than 65536");
	c = good();
	c.h.n_addrs = DP_MAX_PORTS * DP_PORT_ADDRS_MAX + 1;
	refused(&c, sizeof(c), "netcfg: 129 addresses, more than 128");
	c = good();
	c.h.n_neigh = 0x80000000u;
	refused(&c, sizeof(c), "netcfg: 2147483648 neighbours, more than 1024");
	c = good();
	c.h.n_routes = DP_ROUTES_MAX; /* within the cap, the length says otherwise */
	refused(&c, sizeof(c), "netcfg: length 160, counts say 4194400");
}

Test(netcfg, each_bad_field_is_refused_with_its_reason)
{
	struct one_each c;

	c = good();
	c.a.addr.family = 5;
	refused(&c, sizeof(c), "netcfg: address 0: family 5 or prefix length 24 is invalid");
	c = good();
	c.a.addr.family = 0;
	refused(&c, sizeof(c), "netcfg: address 0: family 0 or prefix length 24 is invalid");
	c = good();
	c.a.addr.prefixlen = 33;
	refused(&c, sizeof(c), "netcfg: address 0: family 4 or prefix length 33 is invalid");
	c = good();
	memset(c.a.port, 'x', sizeof(c.a.port));
	refused(&c, sizeof(c), "netcfg: address 0: port name empty or not NUL-terminated");
	c = good();
	c.a.port[0] = '\0';
	refused(&c, sizeof(c), "netcfg: address 0: port name empty or not NUL-terminated");

	c = good();
	c.r.dst.family = 0;
	refused(&c, sizeof(c),
		"netcfg: route 0: destination family 0 or prefix length 24 is invalid");
	c = good();
	dp_addr_parse("2001:db8::/32", true, true, &c.r.dst);
	c.r.dst.prefixlen = 129;
	refused(&c, sizeof(c),
		"netcfg: route 0: destination family 6 or prefix length 129 is invalid");
	c = good();
	c.r.via.prefixlen = 40;
	refused(&c, sizeof(c), "netcfg: route 0: gateway family 4 or prefix length 40 is invalid");
	c = good();
	dp_addr_parse("2001:db8::1", false, false, &c.r.via);
	refused(&c, sizeof(c), "netcfg: route 0: gateway family differs from destination");
	c = good();
	memset(c.r.port, 'x', sizeof(c.r.port));
	refused(&c, sizeof(c), "netcfg: route 0: port name is not NUL-terminated");
	c = good();
	c.r.flags = 0x8;
	refused(&c, sizeof(c), "netcfg: route 0: unknown flags 0x8");
	c = good();
	memset(&c.r.via, 0, sizeof(c.r.via));
	c.r.flags = DP_ROUTE_F_BLACKHOLE | DP_ROUTE_F_UNREACH;
	refused(&c, sizeof(c), "netcfg: route 0: both blackhole and unreachable");
	c = good();
	c.r.flags = DP_ROUTE_F_BLACKHOLE;
	refused(&c, sizeof(c), "netcfg: route 0: a blackhole or unreachable route has no gateway");
	c = good();
	memset(&c.r.via, 0, sizeof(c.r.via));
	refused(&c, sizeof(c), "netcfg: route 0 has neither gateway nor port");

	c = good();
	c.n.ip.family = 7;
	refused(&c, sizeof(c), "netcfg: neighbour 0: family 7 or prefix length 32 is invalid");
	c = good();
	c.n.port[0] = '\0';
	refused(&c, sizeof(c), "netcfg: neighbour 0: port name empty or not NUL-terminated");
}

Test(netcfg, routes_on_a_link_and_drop_routes_need_no_gateway)
{
	struct one_each c = good();

	memset(&c.r.via, 0, sizeof(c.r.via));
	snprintf(c.r.port, sizeof(c.r.port), "wan");
	cr_assert_eq(dp_netcfg_validate(&c, sizeof(c), err, sizeof(err)), 0, "%s", err);
	c.r.port[0] = '\0';
	c.r.flags = DP_ROUTE_F_UNREACH;
	cr_assert_eq(dp_netcfg_validate(&c, sizeof(c), err, sizeof(err)), 0, "%s", err);
}

Test(netcfg, a_short_error_buffer_is_not_overrun)
{
	struct one_each c = good();
	char small[8] = "xxxxxxx";

	c.a.addr.family = 9;
	cr_assert_eq(dp_netcfg_validate(&c, sizeof(c), small, 4), -EINVAL);
	cr_assert_str_eq(small, "net");
	cr_assert_eq(small[4], 'x');
}

Test(addr, parse_and_format_round_trip)
{
	struct dp_addr a;
	char buf[64];

	cr_assert_eq(dp_addr_parse("2001:db8:1::1/64", true, false, &a), 0);
	cr_assert_eq(a.family, 6);
	cr_assert_eq(a.prefixlen, 64);
	cr_assert_str_eq(dp_addr_format(&a, true, buf, sizeof(buf)), "2001:db8:1::1/64");
	cr_assert_str_eq(dp_addr_format(&a, false, buf, sizeof(buf)), "2001:db8:1::1");
	cr_assert_eq(dp_addr_parse("198.18.1.1", true, false, &a), 0);
	cr_assert_eq(a.family, 4);
	cr_assert_eq(a.prefixlen, 32, "host prefix when none is given");
	cr_assert_eq(a.addr[3], 1);
	cr_assert_eq(dp_addr_parse("::/0", true, true, &a), 0);
	cr_assert_str_eq(dp_addr_format(&a, true, buf, sizeof(buf)), "::/0");
	a.family = 0;
	cr_assert_str_eq(dp_addr_format(&a, true, buf, sizeof(buf)), "-");
}

Test(addr, malformed_addresses_and_prefixes_are_refused)
{
	static const char *const bad[] = { "198.18.1.0/33",
					   "198.18.1.0/",
					   "198.18.1.0/ 24",
					   "198.18.1.0/+24",
					   "198.18.1.0/-1",
					   "198.18.1.0/0x18",
					   "198.18.1.0/24 ",
					   "198.18.1.0/1000",
					   "2001:db8::/129",
					   "198.18.1",
					   "198.18.1.256",
					   " 198.18.1.1",
					   "lan",
					   "",
					   "/24",
					   "2001:db8::1/64/64",
					   "198.18.1.1/24/24" };
	struct dp_addr a;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(dp_addr_parse(bad[i], true, false, &a), -EINVAL, "\"%s\"", bad[i]);
	cr_assert_eq(dp_addr_parse("198.18.1.0/24", false, false, &a), -EINVAL,
		     "a prefix where a host address is wanted");
}

Test(addr, strict_parsing_refuses_host_bits)
{
	struct dp_addr a;

	cr_assert_eq(dp_addr_parse("198.18.1.1/24", true, true, &a), -EINVAL);
	cr_assert_eq(dp_addr_parse("198.18.1.1/24", true, false, &a), 0);
	cr_assert_eq(dp_addr_parse("198.18.1.0/24", true, true, &a), 0);
	cr_assert_eq(dp_addr_parse("198.18.0.0/15", true, true, &a), 0);
	cr_assert_eq(dp_addr_parse("198.19.0.0/15", true, true, &a), -EINVAL);
	cr_assert_eq(dp_addr_parse("2001:db8:0:1::/63", true, true, &a), -EINVAL);
	cr_assert_eq(dp_addr_parse("2001:db8::/63", true, true, &a), 0);
}

Test(addr, prefix_membership)
{
	struct dp_addr a, p;

	dp_addr_parse("198.19.1.2", false, false, &a);
	dp_addr_parse("198.19.1.1/24", true, false, &p);
	cr_assert(dp_addr_in_prefix(&a, &p));
	dp_addr_parse("198.19.2.2", false, false, &a);
	cr_assert_not(dp_addr_in_prefix(&a, &p));
	dp_addr_parse("198.19.3.2/23", true, false, &p);
	cr_assert(dp_addr_in_prefix(&a, &p), "a prefix length that is not a byte boundary");
	dp_addr_parse("0.0.0.0/0", true, false, &p);
	cr_assert(dp_addr_in_prefix(&a, &p), "the default route holds everything");
	dp_addr_parse("2001:db8:1::1/64", true, false, &p);
	cr_assert_not(dp_addr_in_prefix(&a, &p), "another family");
	dp_addr_parse("2001:db8:1::ffff", false, false, &a);
	cr_assert(dp_addr_in_prefix(&a, &p));
	dp_addr_parse("2001:db8:1:0:8000::/65", true, false, &p);
	dp_addr_parse("2001:db8:1::1", false, false, &a);
	cr_assert_not(dp_addr_in_prefix(&a, &p));
}

Test(addr, mac_parse_takes_exactly_six_hex_pairs)
{
	static const char *const bad[] = {
		"02:00:00:00:01",    "02:00:00:00:01:ff:00", "02-00-00-00-01-ff",
		"0x:00:00:00:01:ff", " 2:00:00:00:01:ff",    "+2:00:00:00:01:ff",
		"02:00:00:00:01:fg", "020000000001ff..",     ""
	};
	uint8_t mac[6] = { 0 };

	cr_assert_eq(dp_mac_parse("02:00:00:00:01:ff", mac), 0);
	cr_assert_eq(mac[0], 0x02);
	cr_assert_eq(mac[5], 0xff);
	cr_assert_eq(dp_mac_parse("0A:bC:00:00:00:01", mac), 0, "either case");
	cr_assert_eq(mac[0], 0x0a);
	cr_assert_eq(mac[1], 0xbc);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(dp_mac_parse(bad[i], mac), -EINVAL, "\"%s\"", bad[i]);
}
