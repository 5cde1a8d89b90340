/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_image.c - tenant images as rampart-tender reads them (sandbox/image.h):
 * the example tenants the build makes parse and load; every refusal of
 * image_parse and mft_check, each with an image built here or mutated, and
 * its exact reason; the seed corpus of tenant_fuzz is accepted whole; and
 * truncated or bit-flipped images are never read past their end (run under
 * ASan by make test-asan). Every image is parsed from a copy of exactly its
 * length.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sandbox/image.h"

#define PAGE	 0x1000ULL
#define MEM	 (16ULL << 20) /* the tenant's memory in these tests */
#define IMG_MAX	 (64 * 1024)
#define PH_SLOTS 24 /* room left for program headers a test adds */

/* the program headers of a built image */
enum { PH_TEXT, PH_RO, PH_DATA, PH_ABI, PH_MFT, PH_N };

static char err[256];
static struct image im;
static _Alignas(8) uint8_t img[IMG_MAX];

/* ---- images ---- */

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	cr_assert_gt(n, 0, "%s is empty", path);
	rewind(f);
	b = malloc((size_t)n);
	cr_assert_not_null(b);
	cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n, "%s: short read", path);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static Elf64_Ehdr *ehdr(uint8_t *b)
{
	return (Elf64_Ehdr *)b;
}

static Elf64_Phdr *phdr(uint8_t *b, unsigned i)
{
	return (Elf64_Phdr *)(b + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr));
}

static void ph_set(Elf64_Phdr *p, uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr,
		   uint64_t filesz, uint64_t memsz, uint64_t align)
{
	*p = (Elf64_Phdr){ .p_type = type,
			   .p_flags = flags,
			   .p_offset = offset,
			   .p_vaddr = vaddr,
			   .p_paddr = vaddr,
			   .p_filesz = filesz,
			   .p_memsz = memsz,
			   .p_align = align };
}

static size_t up(size_t n, size_t a)
{
	return (n + a - 1) & ~(a - 1);
}

/* A note of Solo5's at p: header, "Solo5" padded to 8, then desc (dlen
 * bytes, padded to 4). Returns its length. */
static size_t note(uint8_t *p, uint32_t type, const void *desc, uint32_t dlen)
{
	Elf64_Nhdr nh = { .n_namesz = sizeof(ABI1_NOTE_NAME), .n_descsz = dlen, .n_type = type };

	memcpy(p, &nh, sizeof(nh));
	memcpy(p + sizeof(nh), ABI1_NOTE_NAME "\0\0", 8);
	memcpy(p + sizeof(nh) + 8, desc, dlen);
	return sizeof(nh) + 8 + up(dlen, 4);
}

struct dev {
	const char *name;
	enum mft_type type;
};

/* A manifest at m (8-byte aligned): the reserved entry and n devices.
 * Returns its length. */
static size_t manifest(uint8_t *m, const struct dev *d, unsigned n)
{
	struct mft *mf = (struct mft *)m;
	size_t len = sizeof(*mf) + (n + 1) * sizeof(struct mft_entry);

	memset(m, 0, len);
	mf->version = MFT_VERSION;
	mf->entries = n + 1;
	mf->e[0].type = MFT_RESERVED_FIRST;
	for (unsigned i = 0; i < n; i++) {
		size_t nl = strlen(d[i].name);

		memcpy(mf->e[i + 1].name, d[i].name, nl < MFT_NAME_MAX ? nl : MFT_NAME_MAX);
		mf->e[i + 1].type = d[i].type;
	}
	return len;
}

/* An image as tenant.lds lays one out: code at 1 MiB (16 bytes, R+X),
 * read-only data (16 bytes, the ABI note, the manifest note 8-byte aligned,
 * each also a PT_NOTE segment), data (16 bytes and a page of bss, R+W), each
 * in pages of their own; entry at the code's start. Returns its length. */
static size_t build(uint8_t *b, const struct dev *d, unsigned n)
{
	static _Alignas(8) uint8_t desc[4 + sizeof(struct mft) + 80 * sizeof(struct mft_entry)];
	struct abi1_info ai = { .abi_target = ABI1_TARGET_SPT, .abi_version = TENANT_ABI_VERSION };
	size_t abi_at = 16, abi_len, mft_at, mft_len, ro_len, data_off;
	uint64_t data_va;
	Elf64_Ehdr *eh = ehdr(b);

	memset(b, 0, IMG_MAX);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = TENANT_GUEST_MIN_BASE;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = PH_N;
	memset(b + PAGE, 0xf4, 16); /* hlt */
	memcpy(b + 2 * PAGE, "read-only data.", 16);
	abi_len = note(b + 2 * PAGE + abi_at, ABI1_NOTE_TYPE, &ai, sizeof(ai));
	mft_at = up(abi_at + abi_len, 8);
	/* the descriptor: 4 bytes of padding (desc + 4), then the manifest
	 * (desc + 8), 8-byte aligned from the note's start */
	memset(desc + 4, 0, 4);
	mft_len = note(b + 2 * PAGE + mft_at, MFT1_NOTE_TYPE, desc + 4,
		       (uint32_t)(4 + manifest(desc + 8, d, n)));
	ro_len = mft_at + mft_len;
	data_off = 2 * PAGE + up(ro_len, PAGE);
	data_va = TENANT_GUEST_MIN_BASE + PAGE + up(ro_len, PAGE);
	cr_assert_leq(data_off + 16, IMG_MAX);
	memcpy(b + data_off, "read-write data", 16);
	ph_set(phdr(b, PH_TEXT), PT_LOAD, PF_R | PF_X, PAGE, TENANT_GUEST_MIN_BASE, 16, 16, PAGE);
	ph_set(phdr(b, PH_RO), PT_LOAD, PF_R, 2 * PAGE, TENANT_GUEST_MIN_BASE + PAGE, ro_len,
	       ro_len, PAGE);
	ph_set(phdr(b, PH_DATA), PT_LOAD, PF_R | PF_W, data_off, data_va, 16, 16 + PAGE, PAGE);
	ph_set(phdr(b, PH_ABI), PT_NOTE, PF_R, 2 * PAGE + abi_at,
	       TENANT_GUEST_MIN_BASE + PAGE + abi_at, abi_len, abi_len, 4);
	ph_set(phdr(b, PH_MFT), PT_NOTE, PF_R, 2 * PAGE + mft_at,
	       TENANT_GUEST_MIN_BASE + PAGE + mft_at, mft_len, mft_len, 8);
	return data_off + 16;
}

static size_t build0(void)
{
	return build(img, NULL, 0);
}

/* the note's header in the image, and its manifest */
static Elf64_Nhdr *nhdr(uint8_t *b, unsigned ph)
{
	return (Elf64_Nhdr *)(b + phdr(b, ph)->p_offset);
}

static struct mft *img_mft(uint8_t *b)
{
	return (struct mft *)(b + phdr(b, PH_MFT)->p_offset + 20 + 4);
}

/* A program header after the last, zeroed. */
static Elf64_Phdr *add_phdr(uint8_t *b)
{
	Elf64_Phdr *p;

	cr_assert_lt(ehdr(b)->e_phnum, PH_SLOTS);
	p = phdr(b, ehdr(b)->e_phnum++);
	memset(p, 0, sizeof(*p));
	return p;
}

static int parse_mem(const uint8_t *b, size_t len, uint64_t mem)
{
	/* a copy of exactly len bytes, so ASan sees any read past the end */
	uint8_t *c = malloc(len ? len : 1);
	int rc;

	cr_assert_not_null(c);
	memcpy(c, b, len);
	err[0] = 0;
	rc = image_parse(c, len, mem, &im, err, sizeof(err));
	free(c);
	return rc;
}

static int parse(const uint8_t *b, size_t len)
{
	return parse_mem(b, len, MEM);
}

#define refused(b, len, why)                                                         \
	do {                                                                         \
		cr_assert_eq(parse(b, len), -EINVAL, "accepted, expected: %s", why); \
		cr_assert_str_eq(err, why);                                          \
	} while (0)

#define accepted(b, len)                                            \
	do {                                                        \
		cr_assert_eq(parse(b, len), 0, "refused: %s", err); \
	} while (0)

/* Load into memory filled with 0xa5: each segment's file bytes, its bss
 * zeroed, nothing touched below 1 MiB or at the image's end. */
static void check_load(const uint8_t *b)
{
	static uint8_t *mem;

	if (!mem)
		mem = malloc(MEM);
	cr_assert_not_null(mem);
	/* from the byte below 1 MiB to the image's end, inclusive */
	memset(mem + TENANT_GUEST_MIN_BASE - 1, 0xa5, im.end - TENANT_GUEST_MIN_BASE + 2);
	image_load(b, &im, mem);
	for (unsigned i = 0; i < im.n_seg; i++) {
		const struct image_seg *s = &im.seg[i];

		cr_assert_eq(memcmp(mem + s->vaddr, b + s->offset, s->filesz), 0,
			     "segment %u not copied", i);
		for (uint64_t k = s->filesz; k < s->memsz; k++)
			cr_assert_eq(mem[s->vaddr + k], 0, "segment %u: bss byte %llu not zeroed",
				     i, (unsigned long long)k);
	}
	cr_assert_eq(mem[TENANT_GUEST_MIN_BASE - 1], 0xa5, "written below the image");
	cr_assert_eq(mem[im.end], 0xa5, "written past the image's end");
}

/* ---- the example tenants the build makes ---- */

static void check_example(const char *path, const char *dev)
{
	size_t len;
	uint8_t *b = read_file(path, &len);
	uint64_t end = 0;

	cr_assert_eq(parse(b, len), 0, "%s refused: %s", path, err);
	cr_assert_eq(im.entry, TENANT_GUEST_MIN_BASE);
	/* tenant.lds: code, read-only data, data, in that order */
	cr_assert_eq(im.n_seg, 3);
	cr_assert_eq(im.seg[0].vaddr, TENANT_GUEST_MIN_BASE);
	cr_assert_eq(im.seg[0].flags, PF_R | PF_X);
	cr_assert_eq(im.seg[1].flags, PF_R);
	cr_assert_eq(im.seg[2].flags, PF_R | PF_W);
	for (unsigned i = 0; i < im.n_seg; i++) {
		cr_assert_eq(im.seg[i].vaddr % PAGE, 0, "segment %u starts a page", i);
		cr_assert_leq(im.seg[i].filesz, im.seg[i].memsz);
		if (i)
			cr_assert_geq(im.seg[i].vaddr,
				      up(im.seg[i - 1].vaddr + im.seg[i - 1].memsz, PAGE));
		if (im.seg[i].vaddr + im.seg[i].memsz > end)
			end = im.seg[i].vaddr + im.seg[i].memsz;
	}
	cr_assert_eq(im.end, up(end, PAGE));
	cr_assert_gt(im.seg[2].memsz, im.seg[2].filesz, "bss");
	cr_assert_not_null(im.mft);
	cr_assert_eq((uintptr_t)im.mft % 8, 0);
	cr_assert_eq(im.mft->version, MFT_VERSION);
	cr_assert_eq(im.mft->e[0].type, MFT_RESERVED_FIRST);
	if (dev) {
		cr_assert_eq(im.mft->entries, 2);
		cr_assert_eq(im.mft_len, sizeof(struct mft) + 2 * sizeof(struct mft_entry));
		cr_assert_str_eq(im.mft->e[1].name, dev);
		cr_assert_eq(im.mft->e[1].type, MFT_DEV_BLOCK_BASIC);
		cr_assert_not(im.mft->e[1].attached);
		cr_assert_eq(mft_find(im.mft, dev, MFT_DEV_BLOCK_BASIC), &im.mft->e[1]);
		cr_assert_null(mft_find(im.mft, dev, MFT_DEV_NET_BASIC));
	} else {
		cr_assert_eq(im.mft->entries, 1);
		cr_assert_eq(im.mft_len, sizeof(struct mft) + sizeof(struct mft_entry));
	}
	check_load(b);
	free(b);
}

Test(image_examples, hello_has_no_device)
{
	check_example(HELLO_TENANT, NULL);
}

Test(image_examples, kv_has_one_block_device)
{
	check_example(KV_TENANT, "storage");
}

Test(image_examples, hostile_has_one_block_device)
{
	check_example(HOSTILE_TENANT, "storage");
}

/* Every prefix of an example: never read past its end; none shorter than
 * its headers and notes accepted. */
Test(image_examples, every_truncation)
{
	size_t len;
	uint8_t *b = read_file(KV_TENANT, &len);
	uint64_t need = 0;

	cr_assert_eq(parse(b, len), 0);
	for (unsigned i = 0; i < im.n_seg; i++)
		if (im.seg[i].offset + im.seg[i].filesz > need)
			need = im.seg[i].offset + im.seg[i].filesz;
	for (size_t n = 0; n < len; n++) {
		int rc = parse(b, n);

		if (n < need)
			cr_assert_eq(rc, -EINVAL, "a prefix of %zu bytes accepted", n);
		else if (rc == 0)
			check_load(b);
	}
	free(b);
}

/* Every bit of the headers and the notes flipped: refused, or safe to load. */
Test(image_examples, every_bit_flipped)
{
	size_t len;
	uint8_t *b = read_file(HELLO_TENANT, &len);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b;
	size_t ranges[3][2] = { { 0 } };

	cr_assert_eq(parse(b, len), 0);
	ranges[0][0] = 0;
	ranges[0][1] = eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr);
	for (unsigned i = 0, k = 1; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, b + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_NOTE && k < 3) {
			ranges[k][0] = ph.p_offset;
			ranges[k++][1] = ph.p_offset + ph.p_filesz;
		}
	}
	for (unsigned r = 0; r < 3; r++)
		for (size_t o = ranges[r][0]; o < ranges[r][1]; o++)
			for (unsigned bit = 0; bit < 8; bit++) {
				b[o] ^= (uint8_t)(1 << bit);
				if (parse(b, len) == 0) {
					cr_assert_leq(im.end, MEM - 64 * 1024);
					check_load(b);
				}
				b[o] ^= (uint8_t)(1 << bit);
			}
	free(b);
}

/* The seeds of tenant_fuzz (tests/fuzz/corpus/make_tenant_seeds.py). */
Test(image_examples, fuzz_seeds_accepted)
{
	const char *dir = SRC_ROOT "/tests/fuzz/corpus/tenant";
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		char path[4096];
		size_t len;
		uint8_t *b;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		b = read_file(path, &len);
		cr_assert_eq(parse(b, len), 0, "seed %s refused: %s", de->d_name, err);
		check_load(b);
		free(b);
		n++;
	}
	closedir(d);
	cr_assert_geq(n, 5, "%u seeds", n);
}

/* ---- images built here ---- */

Test(image_built, a_minimal_image)
{
	static const struct dev devs[] = { { "storage", MFT_DEV_BLOCK_BASIC },
					   { "net_0", MFT_DEV_NET_BASIC } };
	size_t len = build0();

	accepted(img, len);
	cr_assert_eq(im.entry, TENANT_GUEST_MIN_BASE);
	cr_assert_eq(im.n_seg, 3);
	cr_assert_eq(im.seg[2].vaddr, TENANT_GUEST_MIN_BASE + 2 * PAGE);
	cr_assert_eq(im.seg[2].filesz, 16);
	cr_assert_eq(im.seg[2].memsz, 16 + PAGE);
	cr_assert_eq(im.end, TENANT_GUEST_MIN_BASE + 4 * PAGE);
	cr_assert_eq(im.mft->entries, 1);
	check_load(img);
	len = build(img, devs, 2);
	accepted(img, len);
	cr_assert_eq(im.mft->entries, 3);
	cr_assert_eq(mft_find(im.mft, "net_0", MFT_DEV_NET_BASIC), &im.mft->e[2]);
	check_load(img);
}

Test(image_built, not_an_elf_image)
{
	size_t len = build0();

	refused(img, 0, "too short for an ELF header");
	refused(img, sizeof(Elf64_Ehdr) - 1, "too short for an ELF header");
	img[EI_MAG1] = 'e';
	refused(img, len, "not an ELF file");
}

Test(image_built, wrong_class_data_or_machine)
{
	const char *why = "not a 64-bit little-endian x86-64 image";
	size_t len = build0();

	img[EI_CLASS] = ELFCLASS32;
	refused(img, len, why);
	len = build0();
	img[EI_DATA] = ELFDATA2MSB;
	refused(img, len, why);
	len = build0();
	ehdr(img)->e_machine = EM_AARCH64;
	refused(img, len, why);
}

Test(image_built, not_a_static_executable)
{
	size_t len = build0();

	ehdr(img)->e_type = ET_DYN;
	refused(img, len, "not a static executable (ELF type 3): link with -static -no-pie");
	ehdr(img)->e_type = ET_REL;
	refused(img, len, "not a static executable (ELF type 1): link with -static -no-pie");
}

Test(image_built, bad_program_headers)
{
	const char *why = "bad program headers";
	size_t len = build0();
	Elf64_Ehdr *eh = ehdr(img);

	eh->e_phnum = 0;
	refused(img, len, why);
	eh->e_phnum = 65;
	refused(img, len, why);
	eh->e_phnum = PH_N;
	eh->e_phentsize = sizeof(Elf64_Phdr) - 1;
	refused(img, len, why);
	eh->e_phentsize = sizeof(Elf64_Phdr) + 8;
	refused(img, len, why);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	/* the table past the end, by one byte; and wrapping */
	refused(img, eh->e_phoff + PH_N * sizeof(Elf64_Phdr) - 1, why);
	eh->e_phoff = len - PH_N * sizeof(Elf64_Phdr) + 1;
	refused(img, len, why);
	eh->e_phoff = ~0ULL - 8;
	refused(img, len, why);
}

Test(image_built, segment_outside_the_file)
{
	size_t len = build0();

	phdr(img, PH_TEXT)->p_offset = len - 8;
	refused(img, len, "segment 0 lies outside the file");
	phdr(img, PH_TEXT)->p_offset = ~0ULL - 7;
	refused(img, len, "segment 0 lies outside the file");
	len = build0();
	phdr(img, PH_DATA)->p_filesz = 17;
	refused(img, len, "segment 2 lies outside the file");
	phdr(img, PH_DATA)->p_filesz = ~0ULL;
	phdr(img, PH_DATA)->p_memsz = ~0ULL;
	refused(img, len, "segment 2 lies outside the file");
	/* up to the file's last byte: accepted */
	len = build0();
	phdr(img, PH_DATA)->p_filesz = 16;
	accepted(img, len);
}

Test(image_built, file_size_over_memory_size)
{
	size_t len = build0();

	phdr(img, PH_TEXT)->p_memsz = 15;
	refused(img, len, "segment 0 lies outside the file");
}

Test(image_built, segment_below_1_MiB)
{
	size_t len = build0();

	phdr(img, PH_TEXT)->p_vaddr = TENANT_GUEST_MIN_BASE - PAGE;
	ehdr(img)->e_entry = TENANT_GUEST_MIN_BASE - PAGE;
	refused(img, len,
		"segment 0 (0xff000, 16 bytes) lies outside the tenant's memory (0x100000..16 "
		"MiB)");
	phdr(img, PH_TEXT)->p_vaddr = 0;
	refused(img, len,
		"segment 0 (0x0, 16 bytes) lies outside the tenant's memory (0x100000..16 MiB)");
}

Test(image_built, segment_past_memory)
{
	size_t len = build0();
	Elf64_Phdr *d = phdr(img, PH_DATA);

	d->p_vaddr = MEM - PAGE;
	refused(img, len,
		"segment 2 (0xfff000, 4112 bytes) lies outside the tenant's memory "
		"(0x100000..16 MiB)");
	/* vaddr + memsz wrapping around */
	d->p_vaddr = TENANT_GUEST_MIN_BASE + 2 * PAGE;
	d->p_memsz = ~0ULL - PAGE + 1;
	refused(img, len,
		"segment 2 (0x102000, 18446744073709547520 bytes) lies outside the tenant's "
		"memory (0x100000..16 MiB)");
	d->p_vaddr = ~0ULL - PAGE + 1;
	d->p_memsz = 2 * PAGE;
	refused(img, len,
		"segment 2 (0xfffffffffffff000, 8192 bytes) lies outside the tenant's "
		"memory (0x100000..16 MiB)");
	/* ending at the end of memory: the segment fits, the stack does not */
	d->p_vaddr = MEM - d->p_memsz;
	refused(img, len, "the image leaves less than 64 KiB of the tenant's memory");
}

Test(image_built, writable_and_executable)
{
	size_t len = build0();

	phdr(img, PH_TEXT)->p_flags = PF_R | PF_W | PF_X;
	refused(img, len, "segment 0 is writable and executable");
	len = build0();
	phdr(img, PH_DATA)->p_flags = PF_W | PF_X;
	refused(img, len, "segment 2 is writable and executable");
}

Test(image_built, segments_sharing_a_page)
{
	size_t len = build0();

	/* the data's first page is the read-only data's last */
	phdr(img, PH_DATA)->p_vaddr = TENANT_GUEST_MIN_BASE + PAGE + 0x800;
	refused(img, len, "segments 1 and 2 share a page");
	/* one byte of code in the next page */
	len = build0();
	phdr(img, PH_TEXT)->p_vaddr = TENANT_GUEST_MIN_BASE + PAGE - 8;
	phdr(img, PH_TEXT)->p_flags = PF_R | PF_X;
	ehdr(img)->e_entry = TENANT_GUEST_MIN_BASE + PAGE - 8;
	refused(img, len, "segments 0 and 1 share a page");
	/* the same addresses twice */
	len = build0();
	*add_phdr(img) = *phdr(img, PH_RO);
	refused(img, len, "segments 1 and 5 share a page");
	/* data pages above the rest: accepted */
	len = build0();
	phdr(img, PH_DATA)->p_vaddr = 8 * PAGE + TENANT_GUEST_MIN_BASE;
	accepted(img, len);
	cr_assert_eq(im.end, TENANT_GUEST_MIN_BASE + 10 * PAGE);
}

Test(image_built, at_most_16_loadable_segments)
{
	size_t len = build0();
	uint64_t va = TENANT_GUEST_MIN_BASE + 4 * PAGE;

	for (unsigned i = 3; i < IMAGE_SEGS_MAX; i++, va += PAGE)
		ph_set(add_phdr(img), PT_LOAD, PF_R | PF_W, 0, va, 0, 16, PAGE);
	accepted(img, len);
	cr_assert_eq(im.n_seg, IMAGE_SEGS_MAX);
	check_load(img);
	/* one without memory does not count */
	ph_set(add_phdr(img), PT_LOAD, PF_R, 0, va, 0, 0, PAGE);
	accepted(img, len);
	ph_set(add_phdr(img), PT_LOAD, PF_R, 0, va, 0, 16, PAGE);
	refused(img, len, "more than 16 loadable segments");
}

Test(image_built, dynamic)
{
	size_t len = build0();

	add_phdr(img)->p_type = PT_DYNAMIC;
	refused(img, len, "a dynamic executable: tenants are static");
}

Test(image_built, other_segments_ignored)
{
	size_t len = build0();
	Elf64_Phdr *p = add_phdr(img);

	/* Solo5 images carry a false PT_INTERP: its offset is never read */
	ph_set(p, PT_INTERP, PF_R, ~0ULL, 0, ~0ULL, ~0ULL, 1);
	add_phdr(img)->p_type = PT_GNU_STACK;
	add_phdr(img)->p_type = PT_TLS;
	accepted(img, len);
}

Test(image_built, nothing_to_load)
{
	size_t len = build0();

	phdr(img, PH_TEXT)->p_memsz = phdr(img, PH_TEXT)->p_filesz = 0;
	phdr(img, PH_RO)->p_type = PT_NULL;
	phdr(img, PH_DATA)->p_type = PT_NULL;
	refused(img, len, "nothing to load");
}

Test(image_built, entry_outside_the_code)
{
	size_t len = build0();

	ehdr(img)->e_entry = TENANT_GUEST_MIN_BASE + 16;
	refused(img, len, "the entry point 0x100010 is not in an executable segment");
	ehdr(img)->e_entry = TENANT_GUEST_MIN_BASE + PAGE;
	refused(img, len, "the entry point 0x101000 is not in an executable segment");
	ehdr(img)->e_entry = 0;
	refused(img, len, "the entry point 0x0 is not in an executable segment");
	ehdr(img)->e_entry = TENANT_GUEST_MIN_BASE + 15;
	accepted(img, len);
	cr_assert_eq(im.entry, TENANT_GUEST_MIN_BASE + 15);
}

Test(image_built, no_abi_note)
{
	const char *why = "no Solo5 ABI note: not built for the spt target";
	size_t len = build0();

	phdr(img, PH_ABI)->p_type = PT_NULL;
	refused(img, len, why);
	/* another owner's note, or another type, is not Solo5's */
	len = build0();
	memcpy((uint8_t *)nhdr(img, PH_ABI) + 12, "Solo6", 5);
	refused(img, len, why);
	len = build0();
	nhdr(img, PH_ABI)->n_type = NT_GNU_ABI_TAG;
	refused(img, len, why);
	len = build0();
	nhdr(img, PH_ABI)->n_namesz = 5;
	refused(img, len, why);
}

Test(image_built, wrong_abi)
{
	size_t len = build0();
	struct abi1_info *ai = (struct abi1_info *)((uint8_t *)nhdr(img, PH_ABI) + 20);

	ai->abi_target = 1; /* hvt */
	refused(img, len, "built for Solo5 target 1 ABI 2; rampart-tender runs spt ABI 2");
	ai->abi_target = ABI1_TARGET_SPT;
	ai->abi_version = 1;
	refused(img, len, "built for Solo5 target 2 ABI 1; rampart-tender runs spt ABI 2");
	ai->abi_version = TENANT_ABI_VERSION;
	nhdr(img, PH_ABI)->n_descsz = 12;
	refused(img, len, "the ABI note has 12 bytes, not 16");
}

Test(image_built, no_manifest)
{
	size_t len = build0();

	phdr(img, PH_MFT)->p_type = PT_NULL;
	refused(img, len, "no device manifest note");
}

Test(image_built, two_manifests)
{
	size_t len = build0();

	*add_phdr(img) = *phdr(img, PH_MFT);
	refused(img, len, "two manifests");
}

Test(image_built, note_overrunning_its_segment)
{
	const char *why = "a note overruns its segment";
	size_t len = build0();
	Elf64_Phdr *p = phdr(img, PH_MFT);

	p->p_filesz -= 8;
	refused(img, len, why);
	len = build0();
	nhdr(img, PH_MFT)->n_descsz += 4;
	refused(img, len, why);
	len = build0();
	nhdr(img, PH_MFT)->n_descsz = ~0U;
	refused(img, len, why);
	len = build0();
	nhdr(img, PH_ABI)->n_namesz = ~0U;
	refused(img, len, why);
	/* a header alone with its name cut off */
	len = build0();
	phdr(img, PH_ABI)->p_filesz = 14;
	refused(img, len, why);
	/* the segment itself past the file */
	len = build0();
	phdr(img, PH_MFT)->p_offset = len - 8;
	refused(img, len, "note segment 4 lies outside the file");
	phdr(img, PH_MFT)->p_offset = ~0ULL - 8;
	refused(img, len, "note segment 4 lies outside the file");
}

Test(image_built, manifest_note_sizes)
{
	static struct dev many[64];
	static char names[64][8];
	size_t len = build0();

	nhdr(img, PH_MFT)->n_descsz = 4;
	refused(img, len, "a manifest of 4 bytes");
	nhdr(img, PH_MFT)->n_descsz = 0;
	refused(img, len, "a manifest of 0 bytes");
	/* a manifest cut short, the note still whole: mft_check's */
	len = build0();
	nhdr(img, PH_MFT)->n_descsz -= 8;
	refused(img, len, "the manifest's size (104) does not match its 1 entries");
	/* 63 devices: the most; 64: more than a copy can hold */
	for (unsigned i = 0; i < 64; i++) {
		snprintf(names[i], sizeof(names[i]), "dev%u", i);
		many[i] = (struct dev){ names[i], MFT_DEV_NET_BASIC };
	}
	len = build(img, many, 63);
	accepted(img, len);
	cr_assert_eq(im.mft->entries, MFT_MAX_ENTRIES);
	cr_assert_eq(mft_find(im.mft, "dev62", MFT_DEV_NET_BASIC), &im.mft->e[63]);
	len = build(img, many, 64);
	refused(img, len, "a manifest of 6772 bytes");
}

Test(image_built, manifest_refusals_reported)
{
	static const struct dev twice[] = { { "storage", MFT_DEV_BLOCK_BASIC },
					    { "storage", MFT_DEV_NET_BASIC } };
	size_t len = build(img, twice, 2);

	refused(img, len, "device storage declared twice");
	len = build(img, twice, 1);
	img_mft(img)->e[1].attached = true;
	refused(img, len, "device storage: attached in the image");
}

Test(image_built, leaves_64_KiB)
{
	size_t len = build0();
	uint64_t end = TENANT_GUEST_MIN_BASE + 4 * PAGE;

	cr_assert_eq(parse_mem(img, len, end + 64 * 1024 - 1), -EINVAL);
	cr_assert_str_eq(err, "the image leaves less than 64 KiB of the tenant's memory");
	cr_assert_eq(parse_mem(img, len, end + 64 * 1024), 0, "%s", err);
	cr_assert_eq(im.end, end);
}

/* ---- manifests ---- */

static _Alignas(8) uint8_t mbuf[sizeof(struct mft) + 70 * sizeof(struct mft_entry)];

static struct mft *mk(unsigned n, size_t *len)
{
	static struct dev d[69];
	static char names[69][8];

	for (unsigned i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "dev%u", i + 1);
		d[i] = (struct dev){ names[i], MFT_DEV_BLOCK_BASIC };
	}
	*len = manifest(mbuf, d, n);
	return (struct mft *)mbuf;
}

static int check(const struct mft *m, size_t len)
{
	/* a copy of exactly len bytes */
	uint8_t *c = malloc(len ? len : 1);
	int rc;

	cr_assert_not_null(c);
	memcpy(c, m, len);
	err[0] = 0;
	rc = mft_check((const struct mft *)c, len, err, sizeof(err));
	free(c);
	return rc;
}

#define mft_refused(m, len, why)                                                     \
	do {                                                                         \
		cr_assert_eq(check(m, len), -EINVAL, "accepted, expected: %s", why); \
		cr_assert_str_eq(err, why);                                          \
	} while (0)

Test(mft, valid)
{
	size_t len;
	struct mft *m = mk(0, &len);

	cr_assert_eq(check(m, len), 0, "%s", err);
	m = mk(MFT_MAX_ENTRIES - 1, &len);
	cr_assert_eq(check(m, len), 0, "%s", err);
	/* 67 characters, every kind allowed */
	m = mk(1, &len);
	memset(m->e[1].name, 'x', MFT_NAME_MAX);
	memcpy(m->e[1].name, "Az09_", 5);
	m->e[1].name[MFT_NAME_MAX] = 0;
	cr_assert_eq(check(m, len), 0, "%s", err);
}

Test(mft, too_short)
{
	size_t len;
	struct mft *m = mk(0, &len);

	mft_refused(m, 0, "the manifest is too short");
	mft_refused(m, sizeof(*m) - 1, "the manifest is too short");
}

Test(mft, version)
{
	size_t len;
	struct mft *m = mk(1, &len);

	m->version = 2;
	mft_refused(m, len, "manifest version 2; rampart-tender reads version 1");
	m->version = 0;
	mft_refused(m, len, "manifest version 0; rampart-tender reads version 1");
}

Test(mft, entry_count)
{
	size_t len;
	struct mft *m = mk(0, &len);

	m->entries = 0;
	mft_refused(m, sizeof(*m), "the manifest has 0 entries (1..64)");
	m = mk(MFT_MAX_ENTRIES, &len);
	mft_refused(m, len, "the manifest has 65 entries (1..64)");
	m->entries = ~0U;
	mft_refused(m, len, "the manifest has 4294967295 entries (1..64)");
}

Test(mft, size_mismatch)
{
	size_t len;
	struct mft *m = mk(1, &len);

	mft_refused(m, len - sizeof(struct mft_entry),
		    "the manifest's size (112) does not match its 2 entries");
	mft_refused(m, len - 1, "the manifest's size (215) does not match its 2 entries");
	m = mk(2, &len);
	m->entries = 2;
	mft_refused(m, len, "the manifest's size (320) does not match its 2 entries");
}

Test(mft, first_entry_reserved)
{
	size_t len;
	struct mft *m = mk(1, &len);

	m->e[0].type = MFT_DEV_BLOCK_BASIC;
	mft_refused(m, len, "the manifest's first entry is not the reserved one");
}

Test(mft, names)
{
	const char *len_why = "device 1: a name of 1..67 characters, terminated";
	const char *char_why = "device 1: the name may hold letters, digits and _";
	size_t len;
	struct mft *m = mk(1, &len);

	m->e[1].name[0] = 0;
	mft_refused(m, len, len_why);
	memset(m->e[1].name, 'a', MFT_NAME_SIZE);
	mft_refused(m, len, len_why);
	strcpy(m->e[1].name, "a-b");
	mft_refused(m, len, char_why);
	strcpy(m->e[1].name, "a b");
	mft_refused(m, len, char_why);
	strcpy(m->e[1].name, "a/b");
	mft_refused(m, len, char_why);
	strcpy(m->e[1].name, "\xc3\xa9");
	mft_refused(m, len, char_why);
	/* the second device's */
	m = mk(2, &len);
	m->e[2].name[0] = 0;
	mft_refused(m, len, "device 2: a name of 1..67 characters, terminated");
}

Test(mft, duplicate_names)
{
	size_t len;
	struct mft *m = mk(3, &len);

	strcpy(m->e[3].name, "dev1");
	mft_refused(m, len, "device dev1 declared twice");
	/* also under another type */
	m->e[3].type = MFT_DEV_NET_BASIC;
	mft_refused(m, len, "device dev1 declared twice");
}

Test(mft, unknown_type)
{
	size_t len;
	struct mft *m = mk(1, &len);

	m->e[1].type = (enum mft_type)3;
	mft_refused(m, len, "device dev1: unknown type 3");
	m->e[1].type = (enum mft_type)0;
	mft_refused(m, len, "device dev1: unknown type 0");
	m->e[1].type = MFT_RESERVED_FIRST;
	mft_refused(m, len, "device dev1: unknown type 1073741824");
}

Test(mft, attached)
{
	size_t len;
	struct mft *m = mk(2, &len);

	m->e[2].attached = true;
	mft_refused(m, len, "device dev2: attached in the image");
	/* any byte but 0, not only a bool's 1 */
	memset(&m->e[2].attached, 2, 1);
	mft_refused(m, len, "device dev2: attached in the image");
	memset(&m->e[2].attached, 0xff, 1);
	mft_refused(m, len, "device dev2: attached in the image");
}

Test(mft, find)
{
	size_t len;
	struct mft *m = mk(2, &len);

	m->e[2].type = MFT_DEV_NET_BASIC;
	strcpy(m->e[2].name, "net0");
	cr_assert_eq(check(m, len), 0, "%s", err);
	cr_assert_eq(mft_find(m, "dev1", MFT_DEV_BLOCK_BASIC), &m->e[1]);
	cr_assert_eq(mft_find(m, "net0", MFT_DEV_NET_BASIC), &m->e[2]);
	cr_assert_null(mft_find(m, "dev1", MFT_DEV_NET_BASIC));
	cr_assert_null(mft_find(m, "net0", MFT_DEV_BLOCK_BASIC));
	cr_assert_null(mft_find(m, "dev", MFT_DEV_BLOCK_BASIC));
	cr_assert_null(mft_find(m, "dev10", MFT_DEV_BLOCK_BASIC));
	cr_assert_null(mft_find(m, "", MFT_RESERVED_FIRST), "the reserved entry is no device");
	m = mk(0, &len);
	cr_assert_null(mft_find(m, "dev1", MFT_DEV_BLOCK_BASIC));
}
