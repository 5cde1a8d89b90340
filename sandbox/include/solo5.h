/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * solo5.h - the tenant's side of the sandbox: the whole interface a tenant
 * has to the world, with the names, types and meaning of Solo5's public
 * API (so that code written against Solo5 builds against this). A tenant
 * defines solo5_app_main(); the bindings (sandbox/bindings/) implement the
 * rest with the system calls rampart-tender's filter allows.
 *
 * Devices exist only when the tenant's manifest declares them
 * (TENANT_MANIFEST in tenant_manifest.h) and the tender attached them;
 * using an undeclared one aborts the tenant.
 */
#ifndef SOLO5_H_INCLUDED
#define SOLO5_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

typedef enum {
	SOLO5_R_OK,	 /* done */
	SOLO5_R_AGAIN,	 /* nothing now (a net read with nothing to read) */
	SOLO5_R_EINVAL,	 /* bad arguments */
	SOLO5_R_EUNSPEC, /* anything else */
} solo5_result_t;

struct solo5_start_info {
	const char *cmdline;  /* the tender's ARGS, space-separated */
	uintptr_t heap_start; /* one read-write region for the heap; the stack */
	size_t heap_size;     /* lies above it */
};

/* The tenant's entry point; its return value is its exit status. */
int solo5_app_main(const struct solo5_start_info *info);

#define SOLO5_EXIT_SUCCESS 0
#define SOLO5_EXIT_FAILURE 1
#define SOLO5_EXIT_ABORT   255
void solo5_exit(int status) __attribute__((noreturn));
void solo5_abort(void) __attribute__((noreturn));

/* Nanoseconds: since an arbitrary point (monotonic), since the epoch. */
typedef uint64_t solo5_time_t;
solo5_time_t solo5_clock_monotonic(void);
solo5_time_t solo5_clock_wall(void);

typedef uint64_t solo5_handle_t;
typedef uint64_t solo5_handle_set_t; /* bit N: handle N */

/* Sleep until the monotonic deadline or until a net device has something
 * to read; *ready_set says which (0: the deadline passed). */
void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set);

/* Best effort, output only: the supervisor logs it with the tenant's name. */
void solo5_console_write(const char *buf, size_t size);

#define SOLO5_NET_ALEN 6
#define SOLO5_NET_HLEN 14

struct solo5_net_info {
	uint8_t mac_address[SOLO5_NET_ALEN];
	size_t mtu; /* without the Ethernet header */
};

solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
				 struct solo5_net_info *info);
/* One Ethernet frame of at most mtu + 14 bytes; dropped, not queued, when
 * the device cannot take it now. */
solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf, size_t size);
/* One frame into buf (size >= mtu + 14), its length in *read_size;
 * SOLO5_R_AGAIN when there is none. */
solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size, size_t *read_size);

typedef uint64_t solo5_off_t;

struct solo5_block_info {
	solo5_off_t capacity;	/* bytes */
	solo5_off_t block_size; /* the unit of I/O */
};

solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle,
				   struct solo5_block_info *info);
/* One whole block at a multiple of block_size inside the device. */
solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset, const uint8_t *buf,
				 size_t size);
solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset, uint8_t *buf,
				size_t size);

/* Thread-local storage: the base of the FS segment. */
solo5_result_t solo5_set_tls_base(uintptr_t base);

#endif /* SOLO5_H_INCLUDED */
