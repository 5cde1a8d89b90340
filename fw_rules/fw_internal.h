/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fw_internal.h - what the files of fw_rules/ share: diagnostics and small
 * helpers over addresses and ranges.
 */
#ifndef RAMPART_FW_INTERNAL_H
#define RAMPART_FW_INTERNAL_H

#include "fw_rules/fw_rules.h"

/* Append "file:line:col: message" (col 0: "file:line: message"). */
void fw_diag_add(struct fw_diag *d, bool warning, const char *file, unsigned line, unsigned col,
		 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Mask addr (16 bytes) to len bits into out. */
static inline void fw_mask(uint8_t out[16], const uint8_t addr[16], unsigned len)
{
	unsigned full = len / 8, rest = len % 8, i;

	for (i = 0; i < full && i < 16; i++)
		out[i] = addr[i];
	if (i < 16 && rest)
		out[i++] = (uint8_t)(addr[full] & (0xff << (8 - rest)));
	for (; i < 16; i++)
		out[i] = 0;
}

/* True when addr is inside prefix pfx/len (both 16 bytes). */
static inline bool fw_prefix_has(const uint8_t pfx[16], unsigned len, const uint8_t addr[16])
{
	unsigned full = len / 8, rest = len % 8;

	for (unsigned i = 0; i < full; i++)
		if (pfx[i] != addr[i])
			return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		return (pfx[full] & m) == (addr[full] & m);
	}
	return true;
}

#endif /* RAMPART_FW_INTERNAL_H */
