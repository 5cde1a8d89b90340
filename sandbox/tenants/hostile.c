/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hostile.c - a tenant that tries, as its command line says, one thing a
 * tenant must not do, with raw system calls (a real attacker would not use
 * the bindings): open a file, make a socket, execve, fork, clone, ptrace,
 * make its memory executable, map memory, read another descriptor or
 * another block size, write past its block device, write past its memory,
 * kill its parent. Each must end it (SIGSYS, or SIGSEGV for memory) before
 * the call does anything; it says "survived" if one does not.
 */
#include "tenant_manifest.h"
#include "tlib.h"

TENANT_MANIFEST(1, { .name = "storage", .type = MFT_DEV_BLOCK_BASIC });

static long sys(long n, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static uint8_t buf[8192];

/* Its own block device's descriptor, from the manifest the tender left. */
static long own_fd(void)
{
	const struct tenant_boot_info *bi = (const void *)TENANT_BOOT_INFO_BASE;
	const struct mft *m = bi->mft;

	for (uint32_t i = 1; i < m->entries; i++)
		if (m->e[i].type == MFT_DEV_BLOCK_BASIC)
			return m->e[i].b.hostfd;
	return -1;
}

int solo5_app_main(const struct solo5_start_info *si)
{
	const char *c = si->cmdline;
	struct solo5_block_info bi;
	solo5_handle_t h;
	long r = 0;

	solo5_block_acquire("storage", &h, &bi);
	tprintf("hostile: trying %s\n", c);
	if (strcmp(c, "open") == 0)
		r = sys(257, -100, (long)"/etc/passwd", 0, 0); /* openat */
	else if (strcmp(c, "socket") == 0)
		r = sys(41, 2, 2, 0, 0);
	else if (strcmp(c, "execve") == 0)
		r = sys(59, (long)"/bin/sh", 0, 0, 0);
	else if (strcmp(c, "fork") == 0)
		r = sys(57, 0, 0, 0, 0);
	else if (strcmp(c, "clone") == 0)
		r = sys(56, 0x11 /* SIGCHLD */, 0, 0, 0);
	else if (strcmp(c, "ptrace") == 0)
		r = sys(101, 16 /* PTRACE_ATTACH */, 1, 0, 0);
	else if (strcmp(c, "mprotect") == 0) /* its heap executable */
		r = sys(10, (long)(si->heap_start & ~4095UL), 4096, 7, 0);
	else if (strcmp(c, "mmap") == 0)
		r = sys(9, 0, 1 << 20, 3, 0x22);
	else if (strcmp(c, "otherfd") == 0) /* the descriptors it was not given */
		for (long fd = 0; fd < 64; fd++)
			r = sys(17, fd, (long)buf, 512, 0);
	else if (strcmp(c, "blocksize") == 0) { /* a block, then two at once */
		r = sys(17, own_fd(), (long)buf, 512, 0);
		tprintf("hostile: one block read: %ld\n", r);
		r = sys(17, own_fd(), (long)buf, 1024, 0);
	} else if (strcmp(c, "beyond") == 0) { /* the last block, then one past */
		r = sys(18, own_fd(), (long)buf, 512, (long)bi.capacity - 512);
		tprintf("hostile: last block written: %ld\n", r);
		r = sys(18, own_fd(), (long)buf, 512, (long)bi.capacity);
	} else if (strcmp(c, "memory") == 0) /* past the end of its memory */
		for (volatile uint8_t *p = (uint8_t *)si->heap_start;; p += 4096)
			*p = 1;
	else if (strcmp(c, "kill") == 0)
		r = sys(62, 1, 9, 0, 0);
	else if (strcmp(c, "stdin") == 0) /* the console is output only */
		r = sys(0, 0, (long)buf, 1, 0);
	else
		return 1;
	tprintf("hostile: survived %s (%ld)\n", c, r);
	return 0;
}
