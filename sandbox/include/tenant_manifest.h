/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tenant_manifest.h - a tenant declares its devices, once, in one of its
 * source files:
 *
 *	TENANT_MANIFEST(1, { .name = "storage", .type = MFT_DEV_BLOCK_BASIC });
 *
 * which puts Solo5's MFT1 note in the image (".note.solo5.manifest"): what
 * rampart-tender reads to know which devices to attach, and which system
 * calls to allow on them.
 */
#ifndef RAMPART_TENANT_MANIFEST_H
#define RAMPART_TENANT_MANIFEST_H

#include "tenant_abi.h"

#define TENANT_MANIFEST(N, ...)                                                           \
	__attribute__((section(".note.solo5.manifest"), aligned(8), used)) const struct { \
		struct mft1_nhdr h;                                                       \
		uint32_t pad; /* the manifest starts 8-byte aligned */                    \
		uint32_t version, entries;                                                \
		struct mft_entry e[(N) + 1];                                              \
	} tenant_manifest_note = {                                                        \
		.h = { .n_namesz = sizeof(MFT1_NOTE_NAME),                                \
		       .n_descsz = 4 + 8 + ((N) + 1) * sizeof(struct mft_entry),          \
		       .n_type = MFT1_NOTE_TYPE,                                          \
		       .n_name = MFT1_NOTE_NAME },                                        \
		.version = MFT_VERSION,                                                   \
		.entries = (N) + 1,                                                       \
		.e = { { .name = "", .type = MFT_RESERVED_FIRST }, __VA_ARGS__ },         \
	}

#endif /* RAMPART_TENANT_MANIFEST_H */
