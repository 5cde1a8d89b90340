/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlib.h - the small C library of the example tenants (tlib.c): memory and
 * string functions, and tprintf to the console.
 */
#ifndef RAMPART_TLIB_H
#define RAMPART_TLIB_H

#include <stddef.h>

#include "solo5.h"

void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int tprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* RAMPART_TLIB_H */
