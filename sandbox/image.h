/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * image.h - a tenant image as rampart-tender reads it: a static ELF64
 * x86-64 executable whose loadable segments fit the tenant's memory, none
 * both writable and executable, with Solo5's ABI note (spt, version 2) and
 * its device manifest (MFT1) checked whole. The image is untrusted input:
 * every offset and size is checked before use (tests/fuzz/tenant_fuzz.c).
 * Plain C over a buffer, no system calls.
 */
#ifndef RAMPART_SANDBOX_IMAGE_H
#define RAMPART_SANDBOX_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "sandbox/include/tenant_abi.h"

#define IMAGE_SEGS_MAX 16

struct image_seg {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags; /* PF_R, PF_W, PF_X */
};

struct image {
	uint64_t entry;
	uint64_t end; /* the end of the highest segment, page aligned */
	unsigned n_seg;
	struct image_seg seg[IMAGE_SEGS_MAX];
	struct mft *mft; /* the manifest: a copy of the note's, in mft_copy */
	size_t mft_len;	 /* bytes of it */
	_Alignas(8)
		uint8_t mft_copy[sizeof(struct mft) + MFT_MAX_ENTRIES * sizeof(struct mft_entry)];
};

/* Check an image (len bytes) for a tenant of mem_size bytes of memory.
 * Returns 0, or -EINVAL with the reason in err. */
int image_parse(const uint8_t *buf, size_t len, uint64_t mem_size, struct image *im, char *err,
		size_t errlen);

/* Copy the segments into mem (the tenant's memory, address 0 at mem) and
 * zero their bss; W^X is the caller's (mprotect). */
void image_load(const uint8_t *buf, const struct image *im, uint8_t *mem);

/* Check a manifest (len bytes, as found in the note): version, entry
 * count, the reserved first entry, every name (1..67 of [A-Za-z0-9_],
 * terminated, unique), every type known, nothing attached yet. Returns 0 or
 * -EINVAL with the reason. */
int mft_check(const struct mft *m, size_t len, char *err, size_t errlen);

/* The entry named name of type t, or NULL. */
struct mft_entry *mft_find(struct mft *m, const char *name, enum mft_type t);

#endif /* RAMPART_SANDBOX_IMAGE_H */
