/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tenant_abi.h - what rampart-tender and a tenant agree on: where the
 * tenant's memory lies, what the tender leaves for it at boot, and the two
 * ELF notes a tenant image carries (its ABI, its device manifest). The
 * layouts are those of Solo5's spt target (ABI version 2, manifest version
 * 1), so that a unikernel built for solo5-spt boots under rampart-tender
 * unchanged (docs/sandbox.md says how far that goes).
 *
 * Both sides include it: the tender (hosted C) and the tenant's bindings
 * (freestanding C). Only fixed-size types.
 */
#ifndef RAMPART_TENANT_ABI_H
#define RAMPART_TENANT_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- memory: the tenant's addresses start at 0; the first page the
 * tender can map is TENANT_HOST_MEM_BASE (vm.mmap_min_addr), the image is
 * linked at TENANT_GUEST_MIN_BASE or above, the stack grows down from the
 * end of memory. */
#define TENANT_HOST_MEM_BASE  0x10000
#define TENANT_BOOT_INFO_BASE (TENANT_HOST_MEM_BASE + 0x1000)
#define TENANT_GUEST_MIN_BASE 0x100000
#define TENANT_CMDLINE_SIZE   8192

#define TENANT_ABI_VERSION 2u /* Solo5's SPT_ABI_VERSION */

/* Left at TENANT_BOOT_INFO_BASE; its address is the entry point's one
 * argument. */
struct tenant_boot_info {
	uint64_t mem_size;   /* bytes of memory, from address 0 */
	uint64_t kernel_end; /* the end of the image: the heap starts above */
	const char *cmdline; /* a C string */
	const void *mft;     /* the manifest, devices attached (struct mft) */
	int epollfd;	     /* for yield: the timer and every net device */
	int timerfd;	     /* the timer of yield */
};

/* epoll data of the timer (net devices carry their handle) */
#define TENANT_INTERNAL_TIMERFD (~1U)

/* ---- the ABI note (".note.solo5.abi") ---- */
#define ABI1_NOTE_NAME	"Solo5"
#define ABI1_NOTE_TYPE	0x31494241 /* "ABI1" */
#define ABI1_TARGET_SPT 2

struct abi1_nhdr {
	uint32_t n_namesz, n_descsz, n_type;
	char n_name[8]; /* "Solo5", padded to 4 */
};

struct abi1_info {
	uint32_t abi_target;  /* ABI1_TARGET_SPT */
	uint32_t abi_version; /* TENANT_ABI_VERSION */
	uint32_t reserved0, reserved1;
};

struct abi1_note {
	struct abi1_nhdr h;
	struct abi1_info i;
};

/* ---- the device manifest (".note.solo5.manifest") ---- */
#define MFT_VERSION	1u
#define MFT_NAME_SIZE	68 /* with the terminator */
#define MFT_NAME_MAX	67
#define MFT_MAX_ENTRIES 64 /* one bit each in a 64-bit handle set */
#define MFT1_NOTE_NAME	"Solo5"
#define MFT1_NOTE_TYPE	0x3154464d /* "MFT1" */

enum mft_type {
	MFT_DEV_BLOCK_BASIC = 1,
	MFT_DEV_NET_BASIC,
	MFT_RESERVED_FIRST = (1U << 30), /* entry 0: the manifest's own */
};

struct mft_block_basic {
	uint64_t capacity;
	uint16_t block_size;
};

struct mft_net_basic {
	uint8_t mac[6];
	uint16_t mtu;
};

struct mft_entry {
	char name[MFT_NAME_SIZE];
	enum mft_type type;
	union {
		struct mft_block_basic block_basic;
		struct mft_net_basic net_basic;
	} u;
	union {
		int hostfd; /* the descriptor the tender opened for it */
		void *data;
	} b;
	bool attached;
};

struct mft {
	uint32_t version;
	uint32_t entries;
	struct mft_entry e[]; /* entries of them */
};

struct mft1_nhdr {
	uint32_t n_namesz, n_descsz, n_type;
	char n_name[8];
};

_Static_assert(sizeof(struct mft_entry) == 104, "struct mft_entry: Solo5's layout");
_Static_assert(sizeof(struct tenant_boot_info) == 40, "struct tenant_boot_info: Solo5's layout");
_Static_assert(sizeof(struct abi1_nhdr) == 20, "struct abi1_nhdr: Solo5's layout");

#endif /* RAMPART_TENANT_ABI_H */
