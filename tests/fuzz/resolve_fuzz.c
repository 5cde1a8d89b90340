/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * resolve_fuzz.c - the stub resolver's response parser (ctrl/resolve) on
 * arbitrary bytes, read as the response to the A and to the AAAA query for
 * one name; the id asked is the input's first two bytes, so seeds get past
 * the first check. Beyond memory safety it checks what ctrl relies on: an
 * answer has addresses exactly when it succeeds, at most RS_MAX_ADDRS, all
 * of the family asked; the result does not depend on the case of the name.
 * Seeds: tests/fuzz/corpus/resolve/ (tests/fuzz/corpus/make_resolve_seeds.py).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/resolve/resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                              \
	do {                                                                                  \
		if (!(c)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                              \
		}                                                                             \
	} while (0)

static void check(const uint8_t *m, size_t size, uint16_t id, uint16_t qtype)
{
	static struct rs_answer a, again;
	int rc = rs_response_parse(m, size, id, "web.lab.example", qtype, &a);
	int rc2 = rs_response_parse(m, size, id, "WEB.Lab.example.", qtype, &again);

	CHECK(rc == 0 || rc == -ENOENT || rc == -EPROTO || rc == -EAGAIN || rc == -EBADMSG);
	CHECK(rc2 == rc);
	CHECK(memcmp(&a, &again, sizeof(a)) == 0);
	CHECK(a.n <= RS_MAX_ADDRS);
	CHECK((rc == 0) == (a.n > 0));
	CHECK(a.truncated == (rc == -EAGAIN));
	if (rc == -EPROTO)
		CHECK(a.rcode != 0 && a.rcode != 3);
	if (rc == 0)
		CHECK(a.rcode == 0);
	for (unsigned i = 0; i < a.n; i++) {
		CHECK(a.addrs[i].family == (qtype == RS_QTYPE_A ? 4 : 6));
		CHECK(a.addrs[i].prefixlen == (qtype == RS_QTYPE_A ? 32 : 128));
		if (qtype == RS_QTYPE_A)
			for (int k = 4; k < 16; k++)
				CHECK(a.addrs[i].addr[k] == 0);
		for (unsigned k = 0; k < i; k++)
			CHECK(memcmp(&a.addrs[i], &a.addrs[k], sizeof(a.addrs[i])) != 0);
	}
	if (rc == 0 || rc == -ENOENT)
		CHECK(a.ttl <= 0x7fffffff);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	uint8_t *m;

	/* a UDP payload at most */
	if (size > 65535)
		return 0;
	/* an exact-size copy, so that any read past the end is caught */
	m = malloc(size ? size : 1);
	if (!m)
		return 0;
	memcpy(m, data, size);
	check(m, size, id, RS_QTYPE_A);
	check(m, size, id, RS_QTYPE_AAAA);
	free(m);
	return 0;
}
