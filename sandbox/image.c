/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * image.c - tenant images: the ELF64 headers, the loadable segments and the
 * two Solo5 notes, checked before anything is loaded (image.h).
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sandbox/image.h"

#define PAGE	 4096ULL
#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

/* a + b <= lim, without overflow */
static bool fits(uint64_t a, uint64_t b, uint64_t lim)
{
	return a <= lim && b <= lim - a;
}

/* Walk the notes of one PT_NOTE segment for Solo5's. */
static int notes(const uint8_t *buf, uint64_t off, uint64_t size, struct image *im, bool *abi_ok,
		 char *err, size_t errlen)
{
	uint64_t o = 0;

	while (o + 12 <= size) {
		Elf64_Nhdr nh;
		uint64_t name_off, desc_off, next;

		memcpy(&nh, buf + off + o, sizeof(nh));
		name_off = o + 12;
		desc_off = name_off + ((nh.n_namesz + 3ULL) & ~3ULL);
		next = desc_off + ((nh.n_descsz + 3ULL) & ~3ULL);
		if (!fits(name_off, nh.n_namesz, size) || !fits(desc_off, nh.n_descsz, size))
			return ERR("a note overruns its segment");
		if (nh.n_namesz == sizeof(MFT1_NOTE_NAME) &&
		    memcmp(buf + off + name_off, MFT1_NOTE_NAME, sizeof(MFT1_NOTE_NAME)) == 0) {
			if (nh.n_type == ABI1_NOTE_TYPE) {
				struct abi1_info ai;

				if (nh.n_descsz != sizeof(ai))
					return ERR("the ABI note has %u bytes, not %zu",
						   nh.n_descsz, sizeof(ai));
				memcpy(&ai, buf + off + desc_off, sizeof(ai));
				if (ai.abi_target != ABI1_TARGET_SPT ||
				    ai.abi_version != TENANT_ABI_VERSION)
					return ERR(
						"built for Solo5 target %u ABI %u; rampart-tender "
						"runs spt ABI %u",
						ai.abi_target, ai.abi_version, TENANT_ABI_VERSION);
				*abi_ok = true;
			} else if (nh.n_type == MFT1_NOTE_TYPE) {
				/* the manifest starts 8-byte aligned from the note's start:
				 * the descriptor begins with the padding to get there */
				uint64_t pad = ((name_off + 8 + 7) & ~7ULL) - (name_off + 8);

				if (im->mft)
					return ERR("two manifests");
				if (nh.n_descsz <= pad || nh.n_descsz - pad > sizeof(im->mft_copy))
					return ERR("a manifest of %u bytes", nh.n_descsz);
				im->mft_len = nh.n_descsz - pad;
				memcpy(im->mft_copy, buf + off + desc_off + pad, im->mft_len);
				im->mft = (struct mft *)im->mft_copy;
			}
		}
		o = next;
	}
	return 0;
}

int image_parse(const uint8_t *buf, size_t len, uint64_t mem_size, struct image *im, char *err,
		size_t errlen)
{
	Elf64_Ehdr eh;
	bool abi_ok = false, entry_ok = false;
	int rc;

	memset(im, 0, sizeof(*im));
	if (len < sizeof(eh))
		return ERR("too short for an ELF header");
	memcpy(&eh, buf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return ERR("not an ELF file");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64)
		return ERR("not a 64-bit little-endian x86-64 image");
	if (eh.e_type != ET_EXEC)
		return ERR("not a static executable (ELF type %u): link with -static -no-pie",
			   eh.e_type);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || !eh.e_phnum || eh.e_phnum > 64 ||
	    !fits(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), len))
		return ERR("bad program headers");
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, buf + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		switch (ph.p_type) {
		case PT_LOAD: {
			struct image_seg *s;

			if (!ph.p_memsz)
				continue;
			if (im->n_seg == IMAGE_SEGS_MAX)
				return ERR("more than %d loadable segments", IMAGE_SEGS_MAX);
			if (ph.p_filesz > ph.p_memsz || !fits(ph.p_offset, ph.p_filesz, len))
				return ERR("segment %u lies outside the file", i);
			if (ph.p_vaddr < TENANT_GUEST_MIN_BASE ||
			    !fits(ph.p_vaddr, ph.p_memsz, mem_size))
				return ERR("segment %u (0x%llx, %llu bytes) lies outside the "
					   "tenant's memory (0x%x..%llu MiB)",
					   i, (unsigned long long)ph.p_vaddr,
					   (unsigned long long)ph.p_memsz, TENANT_GUEST_MIN_BASE,
					   (unsigned long long)(mem_size >> 20));
			if ((ph.p_flags & PF_W) && (ph.p_flags & PF_X))
				return ERR("segment %u is writable and executable", i);
			for (unsigned k = 0; k < im->n_seg; k++) {
				const struct image_seg *o = &im->seg[k];
				uint64_t a0 = ph.p_vaddr & ~(PAGE - 1),
					 a1 = ph.p_vaddr + ph.p_memsz;
				uint64_t b0 = o->vaddr & ~(PAGE - 1), b1 = o->vaddr + o->memsz;

				/* pages are protected whole: no page shared by two segments */
				a1 = (a1 + PAGE - 1) & ~(PAGE - 1);
				b1 = (b1 + PAGE - 1) & ~(PAGE - 1);
				if (a0 < b1 && b0 < a1)
					return ERR("segments %u and %u share a page", k, i);
			}
			s = &im->seg[im->n_seg++];
			*s = (struct image_seg){ .vaddr = ph.p_vaddr,
						 .memsz = ph.p_memsz,
						 .offset = ph.p_offset,
						 .filesz = ph.p_filesz,
						 .flags = ph.p_flags };
			if (((ph.p_vaddr + ph.p_memsz + PAGE - 1) & ~(PAGE - 1)) > im->end)
				im->end = (ph.p_vaddr + ph.p_memsz + PAGE - 1) & ~(PAGE - 1);
			if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_vaddr &&
			    eh.e_entry < ph.p_vaddr + ph.p_memsz)
				entry_ok = true;
			break;
		}
		case PT_NOTE:
			if (!fits(ph.p_offset, ph.p_filesz, len))
				return ERR("note segment %u lies outside the file", i);
			rc = notes(buf, ph.p_offset, ph.p_filesz, im, &abi_ok, err, errlen);
			if (rc < 0)
				return rc;
			break;
		case PT_DYNAMIC:
			return ERR("a dynamic executable: tenants are static");
		default: /* PT_INTERP (Solo5 images carry a false one), PT_TLS, GNU_* */
			break;
		}
	}
	if (!im->n_seg)
		return ERR("nothing to load");
	if (!entry_ok)
		return ERR("the entry point 0x%llx is not in an executable segment",
			   (unsigned long long)eh.e_entry);
	if (!abi_ok)
		return ERR("no Solo5 ABI note: not built for the spt target");
	if (!im->mft)
		return ERR("no device manifest note");
	if (im->end > mem_size - 64 * 1024)
		return ERR("the image leaves less than 64 KiB of the tenant's memory");
	im->entry = eh.e_entry;
	return mft_check(im->mft, im->mft_len, err, errlen);
}

void image_load(const uint8_t *buf, const struct image *im, uint8_t *mem)
{
	for (unsigned i = 0; i < im->n_seg; i++) {
		const struct image_seg *s = &im->seg[i];

		memcpy(mem + s->vaddr, buf + s->offset, s->filesz);
		memset(mem + s->vaddr + s->filesz, 0, s->memsz - s->filesz);
	}
}

int mft_check(const struct mft *m, size_t len, char *err, size_t errlen)
{
	if (len < sizeof(*m))
		return ERR("the manifest is too short");
	if (m->version != MFT_VERSION)
		return ERR("manifest version %u; rampart-tender reads version %u", m->version,
			   MFT_VERSION);
	if (!m->entries || m->entries > MFT_MAX_ENTRIES)
		return ERR("the manifest has %u entries (1..%u)", m->entries,
			   (unsigned)MFT_MAX_ENTRIES);
	if (len != sizeof(*m) + (size_t)m->entries * sizeof(struct mft_entry))
		return ERR("the manifest's size (%zu) does not match its %u entries", len,
			   m->entries);
	if (m->e[0].type != MFT_RESERVED_FIRST)
		return ERR("the manifest's first entry is not the reserved one");
	for (uint32_t i = 1; i < m->entries; i++) {
		const struct mft_entry *e = &m->e[i];
		size_t nl = strnlen(e->name, MFT_NAME_SIZE);

		if (nl == MFT_NAME_SIZE || !nl)
			return ERR("device %u: a name of 1..%d characters, terminated", i,
				   MFT_NAME_MAX);
		for (size_t k = 0; k < nl; k++) {
			char ch = e->name[k];

			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			      (ch >= '0' && ch <= '9') || ch == '_'))
				return ERR("device %u: the name may hold letters, digits and _", i);
		}
		if (e->type != MFT_DEV_BLOCK_BASIC && e->type != MFT_DEV_NET_BASIC)
			return ERR("device %s: unknown type %u", e->name, (unsigned)e->type);
		/* the image's byte, read as a byte: any value but 0 or 1 in a
		 * bool is undefined, and may read as false */
		if (*(const uint8_t *)&e->attached)
			return ERR("device %s: attached in the image", e->name);
		for (uint32_t k = 1; k < i; k++)
			if (strcmp(m->e[k].name, e->name) == 0)
				return ERR("device %s declared twice", e->name);
	}
	return 0;
}

struct mft_entry *mft_find(struct mft *m, const char *name, enum mft_type t)
{
	for (uint32_t i = 1; i < m->entries; i++)
		if (m->e[i].type == t && strcmp(m->e[i].name, name) == 0)
			return &m->e[i];
	return NULL;
}
