/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rules_fuzz.c - libFuzzer target for the rule language: parse any text; what
 * parses is compiled, sent through the wire form and its validation, built
 * into the classifier, and the classifier must agree with the reference
 * interpreter on packets drawn from the rules' own addresses.
 */
#include <stdlib.h>
#include <string.h>

#include "fw_rules/fw_rules.h"

static const char ports[2][DP_PORT_NAME_MAX] = { "lan", "wan" };
static const struct dp_addr dns = { .family = 4, .prefixlen = 32, .addr = { 198, 19, 1, 53 } };
static const struct dp_addr host = { .family = 6,
				     .prefixlen = 128,
				     .addr = { 0x20, 1, 0xd, 0xb8 } };

static int resolve(void *arg, const char *name, const struct dp_addr **a, unsigned *n)
{
	(void)arg;
	*a = &host;
	*n = strlen(name) % 2;
	return 0;
}

/* lan 198.18.1.1, wan 198.19.1.1 (network order): "-> wan" in nat rules */
static const uint32_t port_ip4[2] = { 0x010112c6, 0x010113c6 };

static const struct fw_env env = {
	.n_ports = 2,
	.ports = ports,
	.n_dns = 1,
	.dns = &dns,
	.resolve = resolve,
	.port_ip4 = port_ip4,
};

static void check(const struct fw_file *f, const struct fw_class *cl, const struct fw_entry *e,
		  uint32_t salt)
{
	struct fw_key k = {
		.family = e->family,
		.proto = e->proto ? e->proto : (uint8_t)(salt & 0xff),
		.in_port = (uint8_t)(salt % 3),
		.out_port = (uint8_t)(salt / 3 % 3),
		.sport = e->sport_lo,
		.dport = (uint16_t)(e->dport_hi - (salt % 2)),
	};

	memcpy(k.src, e->src, 16);
	memcpy(k.dst, e->dst, 16);
	k.dst[15] ^= (uint8_t)salt;
	if (k.family == 4)
		memset(k.dst + 4, 0, 12);
	if (fw_class_lookup(cl, &k) != fw_eval_linear(f, &env, &k))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_diag d = { 0 };
	struct fw_compiled c, v;
	struct fw_class *cl;
	struct fw_file f;
	char err[256];
	void *buf;
	size_t len;

	if (fw_parse("fuzz.rules", (const char *)data, size, &env, &f, &d) < 0) {
		fw_diag_free(&d);
		return 0;
	}
	/* the canonical form (show, diff) of every rule, nat and rdr included */
	for (unsigned i = 0; i < f.n_rules + f.n_nat; i++) {
		char text[512];

		fw_rule_format(&f, i < f.n_rules ? &f.rules[i] : &f.nat[i - f.n_rules], &env, text,
			       sizeof(text));
	}
	if (fw_compile(&f, &env, &c, &d) == 0) {
		if (fw_wire_encode(&c, &buf, &len) == 0) {
			if (fw_wire_decode(buf, len, &v, err, sizeof(err)) != 0)
				abort();
			/* the small-set scan and the tuple-space search, both */
			for (uint32_t lin = 0; lin <= FW_LINEAR_MAX; lin += FW_LINEAR_MAX) {
				if (fw_class_build_with(&v, lin, &cl) != 0)
					continue;
				for (uint32_t i = 0; i < v.hdr.n_entries && i < 64; i++)
					check(&f, cl, &v.entries[i], i * 7919u);
				fw_class_free(cl);
			}
			free(buf);
		}
		fw_compiled_free(&c);
	}
	fw_file_free(&f);
	fw_diag_free(&d);
	return 0;
}
