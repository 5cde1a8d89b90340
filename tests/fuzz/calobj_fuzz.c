/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * calobj_fuzz.c - the CalDAV iCalendar code (ctrl/caldav/calobj) on arbitrary
 * text: the PUT checks, the parsed form, a calendar-query filter with a
 * time-range and a text-match, expansion and free-busy over a fixed range.
 * An object calobj_check accepts must parse, and a refusal must say why on
 * one line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "ctrl/caldav/calobj.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char filter_xml[] =
	"<C:filter xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
	"<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">"
	"<C:time-range start=\"20240101T000000Z\" end=\"20240201T000000Z\"/>"
	"<C:prop-filter name=\"SUMMARY\"><C:text-match>meet</C:text-match></C:prop-filter>"
	"</C:comp-filter></C:comp-filter></C:filter>";

static struct calfilter *fixed_filter(void)
{
	xmlDocPtr doc = xmlReadMemory(filter_xml, (int)sizeof(filter_xml) - 1, "f.xml", NULL,
				      XML_PARSE_NONET);
	struct calfilter *f;
	char err[256];

	if (!doc)
		abort();
	f = calfilter_parse(xmlDocGetRootElement(doc), err, sizeof(err));
	xmlFreeDoc(doc);
	if (!f) {
		fprintf(stderr, "fixed filter refused: %s\n", err);
		abort();
	}
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const int64_t start = 1704067200, end = 1706745600; /* January 2024 */
	struct calobj_info info;
	struct calfilter *f;
	struct calobj *o;
	struct calfb *fb;
	char err[512], *s;
	int rc;

	rc = calobj_check((const char *)data, size, &info, err, sizeof(err));
	if (rc == 0 && (!info.uid[0] || !info.comp[0])) {
		fprintf(stderr, "accepted without a UID or component\n");
		abort();
	}
	if (rc != 0 && (!err[0] || strchr(err, '\n') || strchr(err, '\r'))) {
		fprintf(stderr, "refusal not on one line: \"%s\"\n", err);
		abort();
	}
	o = calobj_parse((const char *)data, size);
	if (rc == 0 && !o) {
		fprintf(stderr, "accepted but not parsed\n");
		abort();
	}
	if (!o)
		return 0;
	f = fixed_filter();
	(void)calfilter_match(f, o);
	calfilter_free(f);
	s = calobj_expand(o, start, end);
	free(s);
	fb = calfb_new(start, end);
	calfb_add(fb, o);
	free(calfb_finish(fb));
	calobj_free(o);
	return 0;
}
