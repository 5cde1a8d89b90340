/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_calobj.c - iCalendar for CalDAV (ctrl/caldav/calobj.h): each refusal
 * of calobj_check with its message, valid objects, every calendar-query filter
 * element and attribute, each row of RFC 4791 9.9's VEVENT, VTODO, VJOURNAL
 * and VFREEBUSY tables at its edges, recurrences (COUNT, UNTIL, EXDATE,
 * overrides moved in and out of a range), time zones (an embedded VTIMEZONE
 * and libical's builtin ones), expansion and free-busy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <libxml/parser.h>

#include "ctrl/caldav/calobj.h"

#define CRLF	 "\r\n"
#define CAL_HEAD "BEGIN:VCALENDAR" CRLF "VERSION:2.0" CRLF "PRODID:-//rampart//test//EN" CRLF
#define CAL_TAIL "END:VCALENDAR" CRLF

static char ics_buf[8192];
static char err[512];

/* A VCALENDAR with one component of kind comp holding props (CRLF-ended). */
static const char *cal1(const char *comp, const char *props)
{
	snprintf(ics_buf, sizeof(ics_buf),
		 CAL_HEAD "BEGIN:%s" CRLF "UID:u1" CRLF "DTSTAMP:20240101T000000Z" CRLF
			  "%sEND:%s" CRLF CAL_TAIL,
		 comp, props, comp);
	return ics_buf;
}

static const char *ev(const char *props)
{
	return cal1("VEVENT", props);
}

static const char *refusal(const char *ics)
{
	struct calobj_info info;

	err[0] = '\0';
	cr_assert_eq(calobj_check(ics, strlen(ics), &info, err, sizeof(err)), -1, "accepted:\n%s",
		     ics);
	return err;
}

static void accepted(const char *ics, const char *uid, const char *comp)
{
	struct calobj_info info;

	err[0] = '\0';
	cr_assert_eq(calobj_check(ics, strlen(ics), &info, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(info.uid, uid);
	cr_assert_str_eq(info.comp, comp);
}

static struct calfilter *filter_err(const char *inner, char *e, size_t elen)
{
	char xml[4096];
	struct calfilter *f;
	xmlDocPtr doc;

	snprintf(xml, sizeof(xml),
		 "<C:filter xmlns:C=\"urn:ietf:params:xml:ns:caldav\">%s</C:filter>", inner);
	doc = xmlReadMemory(xml, (int)strlen(xml), "filter.xml", NULL, XML_PARSE_NONET);
	cr_assert_not_null(doc, "bad test XML: %s", xml);
	f = calfilter_parse(xmlDocGetRootElement(doc), e, elen);
	xmlFreeDoc(doc);
	return f;
}

static struct calfilter *filter(const char *inner)
{
	struct calfilter *f = filter_err(inner, err, sizeof(err));

	cr_assert_not_null(f, "filter refused: %s", err);
	return f;
}

static const char *filter_refusal(const char *inner)
{
	struct calfilter *f = filter_err(inner, err, sizeof(err));

	cr_assert_null(f, "filter accepted: %s", inner);
	return err;
}

static int match(const char *ics, const char *inner)
{
	struct calobj *o = calobj_parse(ics, strlen(ics));
	struct calfilter *f;
	int m;

	cr_assert_not_null(o, "not parsed:\n%s", ics);
	f = filter(inner);
	m = calfilter_match(f, o);
	calfilter_free(f);
	calobj_free(o);
	return m;
}

/* A VCALENDAR > comp filter with a time-range. */
static const char *in_range(const char *comp, const char *start, const char *end)
{
	static char xml[512];

	snprintf(xml, sizeof(xml),
		 "<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"%s\">"
		 "<C:time-range%s%s%s%s%s%s/></C:comp-filter></C:comp-filter>",
		 comp, start ? " start=\"" : "", start ? start : "", start ? "\"" : "",
		 end ? " end=\"" : "", end ? end : "", end ? "\"" : "");
	return xml;
}

/* A VCALENDAR > VEVENT filter with props inside the VEVENT. */
static const char *in_event(const char *inner)
{
	static char xml[2048];

	snprintf(xml, sizeof(xml),
		 "<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">%s"
		 "</C:comp-filter></C:comp-filter>",
		 inner);
	return xml;
}

static int ev_in(const char *props, const char *start, const char *end)
{
	return match(ev(props), in_range("VEVENT", start, end));
}

static int todo_in(const char *props, const char *start, const char *end)
{
	return match(cal1("VTODO", props), in_range("VTODO", start, end));
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static int64_t t_of(const char *s)
{
	int64_t t;

	cr_assert_eq(caltime_parse(s, &t), 0, "%s", s);
	return t;
}

TestSuite(calobj);

/* ---- calobj_check: refusals ---- */

Test(calobj, refuses_what_is_not_a_vcalendar)
{
	cr_assert_str_eq(refusal("BEGIN:VEVENT" CRLF "UID:a" CRLF "END:VEVENT" CRLF),
			 "line 1: expected BEGIN:VCALENDAR, not \"BEGIN:VEVENT\"");
	cr_assert_str_eq(refusal("hello"), "line 1: expected BEGIN:VCALENDAR, not \"hello\"");
	cr_assert_str_eq(refusal(""), "empty: no BEGIN:VCALENDAR");
}

Test(calobj, refuses_text_after_the_calendar_and_a_second_one)
{
	char ics[sizeof(ics_buf) + 128];

	snprintf(ics, sizeof(ics), "%sjunk" CRLF, ev("DTSTART:20240101T100000Z" CRLF));
	cr_assert_str_eq(refusal(ics), "line 10: text after END:VCALENDAR");
	snprintf(ics, sizeof(ics), "%s" CAL_HEAD CAL_TAIL, ev("DTSTART:20240101T100000Z" CRLF));
	cr_assert_str_eq(refusal(ics), "line 10: text after END:VCALENDAR");
}

Test(calobj, refuses_mismatched_and_unclosed_components)
{
	cr_assert_str_eq(
		refusal(CAL_HEAD "BEGIN:VEVENT" CRLF "UID:a" CRLF "END:VTODO" CRLF CAL_TAIL),
		"line 6: END:VTODO closes BEGIN:VEVENT of line 4");
	cr_assert_str_eq(refusal(CAL_HEAD "BEGIN:VEVENT" CRLF "UID:a" CRLF),
			 "BEGIN:VEVENT of line 4 is never closed");
}

Test(calobj, refuses_a_nul_byte)
{
	static const char ics[] = CAL_HEAD "BEGIN:VEVENT" CRLF "UID:a\0b" CRLF;

	cr_assert_eq(calobj_check(ics, sizeof(ics) - 1, NULL, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "line 5: NUL byte");
}

Test(calobj, reads_only_len_bytes)
{
	char buf[1024];
	const char *ics = ev("DTSTART:20240101T100000Z" CRLF);
	size_t len = strlen(ics);

	memcpy(buf, ics, len);
	memcpy(buf + len, "JUNK", 4); /* no NUL after the object */
	cr_assert_eq(calobj_check(buf, len, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(calobj_check(buf, len - 15, NULL, err, sizeof(err)), -1, "cut short");
	cr_assert_str_eq(err, "BEGIN:VCALENDAR of line 1 is never closed");
}

Test(calobj, refuses_a_missing_or_wrong_version)
{
	cr_assert_str_eq(refusal("BEGIN:VCALENDAR" CRLF "BEGIN:VEVENT" CRLF "UID:a" CRLF
				 "DTSTART:20240101T100000Z" CRLF "END:VEVENT" CRLF CAL_TAIL),
			 "no VERSION:2.0");
	cr_assert_str_eq(refusal("BEGIN:VCALENDAR" CRLF "VERSION:1.0" CRLF "BEGIN:VEVENT" CRLF
				 "UID:a" CRLF "DTSTART:20240101T100000Z" CRLF
				 "END:VEVENT" CRLF CAL_TAIL),
			 "VERSION is \"1.0\", not 2.0");
}

Test(calobj, refuses_method)
{
	cr_assert_str_eq(refusal(CAL_HEAD "METHOD:REQUEST" CRLF "BEGIN:VEVENT" CRLF "UID:a" CRLF
					  "DTSTART:20240101T100000Z" CRLF
					  "END:VEVENT" CRLF CAL_TAIL),
			 "METHOD:REQUEST in a calendar object resource (RFC 4791 4.1)");
}

Test(calobj, refuses_mixed_components_and_two_uids)
{
	cr_assert_str_eq(refusal(CAL_HEAD "BEGIN:VEVENT" CRLF "UID:a" CRLF
					  "DTSTART:20240101T100000Z" CRLF "END:VEVENT" CRLF
					  "BEGIN:VTODO" CRLF "UID:a" CRLF
					  "END:VTODO" CRLF CAL_TAIL),
			 "mixed components: VEVENT and VTODO (RFC 4791 4.1)");
	cr_assert_str_eq(refusal(CAL_HEAD
				 "BEGIN:VEVENT" CRLF "UID:a" CRLF "DTSTART:20240101T100000Z" CRLF
				 "END:VEVENT" CRLF "BEGIN:VEVENT" CRLF "UID:b" CRLF
				 "DTSTART:20240101T100000Z" CRLF "END:VEVENT" CRLF CAL_TAIL),
			 "two UIDs: a and b (RFC 4791 4.1)");
}

Test(calobj, refuses_a_missing_uid_and_two_masters)
{
	cr_assert_str_eq(refusal(CAL_HEAD "BEGIN:VEVENT" CRLF "DTSTART:20240101T100000Z" CRLF
					  "END:VEVENT" CRLF CAL_TAIL),
			 "VEVENT without UID");
	cr_assert_str_eq(refusal(CAL_HEAD
				 "BEGIN:VEVENT" CRLF "UID:a" CRLF "DTSTART:20240101T100000Z" CRLF
				 "END:VEVENT" CRLF "BEGIN:VEVENT" CRLF "UID:a" CRLF
				 "DTSTART:20240102T100000Z" CRLF "END:VEVENT" CRLF CAL_TAIL),
			 "two VEVENTs with UID a and no RECURRENCE-ID");
}

Test(calobj, refuses_an_event_without_dtstart)
{
	cr_assert_str_eq(refusal(ev("SUMMARY:x" CRLF)),
			 "VEVENT u1 has no DTSTART (RFC 5545 3.6.1)");
}

Test(calobj, refuses_dates_and_times_out_of_range)
{
	cr_assert_str_eq(
		refusal(ev("DTSTART:20251345T100000Z" CRLF)),
		"DTSTART: 20251345T100000Z is not a valid date or date-time (RFC 5545 3.3.4)");
	cr_assert_str_eq(
		refusal(ev("DTSTART:20250230T100000Z" CRLF)),
		"DTSTART: 20250230T100000Z is not a valid date or date-time (RFC 5545 3.3.4)");
	cr_assert_str_eq(
		refusal(ev("DTSTART:20250601T256000Z" CRLF)),
		"DTSTART: 20250601T256000Z is not a valid date or date-time (RFC 5545 3.3.4)");
	cr_assert_str_eq(refusal(ev("DTSTART;VALUE=DATE:20251301" CRLF)),
			 "DTSTART: 20251301 is not a valid date or date-time (RFC 5545 3.3.4)");
	cr_assert_str_eq(
		refusal(ev("DTSTART:20240101T100000Z" CRLF "EXDATE:20240132T100000Z" CRLF)),
		"EXDATE: 20240132T100000Z is not a valid date or date-time (RFC 5545 3.3.4)");
	/* 29 February of a leap year is a day */
	accepted(ev("DTSTART:20240229T100000Z" CRLF), "u1", "VEVENT");
}

Test(calobj, refuses_dtend_with_duration_and_dtend_before_dtstart)
{
	cr_assert_str_eq(refusal(ev("DTSTART:20240101T100000Z" CRLF "DTEND:20240101T110000Z" CRLF
				    "DURATION:PT1H" CRLF)),
			 "VEVENT u1 has both DTEND and DURATION");
	cr_assert_str_eq(refusal(ev("DTSTART:20240101T100000Z" CRLF "DTEND:20240101T090000Z" CRLF)),
			 "VEVENT u1: DTEND 20240101T090000Z is before DTSTART 20240101T100000Z");
	cr_assert_str_eq(
		refusal(ev("DTSTART;VALUE=DATE:20240101" CRLF "DTEND:20240102T090000Z" CRLF)),
		"VEVENT u1: DTEND is a DATE-TIME but DTSTART is a DATE");
}

Test(calobj, refuses_bad_todo_times)
{
	cr_assert_str_eq(
		refusal(cal1("VTODO", "DTSTART:20240101T100000Z" CRLF "DUE:20240101T090000Z" CRLF)),
		"VTODO u1: DUE 20240101T090000Z is before DTSTART 20240101T100000Z");
	cr_assert_str_eq(refusal(cal1("VTODO", "DURATION:PT1H" CRLF)),
			 "VTODO u1 has DURATION but no DTSTART");
	cr_assert_str_eq(refusal(ev("DTSTART:20240101T100000Z" CRLF "DURATION:-PT1H" CRLF)),
			 "VEVENT u1 has a negative DURATION");
}

Test(calobj, refuses_an_undefined_tzid)
{
	cr_assert_str_eq(refusal(ev("DTSTART;TZID=Mars/Olympus:20240101T100000" CRLF)),
			 "DTSTART: TZID \"Mars/Olympus\" is neither a VTIMEZONE in the object nor "
			 "a known zone");
	cr_assert_str_eq(refusal(ev("DTSTART;TZID=../../../etc/passwd:20240101T100000" CRLF)),
			 "DTSTART: TZID \"../../../etc/passwd\" is neither a VTIMEZONE in the "
			 "object nor a known zone");
}

Test(calobj, refuses_what_libical_could_not_parse)
{
	cr_assert_str_eq(refusal(ev("DTSTART:garbage" CRLF)),
			 "line 7: DTSTART: not a valid DATE-TIME: \"garbage\"");
	cr_assert_str_eq(refusal(ev("DTSTART:20240101T100000Z" CRLF "RRULE:FREQ=SOMETIMES" CRLF)),
			 "line 8: RRULE: not a valid RECUR: \"FREQ=SOMETIMES\"");
	cr_assert_str_eq(refusal(ev("DTSTART:20240101T100000Z" CRLF "NO COLON HERE" CRLF)),
			 "line 8: Got a data line, but could not find a property name or "
			 "component begin tag: NO COLON HERE");
}

Test(calobj, refuses_an_object_with_only_timezones)
{
	cr_assert_str_eq(refusal(CAL_HEAD "BEGIN:VTIMEZONE" CRLF "TZID:X" CRLF "BEGIN:STANDARD" CRLF
					  "DTSTART:19700101T000000" CRLF "TZOFFSETFROM:+0000" CRLF
					  "TZOFFSETTO:+0000" CRLF "END:STANDARD" CRLF
					  "END:VTIMEZONE" CRLF CAL_TAIL),
			 "no VEVENT, VTODO, VJOURNAL or VFREEBUSY in the object");
}

/* ---- calobj_check: valid objects ---- */

Test(calobj, accepts_events_todos_journals_and_freebusy)
{
	accepted(ev("DTSTART:20240101T100000Z" CRLF "DTEND:20240101T110000Z" CRLF
		    "SUMMARY:Meeting" CRLF),
		 "u1", "VEVENT");
	accepted(ev("DTSTART;VALUE=DATE:20240101" CRLF "DTEND;VALUE=DATE:20240102" CRLF), "u1",
		 "VEVENT");
	accepted(cal1("VTODO", "SUMMARY:do it" CRLF), "u1", "VTODO");
	accepted(cal1("VJOURNAL", "DTSTART;VALUE=DATE:20240101" CRLF), "u1", "VJOURNAL");
	accepted(cal1("VFREEBUSY", "FREEBUSY:20240101T100000Z/PT1H" CRLF), "u1", "VFREEBUSY");
}

#define WEEKLY5                                                                   \
	CAL_HEAD "BEGIN:VEVENT" CRLF "UID:w" CRLF "DTSTAMP:20240101T000000Z" CRLF \
		 "DTSTART:20240101T100000Z" CRLF "DTEND:20240101T110000Z" CRLF    \
		 "RRULE:FREQ=WEEKLY;COUNT=5" CRLF "SUMMARY:weekly" CRLF "END:VEVENT" CRLF
/* The 2024-01-15 instance moved to 2024-02-20, 15:00. */
#define MOVED                                                                 \
	"BEGIN:VEVENT" CRLF "UID:w" CRLF "DTSTAMP:20240101T000000Z" CRLF      \
	"RECURRENCE-ID:20240115T100000Z" CRLF "DTSTART:20240220T150000Z" CRLF \
	"DTEND:20240220T160000Z" CRLF "SUMMARY:moved" CRLF "END:VEVENT" CRLF

Test(calobj, accepts_a_recurring_event_with_an_override)
{
	accepted(WEEKLY5 MOVED CAL_TAIL, "w", "VEVENT");
	cr_assert_str_eq(refusal(WEEKLY5 MOVED MOVED CAL_TAIL),
			 "two VEVENTs with UID w and the same RECURRENCE-ID");
}

#define PLUS2_TZ                                                                         \
	"BEGIN:VTIMEZONE" CRLF "TZID:Test/Plus2" CRLF "BEGIN:STANDARD" CRLF              \
	"DTSTART:19700101T000000" CRLF "TZOFFSETFROM:+0200" CRLF "TZOFFSETTO:+0200" CRLF \
	"TZNAME:P2" CRLF "END:STANDARD" CRLF "END:VTIMEZONE" CRLF

Test(calobj, accepts_tzids_defined_inside_or_known)
{
	accepted(CAL_HEAD PLUS2_TZ "BEGIN:VEVENT" CRLF "UID:tz" CRLF
				   "DTSTART;TZID=Test/Plus2:20240115T090000" CRLF
				   "END:VEVENT" CRLF CAL_TAIL,
		 "tz", "VEVENT");
	accepted(ev("DTSTART;TZID=Europe/Berlin:20240115T090000" CRLF), "u1", "VEVENT");
}

/* ---- caltime_parse ---- */

Test(calobj, parses_utc_times_and_nothing_else)
{
	int64_t t;

	cr_assert_eq(caltime_parse("20060104T000000Z", &t), 0);
	cr_assert_eq(t, 1136332800);
	cr_assert_eq(caltime_parse("19700101T000001Z", &t), 0);
	cr_assert_eq(t, 1);
	cr_assert_eq(caltime_parse("20240229T120000Z", &t), 0, "a leap day");
	cr_assert_eq(caltime_parse("20230229T120000Z", &t), -1, "not a leap year");
	cr_assert_eq(caltime_parse("20060104T000000", &t), -1, "floating");
	cr_assert_eq(caltime_parse("20060104", &t), -1);
	cr_assert_eq(caltime_parse("20061304T000000Z", &t), -1);
	cr_assert_eq(caltime_parse("20060104T246000Z", &t), -1);
	cr_assert_eq(caltime_parse("2006010AT000000Z", &t), -1);
}

/* ---- filters: parse ---- */

Test(calobj, refuses_invalid_filters)
{
	cr_assert_str_eq(filter_refusal("<C:comp-filter name=\"VEVENT\"/>"),
			 "the filter's comp-filter is VEVENT, not VCALENDAR");
	cr_assert_str_eq(filter_refusal(""), "filter: exactly one comp-filter VCALENDAR wanted");
	cr_assert_str_eq(filter_refusal(in_range("VEVENT", NULL, NULL)),
			 "comp-filter VEVENT: time-range without start or end");
	cr_assert_str_eq(filter_refusal(in_range("VEVENT", "20240102T000000Z", "20240101T000000Z")),
			 "comp-filter VEVENT: time-range start is not before its end");
	cr_assert_str_eq(
		filter_refusal(in_range("VEVENT", "2024-01-01", NULL)),
		"comp-filter VEVENT: time-range start \"2024-01-01\" is not YYYYMMDDTHHMMSSZ");
	cr_assert_str_eq(filter_refusal(in_event("<C:frobnicate/>")),
			 "comp-filter VEVENT: unexpected frobnicate");
	cr_assert_str_eq(filter_refusal(in_event("<C:prop-filter/>")),
			 "prop-filter without a name");
	cr_assert_str_eq(filter_refusal(in_event("<C:comp-filter name=\"VALARM\"><C:time-range "
						 "start=\"20240101T000000Z\"/></C:comp-filter>")),
			 "comp-filter VALARM: time-range is not supported here");
	cr_assert_str_eq(filter_refusal(in_event("<C:prop-filter name=\"SUMMARY\"><C:text-match "
						 "negate-condition=\"maybe\">x</C:text-match>"
						 "</C:prop-filter>")),
			 "prop-filter SUMMARY: negate-condition \"maybe\" is neither yes nor no");
}

Test(calobj, refuses_an_unknown_collation)
{
	cr_assert_str_eq(filter_refusal(in_event("<C:prop-filter name=\"SUMMARY\"><C:text-match "
						 "collation=\"i;unicode-casemap\">x</C:text-match>"
						 "</C:prop-filter>")),
			 "unsupported collation \"i;unicode-casemap\" in prop-filter SUMMARY");
}

Test(calobj, ignores_elements_of_other_namespaces)
{
	cr_assert_eq(
		match(ev("DTSTART:20240101T100000Z" CRLF), in_event("<X:foo xmlns:X=\"urn:x\"/>")),
		1);
}

/* ---- filters: components, properties, parameters, text ---- */

Test(calobj, comp_filter_by_name_and_is_not_defined)
{
	const char *e = ev("DTSTART:20240101T100000Z" CRLF);

	cr_assert_eq(match(e, "<C:comp-filter name=\"VCALENDAR\"/>"), 1);
	cr_assert_eq(match(e, in_event("")), 1);
	cr_assert_eq(match(e, "<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VTODO\"/>"
			      "</C:comp-filter>"),
		     0);
	cr_assert_eq(match(e, "<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VTODO\">"
			      "<C:is-not-defined/></C:comp-filter></C:comp-filter>"),
		     1);
	cr_assert_eq(match(e, in_event("<C:is-not-defined/>")), 0);
}

Test(calobj, nested_comp_filter_finds_an_alarm)
{
	const char *with =
		ev("DTSTART:20240101T100000Z" CRLF "BEGIN:VALARM" CRLF "ACTION:DISPLAY" CRLF
		   "DESCRIPTION:ring" CRLF "TRIGGER:-PT15M" CRLF "END:VALARM" CRLF);
	const char *alarm = "<C:comp-filter name=\"VALARM\"/>";
	const char *no_alarm = "<C:comp-filter name=\"VALARM\"><C:is-not-defined/></C:comp-filter>";

	cr_assert_eq(match(with, in_event(alarm)), 1);
	cr_assert_eq(match(with, in_event(no_alarm)), 0);
	cr_assert_eq(match(with, in_event("<C:comp-filter name=\"VALARM\"><C:prop-filter "
					  "name=\"ACTION\"><C:text-match>display</C:text-match>"
					  "</C:prop-filter></C:comp-filter>")),
		     1);
	cr_assert_eq(match(ev("DTSTART:20240101T100000Z" CRLF), in_event(alarm)), 0);
	cr_assert_eq(match(ev("DTSTART:20240101T100000Z" CRLF), in_event(no_alarm)), 1);
}

Test(calobj, prop_filter_exists_and_is_not_defined)
{
	const char *e = ev("DTSTART:20240101T100000Z" CRLF "SUMMARY:Team meeting" CRLF);

	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"SUMMARY\"/>")), 1);
	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"LOCATION\"/>")), 0);
	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"LOCATION\"><C:is-not-defined/>"
				       "</C:prop-filter>")),
		     1);
	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"SUMMARY\"><C:is-not-defined/>"
				       "</C:prop-filter>")),
		     0);
}

Test(calobj, text_match_is_a_substring_match_casemap_by_default)
{
	const char *e = ev("DTSTART:20240101T100000Z" CRLF "SUMMARY:Team Meeting\\, weekly" CRLF);

	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"SUMMARY\"><C:text-match>"
				       "MEETING, WEEK</C:text-match></C:prop-filter>")),
		     1, "unescaped value, case ignored");
	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"SUMMARY\"><C:text-match "
				       "collation=\"i;ascii-casemap\">team</C:text-match>"
				       "</C:prop-filter>")),
		     1);
	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"SUMMARY\"><C:text-match>lunch"
				       "</C:text-match></C:prop-filter>")),
		     0);
}

Test(calobj, text_match_octet_minds_case)
{
	const char *e = ev("DTSTART:20240101T100000Z" CRLF "SUMMARY:Team Meeting" CRLF);

	cr_assert_eq(
		match(e, in_event("<C:prop-filter name=\"SUMMARY\"><C:text-match "
				  "collation=\"i;octet\">Meeting</C:text-match></C:prop-filter>")),
		1);
	cr_assert_eq(
		match(e, in_event("<C:prop-filter name=\"SUMMARY\"><C:text-match "
				  "collation=\"i;octet\">meeting</C:text-match></C:prop-filter>")),
		0);
}

Test(calobj, negate_condition_inverts_the_text_match)
{
	const char *e = ev("DTSTART:20240101T100000Z" CRLF "SUMMARY:Team Meeting" CRLF);

	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"SUMMARY\"><C:text-match "
				       "negate-condition=\"yes\">lunch</C:text-match>"
				       "</C:prop-filter>")),
		     1);
	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"SUMMARY\"><C:text-match "
				       "negate-condition=\"yes\">team</C:text-match>"
				       "</C:prop-filter>")),
		     0);
	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"SUMMARY\"><C:text-match "
				       "negate-condition=\"no\">team</C:text-match>"
				       "</C:prop-filter>")),
		     1);
}

Test(calobj, param_filter_text_match_and_is_not_defined)
{
	const char *e = ev("DTSTART:20240101T100000Z" CRLF
			   "ATTENDEE;PARTSTAT=ACCEPTED;CN=Ann:mailto:ann@example.com" CRLF
			   "ATTENDEE;CN=Bob:mailto:bob@example.com" CRLF);
	char xml[2048];

	snprintf(xml, sizeof(xml), "%s",
		 in_event("<C:prop-filter name=\"ATTENDEE\"><C:text-match>bob@</C:text-match>"
			  "<C:param-filter name=\"PARTSTAT\"><C:is-not-defined/></C:param-filter>"
			  "</C:prop-filter>"));
	cr_assert_eq(match(e, xml), 1, "Bob has no PARTSTAT");
	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"ATTENDEE\"><C:text-match>ann@"
				       "</C:text-match><C:param-filter name=\"PARTSTAT\">"
				       "<C:is-not-defined/></C:param-filter></C:prop-filter>")),
		     0, "Ann has one");
	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"ATTENDEE\"><C:param-filter "
				       "name=\"PARTSTAT\"><C:text-match>accepted</C:text-match>"
				       "</C:param-filter></C:prop-filter>")),
		     1);
	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"ATTENDEE\"><C:param-filter "
				       "name=\"PARTSTAT\"><C:text-match>declined</C:text-match>"
				       "</C:param-filter></C:prop-filter>")),
		     0);
	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"ATTENDEE\"><C:param-filter "
				       "name=\"X-FOO\"/></C:prop-filter>")),
		     0);
}

Test(calobj, prop_filter_time_range_on_a_date_time_property)
{
	const char *e = ev("DTSTART:20240101T100000Z" CRLF "LAST-MODIFIED:20240301T120000Z" CRLF);
	const char *f = "<C:prop-filter name=\"LAST-MODIFIED\"><C:time-range start=\"%s\" "
			"end=\"%s\"/></C:prop-filter>";
	char inner[512];

	snprintf(inner, sizeof(inner), f, "20240301T120000Z", "20240302T000000Z");
	cr_assert_eq(match(e, in_event(inner)), 1, "start <= value");
	snprintf(inner, sizeof(inner), f, "20240301T000000Z", "20240301T120000Z");
	cr_assert_eq(match(e, in_event(inner)), 0, "end > value");
	snprintf(inner, sizeof(inner), f, "20240101T000000Z", "20240102T000000Z");
	cr_assert_eq(match(e, in_event(inner)), 0);
}

Test(calobj, x_properties_are_matched_by_name)
{
	const char *e = ev("DTSTART:20240101T100000Z" CRLF "X-COLOR:red" CRLF);

	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"X-COLOR\"><C:text-match>red"
				       "</C:text-match></C:prop-filter>")),
		     1);
	cr_assert_eq(match(e, in_event("<C:prop-filter name=\"X-SHAPE\"/>")), 0);
}

/* ---- RFC 4791 9.9, VEVENT ---- */

Test(calobj, vevent_with_dtend)
{
	const char *p = "DTSTART:20240101T100000Z" CRLF "DTEND:20240101T110000Z" CRLF;

	cr_assert_eq(ev_in(p, "20240101T103000Z", "20240101T120000Z"), 1);
	cr_assert_eq(ev_in(p, "20240101T090000Z", "20240101T100000Z"), 0, "end > DTSTART");
	cr_assert_eq(ev_in(p, "20240101T110000Z", "20240101T120000Z"), 0, "start < DTEND");
	cr_assert_eq(ev_in(p, NULL, "20240101T100001Z"), 1, "open start");
	cr_assert_eq(ev_in(p, "20240101T105959Z", NULL), 1, "open end");
}

Test(calobj, vevent_with_a_positive_duration)
{
	const char *p = "DTSTART:20240101T100000Z" CRLF "DURATION:PT2H" CRLF;

	cr_assert_eq(ev_in(p, "20240101T115959Z", "20240101T130000Z"), 1);
	cr_assert_eq(ev_in(p, "20240101T120000Z", "20240101T130000Z"), 0);
	cr_assert_eq(ev_in(p, "20240101T090000Z", "20240101T100000Z"), 0);
}

Test(calobj, vevent_with_a_zero_duration_or_no_end_is_an_instant)
{
	const char *zero = "DTSTART:20240101T100000Z" CRLF "DURATION:PT0S" CRLF;
	const char *none = "DTSTART:20240101T100000Z" CRLF;

	cr_assert_eq(ev_in(zero, "20240101T100000Z", "20240101T100001Z"), 1, "start <= DTSTART");
	cr_assert_eq(ev_in(zero, "20240101T090000Z", "20240101T100000Z"), 0, "end > DTSTART");
	cr_assert_eq(ev_in(zero, "20240101T100001Z", "20240101T110000Z"), 0);
	cr_assert_eq(ev_in(none, "20240101T100000Z", "20240101T100001Z"), 1);
	cr_assert_eq(ev_in(none, "20240101T090000Z", "20240101T100000Z"), 0);
}

Test(calobj, all_day_vevent_without_dtend_lasts_a_day)
{
	const char *p = "DTSTART;VALUE=DATE:20240101" CRLF;

	cr_assert_eq(ev_in(p, "20240101T235959Z", "20240102T120000Z"), 1);
	cr_assert_eq(ev_in(p, "20240102T000000Z", "20240102T120000Z"), 0, "start < DTSTART+P1D");
	cr_assert_eq(ev_in(p, "20231231T000000Z", "20240101T000000Z"), 0);
	cr_assert_eq(ev_in("DTSTART;VALUE=DATE:20240101" CRLF "DTEND;VALUE=DATE:20240103" CRLF,
			   "20240102T120000Z", "20240102T130000Z"),
		     1, "a two-day event");
}

/* ---- RFC 4791 9.9, VTODO ---- */

Test(calobj, vtodo_with_dtstart_and_duration)
{
	const char *p = "DTSTART:20240101T100000Z" CRLF "DURATION:PT1H" CRLF;

	cr_assert_eq(todo_in(p, "20240101T110000Z", "20240101T120000Z"), 1,
		     "start <= DTSTART+DURATION");
	cr_assert_eq(todo_in(p, "20240101T110001Z", "20240101T120000Z"), 0);
	cr_assert_eq(todo_in(p, "20240101T090000Z", "20240101T100001Z"), 1, "end > DTSTART");
	cr_assert_eq(todo_in(p, "20240101T090000Z", "20240101T100000Z"), 0);
}

Test(calobj, vtodo_with_dtstart_and_due)
{
	const char *p = "DTSTART:20240101T100000Z" CRLF "DUE:20240101T120000Z" CRLF;

	cr_assert_eq(todo_in(p, "20240101T115959Z", "20240101T130000Z"), 1, "start < DUE");
	cr_assert_eq(todo_in(p, "20240101T120000Z", "20240101T130000Z"), 0);
	cr_assert_eq(todo_in(p, "20240101T090000Z", "20240101T100001Z"), 1, "end > DTSTART");
	cr_assert_eq(todo_in(p, "20240101T090000Z", "20240101T100000Z"), 0);
}

Test(calobj, vtodo_with_dtstart_only_or_due_only)
{
	const char *s = "DTSTART:20240101T100000Z" CRLF;
	const char *d = "DUE:20240101T100000Z" CRLF;

	cr_assert_eq(todo_in(s, "20240101T100000Z", "20240101T100001Z"), 1);
	cr_assert_eq(todo_in(s, "20240101T090000Z", "20240101T100000Z"), 0);
	cr_assert_eq(todo_in(d, "20240101T090000Z", "20240101T100000Z"), 1, "end >= DUE");
	cr_assert_eq(todo_in(d, "20240101T100000Z", "20240101T110000Z"), 0, "start < DUE");
}

Test(calobj, vtodo_with_completed_and_or_created)
{
	const char *both = "CREATED:20240101T100000Z" CRLF "COMPLETED:20240105T100000Z" CRLF;
	const char *done = "COMPLETED:20240105T100000Z" CRLF;
	const char *made = "CREATED:20240101T100000Z" CRLF;

	cr_assert_eq(todo_in(both, "20240103T000000Z", "20240104T000000Z"), 1);
	cr_assert_eq(todo_in(both, "20240105T100000Z", "20240106T000000Z"), 1,
		     "start <= COMPLETED");
	cr_assert_eq(todo_in(both, "20240105T100001Z", "20240106T000000Z"), 0);
	cr_assert_eq(todo_in(both, "20231231T000000Z", "20240101T100000Z"), 1, "end >= CREATED");
	cr_assert_eq(todo_in(both, "20231231T000000Z", "20240101T095959Z"), 0);
	cr_assert_eq(todo_in(done, "20240105T100000Z", "20240106T000000Z"), 1);
	cr_assert_eq(todo_in(done, "20240104T000000Z", "20240105T100000Z"), 1, "end >= COMPLETED");
	cr_assert_eq(todo_in(done, "20240104T000000Z", "20240105T095959Z"), 0);
	cr_assert_eq(todo_in(made, "20230101T000000Z", "20240101T100001Z"), 1, "end > CREATED");
	cr_assert_eq(todo_in(made, "20230101T000000Z", "20240101T100000Z"), 0);
	cr_assert_eq(todo_in(made, "20300101T000000Z", "20300102T000000Z"), 1);
}

Test(calobj, vtodo_without_times_is_always_in_range)
{
	cr_assert_eq(todo_in("SUMMARY:whenever" CRLF, "19800101T000000Z", "19800102T000000Z"), 1);
}

/* ---- RFC 4791 9.9, VJOURNAL and VFREEBUSY ---- */

Test(calobj, vjournal_rows)
{
	const char *f = "VJOURNAL";

	cr_assert_eq(match(cal1(f, "DTSTART:20240101T100000Z" CRLF),
			   in_range(f, "20240101T100000Z", "20240101T100001Z")),
		     1);
	cr_assert_eq(match(cal1(f, "DTSTART:20240101T100000Z" CRLF),
			   in_range(f, "20240101T090000Z", "20240101T100000Z")),
		     0);
	cr_assert_eq(match(cal1(f, "DTSTART;VALUE=DATE:20240101" CRLF),
			   in_range(f, "20240101T230000Z", "20240102T000000Z")),
		     1);
	cr_assert_eq(match(cal1(f, "SUMMARY:no date" CRLF), in_range(f, NULL, "20300101T000000Z")),
		     0, "no DTSTART: FALSE");
}

Test(calobj, vfreebusy_rows)
{
	const char *f = "VFREEBUSY";
	const char *span = "DTSTART:20240101T100000Z" CRLF "DTEND:20240101T120000Z" CRLF;
	const char *periods =
		"FREEBUSY:20240101T100000Z/PT1H,20240101T150000Z/20240101T160000Z" CRLF;

	cr_assert_eq(match(cal1(f, span), in_range(f, "20240101T120000Z", "20240101T130000Z")), 1,
		     "start <= DTEND");
	cr_assert_eq(match(cal1(f, span), in_range(f, "20240101T090000Z", "20240101T100000Z")), 0);
	cr_assert_eq(match(cal1(f, periods), in_range(f, "20240101T153000Z", "20240101T154000Z")),
		     1);
	cr_assert_eq(match(cal1(f, periods), in_range(f, "20240101T110000Z", "20240101T150000Z")),
		     0, "between the periods");
	cr_assert_eq(match(cal1(f, "SUMMARY:x" CRLF), in_range(f, NULL, "20300101T000000Z")), 0);
}

/* ---- recurrences ---- */

Test(calobj, weekly_count_ends_after_the_last_instance)
{
	const char *ics = WEEKLY5 CAL_TAIL;
	const char *v = "VEVENT";

	cr_assert_eq(match(ics, in_range(v, "20240115T103000Z", "20240115T104000Z")), 1, "#3");
	cr_assert_eq(match(ics, in_range(v, "20240129T103000Z", "20240129T104000Z")), 1, "#5");
	cr_assert_eq(match(ics, in_range(v, "20240205T000000Z", "20250101T000000Z")), 0, "#6");
	cr_assert_eq(match(ics, in_range(v, "20240116T000000Z", "20240122T000000Z")), 0,
		     "between instances");
}

Test(calobj, until_and_exdate_remove_instances)
{
	const char *e =
		ev("DTSTART:20240101T100000Z" CRLF "DTEND:20240101T110000Z" CRLF
		   "RRULE:FREQ=DAILY;UNTIL=20240110T100000Z" CRLF "EXDATE:20240105T100000Z" CRLF);
	const char *v = "VEVENT";

	cr_assert_eq(match(e, in_range(v, "20240110T100000Z", "20240110T100100Z")), 1, "UNTIL");
	cr_assert_eq(match(e, in_range(v, "20240111T100000Z", "20240111T100100Z")), 0);
	cr_assert_eq(match(e, in_range(v, "20240105T000000Z", "20240106T000000Z")), 0, "EXDATE");
	cr_assert_eq(match(e, in_range(v, "20240104T000000Z", "20240105T000000Z")), 1);
}

Test(calobj, an_override_moves_its_instance)
{
	const char *ics = WEEKLY5 MOVED CAL_TAIL;
	const char *v = "VEVENT";

	cr_assert_eq(match(ics, in_range(v, "20240115T000000Z", "20240116T000000Z")), 0,
		     "moved out of its slot");
	cr_assert_eq(match(ics, in_range(v, "20240220T153000Z", "20240220T154000Z")), 1,
		     "moved into this range");
	cr_assert_eq(match(ics, in_range(v, "20240122T000000Z", "20240123T000000Z")), 1,
		     "the others stay");
	cr_assert_eq(match(ics, in_event("<C:prop-filter name=\"SUMMARY\"><C:text-match>moved"
					 "</C:text-match></C:prop-filter><C:time-range "
					 "start=\"20240220T000000Z\" end=\"20240221T000000Z\"/>")),
		     1, "the override's own properties");
}

Test(calobj, an_old_daily_event_still_recurs_today)
{
	const char *e =
		ev("DTSTART:19900101T080000Z" CRLF "DURATION:PT30M" CRLF "RRULE:FREQ=DAILY" CRLF);
	const char *v = "VEVENT";

	cr_assert_eq(match(e, in_range(v, "20240315T081000Z", "20240315T082000Z")), 1);
	cr_assert_eq(match(e, in_range(v, "20240315T083000Z", "20240316T080000Z")), 0);
	cr_assert_eq(match(e, in_range(v, "19891231T000000Z", "19900101T080001Z")), 1, "DTSTART");
	cr_assert_eq(match(e, in_range(v, "19800101T000000Z", "19900101T080000Z")), 0);
}

Test(calobj, rdate_adds_instances)
{
	const char *e = ev("DTSTART:20240101T100000Z" CRLF "DTEND:20240101T110000Z" CRLF
			   "RDATE:20240301T100000Z" CRLF);
	const char *v = "VEVENT";

	cr_assert_eq(match(e, in_range(v, "20240301T103000Z", "20240301T104000Z")), 1);
	cr_assert_eq(match(e, in_range(v, "20240201T000000Z", "20240229T000000Z")), 0);
}

/* ---- time zones ---- */

Test(calobj, builtin_zone_europe_berlin)
{
	char *jan = strdup(ev("DTSTART;TZID=Europe/Berlin:20240115T090000" CRLF
			      "DTEND;TZID=Europe/Berlin:20240115T100000" CRLF));
	const char *jul = ev("DTSTART;TZID=Europe/Berlin:20240715T090000" CRLF
			     "DTEND;TZID=Europe/Berlin:20240715T100000" CRLF);
	const char *v = "VEVENT";

	cr_assert_eq(match(jan, in_range(v, "20240115T085959Z", "20240115T090000Z")), 1,
		     "09:00 in Berlin in January is 08:00Z");
	cr_assert_eq(match(jan, in_range(v, "20240115T090000Z", "20240115T100000Z")), 0);
	cr_assert_eq(match(jul, in_range(v, "20240715T070000Z", "20240715T070001Z")), 1,
		     "and 07:00Z in summer");
	cr_assert_eq(match(jul, in_range(v, "20240715T060000Z", "20240715T070000Z")), 0);
	free(jan);
}

Test(calobj, embedded_vtimezone_wins)
{
	const char *ics = CAL_HEAD PLUS2_TZ "BEGIN:VEVENT" CRLF "UID:tz" CRLF
					    "DTSTART;TZID=Test/Plus2:20240115T090000" CRLF
					    "DURATION:PT1H" CRLF "END:VEVENT" CRLF CAL_TAIL;
	const char *v = "VEVENT";

	cr_assert_eq(match(ics, in_range(v, "20240115T070000Z", "20240115T070100Z")), 1);
	cr_assert_eq(match(ics, in_range(v, "20240115T080000Z", "20240115T090000Z")), 0);
}

Test(calobj, recurrence_follows_the_zone_across_dst)
{
	/* Weekly 09:00 Berlin: 08:00Z in March before the change, 07:00Z after. */
	const char *e = ev("DTSTART;TZID=Europe/Berlin:20240318T090000" CRLF "DURATION:PT1H" CRLF
			   "RRULE:FREQ=WEEKLY;COUNT=3" CRLF);
	const char *v = "VEVENT";

	cr_assert_eq(match(e, in_range(v, "20240318T080000Z", "20240318T080100Z")), 1);
	cr_assert_eq(match(e, in_range(v, "20240401T070000Z", "20240401T070100Z")), 1);
	cr_assert_eq(match(e, in_range(v, "20240401T080000Z", "20240401T090000Z")), 0);
}

/* ---- expand ---- */

Test(calobj, expand_gives_utc_instances_with_recurrence_ids)
{
	const char *ics = CAL_HEAD PLUS2_TZ
		"BEGIN:VEVENT" CRLF "UID:x" CRLF "DTSTART;TZID=Test/Plus2:20240101T120000" CRLF
		"DTEND;TZID=Test/Plus2:20240101T130000" CRLF "RRULE:FREQ=WEEKLY;COUNT=5" CRLF
		"EXDATE;TZID=Test/Plus2:20240115T120000" CRLF "END:VEVENT" CRLF CAL_TAIL;
	struct calobj *o = calobj_parse(ics, strlen(ics));
	char *s;

	cr_assert_not_null(o);
	s = calobj_expand(o, t_of("20240105T000000Z"), t_of("20240125T000000Z"));
	cr_assert_not_null(s);
	cr_assert_eq(count(s, "BEGIN:VEVENT"), 2, "the 8th and the 22nd, not the 15th:\n%s", s);
	cr_assert_eq(count(s, "RECURRENCE-ID:20240108T100000Z"), 1, "%s", s);
	cr_assert_eq(count(s, "DTSTART:20240108T100000Z"), 1, "%s", s);
	cr_assert_eq(count(s, "DTEND:20240122T110000Z"), 1, "%s", s);
	cr_assert_eq(count(s, "RRULE"), 0);
	cr_assert_eq(count(s, "EXDATE"), 0);
	cr_assert_eq(count(s, "VTIMEZONE"), 0);
	cr_assert_eq(count(s, "TZID"), 0);
	free(s);
	calobj_free(o);
}

Test(calobj, expand_keeps_overrides_in_place)
{
	const char *ics = WEEKLY5 MOVED CAL_TAIL;
	struct calobj *o = calobj_parse(ics, strlen(ics));
	char *s;

	cr_assert_not_null(o);
	s = calobj_expand(o, t_of("20240101T000000Z"), t_of("20240301T000000Z"));
	cr_assert_not_null(s);
	cr_assert_eq(count(s, "BEGIN:VEVENT"), 5, "%s", s);
	cr_assert_eq(count(s, "RECURRENCE-ID:20240115T100000Z"), 1, "once, the override:\n%s", s);
	cr_assert_eq(count(s, "DTSTART:20240220T150000Z"), 1, "%s", s);
	cr_assert_eq(count(s, "SUMMARY:moved"), 1);
	free(s);
	s = calobj_expand(o, t_of("20240110T000000Z"), t_of("20240120T000000Z"));
	cr_assert_not_null(s);
	cr_assert_eq(count(s, "BEGIN:VEVENT"), 0, "the 15th moved away:\n%s", s);
	free(s);
	calobj_free(o);
}

Test(calobj, expand_keeps_all_day_dates)
{
	const char *e = ev("DTSTART;VALUE=DATE:20240101" CRLF "RRULE:FREQ=DAILY;COUNT=3" CRLF);
	struct calobj *o = calobj_parse(e, strlen(e));
	char *s;

	cr_assert_not_null(o);
	s = calobj_expand(o, CALOBJ_T_MIN, CALOBJ_T_MAX);
	cr_assert_not_null(s);
	cr_assert_eq(count(s, "BEGIN:VEVENT"), 3, "%s", s);
	cr_assert_eq(count(s, "RECURRENCE-ID;VALUE=DATE:20240102"), 1, "%s", s);
	free(s);
	calobj_free(o);
}

/* ---- free-busy ---- */

Test(calobj, free_busy_merges_and_types_periods)
{
	const char *texts[] = {
		ev("DTSTART:20240101T100000Z" CRLF "DTEND:20240101T110000Z" CRLF),
		NULL,
		NULL,
		NULL,
		NULL,
		NULL,
	};
	struct calfb *fb = calfb_new(t_of("20240101T000000Z"), t_of("20240102T000000Z"));
	char *copies[6] = { NULL }, *s;

	cr_assert_not_null(fb);
	copies[0] = strdup(texts[0]);
	copies[1] = strdup(ev("DTSTART:20240101T103000Z" CRLF "DTEND:20240101T120000Z" CRLF));
	copies[2] = strdup(ev("DTSTART:20240101T130000Z" CRLF "DTEND:20240101T140000Z" CRLF
			      "TRANSP:TRANSPARENT" CRLF));
	copies[3] = strdup(ev("DTSTART:20240101T140000Z" CRLF "DTEND:20240101T150000Z" CRLF
			      "STATUS:CANCELLED" CRLF));
	copies[4] = strdup(ev("DTSTART:20240101T160000Z" CRLF "DTEND:20240101T170000Z" CRLF
			      "STATUS:TENTATIVE" CRLF));
	copies[5] = strdup(cal1("VFREEBUSY", "FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:"
					     "20240101T200000Z/PT1H" CRLF
					     "FREEBUSY;FBTYPE=FREE:20240101T220000Z/PT1H" CRLF
					     "FREEBUSY:20231231T230000Z/PT2H" CRLF));
	for (int i = 0; i < 6; i++) {
		struct calobj *o = calobj_parse(copies[i], strlen(copies[i]));

		cr_assert_not_null(o, "%d", i);
		calfb_add(fb, o);
		calobj_free(o);
		free(copies[i]);
	}
	s = calfb_finish(fb);
	cr_assert_not_null(s);
	cr_assert_eq(count(s, "BEGIN:VFREEBUSY"), 1);
	cr_assert_eq(count(s, "DTSTAMP:"), 1);
	cr_assert_eq(count(s, "DTSTART:20240101T000000Z"), 1, "%s", s);
	cr_assert_eq(count(s, "DTEND:20240102T000000Z"), 1, "%s", s);
	cr_assert_eq(count(s, "FREEBUSY;"), 4, "%s", s);
	cr_assert_eq(count(s, "FREEBUSY;FBTYPE=BUSY:20240101T000000Z/20240101T010000Z"), 1,
		     "clipped to the range:\n%s", s);
	cr_assert_eq(count(s, "FREEBUSY;FBTYPE=BUSY:20240101T100000Z/20240101T120000Z"), 1,
		     "merged:\n%s", s);
	cr_assert_eq(count(s, "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20240101T160000Z/20240101T170000Z"),
		     1, "%s", s);
	cr_assert_eq(count(s, "FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20240101T200000Z/20240101T210000Z"),
		     1, "%s", s);
	free(s);
}

Test(calobj, free_busy_counts_each_instance)
{
	const char *e = ev("DTSTART:20240101T100000Z" CRLF "DTEND:20240101T110000Z" CRLF
			   "RRULE:FREQ=DAILY;COUNT=10" CRLF "EXDATE:20240103T100000Z" CRLF);
	struct calfb *fb = calfb_new(t_of("20240102T000000Z"), t_of("20240105T000000Z"));
	struct calobj *o = calobj_parse(e, strlen(e));
	char *s;

	cr_assert_not_null(o);
	calfb_add(fb, o);
	calobj_free(o);
	s = calfb_finish(fb);
	cr_assert_not_null(s);
	cr_assert_eq(count(s, "FREEBUSY;"), 2, "the 2nd and 4th:\n%s", s);
	cr_assert_eq(count(s, "20240103T100000Z"), 0, "%s", s);
	free(s);
}
