/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwwire_fuzz.c - libFuzzer target for the firewall rules as the dataplane
 * receives them (fw_wire_decode): any bytes; what validates is built into the
 * classifier both ways (scan and tuple-space search), and both must agree
 * with a linear scan of the entries on keys taken from the entries; the same
 * for the NAT rules' entries.
 */
#include <stdlib.h>
#include <string.h>

#include "fw_rules/fw_rules.h"

/* Both classifier builds of c agree with a linear scan of its entries. */
static void check(const struct fw_compiled *c)
{
	for (uint32_t lin = 0; lin <= FW_LINEAR_MAX; lin += FW_LINEAR_MAX) {
		struct fw_class *cl;

		if (fw_class_build_with(c, lin, &cl) != 0)
			continue;
		for (uint32_t i = 0; i < c->hdr.n_entries && i < 32; i++) {
			const struct fw_entry *e = &c->entries[i];
			struct fw_key k = {
				.family = e->family,
				.proto = e->proto,
				.sport = e->sport_hi,
				.dport = e->dport_lo,
				.in_port = e->in_port,
				.out_port = e->out_port,
			};

			memcpy(k.src, e->src, 16);
			memcpy(k.dst, e->dst, 16);
			if (fw_class_lookup(cl, &k) != fw_eval_entries_linear(c, &k))
				abort();
		}
		fw_class_free(cl);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_compiled v, nv;
	char err[256];
	void *buf;

	/* an aligned copy, as the dataplane makes one */
	buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	if (fw_wire_decode(buf, size, &v, err, sizeof(err)) == 0) {
		check(&v);
		nv = fw_nat_view(&v); /* the NAT rules' classifier */
		check(&nv);
	}
	free(buf);
	return 0;
}
