/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tenant_fuzz.c - libFuzzer target for what rampart-tender does with a
 * tenant image before it runs it (sandbox/image.h): the input is checked as
 * an image for a tenant of 16 MiB; whatever image_parse accepts must load
 * into that memory without a byte read or written out of bounds, and its
 * manifest must pass mft_check again and answer mft_find for each of its
 * own devices. Seeds: tests/fuzz/corpus/make_tenant_seeds.py.
 */
#include <stdlib.h>
#include <string.h>

#include "sandbox/image.h"

#define MEM_SIZE (16ULL << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem;
	static struct image im;
	char err[256];

	if (!mem && !(mem = malloc(MEM_SIZE)))
		abort();
	if (image_parse(data, size, MEM_SIZE, &im, err, sizeof(err)) < 0)
		return 0;
	if (!im.mft || im.end > MEM_SIZE - 64 * 1024 || im.n_seg > IMAGE_SEGS_MAX)
		abort();
	image_load(data, &im, mem);
	if (mft_check(im.mft, im.mft_len, err, sizeof(err)) < 0)
		abort(); /* accepted once, refused now */
	for (uint32_t i = 1; i < im.mft->entries; i++)
		if (mft_find(im.mft, im.mft->e[i].name, im.mft->e[i].type) != &im.mft->e[i])
			abort(); /* names are unique */
	mft_find(im.mft, "storage", MFT_DEV_BLOCK_BASIC);
	return 0;
}
