/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zonefile.c - zone files through Knot's libzscanner into dns_zone_build:
 * the scanner hands over each record in wire form (owner, type, TTL,
 * RDATA; $ORIGIN, $TTL, $INCLUDE and relative names already applied); they
 * are copied into one arena with the line they came from, and what the
 * scanner or the builder refuses comes back as "file:line: message".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libzscanner/scanner.h>

#include "dns/zonefile.h"

struct load {
	struct dns_zone_rr *rrs;
	size_t n, cap;
	uint8_t *arena; /* owners and RDATA, referenced by offset until the end */
	size_t used, size;
	size_t *owner_off, *rdata_off;
	const char *name; /* for messages when reading a string */
	char *err;
	size_t errlen, errused;
	unsigned errors;
	bool nomem;
};

static void add_error(struct load *l, const char *file, uint64_t line, const char *msg)
{
	int n;

	if (++l->errors > DNS_ZONEFILE_ERRORS_MAX || l->errused >= l->errlen)
		return;
	n = snprintf(l->err + l->errused, l->errlen - l->errused, "%s%s:%llu: %s",
		     l->errused ? "\n" : "", file, (unsigned long long)line, msg);
	if (n > 0)
		l->errused += (size_t)n;
	if (l->errused >= l->errlen)
		l->errused = l->errlen - 1;
}

static bool grow(struct load *l, size_t need)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct dns_zone_rr *r = realloc(l->rrs, cap * sizeof(*r));
		size_t *o = realloc(l->owner_off, cap * sizeof(*o));
		size_t *d = o ? realloc(l->rdata_off, cap * sizeof(*d)) : NULL;

		if (r)
			l->rrs = r;
		if (o)
			l->owner_off = o;
		if (d)
			l->rdata_off = d;
		if (!r || !o || !d)
			return false;
		l->cap = cap;
	}
	if (l->used + need > l->size) {
		size_t size = l->size ? l->size * 2 : 65536;
		uint8_t *a;

		while (size < l->used + need)
			size *= 2;
		a = realloc(l->arena, size);
		if (!a)
			return false;
		l->arena = a;
		l->size = size;
	}
	return true;
}

static void on_record(zs_scanner_t *s)
{
	struct load *l = s->process.data;

	if (l->nomem)
		return;
	if (s->r_data_length > 65535) {
		add_error(l, s->file.name ? s->file.name : l->name, s->line_counter,
			  "RDATA longer than 65535 bytes");
		return;
	}
	if (!grow(l, s->r_owner_length + s->r_data_length)) {
		l->nomem = true;
		s->state = ZS_STATE_STOP;
		return;
	}
	l->owner_off[l->n] = l->used;
	memcpy(l->arena + l->used, s->r_owner, s->r_owner_length);
	l->used += s->r_owner_length;
	l->rdata_off[l->n] = l->used;
	memcpy(l->arena + l->used, s->r_data, s->r_data_length);
	l->used += s->r_data_length;
	l->rrs[l->n] = (struct dns_zone_rr){
		.type = s->r_type,
		.ttl = s->r_ttl,
		.rdlen = (uint16_t)s->r_data_length,
		.line = (uint32_t)s->line_counter,
	};
	l->n++;
}

static void on_error(zs_scanner_t *s)
{
	struct load *l = s->process.data;

	add_error(l, s->file.name ? s->file.name : l->name, s->line_counter,
		  zs_strerror(s->error.code));
}

int dns_zonefile_load(const char *origin, const char *path, const char *text, size_t len,
		      const char *name, struct dns_zone **out, char *err, size_t errlen)
{
	struct load l = { .name = path ? path : name, .err = err, .errlen = errlen };
	uint8_t apex[DNS_NAME_MAX];
	zs_scanner_t s;
	char o[DNS_NAME_MAX * 4 + 2];
	uint32_t line = 0;
	int rc;

	*out = NULL;
	err[0] = '\0';
	if (!dns_name_from_text(origin, apex, sizeof(apex), true)) {
		snprintf(err, errlen, "%s: bad zone name \"%s\"", l.name, origin);
		return -EINVAL;
	}
	snprintf(o, sizeof(o), "%s%s", origin,
		 origin[0] && origin[strlen(origin) - 1] == '.' ? "" : ".");
	if (zs_init(&s, o, DNS_CLASS_IN, 3600) != 0) {
		snprintf(err, errlen, "%s: cannot start the zone file scanner", l.name);
		return -ENOMEM;
	}
	if ((path ? zs_set_input_file(&s, path) : zs_set_input_string(&s, text, len)) != 0) {
		snprintf(err, errlen, "%s: %s", l.name, zs_strerror(s.error.code));
		zs_deinit(&s);
		return -EINVAL;
	}
	zs_set_processing(&s, on_record, on_error, &l);
	zs_parse_all(&s);
	zs_deinit(&s);
	if (l.nomem) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", l.name);
		goto out;
	}
	if (l.errors) {
		if (l.errors > DNS_ZONEFILE_ERRORS_MAX && l.errused + 2 < errlen)
			snprintf(err + l.errused, errlen - l.errused, "\n%s: %u more errors", l.name,
				 l.errors - DNS_ZONEFILE_ERRORS_MAX);
		rc = -EINVAL;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		l.rrs[i].owner = l.arena + l.owner_off[i];
		l.rrs[i].rdata = l.arena + l.rdata_off[i];
	}
	{
		char msg[512];

		rc = dns_zone_build(apex, l.rrs, l.n, out, msg, sizeof(msg), &line);
		if (rc < 0) {
			if (line)
				snprintf(err, errlen, "%s:%u: %s", l.name, line, msg);
			else
				snprintf(err, errlen, "%s: %s", l.name, msg);
		}
	}
out:
	free(l.rrs);
	free(l.owner_off);
	free(l.rdata_off);
	free(l.arena);
	return rc;
}
