/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zonefile.h - RFC 1035 zone files ($ORIGIN, $TTL, $INCLUDE, every type
 * libzscanner knows and unknown ones in RFC 3597's \# form) read into a
 * zone for the responder (zone.h). ctrl's side: it reads the file; the
 * dataplane gets what it compiles.
 */
#ifndef RAMPART_DNS_ZONEFILE_H
#define RAMPART_DNS_ZONEFILE_H

#include <stddef.h>

#include "dns/zone.h"

#define DNS_ZONEFILE_ERRORS_MAX 20 /* messages kept; the count says how many more */

/* Read the zone origin (text, "example.org") from path, or from text (len
 * bytes, named name in messages) when path is NULL. Every error is
 * reported, one "file:line: message" per line, up to
 * DNS_ZONEFILE_ERRORS_MAX; a zone with any error is not built. Returns 0
 * with *out set, -EINVAL (errors in err) or -ENOMEM. */
int dns_zonefile_load(const char *origin, const char *path, const char *text, size_t len,
		      const char *name, struct dns_zone **out, char *err, size_t errlen);

#endif /* RAMPART_DNS_ZONEFILE_H */
