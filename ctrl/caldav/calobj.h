/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * calobj.h - iCalendar objects as CalDAV stores and searches them (RFC 4791),
 * through libical: the checks on an object a client stores, calendar-query
 * filters (comp-filter, prop-filter, param-filter, text-match, time-range,
 * recurring events expanded, time zones honoured), expansion of recurrences
 * for calendar-data, and free-busy.
 *
 * Times are seconds since the epoch, UTC. A time-range without start or end is
 * open on that side (CALOBJ_T_MIN, CALOBJ_T_MAX).
 */
#ifndef RAMPART_CALDAV_CALOBJ_H
#define RAMPART_CALDAV_CALOBJ_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#define CALOBJ_T_MIN INT64_MIN
#define CALOBJ_T_MAX INT64_MAX

/* What calobj_check finds in a valid object. */
struct calobj_info {
	char uid[256];
	char comp[16]; /* "VEVENT", "VTODO", "VJOURNAL" or "VFREEBUSY" */
};

/* Check text (len bytes, not NUL-terminated) is a calendar object resource as
 * RFC 4791 4.1 and 5.3.2 want: one VCALENDAR with VERSION:2.0, at least one
 * component besides VTIMEZONE, all of one type and one UID (overrides with a
 * RECURRENCE-ID share the master's), no METHOD, every TZID it uses defined in
 * the object or known to libical. Returns 0, or -1 with a one-line reason in
 * err ("line 4: DTSTART: bad value", "two UIDs: a and b", ...). */
int calobj_check(const char *text, size_t len, struct calobj_info *info, char *err, size_t errlen);

/* A parsed object, kept by the store so that queries do not parse again. */
struct calobj;
/* NULL when text is not iCalendar (calobj_check refuses more). */
struct calobj *calobj_parse(const char *text, size_t len);
void calobj_free(struct calobj *o);

/* A calendar-query filter (RFC 4791 9.7), parsed from the CALDAV:filter
 * element. NULL with the reason in err when it is not valid (the caller
 * answers 403 CALDAV:valid-filter, or 400). When err begins with
 * "unsupported collation" the answer is CALDAV:supported-collation instead.
 * A time-range is taken only in a comp-filter of VEVENT, VTODO, VJOURNAL or
 * VFREEBUSY directly inside VCALENDAR (not on VALARM), or in a prop-filter. */
struct calfilter;
struct calfilter *calfilter_parse(xmlNodePtr filter, char *err, size_t errlen);
void calfilter_free(struct calfilter *f);
/* 1: o matches f, 0: it does not. Does not parse again: o's times were
 * worked out by calobj_parse; recurrences are walked only for a time-range,
 * and only up to its end. Floating times and DATEs count as UTC. */
int calfilter_match(const struct calfilter *f, const struct calobj *o);

/* "20060104T000000Z" (UTC, as RFC 4791 9.9 wants) to seconds; -1 if not. */
int caltime_parse(const char *s, int64_t *t);

/* calendar-data with CALDAV:expand (RFC 4791 9.6.5): the object with every
 * recurrence instance overlapping [start, end) as its own component with a
 * RECURRENCE-ID, times in UTC, no RRULE/RDATE/EXDATE, no VTIMEZONE.
 * malloc'd NUL-terminated text, NULL on failure. */
char *calobj_expand(const struct calobj *o, int64_t start, int64_t end);

/* free-busy-query (RFC 4791 7.10): add the busy time of each object's
 * instances overlapping [start, end) (VEVENTs not TRANSPARENT and not
 * CANCELLED, VFREEBUSY periods), then one VCALENDAR with one VFREEBUSY
 * (DTSTAMP, DTSTART, DTEND, merged FREEBUSY periods with FBTYPE BUSY,
 * BUSY-TENTATIVE, BUSY-UNAVAILABLE) as malloc'd text. */
struct calfb;
struct calfb *calfb_new(int64_t start, int64_t end); /* NULL: start >= end, or no memory */
void calfb_add(struct calfb *fb, const struct calobj *o);
char *calfb_finish(struct calfb *fb); /* frees fb */

#endif /* RAMPART_CALDAV_CALOBJ_H */
