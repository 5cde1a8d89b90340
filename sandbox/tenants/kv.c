/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kv.c - a key-value store on a block device ("storage"), driven by its
 * command line: "set KEY VALUE", "get KEY", "del KEY", "list". One record a
 * block: a magic, the key, the value, a checksum; a block that does not
 * check is free. What is set stays across restarts of the tenant, since
 * the device is a file of the host's.
 */
#include "tenant_manifest.h"
#include "tlib.h"

TENANT_MANIFEST(1, { .name = "storage", .type = MFT_DEV_BLOCK_BASIC });

#define MAGIC	0x52564b31u /* "RVK1" */
#define KEY_MAX 64
#define VAL_MAX 400

struct rec {
	uint32_t magic;
	uint32_t sum;
	char key[KEY_MAX];
	char val[VAL_MAX];
};

static uint8_t block[4096];
static solo5_handle_t h;
static struct solo5_block_info bi;

static uint32_t sum(const struct rec *r)
{
	const uint8_t *p = (const uint8_t *)r->key;
	uint32_t s = 2166136261u;

	for (size_t i = 0; i < KEY_MAX + VAL_MAX; i++)
		s = (s ^ p[i]) * 16777619u;
	return s;
}

static struct rec *load(uint64_t i)
{
	struct rec *r = (struct rec *)block;

	if (solo5_block_read(h, i * bi.block_size, block, bi.block_size) != SOLO5_R_OK) {
		tprintf("kv: cannot read block %llu\n", (unsigned long long)i);
		solo5_exit(2);
	}
	return r->magic == MAGIC && r->sum == sum(r) ? r : 0;
}

static void store(uint64_t i, const char *key, const char *val)
{
	struct rec *r = (struct rec *)block;

	memset(block, 0, sizeof(block));
	if (key) {
		r->magic = MAGIC;
		memcpy(r->key, key, strlen(key));
		memcpy(r->val, val, strlen(val));
		r->sum = sum(r);
	}
	if (solo5_block_write(h, i * bi.block_size, block, bi.block_size) != SOLO5_R_OK) {
		tprintf("kv: cannot write block %llu\n", (unsigned long long)i);
		solo5_exit(2);
	}
}

/* The next word of *p (space-separated), terminated in place. */
static char *word(char **p)
{
	char *w;

	while (**p == ' ')
		(*p)++;
	if (!**p)
		return 0;
	w = *p;
	while (**p && **p != ' ')
		(*p)++;
	if (**p)
		*(*p)++ = '\0';
	return w;
}

int solo5_app_main(const struct solo5_start_info *si)
{
	static char cmd[1024];
	char *p = cmd, *op, *key, *val;
	uint64_t n, free_at = ~0ULL;

	if (solo5_block_acquire("storage", &h, &bi) != SOLO5_R_OK ||
	    bi.block_size < sizeof(struct rec) || bi.block_size > sizeof(block)) {
		tprintf("kv: no usable block device\n");
		return 2;
	}
	n = bi.capacity / bi.block_size;
	memcpy(cmd, si->cmdline, strlen(si->cmdline) < 1023 ? strlen(si->cmdline) : 1023);
	op = word(&p);
	key = word(&p);
	while (*p == ' ')
		p++;
	val = p;
	if (!op || (strcmp(op, "list") != 0 && !key) || (key && strlen(key) >= KEY_MAX) ||
	    strlen(val) >= VAL_MAX) {
		tprintf("kv: usage: set KEY VALUE | get KEY | del KEY | list\n");
		return 1;
	}
	for (uint64_t i = 0; i < n; i++) {
		struct rec *r = load(i);

		if (!r) {
			if (free_at == ~0ULL)
				free_at = i;
			continue;
		}
		if (strcmp(op, "list") == 0) {
			tprintf("%s=%s\n", r->key, r->val);
			continue;
		}
		if (strcmp(r->key, key) != 0)
			continue;
		if (strcmp(op, "get") == 0) {
			tprintf("%s=%s\n", r->key, r->val);
			return 0;
		}
		if (strcmp(op, "del") == 0) {
			store(i, 0, 0);
			tprintf("deleted %s\n", key);
			return 0;
		}
		if (strcmp(op, "set") == 0) {
			store(i, key, val);
			tprintf("set %s\n", key);
			return 0;
		}
	}
	if (strcmp(op, "list") == 0)
		return 0;
	if (strcmp(op, "set") == 0) {
		if (free_at == ~0ULL) {
			tprintf("kv: the device is full\n");
			return 3;
		}
		store(free_at, key, val);
		tprintf("set %s\n", key);
		return 0;
	}
	tprintf("kv: no key %s\n", key);
	return 4;
}
