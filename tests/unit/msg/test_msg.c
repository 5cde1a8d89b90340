/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of dataplane/msg/dp_msg.c: framing, memfd payloads, validation. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dataplane/dataplane.h"

static int sv[2];

static void setup(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
}

static void teardown(void)
{
	close(sv[0]);
	close(sv[1]);
}

TestSuite(msg, .init = setup, .fini = teardown);

Test(msg, small_payload_round_trips_inline)
{
	struct dp_result r = {.rc = -22, .generation = 7};
	struct dp_msg m;

	snprintf(r.msg, sizeof(r.msg), "refused");
	cr_assert_eq(dp_msg_send(sv[0], DP_MSG_RESULT, 42, 7, &r, sizeof(r)), 0);
	cr_assert_eq(dp_msg_recv(sv[1], &m), 0);
	cr_assert_eq(m.hdr.type, DP_MSG_RESULT);
	cr_assert_eq(m.hdr.seq, 42);
	cr_assert_eq(m.hdr.generation, 7);
	cr_assert_not(m.mapped);
	cr_assert_eq(m.len, sizeof(r));
	cr_assert_eq(dp_msg_check_size(&m), 0);
	cr_assert_str_eq(((struct dp_result *)m.payload)->msg, "refused");
	dp_msg_free(&m);
}

Test(msg, large_payload_travels_in_a_sealed_memfd)
{
	size_t len = 1u << 20;
	struct dp_msg m;
	uint8_t *p = malloc(len);

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31);
	cr_assert_eq(dp_msg_send(sv[0], DP_MSG_ROUTES, 1, 0, p, len - len % sizeof(struct dp_route)),
		     0);
	cr_assert_eq(dp_msg_recv(sv[1], &m), 0);
	cr_assert(m.mapped);
	cr_assert_eq(m.len, len - len % sizeof(struct dp_route));
	cr_assert_arr_eq(m.payload, p, m.len);
	dp_msg_free(&m);
	free(p);
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

Test(msg, garbled_headers_are_refused)
{
	struct dp_msg_hdr h = {.magic = DP_PROTO_MAGIC, .version = DP_PROTO_VERSION,
			       .type = DP_MSG_HELLO};
	struct dp_msg_hdr x;

	cr_assert_eq(raw(&h, sizeof(h) - 1), -EBADMSG, "short header");
	x = h;
	x.magic ^= 1;
	cr_assert_eq(raw(&x, sizeof(x)), -EPROTO, "magic");
	x = h;
	x.version = 2;
	cr_assert_eq(raw(&x, sizeof(x)), -EPROTO, "version");
	x = h;
	x.type = DP_MSG_TYPE_MAX;
	cr_assert_eq(raw(&x, sizeof(x)), -EPROTO, "type");
	x = h;
	x.len = 4;
	cr_assert_eq(raw(&x, sizeof(x)), -EBADMSG, "length without payload");
	x = h;
	x.flags = DP_MSG_F_MEMFD;
	x.len = 100;
	cr_assert_eq(raw(&x, sizeof(x)), -EBADMSG, "memfd flag without a descriptor");
}

Test(msg, fixed_size_replies_must_have_their_size)
{
	struct dp_msg m = {.hdr = {.type = DP_MSG_HELLO_REPLY}, .len = sizeof(struct dp_hello) - 1};

	cr_assert_eq(dp_msg_check_size(&m), -EBADMSG);
	m.len = sizeof(struct dp_hello);
	cr_assert_eq(dp_msg_check_size(&m), 0);
	m.hdr.type = DP_MSG_HELLO;
	cr_assert_eq(dp_msg_check_size(&m), -EBADMSG);
}

struct one_route {
	struct dp_netcfg_hdr h;
	struct dp_port_addr a;
	struct dp_route r;
};

static struct one_route good(void)
{
	struct one_route c = {.h = {.n_addrs = 1, .n_routes = 1}};

	snprintf(c.a.port, sizeof(c.a.port), "wan");
	dp_addr_parse("198.19.1.1/24", true, false, &c.a.addr);
	dp_addr_parse("198.51.100.0/24", true, true, &c.r.dst);
	dp_addr_parse("198.19.1.2", false, false, &c.r.via);
	return c;
}

Test(netcfg, a_well_formed_configuration_validates)
{
	struct one_route c = good();
	struct dp_netcfg_view v;
	char err[128];

	cr_assert_eq(dp_netcfg_validate(&c, sizeof(c), err, sizeof(err)), 0);
	dp_netcfg_view(&c, &v);
	cr_assert_eq(v.routes->dst.prefixlen, 24);
	cr_assert_str_eq(v.addrs->port, "wan");
}

Test(netcfg, each_bad_field_is_refused_with_a_reason)
{
	struct one_route c;
	char err[128];

	c = good();
	cr_assert_eq(dp_netcfg_validate(&c, sizeof(c) - 1, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "length"));
	c = good();
	c.h.n_routes = 0xffffffffu;
	cr_assert_eq(dp_netcfg_validate(&c, sizeof(c), err, sizeof(err)), -EINVAL);
	c = good();
	c.r.dst.prefixlen = 33;
	cr_assert_eq(dp_netcfg_validate(&c, sizeof(c), err, sizeof(err)), -EINVAL);
	c = good();
	c.a.addr.family = 5;
	cr_assert_eq(dp_netcfg_validate(&c, sizeof(c), err, sizeof(err)), -EINVAL);
	c = good();
	memset(c.a.port, 'x', sizeof(c.a.port));
	cr_assert_eq(dp_netcfg_validate(&c, sizeof(c), err, sizeof(err)), -EINVAL, "no NUL");
	c = good();
	dp_addr_parse("2001:db8::1", false, false, &c.r.via);
	cr_assert_eq(dp_netcfg_validate(&c, sizeof(c), err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "family"));
	c = good();
	memset(&c.r.via, 0, sizeof(c.r.via));
	cr_assert_eq(dp_netcfg_validate(&c, sizeof(c), err, sizeof(err)), -EINVAL);
}

Test(addr, parse_and_format_round_trip)
{
	struct dp_addr a;
	char buf[64];

	cr_assert_eq(dp_addr_parse("2001:db8:1::1/64", true, false, &a), 0);
	cr_assert_eq(a.family, 6);
	cr_assert_str_eq(dp_addr_format(&a, true, buf, sizeof(buf)), "2001:db8:1::1/64");
	cr_assert_eq(dp_addr_parse("198.18.1.1", true, false, &a), 0);
	cr_assert_eq(a.prefixlen, 32);
	cr_assert_eq(dp_addr_parse("198.18.1.1/24", true, true, &a), -EINVAL, "host bits");
	cr_assert_eq(dp_addr_parse("198.18.1.0/33", true, false, &a), -EINVAL);
	cr_assert_eq(dp_addr_parse("198.18.1.0/", true, false, &a), -EINVAL);
	cr_assert_eq(dp_addr_parse("198.18.1.0/24", false, false, &a), -EINVAL);
	cr_assert_eq(dp_addr_parse("lan", true, false, &a), -EINVAL);
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
	cr_assert(dp_addr_in_prefix(&a, &p));
}

Test(addr, mac_parse)
{
	uint8_t mac[6];

	cr_assert_eq(dp_mac_parse("02:00:00:00:01:ff", mac), 0);
	cr_assert_eq(mac[5], 0xff);
	cr_assert_eq(dp_mac_parse("02:00:00:00:01", mac), -EINVAL);
	cr_assert_eq(dp_mac_parse("02:00:00:00:01:ff:00", mac), -EINVAL);
}
