/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlib.c - the little of a C library the example tenants use: what the
 * compiler may call on its own (memcpy, memset, memmove, memcmp), strings,
 * and a printf to the console with %s %c %d %u %x %lu %llu %zu (tlib.h).
 */
#include <stdarg.h>

#include "tlib.h"

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp < sp)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *dp = d;

	while (n--)
		*dp++ = (unsigned char)c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	}
	return 0;
}

static size_t put_u(char *out, size_t o, size_t cap, unsigned long long v, unsigned base)
{
	char d[24];
	int k = 0;

	do {
		d[k++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (k && o < cap)
		out[o++] = d[--k];
	return o;
}

int tprintf(const char *fmt, ...)
{
	char out[1024];
	size_t o = 0, cap = sizeof(out);
	va_list ap;

	va_start(ap, fmt);
	for (const char *p = fmt; *p && o < cap; p++) {
		int longs = 0, size_t_ = 0;

		if (*p != '%') {
			out[o++] = *p;
			continue;
		}
		p++;
		while (*p == 'l')
			longs++, p++;
		if (*p == 'z')
			size_t_ = 1, p++;
		switch (*p) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			while (s && *s && o < cap)
				out[o++] = *s++;
			break;
		}
		case 'c':
			out[o++] = (char)va_arg(ap, int);
			break;
		case 'd': {
			long long v = longs ? va_arg(ap, long long) : va_arg(ap, int);

			if (v < 0 && o < cap) {
				out[o++] = '-';
				v = -v;
			}
			o = put_u(out, o, cap, (unsigned long long)v, 10);
			break;
		}
		case 'u':
		case 'x': {
			unsigned long long v = size_t_ ? va_arg(ap, size_t)
					       : longs ? va_arg(ap, unsigned long long)
						       : va_arg(ap, unsigned);

			o = put_u(out, o, cap, v, *p == 'x' ? 16 : 10);
			break;
		}
		case '%':
			out[o++] = '%';
			break;
		default:
			break;
		}
	}
	va_end(ap);
	solo5_console_write(out, o);
	return (int)o;
}
