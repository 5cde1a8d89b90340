/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ports.c - public port allocation for NAT44 without locks: the ports of one
 * public address and protocol are split into one slice per worker, and a
 * worker allocates and frees only in its own slice. The bitmap words at the
 * edge of two slices are shared, so bits are set and cleared atomically.
 * A search starts where the last one ended, so a port just freed is not
 * handed out again at once (RFC 6056 §3.3.5 spirit, without randomness).
 */
#include <errno.h>
#include <string.h>

#include "nat/nat.h"

int nat_ports_init(struct nat_ports *p, uint16_t first, uint16_t last, unsigned n_workers)
{
	uint32_t n, per;

	memset(p, 0, sizeof(*p));
	if (!n_workers || n_workers > NAT_WORKERS_MAX || first > last || first == 0)
		return -EINVAL;
	n = (uint32_t)last - first + 1;
	if (n < n_workers)
		return -EINVAL;
	per = n / n_workers;
	p->n_workers = n_workers;
	for (unsigned w = 0; w < n_workers; w++) {
		p->lo[w] = (uint16_t)(first + w * per);
		p->hi[w] = w + 1 == n_workers ? last : (uint16_t)(first + (w + 1) * per - 1);
		p->next[w] = p->lo[w];
	}
	return 0;
}

static bool test_bit(const struct nat_ports *p, uint16_t port)
{
	return __atomic_load_n(&p->bitmap[port / 64], __ATOMIC_RELAXED) & (1ULL << (port % 64));
}

uint16_t nat_port_alloc(struct nat_ports *p, unsigned w)
{
	uint32_t span, i;
	uint16_t port;

	if (w >= p->n_workers)
		return 0;
	span = (uint32_t)p->hi[w] - p->lo[w] + 1;
	if (p->in_use[w] >= span)
		return 0;
	port = p->next[w];
	for (i = 0; i < span; i++) {
		if (!test_bit(p, port)) {
			__atomic_fetch_or(&p->bitmap[port / 64], 1ULL << (port % 64),
					  __ATOMIC_RELAXED);
			p->in_use[w]++;
			p->next[w] = port == p->hi[w] ? p->lo[w] : (uint16_t)(port + 1);
			return port;
		}
		port = port == p->hi[w] ? p->lo[w] : (uint16_t)(port + 1);
	}
	return 0;
}

int nat_port_free(struct nat_ports *p, unsigned w, uint16_t port)
{
	if (w >= p->n_workers || port < p->lo[w] || port > p->hi[w] || !test_bit(p, port))
		return -EINVAL;
	__atomic_fetch_and(&p->bitmap[port / 64], ~(1ULL << (port % 64)), __ATOMIC_RELAXED);
	p->in_use[w]--;
	return 0;
}

int nat_port_take(struct nat_ports *p, unsigned w, uint16_t port)
{
	if (w >= p->n_workers || port < p->lo[w] || port > p->hi[w] || test_bit(p, port))
		return -EINVAL;
	__atomic_fetch_or(&p->bitmap[port / 64], 1ULL << (port % 64), __ATOMIC_RELAXED);
	p->in_use[w]++;
	return 0;
}
