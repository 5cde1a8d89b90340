/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpn_data_bench.c - rampart-vpndatabench: what the VPN's data channel
 * (vpn/data.h, P_DATA_V2) costs a packet on one core, alone, away from
 * sockets and TUNs: the per-packet work a dataplane worker would run.
 * Keys come from vpn_data_keys_from_ekm on a fixed EKM; for each cipher and
 * size, N packets are encrypted (vpn_data_encrypt) and N decrypted
 * (vpn_data_decrypt, every result checked). Prints packets/s, Gbit/s of
 * plaintext and TSC cycles per byte and per packet (bench/vpn.sh).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include <mbedtls/gcm.h>

#include "vpn/data.h"

#define BENCH_RING	 256  /* packets in flight: a ring, reused */
#define BENCH_PKT_MAX	 1600 /* the largest plaintext (1518) and its overhead */
#define BENCH_REPEAT_MAX 15

static void usage(FILE *f)
{
	fprintf(f,
		"NAME\n"
		"    rampart-vpndatabench - cycles per byte of the VPN data channel (P_DATA_V2)\n"
		"\n"
		"SYNOPSIS\n"
		"    rampart-vpndatabench [--count N] [--cipher NAME] [--size B|imix]\n"
		"                         [--repeat R] [--json]\n"
		"\n"
		"DESCRIPTION\n"
		"    For AES-256-GCM, AES-128-GCM and CHACHA20-POLY1305 (or --cipher), with\n"
		"    keys from vpn_data_keys_from_ekm on a fixed EKM, encrypts N packets of\n"
		"    each size (1420 B, 64 B and IMIX, or --size) with vpn_data_encrypt, then\n"
		"    decrypts N with vpn_data_decrypt, a ring of 256 packets reused. Sizes\n"
		"    are the plaintext (the tunnelled IP packet); IMIX is the simple IMIX,\n"
		"    7:4:1 of 64, 594 and 1518 B, interleaved. Every decryption must give\n"
		"    the packet encrypted, and a packet with a flipped bit must be refused,\n"
		"    else the exit status is 1. N per size: --count for 1420 B (default\n"
		"    30000), 4x that for 64 B, 2x for IMIX. Times: TSC (__rdtsc) and\n"
		"    CLOCK_MONOTONIC; cycles are TSC cycles, the TSC rate measured against\n"
		"    the clock. Also, as a diagnosis, AES-GCM through mbedTLS with the key\n"
		"    set up once (rows \"CIPHER/key-once\"): what vpn_data_encrypt would\n"
		"    cost without its per-packet key schedule. Run it pinned to one core.\n"
		"    Each figure is the median (by cycles) of R runs (--repeat, default 3).\n"
		"    --json: one JSON document on stdout instead of the table.\n");
}

struct bench_row {
	const char *cipher, *size, *op;
	unsigned long pkts, bytes;
	double seconds, tsc;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* the median of n rows by cycles (n odd or even: the upper middle) */
static struct bench_row median(struct bench_row *r, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && r[j].tsc < r[j - 1].tsc; j--) {
			struct bench_row t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	return r[n / 2];
}

/* the plaintext length of packet i: a fixed size, or IMIX 7:4:1 of
 * 64/594/1518 spread over each 12 packets */
static size_t bench_len(size_t size, unsigned long i)
{
	static const unsigned short imix[12] = { 64,   594, 64,	 64, 594, 64,
						 1518, 64,  594, 64, 594, 64 };

	return size ? size : imix[i % 12];
}

static uint8_t plain[BENCH_RING][BENCH_PKT_MAX];
static uint8_t sealed[BENCH_RING][BENCH_PKT_MAX];
static size_t sealed_len[BENCH_RING];

static int run(enum vpn_cipher c, size_t size, unsigned long n, struct bench_row *enc,
	       struct bench_row *dec)
{
	static const uint8_t ekm[256] = { 0 };
	struct vpn_data_keys client, server;
	uint8_t out[BENCH_PKT_MAX];
	unsigned long bytes = 0;
	uint64_t t0, t1;
	double w0, w1;
	int bad = 0;
	uint32_t id;

	/* the client encrypts, the server decrypts: as on the wire */
	vpn_data_keys_from_ekm(ekm, c, false, &client);
	vpn_data_keys_from_ekm(ekm, c, true, &server);

	/* encrypt: N packets, each with the next packet id */
	w0 = now_s();
	t0 = __rdtsc();
	for (unsigned long i = 0; i < n; i++) {
		size_t len = bench_len(size, i), r = i % BENCH_RING;

		sealed_len[r] = vpn_data_encrypt(&client.out, 0, 7, (uint32_t)(i + 1), plain[r],
						 len, sealed[r], BENCH_PKT_MAX);
		bytes += len;
	}
	t1 = __rdtsc();
	w1 = now_s();
	*enc = (struct bench_row){ NULL, NULL, "encrypt", n, bytes, w1 - w0, (double)(t1 - t0) };

	/* the ring as it was left, checked whole before it is timed */
	for (unsigned long r = 0; r < BENCH_RING && r < n; r++) {
		unsigned long i =
			n - 1 - ((n - 1 - r) % BENCH_RING); /* the last packet in slot r */
		size_t len = bench_len(size, i);
		long got = vpn_data_decrypt(&server.in, sealed[r], sealed_len[r], out, sizeof(out),
					    &id);

		if (sealed_len[r] != len + VPN_DATA_OVERHEAD || got != (long)len ||
		    memcmp(out, plain[r], len) != 0 || id != (uint32_t)(i + 1)) {
			fprintf(stderr,
				"rampart-vpndatabench: %s %zu B: packet %lu does not decrypt "
				"to what was encrypted\n",
				vpn_cipher_name(c), size, i);
			return -1;
		}
		sealed[r][sealed_len[r] - 1] ^= 1;
		got = vpn_data_decrypt(&server.in, sealed[r], sealed_len[r], out, sizeof(out), &id);
		sealed[r][sealed_len[r] - 1] ^= 1;
		if (got != -1) {
			fprintf(stderr,
				"rampart-vpndatabench: %s: a packet with a flipped bit was "
				"accepted\n",
				vpn_cipher_name(c));
			return -1;
		}
	}

	/* decrypt: N packets from the ring, every result checked */
	bytes = 0;
	w0 = now_s();
	t0 = __rdtsc();
	for (unsigned long i = 0; i < n; i++) {
		size_t r = i % BENCH_RING;
		long got = vpn_data_decrypt(&server.in, sealed[r], sealed_len[r], out, sizeof(out),
					    &id);

		bad += got != (long)(sealed_len[r] - VPN_DATA_OVERHEAD);
		bytes += sealed_len[r] - VPN_DATA_OVERHEAD;
	}
	t1 = __rdtsc();
	w1 = now_s();
	*dec = (struct bench_row){ NULL, NULL, "decrypt", n, bytes, w1 - w0, (double)(t1 - t0) };
	vpn_data_keys_wipe(&client);
	vpn_data_keys_wipe(&server);
	if (bad) {
		fprintf(stderr, "rampart-vpndatabench: %s %zu B: %d of %lu decryptions failed\n",
			vpn_cipher_name(c), size, bad, n);
		return -1;
	}
	return 0;
}

/* AES-GCM through mbedTLS as data.c calls it, but with the context (key
 * schedule, GHASH table) made once: the cost of the AEAD alone */
static int run_key_once(enum vpn_cipher c, size_t size, unsigned long n, struct bench_row *enc)
{
	static const uint8_t key[32] = { 1 };
	uint8_t nonce[12] = { 0 }, ad[8] = { 0x48 }, out[BENCH_PKT_MAX];
	mbedtls_gcm_context g;
	unsigned long bytes = 0;
	uint64_t t0, t1;
	double w0, w1;
	int rc = 0;

	mbedtls_gcm_init(&g);
	if (mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, c == VPN_AES_128_GCM ? 128 : 256))
		return -1;
	w0 = now_s();
	t0 = __rdtsc();
	for (unsigned long i = 0; i < n; i++) {
		size_t len = bench_len(size, i);

		memcpy(nonce, &i, 4);
		rc |= mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, len, nonce, 12, ad, 8,
						plain[i % BENCH_RING], out + 24, 16, out + 8);
		bytes += len;
	}
	t1 = __rdtsc();
	w1 = now_s();
	mbedtls_gcm_free(&g);
	*enc = (struct bench_row){ NULL, NULL, "encrypt", n, bytes, w1 - w0, (double)(t1 - t0) };
	return rc ? -1 : 0;
}

static void print(const struct bench_row *r, bool json, bool *first)
{
	double pps = (double)r->pkts / r->seconds, gbps = (double)r->bytes * 8 / r->seconds / 1e9;

	if (json) {
		printf("%s\n  {\"cipher\": \"%s\", \"size\": \"%s\", \"op\": \"%s\", \"packets\": "
		       "%lu, "
		       "\"bytes\": %lu, \"seconds\": %.6f, \"pps\": %.0f, \"gbps\": %.4f, "
		       "\"cycles_per_byte\": %.4f, \"cycles_per_packet\": %.1f}",
		       *first ? "" : ",", r->cipher, r->size, r->op, r->pkts, r->bytes, r->seconds,
		       pps, gbps, r->tsc / (double)r->bytes, r->tsc / (double)r->pkts);
	} else {
		printf("%-22s %-5s %-8s %8lu pkts %7.3f s %10.0f pps %7.3f Gbit/s %7.2f cycles/B "
		       "%8.0f cycles/pkt\n",
		       r->cipher, r->size, r->op, r->pkts, r->seconds, pps, gbps,
		       r->tsc / (double)r->bytes, r->tsc / (double)r->pkts);
	}
	*first = false;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "cipher", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const enum vpn_cipher ciphers[] = { VPN_AES_256_GCM, VPN_AES_128_GCM,
						   VPN_CHACHA20_POLY1305 };
	static const struct {
		const char *name;
		size_t size;
		unsigned long mult;
	} sizes[] = { { "1420", 1420, 1 }, { "64", 64, 4 }, { "imix", 0, 2 } };
	unsigned long count = 30000;
	int only_cipher = -1, only_size = -1, opt, fails = 0, repeat = 3;
	bool json = false, first = true;
	uint64_t t0;
	double w0, tsc_hz;

	while ((opt = getopt_long(argc, argv, "n:c:s:r:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			if ((only_cipher = vpn_cipher_from_name(optarg)) < 0) {
				fprintf(stderr,
					"rampart-vpndatabench: --cipher %s: not AES-128-GCM, "
					"AES-256-GCM or CHACHA20-POLY1305\n",
					optarg);
				return 2;
			}
			break;
		case 's':
			for (int i = 0; i < 3; i++)
				if (strcmp(optarg, sizes[i].name) == 0)
					only_size = i;
			if (only_size < 0) {
				fprintf(stderr, "rampart-vpndatabench: --size 1420, 64 or imix\n");
				return 2;
			}
			break;
		case 'r':
			repeat = atoi(optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (count < 1 || count > 10000000 || repeat < 1 || repeat > BENCH_REPEAT_MAX) {
		fprintf(stderr, "rampart-vpndatabench: --count 1..10000000, --repeat 1..15\n");
		return 2;
	}
	srand(1);
	for (int r = 0; r < BENCH_RING; r++)
		for (int b = 0; b < BENCH_PKT_MAX; b++)
			plain[r][b] = (uint8_t)rand();

	/* the TSC's rate, against the monotonic clock over 100 ms */
	w0 = now_s();
	t0 = __rdtsc();
	while (now_s() - w0 < 0.1)
		;
	tsc_hz = (double)(__rdtsc() - t0) / (now_s() - w0);

	if (json)
		printf("{\"tsc_hz\": %.0f, \"count_1420\": %lu, \"repeat\": %d,\n \"imix\": "
		       "\"7:4:1 of 64/594/1518 "
		       "B "
		       "plaintext\",\n \"rows\": [",
		       tsc_hz, count, repeat);
	else
		printf("TSC %.3f GHz; sizes are plaintext (the tunnelled IP packet); IMIX 7:4:1 of "
		       "64/594/1518 B\n",
		       tsc_hz / 1e9);
	for (int ci = 0; ci < 3; ci++) {
		if (only_cipher >= 0 && (int)ciphers[ci] != only_cipher)
			continue;
		for (int si = 0; si < 3; si++) {
			struct bench_row encs[BENCH_REPEAT_MAX], decs[BENCH_REPEAT_MAX], enc, dec;
			unsigned long n = count * sizes[si].mult;
			int k;

			if (only_size >= 0 && si != only_size)
				continue;
			for (k = 0; k < repeat; k++)
				if (run(ciphers[ci], sizes[si].size, n, &encs[k], &decs[k]) < 0)
					break;
			if (k < repeat) {
				fails++;
				continue;
			}
			enc = median(encs, repeat);
			dec = median(decs, repeat);
			enc.cipher = dec.cipher = vpn_cipher_name(ciphers[ci]);
			enc.size = dec.size = sizes[si].name;
			print(&enc, json, &first);
			print(&dec, json, &first);
		}
	}
	/* the diagnosis: the AEAD without data.c's per-packet key setup */
	for (int ci = 0; ci < 2; ci++) {
		if (only_cipher >= 0 && (int)ciphers[ci] != only_cipher)
			continue;
		for (int si = 0; si < 3; si++) {
			struct bench_row encs[BENCH_REPEAT_MAX], enc;
			char name[40];
			int k;

			if (only_size >= 0 && si != only_size)
				continue;
			for (k = 0; k < repeat; k++)
				if (run_key_once(ciphers[ci], sizes[si].size,
						 count * sizes[si].mult, &encs[k]) < 0)
					break;
			if (k < repeat) {
				fails++;
				continue;
			}
			enc = median(encs, repeat);
			snprintf(name, sizeof(name), "%s/key-once", vpn_cipher_name(ciphers[ci]));
			enc.cipher = name;
			enc.size = sizes[si].name;
			print(&enc, json, &first);
		}
	}
	if (json)
		printf("\n ],\n \"failures\": %d}\n", fails);
	return fails ? 1 : 0;
}
