/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bindings.c - the Solo5 API (solo5.h) for tenants of rampart-tender, in
 * freestanding C: the entry point the tender jumps to, and each call made
 * with the system calls the tender's filter allows on the descriptors the
 * manifest holds (Solo5's spt model): write(1) for the console, pread64 and
 * pwrite64 of one block, read and write on a net device, timerfd_settime
 * and epoll_pwait for yield, clock_gettime, arch_prctl(ARCH_SET_FS),
 * exit_group. Nothing here allocates.
 */
#include <stdbool.h>

#include "solo5.h"
#include "tenant_abi.h"

/* ---- system calls (x86-64 Linux) ---- */
#define NR_read		   0
#define NR_write	   1
#define NR_pread64	   17
#define NR_pwrite64	   18
#define NR_arch_prctl	   158
#define NR_clock_gettime   228
#define NR_exit_group	   231
#define NR_epoll_pwait	   281
#define NR_timerfd_settime 286
#define ARCH_SET_FS	   0x1002
#define EAGAIN		   11
#define EINTR		   4

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys3(n, a, b, c)    sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

struct ts {
	long sec, nsec;
};
struct its {
	struct ts interval, value;
};
struct epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

/* ---- boot ---- */

static const struct tenant_boot_info *boot;
static const struct mft *mft;

__attribute__((section(".note.solo5.abi"), aligned(4), used))
const struct abi1_note tenant_abi_note = {
	.h = { .n_namesz = sizeof(ABI1_NOTE_NAME),
	       .n_descsz = sizeof(struct abi1_info),
	       .n_type = ABI1_NOTE_TYPE,
	       .n_name = ABI1_NOTE_NAME },
	.i = { .abi_target = ABI1_TARGET_SPT, .abi_version = TENANT_ABI_VERSION },
};

#define STACK_SIZE (256 * 1024)

void _start(const struct tenant_boot_info *bi) __attribute__((section(".text.start"), noreturn));
void _start(const struct tenant_boot_info *bi)
{
	struct solo5_start_info si;

	boot = bi;
	mft = bi->mft;
	si.cmdline = bi->cmdline;
	si.heap_start = bi->kernel_end;
	si.heap_size = bi->mem_size - STACK_SIZE - bi->kernel_end;
	solo5_exit(solo5_app_main(&si));
}

void solo5_exit(int status)
{
	for (;;)
		sys3(NR_exit_group, status, 0, 0);
}

void solo5_abort(void)
{
	solo5_console_write("solo5_abort() called\n", 21);
	solo5_exit(SOLO5_EXIT_ABORT);
}

/* ---- time ---- */

static solo5_time_t clock_ns(int id)
{
	struct ts t;

	sys3(NR_clock_gettime, id, &t, 0);
	return (solo5_time_t)t.sec * 1000000000ULL + (solo5_time_t)t.nsec;
}

solo5_time_t solo5_clock_monotonic(void)
{
	return clock_ns(1);
}

solo5_time_t solo5_clock_wall(void)
{
	return clock_ns(0);
}

void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set)
{
	struct its it = { { 0, 0 }, { 0, 0 } };
	struct epoll_event ev[MFT_MAX_ENTRIES];
	solo5_handle_set_t set = 0;
	long n;

	if (deadline <= solo5_clock_monotonic())
		deadline = solo5_clock_monotonic() + 1;
	it.value.sec = (long)(deadline / 1000000000ULL);
	it.value.nsec = (long)(deadline % 1000000000ULL);
	/* TFD_TIMER_ABSTIME */
	sys4(NR_timerfd_settime, boot->timerfd, 1, &it, 0);
	do
		n = sys6(NR_epoll_pwait, boot->epollfd, (long)ev, MFT_MAX_ENTRIES, -1, 0, 8);
	while (n == -EINTR);
	for (long i = 0; i < n; i++)
		if (ev[i].data != TENANT_INTERNAL_TIMERFD && ev[i].data < MFT_MAX_ENTRIES)
			set |= 1ULL << ev[i].data;
	if (ready_set)
		*ready_set = set;
}

/* ---- console ---- */

void solo5_console_write(const char *buf, size_t size)
{
	sys3(NR_write, 1, buf, size);
}

/* ---- devices ---- */

static bool name_eq(const char *a, const char *b)
{
	size_t i = 0;

	for (; a[i] && a[i] == b[i]; i++)
		;
	return a[i] == b[i];
}

static const struct mft_entry *find(const char *name, enum mft_type t, solo5_handle_t *h)
{
	for (uint32_t i = 1; i < mft->entries; i++)
		if (mft->e[i].type == t && mft->e[i].attached && name_eq(mft->e[i].name, name)) {
			*h = i;
			return &mft->e[i];
		}
	return 0;
}

static const struct mft_entry *entry(solo5_handle_t h, enum mft_type t)
{
	if (h < 1 || h >= mft->entries || mft->e[h].type != t || !mft->e[h].attached)
		solo5_abort(); /* a device it never acquired: a bug in the tenant */
	return &mft->e[h];
}

solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle,
				   struct solo5_block_info *info)
{
	const struct mft_entry *e = find(name, MFT_DEV_BLOCK_BASIC, handle);

	if (!e)
		return SOLO5_R_EUNSPEC;
	info->capacity = e->u.block_basic.capacity;
	info->block_size = e->u.block_basic.block_size;
	return SOLO5_R_OK;
}

static solo5_result_t block_io(int nr, solo5_handle_t h, solo5_off_t off, void *buf, size_t size)
{
	const struct mft_entry *e = entry(h, MFT_DEV_BLOCK_BASIC);
	uint64_t bs = e->u.block_basic.block_size;

	if (size != bs || off % bs || off > e->u.block_basic.capacity - bs)
		return SOLO5_R_EINVAL;
	return sys4(nr, e->b.hostfd, buf, size, off) == (long)size ? SOLO5_R_OK : SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset, const uint8_t *buf,
				 size_t size)
{
	return block_io(NR_pwrite64, handle, offset, (void *)buf, size);
}

solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset, uint8_t *buf,
				size_t size)
{
	return block_io(NR_pread64, handle, offset, buf, size);
}

solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
				 struct solo5_net_info *info)
{
	const struct mft_entry *e = find(name, MFT_DEV_NET_BASIC, handle);

	if (!e)
		return SOLO5_R_EUNSPEC;
	for (int i = 0; i < SOLO5_NET_ALEN; i++)
		info->mac_address[i] = e->u.net_basic.mac[i];
	info->mtu = e->u.net_basic.mtu;
	return SOLO5_R_OK;
}

solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf, size_t size)
{
	const struct mft_entry *e = entry(handle, MFT_DEV_NET_BASIC);

	if (size > (size_t)e->u.net_basic.mtu + SOLO5_NET_HLEN)
		return SOLO5_R_EINVAL;
	sys3(NR_write, e->b.hostfd, buf, size); /* dropped when it cannot take it */
	return SOLO5_R_OK;
}

solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size, size_t *read_size)
{
	const struct mft_entry *e = entry(handle, MFT_DEV_NET_BASIC);
	long n;

	if (size < (size_t)e->u.net_basic.mtu + SOLO5_NET_HLEN)
		return SOLO5_R_EINVAL;
	n = sys3(NR_read, e->b.hostfd, buf, size);
	if (n == -EAGAIN || n == -EINTR)
		return SOLO5_R_AGAIN;
	if (n < 0)
		return SOLO5_R_EUNSPEC;
	*read_size = (size_t)n;
	return SOLO5_R_OK;
}

solo5_result_t solo5_set_tls_base(uintptr_t base)
{
	return sys3(NR_arch_prctl, ARCH_SET_FS, base, 0) == 0 ? SOLO5_R_OK : SOLO5_R_EUNSPEC;
}
