/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * resolve.h - a small DNS stub resolver for rampart-ctrl: the addresses (A
 * and AAAA, with their TTLs) of the host names used in firewall rules, asked
 * of the configured servers over UDP without blocking ctrl's epoll loop.
 *
 * The wire codec (rs_query_build, rs_response_parse) is plain C over byte
 * buffers, unit-tested and fuzzed alone; the resolver is one non-blocking
 * socket per address family of the servers, which the loop watches, and a
 * timer it calls.
 */
#ifndef RAMPART_CTRL_RESOLVE_H
#define RAMPART_CTRL_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"

#define RS_MAX_ADDRS   32
#define RS_NAME_MAX    254 /* a name as text, with its optional final dot */
#define RS_MAX_SERVERS 4
#define RS_QTYPE_A     1
#define RS_QTYPE_AAAA  28

struct rs_answer {
	unsigned n;			    /* addresses of the type asked */
	struct dp_addr addrs[RS_MAX_ADDRS]; /* family 4 or 6, prefixlen 32 or 128 */
	/* The least TTL along the answer chain (CNAMEs included). For NXDOMAIN
	 * and NODATA the negative TTL (RFC 2308 §5): the least of the TTL and
	 * MINIMUM of the SOA in the authority section, 60 without one. */
	uint32_t ttl;
	int rcode;
	bool truncated; /* TC set */
};

/* A host name: letters, digits, '-', '_', labels of 1..63 separated by dots,
 * at most 253 characters, an optional final dot. Returns 0 or -EINVAL. */
int rs_name_check(const char *name);

/* A query (RD set, one question, class IN) for name and qtype (RS_QTYPE_A or
 * RS_QTYPE_AAAA) with id, into buf. Returns its length, -EINVAL (bad name)
 * or -ENOSPC (buf too short). */
int rs_query_build(uint8_t *buf, size_t len, uint16_t id, const char *name, uint16_t qtype);

/*
 * The response to that query. The id, QR, opcode and the question must be
 * those asked (the name compared without regard to case); a CNAME chain from
 * the name is followed inside the answer section (at most 16 links, no
 * loops) and the addresses of qtype owned by its end are collected.
 * Compression pointers may only point backwards. Returns 0 (out->n > 0),
 * -ENOENT (NXDOMAIN or NODATA; out->ttl the negative TTL), -EPROTO (another
 * rcode, in out->rcode), -EAGAIN (truncated: ask again over TCP), -EBADMSG
 * (malformed, or not the response to this question), -EINVAL (bad name or
 * qtype). out->n is 0 unless 0 is returned. Reads nothing outside
 * msg[0..len).
 */
int rs_response_parse(const uint8_t *msg, size_t len, uint16_t id, const char *name, uint16_t qtype,
		      struct rs_answer *out);

/* The asynchronous resolver. */
struct rs_resolver;

/*
 * Called once per rs_resolve, when both the A and the AAAA query are done:
 * rc 0 when either has addresses, else the A query's error (-ENOENT,
 * -ETIMEDOUT, -EPROTO, -EAGAIN). a4 and a6 are never NULL; a query that
 * failed other than by -ENOENT has n 0 and ttl 0. name is the one given to
 * rs_resolve. The callback may call rs_resolve and rs_free.
 */
typedef void (*rs_done_fn)(void *arg, const char *name, int rc, const struct rs_answer *a4,
			   const struct rs_answer *a6);

/* servers: 1..RS_MAX_SERVERS addresses, asked on port (53 when 0); each try
 * waits timeout_ms, and a query has tries tries in all, going round the
 * servers from the first. NULL on bad arguments or when a socket cannot be
 * opened. */
struct rs_resolver *rs_new(const struct dp_addr *servers, unsigned n_servers, uint16_t port,
			   unsigned timeout_ms, unsigned tries);
/* Lookups still running end without their callback. NULL is ignored. */
void rs_free(struct rs_resolver *r);
/* The first socket (non-blocking, close-on-exec) to watch for reading. */
int rs_fd(const struct rs_resolver *r);
/* All of them, one per address family of the servers: returns 1 or 2. */
int rs_fds(const struct rs_resolver *r, int fds[2]);
/* Start looking up name (A and AAAA at once); the callback comes later, from
 * rs_on_readable or rs_on_timer. Returns 0, -EINVAL (bad name) or -ENOMEM. */
int rs_resolve(struct rs_resolver *r, const char *name, rs_done_fn cb, void *arg);
/* Read what has arrived (the sockets are level-triggered). Responses not from
 * the server asked, or whose id or question match no query, are ignored. */
void rs_on_readable(struct rs_resolver *r);
/* Resend or give up on the queries whose time ran out; now_ms from
 * CLOCK_MONOTONIC. */
void rs_on_timer(struct rs_resolver *r, uint64_t now_ms);
/* Milliseconds until rs_on_timer has work, or -1 when idle. */
int rs_next_timeout_ms(const struct rs_resolver *r, uint64_t now_ms);

#endif /* RAMPART_CTRL_RESOLVE_H */
