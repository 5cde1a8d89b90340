/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * caldav_fuzz.c - the CalDAV server core (ctrl/caldav/caldav.h) on arbitrary
 * request bodies: PROPFIND, PROPPATCH, REPORT, MKCALENDAR, extended MKCOL,
 * ACL, PUT, a COPY's Destination and an admin group's JSON, through
 * caldav_handle as the HTTP front would call it.
 *
 * Input: the first byte picks the request, the rest is its body.
 *   bits 0-3  the method (modulo 9):
 *             0 PROPFIND  1 PROPPATCH  2 REPORT  3 MKCALENDAR  4 ACL
 *             5 PUT       6 MKCOL      7 COPY (body: Destination)
 *             8 PUT /admin/groups/fz (body: JSON)
 *   bits 4-6  for PROPFIND and REPORT, the resource and Depth (targets[])
 *   bit 7     as bob (who may read tim's "work" calendar) instead of tim
 *
 * Set up once: a data folder with users tim and bob, a group, a calendar
 * "work" with a plain, a recurring and an all-day event and a task, shared
 * with bob, and an empty calendar "scratch". Whatever changes something
 * changes only "scratch" (or the group fz), and is undone after each input:
 * the object PUT is deleted, the calendar made again after PROPPATCH, ACL,
 * MKCALENDAR and COPY. Every RESET_EVERY inputs the whole folder is copied
 * again from the state after setup, so that git history stays bounded.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctrl/caldav/caldav.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RESET_EVERY 2048

static char tmpl[64], work[80];
static struct caldav *d;
static unsigned long n_inputs;

static void quiet(const char *level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

static struct caldav *open_at(const char *dir)
{
	struct caldav_conf conf = { 0 };
	char err[512];
	struct caldav *s;

	snprintf(conf.data_dir, sizeof(conf.data_dir), "%s", dir);
	snprintf(conf.admin_password, sizeof(conf.admin_password), "fuzz-admin-password");
	conf.max_object = 16384;
	conf.log = quiet;
	s = caldav_open(&conf, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "caldav_fuzz: caldav_open %s: %s\n", dir, err);
		abort();
	}
	return s;
}

static int call(const char *method, const char *path, const char *user, bool admin,
		const char *depth, const char *dest, const char *body, size_t len)
{
	struct caldav_req q = { .method = method,
				.path = path,
				.user = user,
				.admin = admin,
				.depth = depth,
				.destination = dest,
				.body = body,
				.body_len = body ? len : 0 };
	struct caldav_resp r;
	int st;

	caldav_handle(d, &q, &r);
	st = r.status;
	/* a response is always a status with a body that is all there */
	if (st < 100 || st > 599 || (r.body_len && !r.body))
		abort();
	if (r.body_len)
		(void)((volatile const char *)r.body)[r.body_len - 1];
	caldav_resp_free(&r);
	return st;
}

static int must(int got, int want, const char *what)
{
	if (got != want) {
		fprintf(stderr, "caldav_fuzz: setup: %s: %d, not %d\n", what, got, want);
		abort();
	}
	return got;
}

static const char ev_plain[] =
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//rampart//fuzz//EN\r\nBEGIN:VEVENT\r\n"
	"UID:plain\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:20240110T100000Z\r\n"
	"DTEND:20240110T110000Z\r\nSUMMARY:Team meeting\r\nATTENDEE;PARTSTAT=ACCEPTED;"
	"CN=Ann:mailto:ann@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
static const char ev_weekly[] =
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//rampart//fuzz//EN\r\n"
	"BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
	"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
	"END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\n"
	"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
	"END:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
	"BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20240101T000000Z\r\n"
	"DTSTART;TZID=Europe/Berlin:20240101T090000\r\nDURATION:PT1H\r\n"
	"RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10\r\nEXDATE;TZID=Europe/Berlin:20240103T090000\r\n"
	"SUMMARY:Weekly\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:weekly\r\n"
	"DTSTAMP:20240101T000000Z\r\nRECURRENCE-ID;TZID=Europe/Berlin:20240108T090000\r\n"
	"DTSTART:20240109T150000Z\r\nDTEND:20240109T160000Z\r\nSUMMARY:Moved\r\n"
	"END:VEVENT\r\nEND:VCALENDAR\r\n";
static const char ev_allday[] =
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//rampart//fuzz//EN\r\nBEGIN:VEVENT\r\n"
	"UID:allday\r\nDTSTAMP:20240101T000000Z\r\nDTSTART;VALUE=DATE:20240115\r\n"
	"DTEND;VALUE=DATE:20240116\r\nTRANSP:TRANSPARENT\r\nSUMMARY:Holiday\r\n"
	"END:VEVENT\r\nEND:VCALENDAR\r\n";
static const char ev_todo[] =
	"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//rampart//fuzz//EN\r\nBEGIN:VTODO\r\n"
	"UID:todo\r\nDTSTAMP:20240101T000000Z\r\nDUE:20240120T120000Z\r\nSUMMARY:Buy milk\r\n"
	"END:VTODO\r\nEND:VCALENDAR\r\n";

static void populate(void)
{
	static const char acl[] =
		"<D:acl xmlns:D=\"DAV:\"><D:ace><D:principal>"
		"<D:href>/principals/users/bob/</D:href></D:principal><D:grant><D:privilege>"
		"<D:read/></D:privilege></D:grant></D:ace></D:acl>";
	static const char pw_tim[] = "{\"password\": \"fuzz-password-tim\"}";
	static const char pw_bob[] = "{\"password\": \"fuzz-password-bob\"}";
	static const char team[] = "{\"members\": [\"tim\", \"bob\"]}";

	must(call("PUT", "/admin/users/tim", NULL, true, NULL, NULL, pw_tim, strlen(pw_tim)), 201,
	     "enrol tim");
	must(call("PUT", "/admin/users/bob", NULL, true, NULL, NULL, pw_bob, strlen(pw_bob)), 201,
	     "enrol bob");
	must(call("PUT", "/admin/groups/team", NULL, true, NULL, NULL, team, strlen(team)), 201,
	     "group team");
	must(call("MKCALENDAR", "/calendars/tim/work/", "tim", false, NULL, NULL, NULL, 0), 201,
	     "MKCALENDAR work");
	must(call("MKCALENDAR", "/calendars/tim/scratch/", "tim", false, NULL, NULL, NULL, 0), 201,
	     "MKCALENDAR scratch");
	must(call("PUT", "/calendars/tim/work/plain.ics", "tim", false, NULL, NULL, ev_plain,
		  strlen(ev_plain)),
	     201, "PUT plain");
	must(call("PUT", "/calendars/tim/work/weekly.ics", "tim", false, NULL, NULL, ev_weekly,
		  strlen(ev_weekly)),
	     201, "PUT weekly");
	must(call("PUT", "/calendars/tim/work/allday.ics", "tim", false, NULL, NULL, ev_allday,
		  strlen(ev_allday)),
	     201, "PUT allday");
	must(call("PUT", "/calendars/tim/work/todo.ics", "tim", false, NULL, NULL, ev_todo,
		  strlen(ev_todo)),
	     201, "PUT todo");
	must(call("ACL", "/calendars/tim/work/", "tim", false, NULL, NULL, acl, strlen(acl)), 200,
	     "ACL work");
	caldav_flush(d);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int cp_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char to[1024];
	char buf[65536];
	ssize_t n;
	int in, out;

	(void)ftw;
	snprintf(to, sizeof(to), "%s%s", work, path + strlen(tmpl));
	if (flag == FTW_D)
		return mkdir(to, st->st_mode & 07777) < 0 && strcmp(path, tmpl) != 0;
	if (flag != FTW_F)
		return 0;
	in = open(path, O_RDONLY | O_CLOEXEC);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st->st_mode & 07777);
	if (in < 0 || out < 0)
		abort();
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			abort();
	close(in);
	close(out);
	return 0;
}

/* The data folder as it was after populate(). */
static void reset(void)
{
	if (d)
		caldav_close(d);
	nftw(work, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (mkdir(work, 0700) < 0 || nftw(tmpl, cp_one, 16, FTW_PHYS) != 0)
		abort();
	d = open_at(work);
}

static void cleanup(void)
{
	caldav_close(d);
	d = NULL;
	nftw(work, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void init(void)
{
	strcpy(tmpl, "/tmp/caldav-fuzz-XXXXXX");
	if (!mkdtemp(tmpl))
		abort();
	d = open_at(tmpl);
	populate();
	caldav_close(d);
	d = NULL;
	snprintf(work, sizeof(work), "%s.run", tmpl);
	reset();
	atexit(cleanup);
}

static void scratch_again(void)
{
	call("DELETE", "/calendars/tim/scratch/", "tim", false, NULL, NULL, NULL, 0);
	must(call("MKCALENDAR", "/calendars/tim/scratch/", "tim", false, NULL, NULL, NULL, 0), 201,
	     "MKCALENDAR scratch again");
}

static const struct {
	const char *path, *depth;
} targets[8] = {
	{ "/calendars/tim/work/", "1" },
	{ "/calendars/tim/work/", "0" },
	{ "/calendars/tim/", "1" },
	{ "/principals/users/tim/", "0" },
	{ "/principals/groups/team/", "0" },
	{ "/calendars/tim/work/weekly.ics", "0" },
	{ "/", "1" },
	{ "/principals/", "1" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body;
	const char *user;
	unsigned m, t;
	char *dest;

	if (!d)
		init();
	if (size < 1)
		return 0;
	if (++n_inputs % RESET_EVERY == 0)
		reset();
	m = (data[0] & 15) % 9;
	t = (data[0] >> 4) & 7;
	user = data[0] & 0x80 ? "bob" : "tim";
	body = (const char *)data + 1;
	size--;

	switch (m) {
	case 0:
		call("PROPFIND", targets[t].path, user, false, targets[t].depth, NULL, body, size);
		break;
	case 1:
		if (call("PROPPATCH", "/calendars/tim/scratch/", user, false, NULL, NULL, body,
			 size) == 207)
			scratch_again();
		break;
	case 2:
		call("REPORT", targets[t].path, user, false, targets[t].depth, NULL, body, size);
		break;
	case 3:
	case 6:
		call("DELETE", "/calendars/tim/scratch/", "tim", false, NULL, NULL, NULL, 0);
		call(m == 3 ? "MKCALENDAR" : "MKCOL", "/calendars/tim/scratch/", user, false, NULL,
		     NULL, body, size);
		scratch_again();
		break;
	case 4:
		if (call("ACL", "/calendars/tim/scratch/", user, false, NULL, NULL, body, size) ==
		    200)
			scratch_again();
		break;
	case 5:
		if (call("PUT", "/calendars/tim/scratch/fuzz.ics", user, false, NULL, NULL, body,
			 size) /
			    100 ==
		    2)
			must(call("DELETE", "/calendars/tim/scratch/fuzz.ics", "tim", false, NULL,
				  NULL, NULL, 0),
			     204, "DELETE fuzz.ics");
		break;
	case 7:
		dest = strndup(body, size); /* a header: up to its first NUL */
		if (!dest)
			return 0;
		if (call("COPY", "/calendars/tim/work/plain.ics", user, false, NULL, dest, NULL,
			 0) /
			    100 ==
		    2)
			scratch_again();
		free(dest);
		break;
	case 8:
		if (call("PUT", "/admin/groups/fz", NULL, true, NULL, NULL, body, size) / 100 == 2)
			call("DELETE", "/admin/groups/fz", NULL, true, NULL, NULL, NULL, 0);
		break;
	}
	return 0;
}
