/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * calobj.c - iCalendar objects for the CalDAV server (calobj.h): the checks a
 * PUT must pass (RFC 4791 4.1, 5.3.2), the parsed form the store keeps, the
 * calendar-query filter (RFC 4791 9.7) and its time-range rules (9.9),
 * expansion of recurrences (9.6.5) and free-busy (7.10). libical parses and
 * iterates recurrences; this file decides what matches.
 *
 * Time is int64 seconds since the epoch, UTC. Floating times and DATE values
 * are taken as UTC (the server has no calendar-timezone to apply). A time-range
 * on a VALARM is refused at filter parse (unsupported), not answered wrongly.
 * Recurrences are walked at most CALOBJ_MAX_ITER steps per rule, so an
 * instance further away than that is not seen.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libical/ical.h>
#include <libxml/tree.h>

#include "ctrl/caldav/calobj.h"

#define CALOBJ_MAX_DEPTH    16	  /* BEGIN/END nesting in the text */
#define CALOBJ_NAME_MAX	    64	  /* a component's name in BEGIN: */
#define CALOBJ_MAX_ITER	    10000 /* recurrence steps per rule and walk */
#define CALOBJ_MAX_INST	    10000 /* instances one walk collects */
#define CALFILTER_MAX_DEPTH 8
#define CALDAV_NS	    "urn:ietf:params:xml:ns:caldav"
#define DAY_S		    86400

/* A time property's value: as written (local, its zone) and in UTC. */
struct ptime {
	struct icaltimetype local;
	icaltimezone *zone; /* NULL: UTC or floating */
	int64_t utc;
	bool date;
};

enum calend { CALEND_NONE, CALEND_ABS, CALEND_DUR };

/* One top-level component with what matching needs, computed once. */
struct calcomp {
	icalcomponent *ic;
	icalcomponent_kind kind;
	bool has_start, recurs, has_rid, unbounded, fb_periods;
	struct ptime start;
	enum calend end_kind; /* DTEND/DUE (ABS) or DURATION */
	int64_t end;	      /* UTC: DTEND, DUE or DTSTART+DURATION */
	struct icaldurationtype dur;
	bool has_completed, has_created;
	int64_t completed, created, rid;
	int64_t lo, hi;		/* RFC 4791 9.9 span as written: rs < hi && re > lo */
	int64_t env_lo, env_hi; /* the same over all its instances */
	int64_t *exdates;	/* sorted */
	size_t n_exdates;
};

struct calobj {
	icalcomponent *cal;
	icalcomponent_kind kind;
	struct calcomp *comps;
	size_t n_comps;
	int64_t *rids; /* sorted RECURRENCE-IDs of the overrides */
	size_t n_rids;
};

struct caltext {
	char *text;
	bool octet, negate;
};

struct calparamf {
	char *name;
	icalparameter_kind kind;
	bool not_defined;
	struct caltext *match;
};

struct calpropf {
	char *name;
	icalproperty_kind kind;
	bool not_defined, has_range;
	int64_t rs, re;
	struct caltext *match;
	struct calparamf *params;
	size_t n_params;
};

struct calcompf {
	char *name;
	icalcomponent_kind kind;
	bool not_defined, has_range;
	int64_t rs, re;
	struct calpropf *props;
	size_t n_props;
	struct calcompf *comps;
	size_t n_comps;
};

struct calfilter {
	struct calcompf root;
};

/* One instance of a component: its times and its 9.9 span. */
struct calinst {
	int64_t start, end, lo, hi;
};

struct instlist {
	struct calinst *v;
	size_t n, cap, max;
	bool grow, failed;
};

struct calfb_period {
	int64_t s, e;
	int type;
};

struct calfb {
	int64_t start, end;
	struct calfb_period *v;
	size_t n, cap;
	bool failed;
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One line, whatever the input quoted in it held. */
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

static void fmt_utc(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

/* ---- times ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's method). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int caltime_parse(const char *s, int64_t *t)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, se;

	if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return -1;
	y = digits(s, 4);
	mo = digits(s + 4, 2);
	d = digits(s + 6, 2);
	h = digits(s + 9, 2);
	mi = digits(s + 11, 2);
	se = digits(s + 13, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || se < 0 || se > 59)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	*t = days_from_civil(y, mo, d) * DAY_S + h * 3600 + mi * 60 + se;
	return 0;
}

/* A TZID libical may look up among its zones: a plain Area/Location name, so
 * that nothing from the input becomes a path outside the zone directory. */
static bool tzid_is_location(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '/' || strstr(s, ".."))
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '/' || *s == '_' || *s == '-' || *s == '+'))
			return false;
	return true;
}

/* The zone a TZID names: the object's VTIMEZONE, else libical's builtin one. */
static icaltimezone *zone_find(icalcomponent *cal, const char *tzid)
{
	static const char prefix[] = "/freeassociation.sourceforge.net/";
	icaltimezone *z;

	if (!tzid || !*tzid)
		return NULL;
	z = icalcomponent_get_timezone(cal, tzid);
	if (z)
		return z;
	if (!strncmp(tzid, prefix, sizeof(prefix) - 1)) {
		const char *loc = tzid + sizeof(prefix) - 1;

		if (!strncmp(loc, "Tzfile/", 7))
			loc += 7;
		return tzid_is_location(loc) ? icaltimezone_get_builtin_timezone(loc) : NULL;
	}
	return tzid_is_location(tzid) ? icaltimezone_get_builtin_timezone(tzid) : NULL;
}

static int64_t to_utc(struct icaltimetype t, icaltimezone *zone)
{
	if (!zone || t.is_date)
		return (int64_t)icaltime_as_timet(t);
	return (int64_t)icaltime_as_timet_with_zone(t, zone);
}

static icaltimezone *prop_zone(icalproperty *p, icalcomponent *cal)
{
	icalparameter *tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);

	return tz ? zone_find(cal, icalparameter_get_tzid(tz)) : NULL;
}

/* The DATE or DATE-TIME value of p; -1 when it has none. */
static int prop_time(icalproperty *p, icalcomponent *cal, struct ptime *pt)
{
	icalvalue *v = icalproperty_get_value(p);
	icalvalue_kind k = v ? icalvalue_isa(v) : ICAL_NO_VALUE;

	if (k == ICAL_DATETIME_VALUE)
		pt->local = icalvalue_get_datetime(v);
	else if (k == ICAL_DATE_VALUE)
		pt->local = icalvalue_get_date(v);
	else
		return -1;
	if (icaltime_is_null_time(pt->local) || !icaltime_is_valid_time(pt->local))
		return -1;
	pt->date = pt->local.is_date;
	pt->zone = NULL;
	if (!pt->date && !icaltime_is_utc(pt->local))
		pt->zone = prop_zone(p, cal);
	pt->utc = to_utc(pt->local, pt->zone);
	return 0;
}

static int first_time(icalcomponent *ic, icalproperty_kind kind, icalcomponent *cal,
		      struct ptime *pt)
{
	icalproperty *p = icalcomponent_get_first_property(ic, kind);

	return p ? prop_time(p, cal, pt) : -1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static bool in_sorted(const int64_t *v, size_t n, int64_t t)
{
	return n && bsearch(&t, v, n, sizeof(*v), cmp_i64);
}

/* ---- the text's shape, before libical sees it ---- */

struct scan {
	const char *p, *end;
	unsigned line;
	char *buf; /* one unfolded line; as large as the whole text */
};

/* The next logical line (unfolded, without CRLF) in s->buf; 0 at the end. */
static int scan_next(struct scan *s, unsigned *lineno)
{
	size_t n = 0;

	if (s->p >= s->end)
		return 0;
	*lineno = s->line;
	for (;;) {
		const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
		size_t l = (size_t)((nl ? nl : s->end) - s->p);

		if (l && s->p[l - 1] == '\r')
			l--;
		memcpy(s->buf + n, s->p, l);
		n += l;
		s->p = nl ? nl + 1 : s->end;
		s->line++;
		if (s->p >= s->end || (*s->p != ' ' && *s->p != '\t'))
			break;
		s->p++; /* RFC 5545 3.1: a fold's first blank is not content */
	}
	s->buf[n] = '\0';
	return 1;
}

static const char *begin_end(const char *line, bool *begin)
{
	if (!strncasecmp(line, "BEGIN:", 6)) {
		*begin = true;
		return line + 6;
	}
	if (!strncasecmp(line, "END:", 4)) {
		*begin = false;
		return line + 4;
	}
	return NULL;
}

/* One VCALENDAR, BEGIN and END paired, nothing around it. libical accepts
 * stray text and mismatched ENDs silently, so this is checked first. */
static int check_shape(const char *text, size_t len, char *err, size_t errlen)
{
	char names[CALOBJ_MAX_DEPTH][CALOBJ_NAME_MAX];
	unsigned lines[CALOBJ_MAX_DEPTH], lineno = 0;
	struct scan s = { text, text + len, 1, NULL };
	int depth = 0, rc = -1;
	bool done = false, begin;
	const char *name;

	s.buf = malloc(len + 1);
	if (!s.buf) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	while (scan_next(&s, &lineno)) {
		if (!s.buf[0])
			continue;
		name = begin_end(s.buf, &begin);
		if (done) {
			seterr(err, errlen, "line %u: text after END:VCALENDAR", lineno);
			goto out;
		}
		if (depth == 0 && (!name || !begin || strcasecmp(name, "VCALENDAR"))) {
			seterr(err, errlen, "line %u: expected BEGIN:VCALENDAR, not \"%.40s\"",
			       lineno, s.buf);
			goto out;
		}
		if (!name)
			continue;
		if (strlen(name) >= CALOBJ_NAME_MAX || !*name) {
			seterr(err, errlen, "line %u: bad component name", lineno);
			goto out;
		}
		if (begin) {
			if (depth == CALOBJ_MAX_DEPTH) {
				seterr(err, errlen, "line %u: components nested too deep", lineno);
				goto out;
			}
			if (depth > 0 && !strcasecmp(name, "VCALENDAR")) {
				seterr(err, errlen, "line %u: VCALENDAR inside VCALENDAR", lineno);
				goto out;
			}
			strcpy(names[depth], name);
			lines[depth++] = lineno;
			continue;
		}
		if (strcasecmp(name, names[depth - 1])) {
			seterr(err, errlen, "line %u: END:%s closes BEGIN:%s of line %u", lineno,
			       name, names[depth - 1], lines[depth - 1]);
			goto out;
		}
		done = --depth == 0;
	}
	if (depth > 0)
		seterr(err, errlen, "BEGIN:%s of line %u is never closed", names[depth - 1],
		       lines[depth - 1]);
	else if (!done)
		seterr(err, errlen, "empty: no BEGIN:VCALENDAR");
	else
		rc = 0;
out:
	free(s.buf);
	return rc;
}

/* text as libical wants it, NUL-terminated; NULL (err set) if it holds a NUL. */
static char *copy_text(const char *text, size_t len, char *err, size_t errlen)
{
	const char *nul = memchr(text, '\0', len);
	char *buf;

	if (nul) {
		unsigned line = 1;

		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		seterr(err, errlen, "line %u: NUL byte", line);
		return NULL;
	}
	buf = malloc(len + 1);
	if (!buf) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	return buf;
}

static icalcomponent *parse_text(const char *text, size_t len, char *err, size_t errlen)
{
	icalcomponent *cal;
	char *buf;

	buf = copy_text(text, len, err, errlen);
	if (!buf)
		return NULL;
	if (check_shape(buf, len, err, errlen)) {
		free(buf);
		return NULL;
	}
	cal = icalparser_parse_string(buf);
	free(buf);
	if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
		seterr(err, errlen, "not iCalendar");
		if (cal)
			icalcomponent_free(cal);
		return NULL;
	}
	return cal;
}

/* ---- calobj_check ---- */

/* The line an X-LIC-ERROR came from: libical's message ends with the line, the
 * property's name or its value. 0 when it cannot be told. */
static unsigned error_line(const char *text, size_t len, const char *prop, const char *tail)
{
	struct scan s = { text, text + len, 1, NULL };
	unsigned lineno, found = 0;

	s.buf = malloc(len + 1);
	if (!s.buf)
		return 0;
	while (!found && scan_next(&s, &lineno)) {
		size_t nl = strcspn(s.buf, ";:");
		const char *colon = strchr(s.buf, ':');

		if (!strcmp(s.buf, tail) ||
		    (prop && nl == strlen(prop) && !strncasecmp(s.buf, prop, nl) && colon &&
		     !strcmp(colon + 1, tail)) ||
		    (!prop && nl == strlen(tail) && !strncasecmp(s.buf, tail, nl)))
			found = lineno;
	}
	free(s.buf);
	return found;
}

/* "Can't parse as DATE-TIME value in DTSTART property. Removing entire
 * property: garbage" becomes "line 5: DTSTART: not a valid DATE-TIME: garbage". */
static void report_xlic(const char *text, size_t len, const char *msg, char *err, size_t errlen)
{
	static const char vmark[] = "Can't parse as ", rmark[] = "Removing entire property: ";
	char type[32] = "", prop[64] = "";
	const char *tail = strrchr(msg, ':'), *r = strstr(msg, rmark);
	unsigned line;

	tail = tail ? tail + 1 + (tail[1] == ' ') : msg;
	if (!strncmp(msg, vmark, sizeof(vmark) - 1) && r &&
	    sscanf(msg + sizeof(vmark) - 1, "%31s value in %63s property", type, prop) == 2) {
		tail = r + sizeof(rmark) - 1;
		line = error_line(text, len, prop, tail);
		if (line)
			seterr(err, errlen, "line %u: %s: not a valid %s: \"%s\"", line, prop, type,
			       tail);
		else
			seterr(err, errlen, "%s: not a valid %s: \"%s\"", prop, type, tail);
		return;
	}
	line = error_line(text, len, NULL, tail);
	if (line)
		seterr(err, errlen, "line %u: %s", line, msg);
	else
		seterr(err, errlen, "%s", msg);
}

static icalproperty *find_xlic(icalcomponent *c)
{
	icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);

	for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); !p && s;
	     s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
		p = find_xlic(s);
	return p;
}

/* Every TZID parameter names a zone we can use. */
static int check_tzids(icalcomponent *c, icalcomponent *cal, char *err, size_t errlen)
{
	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
		icalparameter *tz = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
		const char *tzid = tz ? icalparameter_get_tzid(tz) : NULL;

		if (tz && !zone_find(cal, tzid)) {
			seterr(err, errlen,
			       "%s: TZID \"%s\" is neither a VTIMEZONE in the object nor a known "
			       "zone",
			       icalproperty_kind_to_string(icalproperty_isa(p)), tzid ? tzid : "");
			return -1;
		}
	}
	for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
	     s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
		if (icalcomponent_isa(s) != ICAL_VTIMEZONE_COMPONENT &&
		    check_tzids(s, cal, err, errlen))
			return -1;
	return 0;
}

static bool has_prop(icalcomponent *c, icalproperty_kind k)
{
	return icalcomponent_get_first_property(c, k) != NULL;
}

/* RFC 5545 3.6.1, 3.6.2: start, end and duration agree. */
static int check_times(icalcomponent *c, icalcomponent *cal, const char *uid, char *err,
		       size_t errlen)
{
	icalcomponent_kind k = icalcomponent_isa(c);
	const char *cn = icalcomponent_kind_to_string(k);
	icalproperty_kind endk =
		k == ICAL_VTODO_COMPONENT ? ICAL_DUE_PROPERTY : ICAL_DTEND_PROPERTY;
	const char *en = icalproperty_kind_to_string(endk);
	bool has_start = has_prop(c, ICAL_DTSTART_PROPERTY), has_end = has_prop(c, endk);
	bool has_dur = has_prop(c, ICAL_DURATION_PROPERTY);
	struct ptime s, e;
	char a[32], b[32];

	if (k == ICAL_VEVENT_COMPONENT && !has_start) {
		seterr(err, errlen, "VEVENT %s has no DTSTART (RFC 5545 3.6.1)", uid);
		return -1;
	}
	if (!has_start && (has_prop(c, ICAL_RRULE_PROPERTY) || has_prop(c, ICAL_RDATE_PROPERTY))) {
		seterr(err, errlen, "%s %s recurs but has no DTSTART", cn, uid);
		return -1;
	}
	if (k != ICAL_VEVENT_COMPONENT && k != ICAL_VTODO_COMPONENT)
		return 0;
	if (has_end && has_dur) {
		seterr(err, errlen, "%s %s has both %s and DURATION", cn, uid, en);
		return -1;
	}
	if (has_dur && !has_start) {
		seterr(err, errlen, "%s %s has DURATION but no DTSTART", cn, uid);
		return -1;
	}
	if (has_dur) {
		struct icaldurationtype d = icalproperty_get_duration(
			icalcomponent_get_first_property(c, ICAL_DURATION_PROPERTY));

		if (d.is_neg) {
			seterr(err, errlen, "%s %s has a negative DURATION", cn, uid);
			return -1;
		}
	}
	if (!has_start || !has_end)
		return 0;
	if (first_time(c, ICAL_DTSTART_PROPERTY, cal, &s) || first_time(c, endk, cal, &e)) {
		seterr(err, errlen, "%s %s: DTSTART or %s is not a date or date-time", cn, uid, en);
		return -1;
	}
	if (s.date != e.date) {
		seterr(err, errlen, "%s %s: %s is a %s but DTSTART is a %s", cn, uid, en,
		       e.date ? "DATE" : "DATE-TIME", s.date ? "DATE" : "DATE-TIME");
		return -1;
	}
	if (e.utc < s.utc) {
		fmt_utc(e.utc, a, sizeof(a));
		fmt_utc(s.utc, b, sizeof(b));
		seterr(err, errlen, "%s %s: %s %s is before DTSTART %s", cn, uid, en, a, b);
		return -1;
	}
	return 0;
}

struct seen {
	icalcomponent_kind kind;
	const char *uid;
	int masters;
	int64_t rids[64];
	size_t n_rids;
};

static int check_comp(icalcomponent *c, icalcomponent *cal, struct seen *sn, char *err,
		      size_t errlen)
{
	icalcomponent_kind k = icalcomponent_isa(c);
	const char *cn = icalcomponent_kind_to_string(k);
	icalproperty *up = icalcomponent_get_first_property(c, ICAL_UID_PROPERTY);
	const char *uid = up ? icalproperty_get_uid(up) : NULL;
	struct ptime rid;

	if (sn->kind != ICAL_NO_COMPONENT && sn->kind != k) {
		seterr(err, errlen, "mixed components: %s and %s (RFC 4791 4.1)",
		       icalcomponent_kind_to_string(sn->kind), cn);
		return -1;
	}
	sn->kind = k;
	if (!uid || !*uid) {
		seterr(err, errlen, "%s without UID", cn);
		return -1;
	}
	if (strlen(uid) >= sizeof(((struct calobj_info *)0)->uid)) {
		seterr(err, errlen, "UID longer than 255 bytes");
		return -1;
	}
	if (sn->uid && strcmp(sn->uid, uid)) {
		seterr(err, errlen, "two UIDs: %s and %s (RFC 4791 4.1)", sn->uid, uid);
		return -1;
	}
	sn->uid = uid;
	if (!icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY)) {
		if (++sn->masters > 1) {
			seterr(err, errlen, "two %ss with UID %s and no RECURRENCE-ID", cn, uid);
			return -1;
		}
	} else if (first_time(c, ICAL_RECURRENCEID_PROPERTY, cal, &rid) == 0) {
		for (size_t i = 0; i < sn->n_rids; i++)
			if (sn->rids[i] == rid.utc) {
				seterr(err, errlen,
				       "two %ss with UID %s and the same RECURRENCE-ID", cn, uid);
				return -1;
			}
		if (sn->n_rids < sizeof(sn->rids) / sizeof(sn->rids[0]))
			sn->rids[sn->n_rids++] = rid.utc;
	}
	return check_times(c, cal, uid, err, errlen);
}

/* RFC 5545 3.3.4, 3.3.12: a month of 1 to 12, a day that month has, hours
 * 0 to 23, minutes 0 to 59, seconds 0 to 60. libical keeps what it read. */
static bool time_valid(struct icaltimetype t)
{
	if (icaltime_is_null_time(t))
		return true;
	if (t.year < 1 || t.year > 9999 || t.month < 1 || t.month > 12 || t.day < 1 ||
	    t.day > icaltime_days_in_month(t.month, t.year))
		return false;
	return t.is_date || (t.hour >= 0 && t.hour <= 23 && t.minute >= 0 && t.minute <= 59 &&
			     t.second >= 0 && t.second <= 60);
}

static bool value_times_valid(icalvalue *v)
{
	struct icaldatetimeperiodtype dp;
	struct icalperiodtype pt;

	switch (icalvalue_isa(v)) {
	case ICAL_DATE_VALUE:
	case ICAL_DATETIME_VALUE:
		return time_valid(icalvalue_get_datetime(v));
	case ICAL_DATETIMEPERIOD_VALUE:
		dp = icalvalue_get_datetimeperiod(v);
		return time_valid(dp.time) && time_valid(dp.period.start) &&
		       time_valid(dp.period.end);
	case ICAL_PERIOD_VALUE:
		pt = icalvalue_get_period(v);
		return time_valid(pt.start) && time_valid(pt.end);
	default:
		return true;
	}
}

/* Every date and date-time of c and its subcomponents (VALARM...). */
static int check_time_values(icalcomponent *c, char *err, size_t errlen)
{
	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
		icalvalue *v = icalproperty_get_value(p);

		if (v && !value_times_valid(v)) {
			seterr(err, errlen,
			       "%s: %s is not a valid date or date-time (RFC 5545 3.3.4)",
			       icalproperty_get_property_name(p), icalvalue_as_ical_string(v));
			return -1;
		}
	}
	for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
	     s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
		if (check_time_values(s, err, errlen))
			return -1;
	return 0;
}

static bool is_object_kind(icalcomponent_kind k)
{
	return k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT ||
	       k == ICAL_VJOURNAL_COMPONENT || k == ICAL_VFREEBUSY_COMPONENT;
}

static int check_cal(icalcomponent *cal, struct calobj_info *info, char *err, size_t errlen)
{
	icalproperty *p = icalcomponent_get_first_property(cal, ICAL_VERSION_PROPERTY);
	struct seen sn = { ICAL_NO_COMPONENT, NULL, 0, { 0 }, 0 };

	if (!p) {
		seterr(err, errlen, "no VERSION:2.0");
		return -1;
	}
	if (strcmp(icalproperty_get_version(p), "2.0")) {
		seterr(err, errlen, "VERSION is \"%s\", not 2.0", icalproperty_get_version(p));
		return -1;
	}
	p = icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
	if (p) {
		seterr(err, errlen, "METHOD:%s in a calendar object resource (RFC 4791 4.1)",
		       icalproperty_method_to_string(icalproperty_get_method(p)));
		return -1;
	}
	if (check_tzids(cal, cal, err, errlen) || check_time_values(cal, err, errlen))
		return -1;
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind k = icalcomponent_isa(c);

		if (k == ICAL_VTIMEZONE_COMPONENT) {
			if (!has_prop(c, ICAL_TZID_PROPERTY)) {
				seterr(err, errlen, "VTIMEZONE without TZID");
				return -1;
			}
			continue;
		}
		if (k == ICAL_X_COMPONENT)
			continue;
		if (!is_object_kind(k)) {
			seterr(err, errlen, "%s is not allowed in a calendar object resource",
			       icalcomponent_kind_to_string(k));
			return -1;
		}
		if (check_comp(c, cal, &sn, err, errlen))
			return -1;
	}
	if (sn.kind == ICAL_NO_COMPONENT) {
		seterr(err, errlen, "no VEVENT, VTODO, VJOURNAL or VFREEBUSY in the object");
		return -1;
	}
	if (info) {
		snprintf(info->uid, sizeof(info->uid), "%s", sn.uid);
		snprintf(info->comp, sizeof(info->comp), "%s",
			 icalcomponent_kind_to_string(sn.kind));
	}
	return 0;
}

int calobj_check(const char *text, size_t len, struct calobj_info *info, char *err, size_t errlen)
{
	icalcomponent *cal;
	icalproperty *x;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!text) {
		seterr(err, errlen, "no text");
		return -1;
	}
	cal = parse_text(text, len, err, errlen);
	if (!cal)
		return -1;
	x = find_xlic(cal);
	if (x) {
		report_xlic(text, len, icalproperty_get_xlicerror(x), err, errlen);
		rc = -1;
	} else {
		rc = check_cal(cal, info, err, errlen);
	}
	icalcomponent_free(cal);
	return rc;
}

/* ---- the parsed object ---- */

/* RFC 4791 9.9, as a span: an instance starting at s and ending at e matches
 * [rs, re) when rs < hi && re > lo. Each row of the tables is rewritten so,
 * using that times are whole seconds (x <= y is x < y + 1). */
static void span_of(const struct calcomp *c, int64_t s, int64_t e, int64_t *lo, int64_t *hi)
{
	*lo = INT64_MAX;
	*hi = INT64_MIN; /* FALSE */
	switch (c->kind) {
	case ICAL_VEVENT_COMPONENT:
		*lo = s;
		if (c->end_kind == CALEND_ABS || (c->end_kind == CALEND_DUR && e > s))
			*hi = e;
		else if (c->end_kind == CALEND_NONE && c->start.date)
			*hi = s + DAY_S;
		else
			*hi = s + 1;
		break;
	case ICAL_VTODO_COMPONENT:
		if (c->has_start && c->end_kind == CALEND_DUR) {
			*hi = e + 1;
			*lo = s < e - 1 ? s : e - 1;
		} else if (c->has_start && c->end_kind == CALEND_ABS) {
			*hi = e > s + 1 ? e : s + 1;
			*lo = s < e - 1 ? s : e - 1;
		} else if (c->has_start) {
			*lo = s;
			*hi = s + 1;
		} else if (c->end_kind == CALEND_ABS) {
			*lo = e - 1;
			*hi = e;
		} else if (c->has_completed && c->has_created) {
			*hi = (c->created > c->completed ? c->created : c->completed) + 1;
			*lo = (c->created < c->completed ? c->created : c->completed) - 1;
		} else if (c->has_completed) {
			*lo = c->completed - 1;
			*hi = c->completed + 1;
		} else if (c->has_created) {
			*lo = c->created;
			*hi = INT64_MAX;
		} else {
			*lo = INT64_MIN;
			*hi = INT64_MAX;
		}
		break;
	case ICAL_VJOURNAL_COMPONENT:
		if (c->has_start) {
			*lo = s;
			*hi = c->start.date ? s + DAY_S : s + 1;
		}
		break;
	case ICAL_VFREEBUSY_COMPONENT:
		if (c->has_start && c->end_kind == CALEND_ABS) {
			*lo = s;
			*hi = e + 1;
		}
		break;
	default:
		break;
	}
}

static bool overlaps(int64_t rs, int64_t re, int64_t lo, int64_t hi)
{
	return rs < hi && re > lo;
}

static int64_t period_end(struct icalperiodtype pt, icalcomponent *cal, icalproperty *p)
{
	icaltimezone *z = icaltime_is_utc(pt.start) ? NULL : prop_zone(p, cal);

	if (!icaltime_is_null_time(pt.end))
		return to_utc(pt.end, icaltime_is_utc(pt.end) ? NULL : z);
	return to_utc(pt.start, z) + icaldurationtype_as_int(pt.duration);
}

/* VFREEBUSY without DTSTART and DTEND: its FREEBUSY periods (RFC 4791 9.9). */
static bool fb_periods_overlap(const struct calcomp *c, icalcomponent *cal, int64_t rs, int64_t re,
			       int64_t *lo, int64_t *hi)
{
	bool any = false;

	for (icalproperty *p = icalcomponent_get_first_property(c->ic, ICAL_FREEBUSY_PROPERTY); p;
	     p = icalcomponent_get_next_property(c->ic, ICAL_FREEBUSY_PROPERTY)) {
		struct icalperiodtype pt = icalproperty_get_freebusy(p);
		int64_t s, e;

		if (icaltime_is_null_time(pt.start))
			continue;
		s = to_utc(pt.start, icaltime_is_utc(pt.start) ? NULL : prop_zone(p, cal));
		e = period_end(pt, cal, p);
		if (lo) {
			*lo = s < *lo ? s : *lo;
			*hi = e > *hi ? e : *hi;
		} else if (overlaps(rs, re, s, e)) {
			any = true;
			break;
		}
	}
	return any;
}

/* ---- recurrences ---- */

static bool inst_push(struct instlist *l, const struct calinst *in)
{
	if (l->n == l->cap) {
		struct calinst *v;
		size_t cap = l->cap ? l->cap * 2 : 16;

		if (!l->grow)
			return false;
		v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->failed = true;
			return false;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *in;
	return l->n < l->max;
}

static int64_t inst_end(const struct calcomp *c, struct icaltimetype local, int64_t s)
{
	if (c->end_kind == CALEND_ABS)
		return s + (c->end - c->start.utc);
	if (c->end_kind == CALEND_DUR)
		return to_utc(icaltime_add(local, c->dur), c->start.zone);
	return s;
}

/* One candidate instance: kept if not excluded nor overridden and it
 * overlaps. false: stop (list full). */
static bool candidate(const struct calobj *o, const struct calcomp *c, int64_t s, int64_t e,
		      int64_t rs, int64_t re, struct instlist *l)
{
	struct calinst in = { s, e, 0, 0 };

	if (in_sorted(c->exdates, c->n_exdates, s) || in_sorted(o->rids, o->n_rids, s))
		return true;
	span_of(c, s, e, &in.lo, &in.hi);
	if (!overlaps(rs, re, in.lo, in.hi))
		return true;
	return inst_push(l, &in);
}

/* Where an RRULE walk may begin for a range starting at rs: a little before,
 * so that an instance begun earlier and still running is seen. */
static void rrule_skip(const struct calcomp *c, icalrecur_iterator *it, int64_t rs)
{
	int64_t margin = 2 * DAY_S, from;
	struct icaltimetype t;

	if (c->end_kind != CALEND_NONE)
		margin += (c->end > c->start.utc ? c->end - c->start.utc : 0) + 7 * DAY_S;
	if (rs == CALOBJ_T_MIN || rs - margin <= c->start.utc + margin)
		return;
	from = rs - margin;
	t = icaltime_from_timet_with_zone((time_t)from, c->start.date,
					  c->start.zone ? c->start.zone
							: icaltimezone_get_utc_timezone());
	if (!c->start.zone && !icaltime_is_utc(c->start.local))
		t.zone = NULL;
	else if (!c->start.zone)
		t = icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone());
	icalrecur_iterator_set_start(it, t);
}

/* The instances of one RRULE; false when the list is full. */
static bool walk_rrule(const struct calobj *o, const struct calcomp *c, icalproperty *p, int64_t rs,
		       int64_t re, struct instlist *l, bool *capped)
{
	struct icalrecurrencetype r = icalproperty_get_rrule(p);
	icalrecur_iterator *it;
	bool more = true;
	int n;

	if (r.freq == ICAL_NO_RECURRENCE)
		return true;
	it = icalrecur_iterator_new(r, c->start.local);
	if (!it)
		return true;
	if (r.count == 0)
		rrule_skip(c, it, rs);
	for (n = 0; more && n < CALOBJ_MAX_ITER; n++) {
		struct icaltimetype t = icalrecur_iterator_next(it);
		int64_t s;

		if (icaltime_is_null_time(t))
			break;
		s = to_utc(t, c->start.zone);
		if (s == c->start.utc)
			continue; /* DTSTART, already counted */
		if (s > re)
			break;
		more = candidate(o, c, s, inst_end(c, t, s), rs, re, l);
	}
	if (n == CALOBJ_MAX_ITER)
		*capped = true;
	icalrecur_iterator_free(it);
	return more;
}

static bool walk_rdates(const struct calobj *o, const struct calcomp *c, int64_t rs, int64_t re,
			struct instlist *l)
{
	icalcomponent *cal = o->cal;

	for (icalproperty *p = icalcomponent_get_first_property(c->ic, ICAL_RDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(c->ic, ICAL_RDATE_PROPERTY)) {
		struct icaldatetimeperiodtype d = icalproperty_get_rdate(p);
		icaltimezone *z = prop_zone(p, cal);
		int64_t s, e;

		if (!icaltime_is_null_time(d.time)) {
			s = to_utc(d.time, icaltime_is_utc(d.time) ? NULL : z);
			e = inst_end(c, d.time, s);
			if (c->end_kind == CALEND_DUR && z != c->start.zone)
				e = s + (c->end - c->start.utc);
		} else if (!icaltime_is_null_time(d.period.start)) {
			s = to_utc(d.period.start, icaltime_is_utc(d.period.start) ? NULL : z);
			e = period_end(d.period, cal, p);
		} else {
			continue;
		}
		if (!candidate(o, c, s, e, rs, re, l))
			return false;
	}
	return true;
}

/* The instances of component c overlapping [rs, re), into l (in no particular
 * order). A master gives its own instances less those EXDATE removes and those
 * an override replaces; an override or a single component gives itself. */
static void walk(const struct calobj *o, const struct calcomp *c, int64_t rs, int64_t re,
		 struct instlist *l, bool *capped)
{
	struct calinst in = { c->start.utc, c->end, c->lo, c->hi };

	if (!overlaps(rs, re, c->env_lo, c->env_hi))
		return;
	if (!c->recurs) {
		if (c->fb_periods ? fb_periods_overlap(c, o->cal, rs, re, NULL, NULL)
				  : overlaps(rs, re, c->lo, c->hi))
			inst_push(l, &in);
		return;
	}
	if (!candidate(o, c, c->start.utc, c->end_kind == CALEND_NONE ? c->start.utc : c->end, rs,
		       re, l))
		return;
	for (icalproperty *p = icalcomponent_get_first_property(c->ic, ICAL_RRULE_PROPERTY); p;
	     p = icalcomponent_get_next_property(c->ic, ICAL_RRULE_PROPERTY))
		if (!walk_rrule(o, c, p, rs, re, l, capped))
			return;
	walk_rdates(o, c, rs, re, l);
}

/* ---- calobj_parse ---- */

static int collect_exdates(struct calcomp *c, icalcomponent *cal)
{
	size_t n = 0;

	for (icalproperty *p = icalcomponent_get_first_property(c->ic, ICAL_EXDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(c->ic, ICAL_EXDATE_PROPERTY))
		n++;
	if (!n)
		return 0;
	c->exdates = calloc(n, sizeof(*c->exdates));
	if (!c->exdates)
		return -1;
	for (icalproperty *p = icalcomponent_get_first_property(c->ic, ICAL_EXDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(c->ic, ICAL_EXDATE_PROPERTY)) {
		struct ptime t;

		if (prop_time(p, cal, &t) == 0)
			c->exdates[c->n_exdates++] = t.utc;
	}
	qsort(c->exdates, c->n_exdates, sizeof(*c->exdates), cmp_i64);
	return 0;
}

static void prepare_times(struct calcomp *c, icalcomponent *cal)
{
	icalproperty_kind endk =
		c->kind == ICAL_VTODO_COMPONENT ? ICAL_DUE_PROPERTY : ICAL_DTEND_PROPERTY;
	icalproperty *dp = icalcomponent_get_first_property(c->ic, ICAL_DURATION_PROPERTY);
	struct ptime t;

	c->has_start = first_time(c->ic, ICAL_DTSTART_PROPERTY, cal, &c->start) == 0;
	if (first_time(c->ic, endk, cal, &t) == 0) {
		c->end_kind = CALEND_ABS;
		c->end = t.utc;
	} else if (dp && c->has_start) {
		c->end_kind = CALEND_DUR;
		c->dur = icalproperty_get_duration(dp);
		c->end = to_utc(icaltime_add(c->start.local, c->dur), c->start.zone);
	}
	if (first_time(c->ic, ICAL_COMPLETED_PROPERTY, cal, &t) == 0) {
		c->has_completed = true;
		c->completed = t.utc;
	}
	if (first_time(c->ic, ICAL_CREATED_PROPERTY, cal, &t) == 0) {
		c->has_created = true;
		c->created = t.utc;
	}
	if (first_time(c->ic, ICAL_RECURRENCEID_PROPERTY, cal, &t) == 0) {
		c->has_rid = true;
		c->rid = t.utc;
	}
}

static void prepare_recurrence(struct calcomp *c)
{
	c->recurs = !c->has_rid && c->has_start &&
		    (has_prop(c->ic, ICAL_RRULE_PROPERTY) || has_prop(c->ic, ICAL_RDATE_PROPERTY));
	if (!c->recurs)
		return;
	for (icalproperty *p = icalcomponent_get_first_property(c->ic, ICAL_RRULE_PROPERTY); p;
	     p = icalcomponent_get_next_property(c->ic, ICAL_RRULE_PROPERTY)) {
		struct icalrecurrencetype r = icalproperty_get_rrule(p);

		if (r.freq != ICAL_NO_RECURRENCE && r.count == 0 && icaltime_is_null_time(r.until))
			c->unbounded = true;
	}
}

static int prepare_comp(struct calobj *o, struct calcomp *c, icalcomponent *ic)
{
	c->ic = ic;
	c->kind = icalcomponent_isa(ic);
	prepare_times(c, o->cal);
	prepare_recurrence(c);
	span_of(c, c->start.utc, c->end, &c->lo, &c->hi);
	c->env_lo = c->lo;
	c->env_hi = c->hi;
	if (c->kind == ICAL_VFREEBUSY_COMPONENT && c->hi == INT64_MIN &&
	    has_prop(ic, ICAL_FREEBUSY_PROPERTY)) {
		c->fb_periods = true;
		fb_periods_overlap(c, o->cal, 0, 0, &c->env_lo, &c->env_hi);
	}
	return c->recurs ? collect_exdates(c, o->cal) : 0;
}

/* A master's envelope: from its first instance to its last, or for ever. */
static int prepare_envelope(struct calobj *o, struct calcomp *c)
{
	struct instlist l = { NULL, 0, 0, CALOBJ_MAX_INST, true, false };
	bool capped = false;

	c->env_lo = INT64_MIN;
	c->env_hi = INT64_MAX;
	if (c->unbounded)
		return 0;
	walk(o, c, CALOBJ_T_MIN, CALOBJ_T_MAX, &l, &capped);
	if (l.failed) {
		free(l.v);
		return -1;
	}
	if (!capped && l.n < CALOBJ_MAX_INST) {
		c->env_lo = INT64_MAX;
		c->env_hi = INT64_MIN;
		for (size_t i = 0; i < l.n; i++) {
			c->env_lo = l.v[i].lo < c->env_lo ? l.v[i].lo : c->env_lo;
			c->env_hi = l.v[i].hi > c->env_hi ? l.v[i].hi : c->env_hi;
		}
	}
	free(l.v);
	return 0;
}

static int prepare_all(struct calobj *o)
{
	size_t n = 0, r = 0;

	for (icalcomponent *c = icalcomponent_get_first_component(o->cal, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(o->cal, ICAL_ANY_COMPONENT))
		n += is_object_kind(icalcomponent_isa(c));
	if (!n)
		return 0;
	o->comps = calloc(n, sizeof(*o->comps));
	o->rids = calloc(n, sizeof(*o->rids));
	if (!o->comps || !o->rids)
		return -1;
	for (icalcomponent *c = icalcomponent_get_first_component(o->cal, ICAL_ANY_COMPONENT); c;
	     c = icalcomponent_get_next_component(o->cal, ICAL_ANY_COMPONENT)) {
		struct calcomp *cc = &o->comps[o->n_comps];

		if (!is_object_kind(icalcomponent_isa(c)))
			continue;
		o->n_comps++;
		if (prepare_comp(o, cc, c))
			return -1;
		if (cc->has_rid)
			o->rids[r++] = cc->rid;
		if (!o->kind)
			o->kind = cc->kind;
	}
	o->n_rids = r;
	qsort(o->rids, r, sizeof(*o->rids), cmp_i64);
	for (size_t i = 0; i < o->n_comps; i++)
		if (o->comps[i].recurs && prepare_envelope(o, &o->comps[i]))
			return -1;
	return 0;
}

struct calobj *calobj_parse(const char *text, size_t len)
{
	struct calobj *o;

	if (!text)
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->kind = ICAL_NO_COMPONENT;
	o->cal = parse_text(text, len, NULL, 0);
	if (!o->cal || prepare_all(o)) {
		calobj_free(o);
		return NULL;
	}
	return o;
}

void calobj_free(struct calobj *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n_comps; i++)
		free(o->comps[i].exdates);
	free(o->comps);
	free(o->rids);
	if (o->cal)
		icalcomponent_free(o->cal);
	free(o);
}

/* ---- filters: parse ---- */

static bool is_caldav(xmlNodePtr n, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, CALDAV_NS) &&
	       (!local || !strcmp((const char *)n->name, local));
}

static char *attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = strdup((const char *)v);
	xmlFree(v);
	return s;
}

/* A CALDAV child other than those allowed is an error; others' are ignored. */
static int check_children(xmlNodePtr n, const char *const *allowed, const char *where, char *err,
			  size_t errlen)
{
	for (xmlNodePtr c = n->children; c; c = c->next) {
		bool ok = false;

		if (!is_caldav(c, NULL))
			continue;
		for (size_t i = 0; allowed[i]; i++)
			ok |= !strcmp((const char *)c->name, allowed[i]);
		if (!ok) {
			seterr(err, errlen, "%s: unexpected %s", where, (const char *)c->name);
			return -1;
		}
	}
	return 0;
}

static size_t count_children(xmlNodePtr n, const char *local)
{
	size_t k = 0;

	for (xmlNodePtr c = n->children; c; c = c->next)
		k += is_caldav(c, local);
	return k;
}

static int parse_range(xmlNodePtr n, const char *where, int64_t *rs, int64_t *re, char *err,
		       size_t errlen)
{
	char *s = attr(n, "start"), *e = attr(n, "end");
	int rc = -1;

	*rs = CALOBJ_T_MIN;
	*re = CALOBJ_T_MAX;
	if (!s && !e)
		seterr(err, errlen, "%s: time-range without start or end", where);
	else if (s && caltime_parse(s, rs))
		seterr(err, errlen, "%s: time-range start \"%s\" is not YYYYMMDDTHHMMSSZ", where,
		       s);
	else if (e && caltime_parse(e, re))
		seterr(err, errlen, "%s: time-range end \"%s\" is not YYYYMMDDTHHMMSSZ", where, e);
	else if (*rs >= *re)
		seterr(err, errlen, "%s: time-range start is not before its end", where);
	else
		rc = 0;
	free(s);
	free(e);
	return rc;
}

static void text_free(struct caltext *t)
{
	if (t)
		free(t->text);
	free(t);
}

static struct caltext *parse_text_match(xmlNodePtr n, const char *where, char *err, size_t errlen)
{
	struct caltext *t = calloc(1, sizeof(*t));
	char *coll = attr(n, "collation"), *neg = attr(n, "negate-condition");
	xmlChar *content = xmlNodeGetContent(n);

	if (!t || !content) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	if (coll && !strcmp(coll, "i;octet")) {
		t->octet = true;
	} else if (coll && strcmp(coll, "i;ascii-casemap")) {
		seterr(err, errlen, "unsupported collation \"%s\" in %s", coll, where);
		goto fail;
	}
	if (neg && strcmp(neg, "yes") && strcmp(neg, "no")) {
		seterr(err, errlen, "%s: negate-condition \"%s\" is neither yes nor no", where,
		       neg);
		goto fail;
	}
	t->negate = neg && !strcmp(neg, "yes");
	t->text = strdup((const char *)content);
	if (!t->text) {
		seterr(err, errlen, "out of memory");
		goto fail;
	}
	free(coll);
	free(neg);
	xmlFree(content);
	return t;
fail:
	free(coll);
	free(neg);
	xmlFree(content);
	text_free(t);
	return NULL;
}

static int name_attr(xmlNodePtr n, const char *elem, char **name, char *err, size_t errlen)
{
	*name = attr(n, "name");
	if (!*name || !**name) {
		seterr(err, errlen, "%s without a name", elem);
		return -1;
	}
	return 0;
}

static int parse_param(xmlNodePtr n, struct calparamf *pf, const char *prop, char *err,
		       size_t errlen)
{
	static const char *const allowed[] = { "is-not-defined", "text-match", NULL };
	char where[160];

	if (name_attr(n, "param-filter", &pf->name, err, errlen))
		return -1;
	snprintf(where, sizeof(where), "param-filter %s of %s", pf->name, prop);
	pf->kind = icalparameter_string_to_kind(pf->name);
	if (check_children(n, allowed, where, err, errlen))
		return -1;
	pf->not_defined = count_children(n, "is-not-defined") > 0;
	if (count_children(n, "text-match") > 1 ||
	    (pf->not_defined && count_children(n, "text-match"))) {
		seterr(err, errlen, "%s: is-not-defined or one text-match", where);
		return -1;
	}
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (is_caldav(c, "text-match") &&
		    !(pf->match = parse_text_match(c, where, err, errlen)))
			return -1;
	return 0;
}

static int parse_prop(xmlNodePtr n, struct calpropf *pf, char *err, size_t errlen)
{
	static const char *const allowed[] = { "is-not-defined", "time-range", "text-match",
					       "param-filter", NULL };
	char where[128];
	size_t np;

	if (name_attr(n, "prop-filter", &pf->name, err, errlen))
		return -1;
	snprintf(where, sizeof(where), "prop-filter %s", pf->name);
	pf->kind = icalproperty_string_to_kind(pf->name);
	if (check_children(n, allowed, where, err, errlen))
		return -1;
	pf->not_defined = count_children(n, "is-not-defined") > 0;
	np = count_children(n, "param-filter");
	if (count_children(n, "time-range") > 1 || count_children(n, "text-match") > 1 ||
	    (pf->not_defined &&
	     count_children(n, "time-range") + count_children(n, "text-match") + np)) {
		seterr(err, errlen, "%s: is-not-defined, or at most one time-range and text-match",
		       where);
		return -1;
	}
	if (np && !(pf->params = calloc(np, sizeof(*pf->params)))) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (is_caldav(c, "time-range")) {
			pf->has_range = true;
			if (parse_range(c, where, &pf->rs, &pf->re, err, errlen))
				return -1;
		} else if (is_caldav(c, "text-match")) {
			pf->match = parse_text_match(c, where, err, errlen);
			if (!pf->match)
				return -1;
		} else if (is_caldav(c, "param-filter")) {
			if (parse_param(c, &pf->params[pf->n_params++], pf->name, err, errlen))
				return -1;
		}
	}
	return 0;
}

static bool range_allowed(icalcomponent_kind k)
{
	return k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT ||
	       k == ICAL_VJOURNAL_COMPONENT || k == ICAL_VFREEBUSY_COMPONENT;
}

static int parse_comp(xmlNodePtr n, struct calcompf *cf, int depth, char *err, size_t errlen)
{
	static const char *const allowed[] = { "is-not-defined", "time-range", "prop-filter",
					       "comp-filter", NULL };
	char where[128];
	size_t nc, np;

	if (name_attr(n, "comp-filter", &cf->name, err, errlen))
		return -1;
	snprintf(where, sizeof(where), "comp-filter %s", cf->name);
	cf->kind = icalcomponent_string_to_kind(cf->name);
	if (cf->kind == ICAL_NO_COMPONENT || cf->kind == ICAL_X_COMPONENT) {
		seterr(err, errlen, "%s: unknown component", where);
		return -1;
	}
	if (depth == 0 && cf->kind != ICAL_VCALENDAR_COMPONENT) {
		seterr(err, errlen, "the filter's comp-filter is %s, not VCALENDAR", cf->name);
		return -1;
	}
	if (depth > 0 && cf->kind == ICAL_VCALENDAR_COMPONENT) {
		seterr(err, errlen, "comp-filter VCALENDAR inside another");
		return -1;
	}
	if (depth >= CALFILTER_MAX_DEPTH) {
		seterr(err, errlen, "%s: comp-filters nested too deep", where);
		return -1;
	}
	if (check_children(n, allowed, where, err, errlen))
		return -1;
	cf->not_defined = count_children(n, "is-not-defined") > 0;
	nc = count_children(n, "comp-filter");
	np = count_children(n, "prop-filter");
	if (count_children(n, "time-range") > 1 ||
	    (cf->not_defined && nc + np + count_children(n, "time-range"))) {
		seterr(err, errlen, "%s: is-not-defined, or at most one time-range", where);
		return -1;
	}
	if (count_children(n, "time-range") && (depth != 1 || !range_allowed(cf->kind))) {
		seterr(err, errlen, "%s: time-range is not supported here", where);
		return -1;
	}
	if ((nc && !(cf->comps = calloc(nc, sizeof(*cf->comps)))) ||
	    (np && !(cf->props = calloc(np, sizeof(*cf->props))))) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (is_caldav(c, "time-range")) {
			cf->has_range = true;
			if (parse_range(c, where, &cf->rs, &cf->re, err, errlen))
				return -1;
		} else if (is_caldav(c, "prop-filter")) {
			if (parse_prop(c, &cf->props[cf->n_props++], err, errlen))
				return -1;
		} else if (is_caldav(c, "comp-filter")) {
			if (parse_comp(c, &cf->comps[cf->n_comps++], depth + 1, err, errlen))
				return -1;
		}
	}
	return 0;
}

static void comp_filter_free(struct calcompf *cf)
{
	for (size_t i = 0; i < cf->n_props; i++) {
		struct calpropf *pf = &cf->props[i];

		for (size_t j = 0; j < pf->n_params; j++) {
			free(pf->params[j].name);
			text_free(pf->params[j].match);
		}
		free(pf->params);
		free(pf->name);
		text_free(pf->match);
	}
	for (size_t i = 0; i < cf->n_comps; i++)
		comp_filter_free(&cf->comps[i]);
	free(cf->props);
	free(cf->comps);
	free(cf->name);
}

struct calfilter *calfilter_parse(xmlNodePtr filter, char *err, size_t errlen)
{
	static const char *const allowed[] = { "comp-filter", NULL };
	struct calfilter *f;
	xmlNodePtr root = NULL;

	if (err && errlen)
		err[0] = '\0';
	if (!is_caldav(filter, "filter")) {
		seterr(err, errlen, "not a CALDAV:filter element");
		return NULL;
	}
	if (check_children(filter, allowed, "filter", err, errlen))
		return NULL;
	if (count_children(filter, "comp-filter") != 1) {
		seterr(err, errlen, "filter: exactly one comp-filter VCALENDAR wanted");
		return NULL;
	}
	for (xmlNodePtr c = filter->children; c; c = c->next)
		if (is_caldav(c, "comp-filter"))
			root = c;
	f = calloc(1, sizeof(*f));
	if (!f) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	if (parse_comp(root, &f->root, 0, err, errlen)) {
		calfilter_free(f);
		return NULL;
	}
	return f;
}

void calfilter_free(struct calfilter *f)
{
	if (!f)
		return;
	comp_filter_free(&f->root);
	free(f);
}

/* ---- filters: match ---- */

static bool contains_casemap(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return n == 0;
}

/* RFC 4791 9.7.5: substring match, i;ascii-casemap or i;octet. */
static bool text_matches(const struct caltext *t, const char *s)
{
	bool m;

	if (!s)
		s = "";
	m = t->octet ? strstr(s, t->text) != NULL : contains_casemap(s, t->text);
	return m != t->negate;
}

static const char *prop_text(icalproperty *p)
{
	icalvalue *v = icalproperty_get_value(p);

	if (v && icalvalue_isa(v) == ICAL_TEXT_VALUE)
		return icalvalue_get_text(v);
	return icalproperty_get_value_as_string(p);
}

static bool param_named(icalparameter *pa, const struct calparamf *pf)
{
	icalparameter_kind k = icalparameter_isa(pa);
	const char *n;

	if (pf->kind != ICAL_X_PARAMETER && pf->kind != ICAL_IANA_PARAMETER &&
	    pf->kind != ICAL_NO_PARAMETER)
		return k == pf->kind;
	n = k == ICAL_X_PARAMETER      ? icalparameter_get_xname(pa)
	    : k == ICAL_IANA_PARAMETER ? icalparameter_get_iana_name(pa)
				       : NULL;
	return n && !strcasecmp(n, pf->name);
}

/* The value of "NAME=VALUE" or "NAME=\"VALUE\"", in buf. */
static const char *param_value(icalparameter *pa, char *buf, size_t len)
{
	const char *s = icalparameter_as_ical_string(pa), *eq = s ? strchr(s, '=') : NULL;
	size_t n;

	if (!eq)
		return "";
	eq++;
	n = strlen(eq);
	if (n >= 2 && eq[0] == '"' && eq[n - 1] == '"') {
		eq++;
		n -= 2;
	}
	snprintf(buf, len, "%.*s", (int)n, eq);
	return buf;
}

static bool param_matches(const struct calparamf *pf, icalproperty *p)
{
	char buf[1024];

	for (icalparameter *pa = icalproperty_get_first_parameter(p, ICAL_ANY_PARAMETER); pa;
	     pa = icalproperty_get_next_parameter(p, ICAL_ANY_PARAMETER)) {
		if (!param_named(pa, pf))
			continue;
		if (pf->not_defined)
			return false;
		if (!pf->match || text_matches(pf->match, param_value(pa, buf, sizeof(buf))))
			return true;
	}
	return pf->not_defined;
}

static bool prop_named(icalproperty *p, const struct calpropf *pf)
{
	const char *n;

	if (pf->kind != ICAL_X_PROPERTY && pf->kind != ICAL_NO_PROPERTY)
		return true; /* fetched by kind */
	n = icalproperty_isa(p) == ICAL_X_PROPERTY ? icalproperty_get_x_name(p) : NULL;
	return n && !strcasecmp(n, pf->name);
}

/* RFC 4791 9.9 for a property: a DATE-TIME at t matches when start <= t < end;
 * a DATE is its whole day. */
static bool prop_in_range(const struct calpropf *pf, icalproperty *p, icalcomponent *cal)
{
	struct ptime t;

	if (prop_time(p, cal, &t))
		return false;
	if (t.date)
		return overlaps(pf->rs, pf->re, t.utc, t.utc + DAY_S);
	return pf->rs <= t.utc && pf->re > t.utc;
}

static bool prop_matches(const struct calpropf *pf, icalcomponent *ic, icalcomponent *cal)
{
	icalproperty_kind k = pf->kind == ICAL_NO_PROPERTY ? ICAL_X_PROPERTY : pf->kind;

	for (icalproperty *p = icalcomponent_get_first_property(ic, k); p;
	     p = icalcomponent_get_next_property(ic, k)) {
		bool ok = true;

		if (!prop_named(p, pf))
			continue;
		if (pf->not_defined)
			return false;
		if (pf->has_range)
			ok = prop_in_range(pf, p, cal);
		if (ok && pf->match)
			ok = text_matches(pf->match, prop_text(p));
		for (size_t i = 0; ok && i < pf->n_params; i++)
			ok = param_matches(&pf->params[i], p);
		if (ok)
			return true;
	}
	return pf->not_defined;
}

static bool comp_matches(const struct calcompf *cf, const struct calobj *o, icalcomponent *ic);

static bool comp_inner_matches(const struct calcompf *cf, const struct calobj *o, icalcomponent *ic)
{
	for (size_t i = 0; i < cf->n_props; i++)
		if (!prop_matches(&cf->props[i], ic, o->cal))
			return false;
	for (size_t i = 0; i < cf->n_comps; i++)
		if (!comp_matches(&cf->comps[i], o, ic))
			return false;
	return true;
}

static bool comp_in_range(const struct calcompf *cf, const struct calobj *o,
			  const struct calcomp *c)
{
	struct calinst one;
	struct instlist l = { &one, 0, 1, 1, false, false };
	bool capped = false;

	walk(o, c, cf->rs, cf->re, &l, &capped);
	return l.n > 0;
}

/* Does a child of ic satisfy cf (RFC 4791 9.7.1)? The object's own components
 * are taken from o->comps, where their times were worked out once. */
static bool comp_matches(const struct calcompf *cf, const struct calobj *o, icalcomponent *ic)
{
	bool any = false;

	if (ic == o->cal && cf->kind == o->kind) {
		for (size_t i = 0; i < o->n_comps; i++) {
			const struct calcomp *c = &o->comps[i];

			any = true;
			if (cf->not_defined)
				return false;
			if (cf->has_range && !comp_in_range(cf, o, c))
				continue;
			if (comp_inner_matches(cf, o, c->ic))
				return true;
		}
		return cf->not_defined && !any;
	}
	for (icalcomponent *c = icalcomponent_get_first_component(ic, cf->kind); c;
	     c = icalcomponent_get_next_component(ic, cf->kind)) {
		if (cf->not_defined)
			return false;
		if (!cf->has_range && comp_inner_matches(cf, o, c))
			return true;
	}
	return cf->not_defined;
}

int calfilter_match(const struct calfilter *f, const struct calobj *o)
{
	if (!f || !o)
		return 0;
	/* The root is VCALENDAR and is the object itself. */
	return comp_inner_matches(&f->root, o, o->cal) ? 1 : 0;
}

/* ---- calobj_expand ---- */

static struct icaltimetype utc_time(int64_t t, bool date)
{
	return icaltime_from_timet_with_zone((time_t)t, date, icaltimezone_get_utc_timezone());
}

/* Every DATE-TIME in c to UTC, TZIDs dropped (RFC 4791 9.6.5). */
static void props_to_utc(icalcomponent *c, icalcomponent *cal)
{
	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
	     p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
		icalvalue *v = icalproperty_get_value(p);
		struct ptime t;

		if (!v || icalvalue_isa(v) != ICAL_DATETIME_VALUE || prop_time(p, cal, &t))
			continue;
		icalproperty_set_value(p, icalvalue_new_datetime(utc_time(t.utc, false)));
		icalproperty_remove_parameter_by_kind(p, ICAL_TZID_PARAMETER);
	}
	for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
	     s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
		props_to_utc(s, cal);
}

static void remove_props(icalcomponent *c, icalproperty_kind k)
{
	icalproperty *p;

	while ((p = icalcomponent_get_first_property(c, k))) {
		icalcomponent_remove_property(c, p);
		icalproperty_free(p);
	}
}

static void set_time(icalcomponent *c, icalproperty_kind k, int64_t t, bool date)
{
	icalproperty *p = icalcomponent_get_first_property(c, k);
	icalvalue *v = date ? icalvalue_new_date(utc_time(t, true))
			    : icalvalue_new_datetime(utc_time(t, false));

	if (!p) {
		p = icalproperty_new(k);
		icalcomponent_add_property(c, p);
	}
	icalproperty_remove_parameter_by_kind(p, ICAL_TZID_PARAMETER);
	icalproperty_remove_parameter_by_kind(p, ICAL_VALUE_PARAMETER);
	icalproperty_set_value(p, v);
}

/* One instance of master c as its own component. */
static icalcomponent *instance(const struct calobj *o, const struct calcomp *c,
			       const struct calinst *in)
{
	icalcomponent *ic = icalcomponent_new_clone(c->ic);

	if (!ic)
		return NULL;
	remove_props(ic, ICAL_RRULE_PROPERTY);
	remove_props(ic, ICAL_RDATE_PROPERTY);
	remove_props(ic, ICAL_EXDATE_PROPERTY);
	remove_props(ic, ICAL_EXRULE_PROPERTY);
	props_to_utc(ic, o->cal);
	set_time(ic, ICAL_DTSTART_PROPERTY, in->start, c->start.date);
	if (c->end_kind == CALEND_ABS ||
	    (c->end_kind == CALEND_DUR && in->end != in->start + (c->end - c->start.utc))) {
		remove_props(ic, ICAL_DURATION_PROPERTY);
		set_time(ic,
			 c->kind == ICAL_VTODO_COMPONENT ? ICAL_DUE_PROPERTY : ICAL_DTEND_PROPERTY,
			 in->end, c->start.date);
	}
	set_time(ic, ICAL_RECURRENCEID_PROPERTY, in->start, c->start.date);
	return ic;
}

static int expand_comp(const struct calobj *o, const struct calcomp *c, icalcomponent *out,
		       int64_t start, int64_t end)
{
	struct instlist l = { NULL, 0, 0, CALOBJ_MAX_INST, true, false };
	bool capped = false;

	walk(o, c, start, end, &l, &capped);
	if (l.failed) {
		free(l.v);
		return -1;
	}
	for (size_t i = 0; i < l.n; i++) {
		icalcomponent *ic;

		if (c->recurs) {
			ic = instance(o, c, &l.v[i]);
		} else {
			ic = icalcomponent_new_clone(c->ic);
			if (ic)
				props_to_utc(ic, o->cal);
		}
		if (!ic) {
			free(l.v);
			return -1;
		}
		icalcomponent_add_component(out, ic);
	}
	free(l.v);
	return 0;
}

static char *to_text(icalcomponent *c)
{
	char *s = icalcomponent_as_ical_string_r(c), *copy;

	if (!s)
		return NULL;
	copy = strdup(s);
	icalmemory_free_buffer(s);
	return copy;
}

char *calobj_expand(const struct calobj *o, int64_t start, int64_t end)
{
	icalcomponent *out;
	char *text = NULL;

	if (!o || start >= end)
		return NULL;
	out = icalcomponent_new_vcalendar();
	if (!out)
		return NULL;
	for (icalproperty *p = icalcomponent_get_first_property(o->cal, ICAL_ANY_PROPERTY); p;
	     p = icalcomponent_get_next_property(o->cal, ICAL_ANY_PROPERTY))
		icalcomponent_add_property(out, icalproperty_new_clone(p));
	for (size_t i = 0; i < o->n_comps; i++)
		if (expand_comp(o, &o->comps[i], out, start, end))
			goto out;
	text = to_text(out);
out:
	icalcomponent_free(out);
	return text;
}

/* ---- free-busy ---- */

struct calfb *calfb_new(int64_t start, int64_t end)
{
	struct calfb *fb;

	if (start >= end)
		return NULL;
	fb = calloc(1, sizeof(*fb));
	if (!fb)
		return NULL;
	fb->start = start;
	fb->end = end;
	return fb;
}

static void fb_push(struct calfb *fb, int64_t s, int64_t e, int type)
{
	s = s < fb->start ? fb->start : s;
	e = e > fb->end ? fb->end : e;
	if (s >= e)
		return;
	if (fb->n == fb->cap) {
		size_t cap = fb->cap ? fb->cap * 2 : 16;
		struct calfb_period *v = realloc(fb->v, cap * sizeof(*v));

		if (!v) {
			fb->failed = true;
			return;
		}
		fb->v = v;
		fb->cap = cap;
	}
	fb->v[fb->n++] = (struct calfb_period){ s, e, type };
}

static bool prop_is(icalcomponent *c, icalproperty_kind k, const char *value)
{
	icalproperty *p = icalcomponent_get_first_property(c, k);
	const char *v = p ? icalproperty_get_value_as_string(p) : NULL;

	return v && !strcasecmp(v, value);
}

static void fb_add_event(struct calfb *fb, const struct calobj *o, const struct calcomp *c)
{
	struct instlist l = { NULL, 0, 0, CALOBJ_MAX_INST, true, false };
	bool capped = false;
	int type;

	if (prop_is(c->ic, ICAL_TRANSP_PROPERTY, "TRANSPARENT") ||
	    prop_is(c->ic, ICAL_STATUS_PROPERTY, "CANCELLED"))
		return;
	type = prop_is(c->ic, ICAL_STATUS_PROPERTY, "TENTATIVE") ? 1 : 0;
	walk(o, c, fb->start, fb->end, &l, &capped);
	if (l.failed)
		fb->failed = true;
	for (size_t i = 0; i < l.n; i++) {
		int64_t e = l.v[i].end;

		if (c->end_kind == CALEND_NONE && c->start.date)
			e = l.v[i].start + DAY_S;
		fb_push(fb, l.v[i].start, e, type);
	}
	free(l.v);
}

static void fb_add_periods(struct calfb *fb, const struct calobj *o, const struct calcomp *c)
{
	for (icalproperty *p = icalcomponent_get_first_property(c->ic, ICAL_FREEBUSY_PROPERTY); p;
	     p = icalcomponent_get_next_property(c->ic, ICAL_FREEBUSY_PROPERTY)) {
		icalparameter *pa = icalproperty_get_first_parameter(p, ICAL_FBTYPE_PARAMETER);
		icalparameter_fbtype t = pa ? icalparameter_get_fbtype(pa) : ICAL_FBTYPE_BUSY;
		struct icalperiodtype pt = icalproperty_get_freebusy(p);
		int type = t == ICAL_FBTYPE_BUSYTENTATIVE     ? 1
			   : t == ICAL_FBTYPE_BUSYUNAVAILABLE ? 2
							      : 0;

		if (t == ICAL_FBTYPE_FREE || icaltime_is_null_time(pt.start))
			continue;
		fb_push(fb,
			to_utc(pt.start, icaltime_is_utc(pt.start) ? NULL : prop_zone(p, o->cal)),
			period_end(pt, o->cal, p), type);
	}
}

void calfb_add(struct calfb *fb, const struct calobj *o)
{
	if (!fb || !o)
		return;
	for (size_t i = 0; i < o->n_comps; i++) {
		const struct calcomp *c = &o->comps[i];

		if (c->kind == ICAL_VEVENT_COMPONENT)
			fb_add_event(fb, o, c);
		else if (c->kind == ICAL_VFREEBUSY_COMPONENT)
			fb_add_periods(fb, o, c);
	}
}

static int cmp_period(const void *a, const void *b)
{
	const struct calfb_period *x = a, *y = b;

	if (x->type != y->type)
		return x->type - y->type;
	return (x->s > y->s) - (x->s < y->s);
}

static int cmp_start(const void *a, const void *b)
{
	const struct calfb_period *x = a, *y = b;

	if (x->s != y->s)
		return (x->s > y->s) - (x->s < y->s);
	return x->type - y->type;
}

/* Overlapping or touching periods of one type become one. */
static void fb_merge(struct calfb *fb)
{
	size_t w = 0;

	if (!fb->n)
		return;
	qsort(fb->v, fb->n, sizeof(*fb->v), cmp_period);
	for (size_t i = 0; i < fb->n; i++) {
		if (w && fb->v[w - 1].type == fb->v[i].type && fb->v[i].s <= fb->v[w - 1].e) {
			if (fb->v[i].e > fb->v[w - 1].e)
				fb->v[w - 1].e = fb->v[i].e;
			continue;
		}
		fb->v[w++] = fb->v[i];
	}
	fb->n = w;
	qsort(fb->v, fb->n, sizeof(*fb->v), cmp_start);
}

static icalcomponent *fb_component(const struct calfb *fb)
{
	icalcomponent *vfb = icalcomponent_new_vfreebusy();

	if (!vfb)
		return NULL;
	icalcomponent_add_property(vfb, icalproperty_new_dtstamp(utc_time(time(NULL), false)));
	if (fb->start != CALOBJ_T_MIN)
		icalcomponent_add_property(vfb,
					   icalproperty_new_dtstart(utc_time(fb->start, false)));
	if (fb->end != CALOBJ_T_MAX)
		icalcomponent_add_property(vfb, icalproperty_new_dtend(utc_time(fb->end, false)));
	for (size_t i = 0; i < fb->n; i++) {
		struct icalperiodtype pt = icalperiodtype_null_period();
		icalproperty *p;

		pt.start = utc_time(fb->v[i].s, false);
		pt.end = utc_time(fb->v[i].e, false);
		p = icalproperty_new_freebusy(pt);
		icalproperty_add_parameter(
			p,
			icalparameter_new_fbtype(fb->v[i].type == 1   ? ICAL_FBTYPE_BUSYTENTATIVE
						 : fb->v[i].type == 2 ? ICAL_FBTYPE_BUSYUNAVAILABLE
								      : ICAL_FBTYPE_BUSY));
		icalcomponent_add_property(vfb, p);
	}
	return vfb;
}

char *calfb_finish(struct calfb *fb)
{
	icalcomponent *cal = NULL, *vfb;
	char *text = NULL;

	if (!fb)
		return NULL;
	if (fb->failed)
		goto out;
	fb_merge(fb);
	cal = icalcomponent_new_vcalendar();
	vfb = fb_component(fb);
	if (!cal || !vfb) {
		if (vfb)
			icalcomponent_free(vfb);
		goto out;
	}
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_prodid("-//rampart//caldav//EN"));
	icalcomponent_add_component(cal, vfb);
	text = to_text(cal);
out:
	if (cal)
		icalcomponent_free(cal);
	free(fb->v);
	free(fb);
	return text;
}
