/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * resolve_fuzz.c - libFuzzer target for the stub resolver's answer parser:
 * any bytes, read as the answer to an A and to an AAAA query for a fixed
 * name (the id is taken from the input, so seeds get past the first check).
 */
#include <errno.h>
#include <stdlib.h>

#include "ctrl/resolve/resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	struct rs_answer a;

	for (int t = 0; t < 2; t++) {
		int rc = rs_response_parse(data, size, id, "web.lab.example",
					   t ? RS_QTYPE_AAAA : RS_QTYPE_A, &a);

		if (a.n > RS_MAX_ADDRS || (rc == 0 && a.n == 0) || (rc != 0 && a.n != 0))
			abort();
		for (unsigned i = 0; i < a.n; i++)
			if (a.addrs[i].family != (t ? 6 : 4))
				abort();
	}
	return 0;
}
