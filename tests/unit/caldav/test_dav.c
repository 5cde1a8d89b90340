/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dav.c - the CalDAV server core (ctrl/caldav/caldav.h) driven request
 * by request, without HTTP: a temporary data folder opened with an admin
 * password, users enrolled through /admin/, then the methods as a user
 * (authentication is the HTTP front's; caldav_auth is tested alone).
 * OPTIONS and discovery; passwords; the admin endpoints; MKCALENDAR and
 * extended MKCOL; PUT's preconditions (RFC 4791 5.3.2), GET and DELETE with
 * ETags; PROPFIND and PROPPATCH (RFC 4918 9.1, 9.2); the REPORTs
 * (calendar-multiget, calendar-query, free-busy-query, sync-collection,
 * principal-property-search, expand-property); sharing by ACL (RFC 3744);
 * MOVE and COPY; the history in git and reverts; and what survives closing
 * and opening the same folder again.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "ctrl/caldav/caldav.h"

/* ---- fixture: a data folder, the server open on it ---- */

#define ADMIN_PW "admin-password-1"

static char dir[64];
static struct caldav *d;
static struct caldav_resp rs;
static char *rb; /* rs.body, NUL-terminated */

static struct caldav *open_dir(void)
{
	struct caldav_conf conf = { 0 };
	char err[512] = "";
	struct caldav *s;

	snprintf(conf.data_dir, sizeof(conf.data_dir), "%s", dir);
	snprintf(conf.admin_password, sizeof(conf.admin_password), "%s", ADMIN_PW);
	s = caldav_open(&conf, err, sizeof(err));
	cr_assert_not_null(s, "caldav_open: %s", err);
	return s;
}

static void setup(void)
{
	strcpy(dir, "/tmp/caldav-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	d = open_dir();
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	caldav_resp_free(&rs);
	free(rb);
	rb = NULL;
	caldav_close(d);
	d = NULL;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- helpers ---- */

/* One request; the response stays in rs (and its body in rb) until the next. */
static const struct caldav_resp *do_req(const struct caldav_req *q)
{
	struct caldav_req c = *q;

	if (c.body && !c.body_len)
		c.body_len = strlen(c.body);
	caldav_resp_free(&rs);
	free(rb);
	caldav_handle(d, &c, &rs);
	rb = strndup(rs.body ? rs.body : "", rs.body ? rs.body_len : 0);
	cr_assert_not_null(rb);
	return &rs;
}

#define REQ(...) do_req(&(struct caldav_req){ __VA_ARGS__ })

/* As user, with a body (or NULL) and Depth 0 for PROPFIND. */
static int as(const char *user, const char *method, const char *path, const char *body)
{
	return REQ(.method = method, .path = path, .user = user, .body = body,
		   .depth = strcmp(method, "PROPFIND") == 0 ? "0" : NULL)
		->status;
}

static int tim(const char *method, const char *path, const char *body)
{
	return as("tim", method, path, body);
}

static const char *hdr(const char *name)
{
	for (unsigned i = 0; i < rs.n_headers; i++)
		if (strcmp(rs.headers[i].name, name) == 0)
			return rs.headers[i].value;
	return NULL;
}

#define BODY_HAS(s)	cr_expect(strstr(rb, s) != NULL, "body lacks %s:\n%s", s, rb)
#define BODY_HAS_NOT(s) cr_expect(strstr(rb, s) == NULL, "body has %s:\n%s", s, rb)

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static int admin(const char *method, const char *path, const char *body)
{
	return REQ(.method = method, .path = path, .admin = true, .body = body)->status;
}

static void enrol(const char *user)
{
	char path[128], body[128];

	snprintf(path, sizeof(path), "/admin/users/%s", user);
	snprintf(body, sizeof(body), "{\"password\": \"password-%s\"}", user);
	cr_assert_eq(admin("PUT", path, body), 201, "enrol %s: %s", user, rb);
}

static void mkcal(const char *user, const char *name)
{
	char path[200];

	snprintf(path, sizeof(path), "/calendars/%s/%s/", user, name);
	cr_assert_eq(as(user, "MKCALENDAR", path, NULL), 201, "MKCALENDAR %s: %s", path, rb);
}

/* An event: UID uid, from start for an hour (UTC times, 20240110T100000Z). */
static const char *event(const char *uid, const char *start, const char *end, const char *summary)
{
	static char buf[4][1024];
	static unsigned i;
	char *b = buf[i++ % 4];

	snprintf(b, sizeof(buf[0]),
		 "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//rampart//test//EN\r\n"
		 "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:%s\r\n"
		 "DTEND:%s\r\nSUMMARY:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		 uid, start, end, summary);
	return b;
}

static const char *plain_event(const char *uid)
{
	return event(uid, "20240110T100000Z", "20240110T110000Z", "Team meeting");
}

/* Mondays 09:00-10:00 UTC, five of them: 1, 8, 15, 22 and 29 January 2024. */
static const char weekly[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//rampart//test//EN\r\n"
			     "BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20240101T000000Z\r\n"
			     "DTSTART:20240101T090000Z\r\nDTEND:20240101T100000Z\r\n"
			     "RRULE:FREQ=WEEKLY;COUNT=5\r\nSUMMARY:Weekly\r\n"
			     "END:VEVENT\r\nEND:VCALENDAR\r\n";

static const char todo[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//rampart//test//EN\r\n"
			   "BEGIN:VTODO\r\nUID:todo-1\r\nDTSTAMP:20240101T000000Z\r\n"
			   "SUMMARY:Buy milk\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";

static void put_ok(const char *user, const char *path, const char *text)
{
	int st = as(user, "PUT", path, text);

	cr_assert(st == 201 || st == 204, "PUT %s: %d %s", path, st, rb);
}

static char saved_etag[64];

static const char *etag_now(void)
{
	const char *e = hdr("ETag");

	cr_assert_not_null(e, "no ETag header");
	snprintf(saved_etag, sizeof(saved_etag), "%s", e);
	return saved_etag;
}

/* The calendar's sync token, from a PROPFIND of DAV:sync-token. */
static void token_of(const char *path, char *tok, size_t len)
{
	const char *s, *e;

	cr_assert_eq(REQ(.method = "PROPFIND", .path = path, .user = "tim", .depth = "0",
			 .body = "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:sync-token/></D:prop>"
				 "</D:propfind>")
			     ->status,
		     207);
	s = strstr(rb, "<D:sync-token>");
	cr_assert_not_null(s, "%s", rb);
	s += strlen("<D:sync-token>");
	e = strstr(s, "</D:sync-token>");
	cr_assert_not_null(e);
	snprintf(tok, len, "%.*s", (int)(e - s), s);
}

static int sync_since(const char *path, const char *token)
{
	char body[512];

	snprintf(body, sizeof(body),
		 "<D:sync-collection xmlns:D=\"DAV:\"><D:sync-token>%s</D:sync-token>"
		 "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop>"
		 "</D:sync-collection>",
		 token);
	return tim("REPORT", path, body);
}

static const char acl_user_read[] =
	"<D:acl xmlns:D=\"DAV:\"><D:ace><D:principal><D:href>/principals/users/bob/</D:href>"
	"</D:principal><D:grant><D:privilege><D:read/></D:privilege></D:grant></D:ace></D:acl>";
static const char acl_user_write[] =
	"<D:acl xmlns:D=\"DAV:\"><D:ace><D:principal><D:href>/principals/users/bob/</D:href>"
	"</D:principal><D:grant><D:privilege><D:read/></D:privilege><D:privilege><D:write/>"
	"</D:privilege></D:grant></D:ace></D:acl>";

#define PF(props)                                                                 \
	"<D:propfind xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\" " \
	"xmlns:CS=\"http://calendarserver.org/ns/\"><D:prop>" props "</D:prop></D:propfind>"

TestSuite(dav_http, .init = setup, .fini = teardown);
TestSuite(dav_auth, .init = setup, .fini = teardown);
TestSuite(dav_admin, .init = setup, .fini = teardown);
TestSuite(dav_mkcalendar, .init = setup, .fini = teardown);
TestSuite(dav_put, .init = setup, .fini = teardown);
TestSuite(dav_delete, .init = setup, .fini = teardown);
TestSuite(dav_propfind, .init = setup, .fini = teardown);
TestSuite(dav_proppatch, .init = setup, .fini = teardown);
TestSuite(dav_report, .init = setup, .fini = teardown);
TestSuite(dav_acl, .init = setup, .fini = teardown);
TestSuite(dav_copymove, .init = setup, .fini = teardown);
TestSuite(dav_history, .init = setup, .fini = teardown);
TestSuite(dav_persist, .init = setup, .fini = teardown);

/* ---- OPTIONS, discovery, authentication needed ---- */

Test(dav_http, options_says_dav_classes_and_methods)
{
	cr_assert_eq(REQ(.method = "OPTIONS", .path = "/calendars/")->status, 200);
	cr_expect_str_eq(hdr("DAV"), "1, 3, access-control, calendar-access, extended-mkcol");
	cr_expect_str_eq(hdr("Allow"), "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, "
				       "REPORT, MKCALENDAR, MKCOL, MOVE, COPY, ACL");
}

Test(dav_http, well_known_caldav_redirects_to_the_root)
{
	cr_assert_eq(REQ(.method = "PROPFIND", .path = "/.well-known/caldav")->status, 308);
	cr_expect_str_eq(hdr("Location"), "/");
	cr_assert_eq(REQ(.method = "GET", .path = "/.well-known/caldav/", .user = "x")->status,
		     308);
	cr_expect_str_eq(hdr("Location"), "/");
}

Test(dav_http, a_request_without_a_user_is_asked_to_authenticate)
{
	enrol("tim");
	cr_assert_eq(REQ(.method = "PROPFIND", .path = "/calendars/tim/", .depth = "0")->status,
		     401);
	cr_expect_str_eq(hdr("WWW-Authenticate"),
			 "Basic realm=\"rampart CalDAV\", charset=\"UTF-8\"");
	cr_assert_eq(REQ(.method = "GET", .path = "/admin/users")->status, 401);
}

Test(dav_http, an_unknown_method_is_405_and_an_unknown_path_404)
{
	enrol("tim");
	cr_expect_eq(tim("PATCH", "/calendars/tim/", NULL), 405);
	cr_expect_eq(tim("GET", "/nothing/here", NULL), 404);
	cr_expect_eq(tim("PROPFIND", "/calendars/nobody/", NULL), 404);
	cr_expect_eq(tim("PROPFIND", "/principals/users/nobody/", NULL), 404);
}

/* ---- caldav_auth ---- */

Test(dav_auth, the_right_password_passes_and_others_do_not)
{
	struct caldav_stats st;

	enrol("tim");
	cr_expect_eq(caldav_auth(d, "tim", "password-tim"), 1);
	cr_expect_eq(caldav_auth(d, "tim", "password-tom"), 0);
	cr_expect_eq(caldav_auth(d, "tim", ""), 0);
	cr_expect_eq(caldav_auth(d, "tom", "password-tim"), 0);
	cr_expect_eq(caldav_auth(d, "tim", "password-tim"), 1); /* remembered */
	caldav_stats(d, &st);
	cr_expect_eq(st.auth_failed, 3);
	cr_expect_eq(st.users, 1);
}

Test(dav_auth, the_admin_password_is_compared_whole)
{
	cr_expect_eq(caldav_auth_admin(d, ADMIN_PW), 1);
	cr_expect_eq(caldav_auth_admin(d, "admin-password-"), 0);
	cr_expect_eq(caldav_auth_admin(d, ADMIN_PW "x"), 0);
	cr_expect_eq(caldav_auth_admin(d, ""), 0);
}

Test(dav_auth, a_changed_password_ends_the_old_one_even_when_remembered)
{
	enrol("tim");
	cr_assert_eq(caldav_auth(d, "tim", "password-tim"), 1); /* now remembered */
	cr_assert_eq(REQ(.method = "POST", .path = "/admin/users/tim/password", .user = "tim",
			 .body = "{\"password\": \"new-password-tim\"}")
			     ->status,
		     200, "%s", rb);
	cr_expect_eq(caldav_auth(d, "tim", "password-tim"), 0);
	cr_expect_eq(caldav_auth(d, "tim", "new-password-tim"), 1);
	/* and through the admin's re-enrolment */
	cr_assert_eq(admin("PUT", "/admin/users/tim", "{\"password\": \"third-password\"}"), 200);
	cr_expect_eq(caldav_auth(d, "tim", "new-password-tim"), 0);
	cr_expect_eq(caldav_auth(d, "tim", "third-password"), 1);
}

Test(dav_auth, a_user_changes_only_their_own_password)
{
	enrol("tim");
	enrol("bob");
	cr_expect_eq(REQ(.method = "POST", .path = "/admin/users/tim/password", .user = "bob",
			 .body = "{\"password\": \"bob-owns-tim-now\"}")
			     ->status,
		     403);
	cr_expect_eq(caldav_auth(d, "tim", "password-tim"), 1);
	cr_expect_eq(REQ(.method = "POST", .path = "/admin/users/tim/password", .user = "tim",
			 .body = "{\"password\": \"short\"}")
			     ->status,
		     400);
	cr_expect_eq(
		REQ(.method = "GET", .path = "/admin/users/tim/password", .user = "tim")->status,
		405);
}

/* ---- /admin/ ---- */

Test(dav_admin, enrol_is_201_and_again_200)
{
	cr_assert_eq(admin("PUT", "/admin/users/tim", "{\"password\": \"password-tim\"}"), 201);
	cr_expect_str_eq(rb, "user enrolled\n");
	cr_assert_eq(admin("PUT", "/admin/users/tim", "{\"password\": \"password-tim2\"}"), 200);
	cr_expect_str_eq(rb, "password changed\n");
	cr_assert_eq(admin("GET", "/admin/users", NULL), 200);
	cr_expect_str_eq(rs.content_type, "application/json");
	BODY_HAS("\"tim\"");
}

Test(dav_admin, a_short_or_missing_password_is_400)
{
	cr_expect_eq(admin("PUT", "/admin/users/tim", "{\"password\": \"1234567\"}"), 400);
	cr_expect_str_eq(rb, "a password has 8 to 128 characters\n");
	cr_expect_eq(admin("PUT", "/admin/users/tim", "{\"pass\": \"12345678\"}"), 400);
	cr_expect_eq(admin("PUT", "/admin/users/tim", "not json"), 400);
	cr_expect_eq(admin("PUT", "/admin/users/tim", NULL), 400);
	cr_expect_eq(admin("PUT", "/admin/users/tim", "{\"password\": \"12345678\"}"), 201);
}

Test(dav_admin, bad_names_and_admin_are_refused)
{
	const char *bad[] = { "/admin/users/.hidden",
			      "/admin/users/a<b",
			      "/admin/users/a b",
			      "/admin/users/a:b",
			      "/admin/users/admin",
			      "/admin/groups/admin",
			      "/admin/users/"
			      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(
			admin("PUT", bad[i], "{\"password\": \"password-x\", \"members\": []}"),
			400, "%s: %s", bad[i], rb);
	cr_assert_eq(admin("GET", "/admin/users", NULL), 200);
	cr_expect_str_eq(rb, "{\n \"groups\": {},\n \"users\": []\n}");
	/* 64 characters is the most a name has */
	cr_expect_eq(admin("PUT",
			   "/admin/users/"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			   "{\"password\": \"password-x\"}"),
		     201);
}

Test(dav_admin, a_user_without_the_admin_password_is_403)
{
	enrol("tim");
	cr_expect_eq(REQ(.method = "PUT", .path = "/admin/users/bob", .user = "tim",
			 .body = "{\"password\": \"password-bob\"}")
			     ->status,
		     403);
	cr_expect_str_eq(rb, "the admin password is needed\n");
	cr_expect_eq(REQ(.method = "GET", .path = "/admin/users", .user = "tim")->status, 403);
}

Test(dav_admin, a_group_of_known_users_is_made_and_unknown_members_refused)
{
	enrol("tim");
	cr_expect_eq(admin("PUT", "/admin/groups/team", "{\"members\": [\"tim\", \"nobody\"]}"),
		     400);
	cr_expect_str_eq(rb, "members: nobody is not a user\n");
	cr_expect_eq(admin("PUT", "/admin/groups/team", "{\"members\": \"tim\"}"), 400);
	cr_expect_eq(admin("PUT", "/admin/groups/team", "{\"members\": [\"tim\"]}"), 201);
	cr_expect_eq(admin("PUT", "/admin/groups/team", "{\"members\": []}"), 200);
	cr_expect_eq(admin("PUT", "/admin/groups/tim", "{\"members\": []}"), 409);
	cr_expect_eq(admin("PUT", "/admin/users/team", "{\"password\": \"password-x\"}"), 409);
	cr_expect_eq(admin("DELETE", "/admin/groups/team", NULL), 200);
	cr_expect_eq(admin("DELETE", "/admin/groups/team", NULL), 404);
}

Test(dav_admin, deleting_a_user_removes_their_calendars)
{
	struct caldav_stats st;
	char path[200];
	struct stat sb;

	enrol("tim");
	enrol("bob");
	cr_assert_eq(admin("PUT", "/admin/groups/team", "{\"members\": [\"tim\", \"bob\"]}"), 201);
	mkcal("tim", "work");
	mkcal("tim", "home");
	mkcal("bob", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	cr_assert_eq(admin("DELETE", "/admin/users/tim", NULL), 200, "%s", rb);
	caldav_stats(d, &st);
	cr_expect_eq(st.users, 1);
	cr_expect_eq(st.calendars, 1);
	cr_expect_eq(st.objects_loaded, 0);
	snprintf(path, sizeof(path), "%s/calendars/tim", dir);
	cr_expect_eq(stat(path, &sb), -1);
	cr_expect_eq(errno, ENOENT);
	cr_expect_eq(caldav_auth(d, "tim", "password-tim"), 0);
	cr_assert_eq(admin("GET", "/admin/users", NULL), 200);
	cr_expect_str_eq(rb, "{\n \"groups\": {\n  \"team\": {\n   \"members\": [\n    \"bob\"\n"
			     "   ]\n  }\n },\n \"users\": [\n  \"bob\"\n ]\n}");
	cr_expect_eq(admin("DELETE", "/admin/users/tim", NULL), 404);
	/* enrolled again, tim starts with nothing */
	enrol("tim");
	cr_expect_eq(tim("PROPFIND", "/calendars/tim/work/", NULL), 404);
	cr_expect_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 404);
}

/* ---- MKCALENDAR, extended MKCOL ---- */

Test(dav_mkcalendar, made_once_then_405)
{
	enrol("tim");
	cr_expect_eq(tim("MKCALENDAR", "/calendars/tim/work/", NULL), 201);
	cr_expect_eq(tim("MKCALENDAR", "/calendars/tim/work/", NULL), 405);
	BODY_HAS("<D:resource-must-be-null/>");
	cr_expect_eq(tim("MKCALENDAR", "/calendars/tim/work", NULL), 405);
	cr_expect_eq(tim("MKCALENDAR", "/calendars/tim/", NULL), 403);
}

/* name_ok refuses dot names (and resolve() never finds them): a calendar
 * made under one could never be named again nor survive a reopen. */
Test(dav_mkcalendar, a_name_the_server_refuses_makes_nothing)
{
	char path[200];
	struct stat sb;

	enrol("tim");
	cr_expect_geq(tim("MKCALENDAR", "/calendars/tim/.hidden/", NULL), 400, "%d %s", rs.status,
		      rb);
	cr_expect_lt(rs.status, 500);
	snprintf(path, sizeof(path), "%s/calendars/tim/.hidden", dir);
	cr_expect_eq(stat(path, &sb), -1, "%s was made", path);
	/* a name with a colon is taken (UIDs have them), and found again */
	cr_expect_eq(tim("MKCALENDAR", "/calendars/tim/a:b/", NULL), 201);
	cr_expect_eq(tim("PROPFIND", "/calendars/tim/a:b/", NULL), 207);
}

Test(dav_mkcalendar, the_body_sets_the_calendars_properties)
{
	enrol("tim");
	cr_assert_eq(tim("MKCALENDAR", "/calendars/tim/tasks/",
			 "<C:mkcalendar xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\" "
			 "xmlns:I=\"http://apple.com/ns/ical/\"><D:set><D:prop>"
			 "<D:displayname>Tasks</D:displayname>"
			 "<C:calendar-description>Things to do</C:calendar-description>"
			 "<I:calendar-color>#FF0000FF</I:calendar-color>"
			 "<C:supported-calendar-component-set><C:comp name=\"VTODO\"/>"
			 "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"),
		     201, "%s", rb);
	cr_assert_eq(tim("PROPFIND", "/calendars/tim/tasks/",
			 PF("<D:displayname/><C:calendar-description/>"
			    "<I:calendar-color xmlns:I=\"http://apple.com/ns/ical/\"/>"
			    "<C:supported-calendar-component-set/>")),
		     207);
	BODY_HAS("<D:displayname>Tasks</D:displayname>");
	BODY_HAS("<C:calendar-description>Things to do</C:calendar-description>");
	BODY_HAS("<ICAL:calendar-color>#FF0000FF</ICAL:calendar-color>");
	BODY_HAS("<C:supported-calendar-component-set><C:comp name=\"VTODO\"/>"
		 "</C:supported-calendar-component-set>");
	BODY_HAS_NOT("404 Not Found");
}

Test(dav_mkcalendar, an_unknown_component_is_refused_and_nothing_made)
{
	enrol("tim");
	cr_expect_eq(tim("MKCALENDAR", "/calendars/tim/x/",
			 "<C:mkcalendar xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
			 "<D:set><D:prop><C:supported-calendar-component-set>"
			 "<C:comp name=\"VFOO\"/></C:supported-calendar-component-set>"
			 "</D:prop></D:set></C:mkcalendar>"),
		     403);
	cr_expect_eq(tim("PROPFIND", "/calendars/tim/x/", NULL), 404);
	cr_expect_eq(tim("MKCALENDAR", "/calendars/tim/x/", "<D:propfind xmlns:D=\"DAV:\"/>"), 400);
	cr_expect_eq(tim("MKCALENDAR", "/calendars/tim/x/", "<not xml"), 400);
	cr_expect_eq(tim("PROPFIND", "/calendars/tim/x/", NULL), 404);
}

Test(dav_mkcalendar, not_in_another_users_home)
{
	enrol("tim");
	enrol("bob");
	cr_expect_eq(tim("MKCALENDAR", "/calendars/bob/work/", NULL), 403);
	cr_expect_eq(as("bob", "PROPFIND", "/calendars/bob/work/", NULL), 404);
	cr_expect_eq(tim("MKCALENDAR", "/calendars/nobody/work/", NULL), 404);
}

Test(dav_mkcalendar, extended_mkcol_makes_a_calendar_and_plain_mkcol_does_not)
{
	enrol("tim");
	cr_expect_eq(tim("MKCOL", "/calendars/tim/plain/", NULL), 403);
	cr_expect_eq(tim("MKCOL", "/calendars/tim/plain/",
			 "<D:mkcol xmlns:D=\"DAV:\"><D:set><D:prop><D:resourcetype><D:collection/>"
			 "</D:resourcetype></D:prop></D:set></D:mkcol>"),
		     403);
	cr_expect_eq(tim("PROPFIND", "/calendars/tim/plain/", NULL), 404);
	cr_assert_eq(tim("MKCOL", "/calendars/tim/ext/",
			 "<D:mkcol xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
			 "<D:set><D:prop><D:resourcetype><D:collection/><C:calendar/>"
			 "</D:resourcetype><D:displayname>Extended</D:displayname></D:prop>"
			 "</D:set></D:mkcol>"),
		     201, "%s", rb);
	cr_assert_eq(
		tim("PROPFIND", "/calendars/tim/ext/", PF("<D:resourcetype/><D:displayname/>")),
		207);
	BODY_HAS("<D:resourcetype><D:collection/><C:calendar/></D:resourcetype>");
	BODY_HAS("<D:displayname>Extended</D:displayname>");
}

/* ---- PUT, GET ---- */

Test(dav_put, new_is_201_replaced_is_204_and_get_returns_the_bytes)
{
	const char *v1 = plain_event("a"),
		   *v2 = event("a", "20240111T100000Z", "20240111T110000Z", "Moved");
	char e1[64];

	enrol("tim");
	mkcal("tim", "work");
	cr_assert_eq(tim("PUT", "/calendars/tim/work/a.ics", v1), 201, "%s", rb);
	snprintf(e1, sizeof(e1), "%s", etag_now());
	cr_expect_eq(strlen(e1), 34);
	cr_expect_eq(e1[0], '"');
	cr_expect_eq(e1[33], '"');
	cr_assert_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 200);
	cr_expect_eq(rs.body_len, strlen(v1));
	cr_expect_str_eq(rb, v1);
	cr_expect_str_eq(hdr("ETag"), e1);
	cr_expect_str_eq(rs.content_type, "text/calendar; charset=utf-8");
	cr_assert_eq(tim("PUT", "/calendars/tim/work/a.ics", v2), 204, "%s", rb);
	cr_expect_str_neq(etag_now(), e1);
	cr_assert_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 200);
	cr_expect_str_eq(rb, v2);
	cr_expect_str_eq(hdr("ETag"), saved_etag);
	/* HEAD: the headers, the length */
	cr_assert_eq(tim("HEAD", "/calendars/tim/work/a.ics", NULL), 200);
	cr_expect_eq(atoi(hdr("Content-Length")), (int)strlen(v2));
}

Test(dav_put, if_none_match_star_stops_an_overwrite)
{
	enrol("tim");
	mkcal("tim", "work");
	cr_expect_eq(REQ(.method = "PUT", .path = "/calendars/tim/work/a.ics", .user = "tim",
			 .if_none_match = "*", .body = plain_event("a"))
			     ->status,
		     201);
	cr_expect_eq(REQ(.method = "PUT", .path = "/calendars/tim/work/a.ics", .user = "tim",
			 .if_none_match = "*", .body = plain_event("a2"))
			     ->status,
		     412);
	cr_assert_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 200);
	cr_expect_str_eq(rb, plain_event("a"));
}

Test(dav_put, if_match_must_name_the_current_etag)
{
	char e1[64];

	enrol("tim");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	snprintf(e1, sizeof(e1), "%s", etag_now());
	cr_expect_eq(REQ(.method = "PUT", .path = "/calendars/tim/work/a.ics", .user = "tim",
			 .if_match = "\"00000000000000000000000000000000\"",
			 .body = event("a", "20240112T100000Z", "20240112T110000Z", "x"))
			     ->status,
		     412);
	cr_expect_eq(REQ(.method = "PUT", .path = "/calendars/tim/work/new.ics", .user = "tim",
			 .if_match = "*", .body = plain_event("n"))
			     ->status,
		     412);
	cr_expect_eq(REQ(.method = "PUT", .path = "/calendars/tim/work/a.ics", .user = "tim",
			 .if_match = e1,
			 .body = event("a", "20240112T100000Z", "20240112T110000Z", "x"))
			     ->status,
		     204);
	cr_assert_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 200);
	BODY_HAS("SUMMARY:x");
	cr_expect_eq(tim("GET", "/calendars/tim/work/new.ics", NULL), 404);
}

Test(dav_put, invalid_icalendar_is_400_with_the_reason_and_not_stored)
{
	struct caldav_stats st;

	enrol("tim");
	mkcal("tim", "work");
	cr_expect_eq(tim("PUT", "/calendars/tim/work/bad.ics",
			 "BEGIN:VCALENDAR\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u\r\n"
			 "DTSTAMP:20240101T000000Z\r\nDTSTART:20240101T000000Z\r\n"
			 "END:VEVENT\r\nEND:VCALENDAR\r\n"),
		     400);
	BODY_HAS("<C:valid-calendar-object-resource/>");
	BODY_HAS("not a valid calendar object: ");
	BODY_HAS("VERSION");
	cr_expect_eq(tim("PUT", "/calendars/tim/work/bad.ics", "hello"), 400);
	cr_expect_eq(tim("PUT", "/calendars/tim/work/bad.ics", ""), 400);
	cr_expect_eq(tim("GET", "/calendars/tim/work/bad.ics", NULL), 404);
	caldav_stats(d, &st);
	cr_expect_eq(st.bad_ical, 3);
	cr_expect_eq(st.objects_loaded, 0);
}

Test(dav_put, a_uid_already_in_the_calendar_is_409_naming_the_other)
{
	enrol("tim");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("same-uid"));
	cr_expect_eq(tim("PUT", "/calendars/tim/work/b.ics", plain_event("same-uid")), 409);
	BODY_HAS("<C:no-uid-conflict><D:href>/calendars/tim/work/a.ics</D:href>"
		 "</C:no-uid-conflict>");
	cr_expect_eq(tim("GET", "/calendars/tim/work/b.ics", NULL), 404);
	/* the same object may keep its UID, and another calendar may hold it */
	cr_expect_eq(tim("PUT", "/calendars/tim/work/a.ics", plain_event("same-uid")), 204);
	mkcal("tim", "home");
	cr_expect_eq(tim("PUT", "/calendars/tim/home/b.ics", plain_event("same-uid")), 201);
}

Test(dav_put, a_component_the_calendar_does_not_hold_is_403)
{
	enrol("tim");
	cr_assert_eq(
		tim("MKCALENDAR", "/calendars/tim/tasks/",
		    "<C:mkcalendar xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
		    "<D:set><D:prop><C:supported-calendar-component-set><C:comp name=\"VTODO\"/>"
		    "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"),
		201);
	cr_expect_eq(tim("PUT", "/calendars/tim/tasks/e.ics", plain_event("e")), 403);
	BODY_HAS("<C:supported-calendar-component/>");
	BODY_HAS("VEVENT");
	cr_expect_eq(tim("PUT", "/calendars/tim/tasks/t.ics", todo), 201);
}

Test(dav_put, an_object_over_the_limit_is_413)
{
	size_t n = CALDAV_DEFAULT_OBJECT + 1;
	char *big = malloc(n + 1);
	const char *head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\n"
			   "UID:big\r\nDESCRIPTION:";

	enrol("tim");
	mkcal("tim", "work");
	cr_assert_not_null(big);
	memset(big, 'x', n);
	memcpy(big, head, strlen(head));
	big[n] = '\0';
	cr_expect_eq(REQ(.method = "PUT", .path = "/calendars/tim/work/big.ics", .user = "tim",
			 .body = big, .body_len = n)
			     ->status,
		     413);
	BODY_HAS("<C:max-resource-size/>");
	free(big);
	cr_expect_eq(tim("GET", "/calendars/tim/work/big.ics", NULL), 404);
}

Test(dav_put, into_a_missing_calendar_is_409_and_a_collection_405)
{
	enrol("tim");
	mkcal("tim", "work");
	cr_expect_eq(tim("PUT", "/calendars/tim/nocal/a.ics", plain_event("a")), 409);
	cr_expect_eq(tim("PUT", "/calendars/tim/work/", plain_event("a")), 405);
	cr_expect_eq(tim("PUT", "/calendars/nobody/work/a.ics", plain_event("a")), 404);
}

/* PUT /calendars/tim/work/.props must not write over the calendar's own
 * properties and ACL: a dot name is not an object name (name_ok). */
Test(dav_put, a_dot_name_cannot_overwrite_the_calendars_props)
{
	enrol("tim");
	enrol("bob");
	cr_assert_eq(tim("MKCALENDAR", "/calendars/tim/work/",
			 "<C:mkcalendar xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
			 "<D:set><D:prop><D:displayname>Work</D:displayname></D:prop></D:set>"
			 "</C:mkcalendar>"),
		     201);
	cr_assert_eq(tim("ACL", "/calendars/tim/work/", acl_user_read), 200);
	cr_expect_geq(tim("PUT", "/calendars/tim/work/.props", plain_event("p")), 400, "%d %s",
		      rs.status, rb);
	cr_expect_lt(rs.status, 500);
	cr_expect_geq(tim("PUT", "/calendars/tim/work/.hidden.ics", plain_event("h")), 400);
	cr_expect_lt(rs.status, 500);
	cr_expect_eq(tim("PUT", "/calendars/tim/work/a:b.ics", plain_event("c")), 201);
	caldav_close(d);
	d = open_dir();
	cr_expect_eq(tim("GET", "/calendars/tim/work/a:b.ics", NULL), 200, "a colon stays");
	cr_assert_eq(tim("PROPFIND", "/calendars/tim/work/", PF("<D:displayname/>")), 207);
	BODY_HAS("<D:displayname>Work</D:displayname>");
	cr_expect_eq(as("bob", "PROPFIND", "/calendars/tim/work/", NULL), 207); /* the ACL */
}

Test(dav_put, a_content_type_other_than_text_calendar_is_415)
{
	enrol("tim");
	mkcal("tim", "work");
	cr_expect_eq(REQ(.method = "PUT", .path = "/calendars/tim/work/a.ics", .user = "tim",
			 .content_type = "application/json", .body = plain_event("a"))
			     ->status,
		     415);
	BODY_HAS("<C:supported-calendar-data/>");
	cr_expect_eq(REQ(.method = "PUT", .path = "/calendars/tim/work/a.ics", .user = "tim",
			 .content_type = "text/calendar; charset=utf-8", .body = plain_event("a"))
			     ->status,
		     201);
}

/* ---- DELETE ---- */

Test(dav_delete, an_object_is_204_then_gone)
{
	enrol("tim");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	cr_expect_eq(tim("DELETE", "/calendars/tim/work/a.ics", NULL), 204);
	cr_expect_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 404);
	cr_expect_eq(tim("DELETE", "/calendars/tim/work/a.ics", NULL), 404);
	/* its UID is free again */
	cr_expect_eq(tim("PUT", "/calendars/tim/work/b.ics", plain_event("a")), 201);
}

Test(dav_delete, a_wrong_if_match_keeps_the_object)
{
	char e[64];

	enrol("tim");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	snprintf(e, sizeof(e), "%s", etag_now());
	cr_expect_eq(REQ(.method = "DELETE", .path = "/calendars/tim/work/a.ics", .user = "tim",
			 .if_match = "\"ffffffffffffffffffffffffffffffff\"")
			     ->status,
		     412);
	cr_expect_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 200);
	cr_expect_eq(REQ(.method = "DELETE", .path = "/calendars/tim/work/a.ics", .user = "tim",
			 .if_match = e)
			     ->status,
		     204);
}

Test(dav_delete, a_calendar_goes_with_its_objects)
{
	char path[200];
	struct stat sb;

	enrol("tim");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	cr_expect_eq(tim("DELETE", "/calendars/tim/work/", NULL), 204);
	cr_expect_eq(tim("PROPFIND", "/calendars/tim/work/", NULL), 404);
	cr_expect_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 404);
	snprintf(path, sizeof(path), "%s/calendars/tim/work", dir);
	cr_expect_eq(stat(path, &sb), -1);
	cr_expect_eq(tim("DELETE", "/calendars/tim/", NULL), 403);
	/* made again, it is empty */
	mkcal("tim", "work");
	cr_expect_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 404);
}

/* ---- PROPFIND ---- */

Test(dav_propfind, the_root_names_the_current_user_principal)
{
	enrol("tim");
	cr_assert_eq(tim("PROPFIND", "/", PF("<D:current-user-principal/>")), 207);
	cr_expect_str_eq(rs.content_type, "application/xml; charset=utf-8");
	BODY_HAS("<D:response><D:href>/</D:href><D:propstat><D:prop><D:current-user-principal>"
		 "<D:href>/principals/users/tim/</D:href></D:current-user-principal></D:prop>"
		 "<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>");
	cr_expect_eq(count(rb, "<D:response>"), 1);
	cr_assert_eq(REQ(.method = "PROPFIND", .path = "/", .user = "tim", .depth = "1",
			 .body = PF("<D:resourcetype/>"))
			     ->status,
		     207);
	cr_expect_eq(count(rb, "<D:response>"), 2);
	BODY_HAS("<D:href>/principals/</D:href>");
}

Test(dav_propfind, the_principal_gives_its_home_and_url)
{
	enrol("tim");
	cr_assert_eq(tim("PROPFIND", "/principals/users/tim/",
			 PF("<C:calendar-home-set/><D:principal-URL/><D:current-user-principal/>"
			    "<D:resourcetype/>")),
		     207);
	BODY_HAS("<C:calendar-home-set><D:href>/calendars/tim/</D:href></C:calendar-home-set>");
	BODY_HAS("<D:principal-URL><D:href>/principals/users/tim/</D:href></D:principal-URL>");
	BODY_HAS("<D:current-user-principal><D:href>/principals/users/tim/</D:href>");
	BODY_HAS("<D:resourcetype><D:collection/><D:principal/></D:resourcetype>");
	BODY_HAS_NOT("404 Not Found");
	/* without its final slash too */
	cr_expect_eq(tim("PROPFIND", "/principals/users/tim", PF("<D:principal-URL/>")), 207);
}

Test(dav_propfind, the_home_lists_its_calendars_at_depth_1)
{
	enrol("tim");
	enrol("bob");
	mkcal("tim", "work");
	mkcal("tim", "home");
	mkcal("bob", "bobs");
	cr_assert_eq(REQ(.method = "PROPFIND", .path = "/calendars/tim/", .user = "tim",
			 .depth = "1", .body = PF("<D:resourcetype/>"))
			     ->status,
		     207);
	cr_expect_eq(count(rb, "<D:response>"), 3);
	BODY_HAS("<D:href>/calendars/tim/</D:href>");
	BODY_HAS("<D:href>/calendars/tim/work/</D:href>");
	BODY_HAS("<D:href>/calendars/tim/home/</D:href>");
	BODY_HAS_NOT("bobs");
	/* another's home is not there for tim */
	cr_expect_eq(tim("PROPFIND", "/calendars/bob/", NULL), 404);
}

Test(dav_propfind, a_calendar_has_its_caldav_properties)
{
	enrol("tim");
	mkcal("tim", "work");
	cr_assert_eq(tim("PROPFIND", "/calendars/tim/work/",
			 PF("<D:resourcetype/><CS:getctag/><D:sync-token/>"
			    "<C:supported-calendar-component-set/><D:current-user-privilege-set/>"
			    "<D:owner/><D:displayname/>")),
		     207);
	BODY_HAS("<D:resourcetype><D:collection/><C:calendar/></D:resourcetype>");
	BODY_HAS("<CS:getctag>http://rampart.invalid/sync/");
	BODY_HAS("-0</CS:getctag>");
	BODY_HAS("<D:sync-token>http://rampart.invalid/sync/");
	BODY_HAS("-0</D:sync-token>");
	BODY_HAS("<C:supported-calendar-component-set><C:comp name=\"VEVENT\"/>"
		 "<C:comp name=\"VTODO\"/><C:comp name=\"VJOURNAL\"/>"
		 "</C:supported-calendar-component-set>");
	BODY_HAS("<D:current-user-privilege-set><D:privilege><D:all/></D:privilege>"
		 "<D:privilege><D:write-acl/></D:privilege><D:privilege><D:read/></D:privilege>");
	BODY_HAS("<D:owner><D:href>/principals/users/tim/</D:href></D:owner>");
	BODY_HAS("<D:displayname>work</D:displayname>");
	BODY_HAS_NOT("404 Not Found");
	/* the ctag follows each change; the bytes used too (RFC 4331) */
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	cr_assert_eq(
		tim("PROPFIND", "/calendars/tim/work/", PF("<CS:getctag/><D:quota-used-bytes/>")),
		207);
	BODY_HAS("-1</CS:getctag>");
	{
		char want[64];

		snprintf(want, sizeof(want), "<D:quota-used-bytes>%zu</D:quota-used-bytes>",
			 strlen(plain_event("a")));
		BODY_HAS(want);
	}
}

Test(dav_propfind, a_calendar_at_depth_1_lists_its_objects_with_etags)
{
	char e[64];

	enrol("tim");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	snprintf(e, sizeof(e), "%.32s", etag_now() + 1); /* the hex inside the quotes */
	put_ok("tim", "/calendars/tim/work/b.ics", plain_event("b"));
	cr_assert_eq(REQ(.method = "PROPFIND", .path = "/calendars/tim/work/", .user = "tim",
			 .depth = "1", .body = PF("<D:getetag/>"))
			     ->status,
		     207);
	cr_expect_eq(count(rb, "<D:response>"), 3);
	BODY_HAS("<D:response><D:href>/calendars/tim/work/a.ics</D:href><D:propstat><D:prop>"
		 "<D:getetag>&quot;");
	BODY_HAS(e);
	BODY_HAS("<D:href>/calendars/tim/work/b.ics</D:href>");
	/* the calendar itself has no getetag */
	BODY_HAS("<D:href>/calendars/tim/work/</D:href><D:propstat><D:prop><D:getetag/></D:prop>"
		 "<D:status>HTTP/1.1 404 Not Found</D:status>");
}

Test(dav_propfind, allprop_on_an_object)
{
	enrol("tim");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	cr_assert_eq(tim("PROPFIND", "/calendars/tim/work/a.ics",
			 "<D:propfind xmlns:D=\"DAV:\"><D:allprop/></D:propfind>"),
		     207);
	BODY_HAS("<D:resourcetype/>");
	BODY_HAS("<D:getetag>&quot;");
	BODY_HAS("<D:getcontenttype>text/calendar; charset=utf-8; component=vevent"
		 "</D:getcontenttype>");
	BODY_HAS("<D:getlastmodified>");
	BODY_HAS_NOT("calendar-data");
	/* no body is allprop too (RFC 4918 9.1) */
	char first[4096];

	snprintf(first, sizeof(first), "%s", rb);
	cr_assert_eq(tim("PROPFIND", "/calendars/tim/work/a.ics", NULL), 207);
	cr_expect_str_eq(rb, first);
}

Test(dav_propfind, propname_lists_the_names_without_values)
{
	enrol("tim");
	mkcal("tim", "work");
	cr_assert_eq(tim("PROPFIND", "/calendars/tim/work/",
			 "<D:propfind xmlns:D=\"DAV:\"><D:propname/></D:propfind>"),
		     207);
	BODY_HAS("<D:resourcetype/>");
	BODY_HAS("<CS:getctag/>");
	BODY_HAS("<D:sync-token/>");
	BODY_HAS("<C:supported-calendar-component-set/>");
	BODY_HAS_NOT("<D:getetag/>");
	BODY_HAS_NOT("http://rampart.invalid/sync/");
}

Test(dav_propfind, an_unknown_property_is_404_in_its_own_propstat)
{
	enrol("tim");
	mkcal("tim", "work");
	cr_assert_eq(tim("PROPFIND", "/calendars/tim/work/",
			 PF("<D:displayname/><X:nothing xmlns:X=\"urn:example:x\"/>")),
		     207);
	BODY_HAS("<D:propstat><D:prop><D:displayname>work</D:displayname></D:prop>"
		 "<D:status>HTTP/1.1 200 OK</D:status></D:propstat>"
		 "<D:propstat><D:prop><X:nothing xmlns:X=\"urn:example:x\"/></D:prop>"
		 "<D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>");
}

Test(dav_propfind, depth_infinity_or_none_is_403)
{
	enrol("tim");
	mkcal("tim", "work");
	cr_expect_eq(REQ(.method = "PROPFIND", .path = "/calendars/tim/", .user = "tim",
			 .depth = "infinity")
			     ->status,
		     403);
	BODY_HAS("<D:propfind-finite-depth/>");
	/* RFC 4918 9.1: no Depth is infinity */
	cr_expect_eq(REQ(.method = "PROPFIND", .path = "/calendars/tim/", .user = "tim")->status,
		     403);
}

Test(dav_propfind, malformed_xml_is_400_and_counted)
{
	struct caldav_stats st;

	enrol("tim");
	cr_expect_eq(tim("PROPFIND", "/calendars/tim/", "<D:propfind xmlns:D=\"DAV:\"><D:prop>"),
		     400);
	cr_expect_eq(strncmp(rb, "malformed XML body: line ", 25), 0, "%s", rb);
	cr_expect_eq(tim("PROPFIND", "/calendars/tim/",
			 "<!DOCTYPE x [<!ENTITY e \"boom\">]><D:propfind xmlns:D=\"DAV:\">"
			 "<D:allprop/></D:propfind>"),
		     400);
	cr_expect_str_eq(rb, "malformed XML body: a DTD is not accepted\n");
	cr_expect_eq(tim("PROPFIND", "/calendars/tim/", "<D:prop xmlns:D=\"DAV:\"/>"), 400);
	cr_expect_eq(tim("PROPFIND", "/calendars/tim/", "<D:propfind xmlns:D=\"DAV:\"/>"), 400);
	caldav_stats(d, &st);
	cr_expect_eq(st.bad_xml, 2);
	cr_expect_eq(st.errors_4xx, 4);
}

/* ---- PROPPATCH ---- */

Test(dav_proppatch, set_a_displayname_and_a_dead_property_then_remove_them)
{
	enrol("tim");
	mkcal("tim", "work");
	cr_assert_eq(
		tim("PROPPATCH", "/calendars/tim/work/",
		    "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:X=\"urn:example:x\"><D:set><D:prop>"
		    "<D:displayname>Work &amp; more</D:displayname><X:colour>blue</X:colour>"
		    "</D:prop></D:set></D:propertyupdate>"),
		207, "%s", rb);
	BODY_HAS("<D:href>/calendars/tim/work/</D:href><D:propstat><D:prop>"
		 "<X:displayname xmlns:X=\"DAV:\"/><X:colour xmlns:X=\"urn:example:x\"/></D:prop>"
		 "<D:status>HTTP/1.1 200 OK</D:status></D:propstat>");
	cr_assert_eq(tim("PROPFIND", "/calendars/tim/work/",
			 PF("<D:displayname/><X:colour xmlns:X=\"urn:example:x\"/>")),
		     207);
	BODY_HAS("<D:displayname>Work &amp; more</D:displayname>");
	BODY_HAS("<X:colour xmlns:X=\"urn:example:x\">blue</X:colour>");
	BODY_HAS_NOT("404 Not Found");
	/* allprop has the dead property too */
	cr_assert_eq(tim("PROPFIND", "/calendars/tim/work/", NULL), 207);
	BODY_HAS("<X:colour xmlns:X=\"urn:example:x\">blue</X:colour>");

	cr_assert_eq(tim("PROPPATCH", "/calendars/tim/work/",
			 "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:X=\"urn:example:x\"><D:remove>"
			 "<D:prop><D:displayname/><X:colour/></D:prop></D:remove>"
			 "</D:propertyupdate>"),
		     207);
	BODY_HAS("HTTP/1.1 200 OK");
	cr_assert_eq(tim("PROPFIND", "/calendars/tim/work/",
			 PF("<D:displayname/><X:colour xmlns:X=\"urn:example:x\"/>")),
		     207);
	BODY_HAS("<D:displayname>work</D:displayname>");
	BODY_HAS("<D:propstat><D:prop><X:colour xmlns:X=\"urn:example:x\"/></D:prop>"
		 "<D:status>HTTP/1.1 404 Not Found</D:status>");
}

Test(dav_proppatch, a_protected_property_fails_all_and_changes_nothing)
{
	enrol("tim");
	mkcal("tim", "work");
	cr_assert_eq(
		tim("PROPPATCH", "/calendars/tim/work/",
		    "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:X=\"urn:example:x\"><D:set><D:prop>"
		    "<D:displayname>Changed</D:displayname><D:getetag>\"x\"</D:getetag>"
		    "<X:colour>red</X:colour></D:prop></D:set></D:propertyupdate>"),
		207, "%s", rb);
	BODY_HAS("<D:propstat><D:prop><X:displayname xmlns:X=\"DAV:\"/>"
		 "<X:colour xmlns:X=\"urn:example:x\"/></D:prop>"
		 "<D:status>HTTP/1.1 424 Failed Dependency</D:status></D:propstat>");
	BODY_HAS("<D:propstat><D:prop><X:getetag xmlns:X=\"DAV:\"/></D:prop>"
		 "<D:status>HTTP/1.1 403 Forbidden</D:status></D:propstat>");
	BODY_HAS_NOT("200 OK");
	cr_assert_eq(tim("PROPFIND", "/calendars/tim/work/",
			 PF("<D:displayname/><X:colour xmlns:X=\"urn:example:x\"/>")),
		     207);
	BODY_HAS("<D:displayname>work</D:displayname>");
	BODY_HAS("<X:colour xmlns:X=\"urn:example:x\"/></D:prop>"
		 "<D:status>HTTP/1.1 404 Not Found</D:status>");
}

Test(dav_proppatch, only_a_calendar_and_only_with_a_propertyupdate)
{
	enrol("tim");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	cr_expect_eq(tim("PROPPATCH", "/calendars/tim/work/a.ics",
			 "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop><D:displayname>x"
			 "</D:displayname></D:prop></D:set></D:propertyupdate>"),
		     403);
	cr_expect_eq(tim("PROPPATCH", "/calendars/tim/work/", "<D:propfind xmlns:D=\"DAV:\"/>"),
		     400);
	cr_expect_eq(tim("PROPPATCH", "/calendars/tim/work/", NULL), 400);
}

/* ---- REPORT ---- */

static void two_events(void)
{
	enrol("tim");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	put_ok("tim", "/calendars/tim/work/weekly.ics", weekly);
}

Test(dav_report, multiget_returns_present_hrefs_and_404s_missing_ones)
{
	two_events();
	cr_assert_eq(tim("REPORT", "/calendars/tim/work/",
			 "<C:calendar-multiget xmlns:D=\"DAV:\" "
			 "xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><D:prop><D:getetag/>"
			 "<C:calendar-data/></D:prop>"
			 "<D:href>/calendars/tim/work/a.ics</D:href>"
			 "<D:href>/calendars/tim/work/missing.ics</D:href>"
			 "<D:href>/calendars/tim/other/a.ics</D:href>"
			 "</C:calendar-multiget>"),
		     207, "%s", rb);
	cr_expect_eq(count(rb, "<D:response>"), 3);
	BODY_HAS("<D:response><D:href>/calendars/tim/work/a.ics</D:href><D:propstat><D:prop>"
		 "<D:getetag>&quot;");
	BODY_HAS("<C:calendar-data>BEGIN:VCALENDAR&#13;\nVERSION:2.0&#13;\n");
	BODY_HAS("UID:a&#13;\n");
	BODY_HAS("<D:response><D:href>/calendars/tim/work/missing.ics</D:href>"
		 "<D:status>HTTP/1.1 404 Not Found</D:status></D:response>");
	BODY_HAS("<D:response><D:href>/calendars/tim/other/a.ics</D:href>"
		 "<D:status>HTTP/1.1 404 Not Found</D:status></D:response>");
	BODY_HAS_NOT("UID:weekly");
}

static int query_range(const char *start, const char *end)
{
	char body[1024];

	snprintf(body, sizeof(body),
		 "<C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
		 "<D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name=\"VCALENDAR\">"
		 "<C:comp-filter name=\"VEVENT\"><C:time-range start=\"%s\" end=\"%s\"/>"
		 "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>",
		 start, end);
	return tim("REPORT", "/calendars/tim/work/", body);
}

Test(dav_report, calendar_query_by_time_range_finds_plain_and_recurring_events)
{
	two_events();
	cr_assert_eq(query_range("20240110T000000Z", "20240111T000000Z"), 207, "%s", rb);
	cr_expect_eq(count(rb, "<D:response>"), 1);
	BODY_HAS("<D:href>/calendars/tim/work/a.ics</D:href>");
	/* the third Monday: only an instance of the recurring one */
	cr_assert_eq(query_range("20240115T000000Z", "20240116T000000Z"), 207);
	cr_expect_eq(count(rb, "<D:response>"), 1);
	BODY_HAS("<D:href>/calendars/tim/work/weekly.ics</D:href>");
	/* the whole month: both */
	cr_assert_eq(query_range("20240101T000000Z", "20240201T000000Z"), 207);
	cr_expect_eq(count(rb, "<D:response>"), 2);
	/* after the fifth Monday: none; between instances: none */
	cr_assert_eq(query_range("20240205T000000Z", "20240206T000000Z"), 207);
	cr_expect_eq(count(rb, "<D:response>"), 0);
	cr_assert_eq(query_range("20240115T100000Z", "20240122T090000Z"), 207);
	cr_expect_eq(count(rb, "<D:response>"), 0);
}

Test(dav_report, calendar_query_with_an_invalid_filter_is_403_valid_filter)
{
	two_events();
	cr_expect_eq(
		tim("REPORT", "/calendars/tim/work/",
		    "<C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
		    "<C:filter><C:comp-filter name=\"VEVENT\"/></C:filter></C:calendar-query>"),
		403);
	BODY_HAS("<C:valid-filter/>");
	cr_expect_eq(
		tim("REPORT", "/calendars/tim/work/",
		    "<C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
		    "<D:prop><D:getetag/></D:prop></C:calendar-query>"),
		403);
	BODY_HAS("<C:valid-filter/>");
	cr_expect_eq(query_range("20240111T000000Z", "20240110T000000Z"), 403);
	BODY_HAS("<C:valid-filter/>");
	cr_expect_eq(query_range("yesterday", "20240110T000000Z"), 403);
	BODY_HAS("<C:valid-filter/>");
}

Test(dav_report, free_busy_query_answers_text_calendar_with_the_busy_times)
{
	two_events();
	cr_assert_eq(tim("REPORT", "/calendars/tim/work/",
			 "<C:free-busy-query xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
			 "<C:time-range start=\"20240108T000000Z\" end=\"20240111T000000Z\"/>"
			 "</C:free-busy-query>"),
		     200, "%s", rb);
	cr_expect_str_eq(rs.content_type, "text/calendar; charset=utf-8");
	cr_expect_eq(strncmp(rb, "BEGIN:VCALENDAR", 15), 0, "%s", rb);
	BODY_HAS("BEGIN:VFREEBUSY");
	BODY_HAS("DTSTART:20240108T000000Z");
	BODY_HAS("DTEND:20240111T000000Z");
	BODY_HAS("20240108T090000Z/");
	BODY_HAS("20240110T100000Z/");
	cr_expect_eq(count(rb, "FREEBUSY"), 4, "%s", rb); /* BEGIN, END and two periods */
	cr_expect_eq(tim("REPORT", "/calendars/tim/work/",
			 "<C:free-busy-query xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
			 "<C:time-range start=\"20240108T000000Z\"/></C:free-busy-query>"),
		     400);
}

Test(dav_report, sync_collection_gives_everything_then_only_what_changed)
{
	char tok[128], tok2[128];

	two_events();
	cr_assert_eq(sync_since("/calendars/tim/work/", ""), 207, "%s", rb);
	cr_expect_eq(count(rb, "<D:response>"), 2);
	BODY_HAS("<D:href>/calendars/tim/work/a.ics</D:href>");
	BODY_HAS("<D:href>/calendars/tim/work/weekly.ics</D:href>");
	BODY_HAS("-2</D:sync-token></D:multistatus>");
	token_of("/calendars/tim/work/", tok, sizeof(tok));
	/* the calendar's instance (16 hex digits), then its change counter */
	cr_expect_eq(strncmp(tok, "http://rampart.invalid/sync/", 28), 0, "%s", tok);
	cr_expect_eq(strlen(tok), 28 + 16 + 2, "%s", tok);
	cr_expect_str_eq(tok + 28 + 16, "-2");

	put_ok("tim", "/calendars/tim/work/c.ics", plain_event("c"));
	cr_assert_eq(tim("DELETE", "/calendars/tim/work/a.ics", NULL), 204);
	cr_assert_eq(sync_since("/calendars/tim/work/", tok), 207);
	cr_expect_eq(count(rb, "<D:response>"), 2, "%s", rb);
	BODY_HAS("<D:response><D:href>/calendars/tim/work/c.ics</D:href><D:propstat>");
	BODY_HAS("<D:response><D:href>/calendars/tim/work/a.ics</D:href>"
		 "<D:status>HTTP/1.1 404 Not Found</D:status></D:response>");
	BODY_HAS_NOT("weekly");
	BODY_HAS("-4</D:sync-token>");
	/* nothing since the newest */
	token_of("/calendars/tim/work/", tok2, sizeof(tok2));
	cr_assert_eq(sync_since("/calendars/tim/work/", tok2), 207);
	cr_expect_eq(count(rb, "<D:response>"), 0);
}

Test(dav_report, sync_collection_with_a_token_not_ours_is_403_valid_sync_token)
{
	two_events();
	const char *bad[] = { "http://example.com/sync/1", "http://rampart.invalid/sync/",
			      "http://rampart.invalid/sync/99",
			      "http://rampart.invalid/sync/0000000000000000-1", "garbage" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(sync_since("/calendars/tim/work/", bad[i]), 403, "%s", bad[i]);
		BODY_HAS("<D:valid-sync-token/>");
	}
	cr_expect_eq(tim("REPORT", "/calendars/tim/work/",
			 "<D:sync-collection xmlns:D=\"DAV:\"><D:sync-token/>"
			 "<D:sync-level>infinite</D:sync-level><D:prop/></D:sync-collection>"),
		     403);
	BODY_HAS("<D:sync-traversal-supported/>");
	cr_expect_eq(sync_since("/calendars/tim/", ""), 403);
}

Test(dav_report, principal_property_search_matches_by_name)
{
	enrol("tim");
	enrol("bob");
	cr_assert_eq(tim("REPORT", "/principals/",
			 "<D:principal-property-search xmlns:D=\"DAV:\"><D:property-search>"
			 "<D:prop><D:displayname/></D:prop><D:match>TI</D:match>"
			 "</D:property-search><D:prop><D:displayname/></D:prop>"
			 "</D:principal-property-search>"),
		     207, "%s", rb);
	cr_expect_eq(count(rb, "<D:response>"), 1);
	BODY_HAS("<D:href>/principals/users/tim/</D:href><D:propstat><D:prop>"
		 "<D:displayname>tim</D:displayname>");
	cr_assert_eq(tim("REPORT", "/principals/",
			 "<D:principal-property-search xmlns:D=\"DAV:\"><D:property-search>"
			 "<D:prop><D:displayname/></D:prop><D:match>zzz</D:match>"
			 "</D:property-search></D:principal-property-search>"),
		     207);
	cr_expect_eq(count(rb, "<D:response>"), 0);
}

Test(dav_report, expand_property_expands_a_groups_members)
{
	enrol("tim");
	enrol("bob");
	cr_assert_eq(admin("PUT", "/admin/groups/team", "{\"members\": [\"bob\"]}"), 201);
	cr_assert_eq(
		tim("REPORT", "/principals/groups/team/",
		    "<D:expand-property xmlns:D=\"DAV:\"><D:property name=\"group-member-set\">"
		    "<D:property name=\"displayname\"/>"
		    "<D:property name=\"calendar-home-set\" "
		    "namespace=\"urn:ietf:params:xml:ns:caldav\"/>"
		    "</D:property></D:expand-property>"),
		207, "%s", rb);
	BODY_HAS("<D:response><D:href>/principals/groups/team/</D:href><D:propstat><D:prop>"
		 "<D:group-member-set><D:response><D:href>/principals/users/bob/</D:href>"
		 "<D:propstat><D:prop><D:displayname>bob</D:displayname>"
		 "<C:calendar-home-set><D:href>/calendars/bob/</D:href></C:calendar-home-set>"
		 "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
		 "</D:group-member-set>");
	BODY_HAS_NOT("/principals/users/tim/");
}

Test(dav_report, an_unknown_report_is_403_and_no_body_400)
{
	two_events();
	cr_expect_eq(tim("REPORT", "/calendars/tim/work/", "<X:what xmlns:X=\"urn:x\"/>"), 403);
	BODY_HAS("<D:supported-report/>");
	cr_expect_eq(tim("REPORT", "/calendars/tim/work/", NULL), 400);
	cr_expect_eq(tim("REPORT", "/calendars/tim/work/", "<<<"), 400);
	/* calendar-multiget is made on a calendar */
	cr_expect_eq(tim("REPORT", "/calendars/tim/",
			 "<C:calendar-multiget xmlns:D=\"DAV:\" "
			 "xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><D:href>/x</D:href>"
			 "</C:calendar-multiget>"),
		     403);
}

/* ---- ACL: sharing ---- */

static void shared_setup(void)
{
	enrol("tim");
	enrol("bob");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
}

Test(dav_acl, before_sharing_bob_sees_nothing)
{
	shared_setup();
	cr_expect_eq(as("bob", "PROPFIND", "/calendars/tim/work/", NULL), 404);
	cr_expect_eq(as("bob", "GET", "/calendars/tim/work/a.ics", NULL), 404);
	/* a calendar bob may not read is not there for him, GET included */
	cr_expect_eq(as("bob", "GET", "/calendars/tim/work/", NULL), 404, "%s", rb);
	cr_expect_eq(as("bob", "GET", "/calendars/tim/", NULL), 404, "%s", rb);
	cr_expect_eq(as("bob", "PUT", "/calendars/tim/work/b.ics", plain_event("b")), 404);
	cr_expect_eq(as("bob", "DELETE", "/calendars/tim/work/a.ics", NULL), 404);
	cr_expect_eq(as("bob", "ACL", "/calendars/tim/work/", acl_user_read), 404);
	cr_expect_eq(as("bob", "REPORT", "/calendars/tim/work/",
			"<D:sync-collection xmlns:D=\"DAV:\"><D:sync-token/><D:prop/>"
			"</D:sync-collection>"),
		     404);
}

Test(dav_acl, shared_for_reading_bob_reads_and_cannot_write)
{
	shared_setup();
	cr_assert_eq(tim("ACL", "/calendars/tim/work/", acl_user_read), 200, "%s", rb);
	cr_expect_eq(as("bob", "PROPFIND", "/calendars/tim/work/", NULL), 207);
	cr_expect_eq(as("bob", "GET", "/calendars/tim/work/a.ics", NULL), 200);
	cr_expect_str_eq(rb, plain_event("a"));
	cr_assert_eq(as("bob", "PROPFIND", "/calendars/tim/work/",
			PF("<D:current-user-privilege-set/>")),
		     207);
	BODY_HAS("<D:current-user-privilege-set><D:privilege><D:read/></D:privilege>"
		 "<D:privilege><D:read-current-user-privilege-set/></D:privilege>"
		 "<D:privilege><C:read-free-busy/></D:privilege></D:current-user-privilege-set>");
	cr_expect_eq(as("bob", "PUT", "/calendars/tim/work/b.ics", plain_event("b")), 403);
	BODY_HAS("<D:need-privileges/>");
	cr_expect_eq(as("bob", "DELETE", "/calendars/tim/work/a.ics", NULL), 403);
	cr_expect_eq(as("bob", "PROPPATCH", "/calendars/tim/work/",
			"<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop><D:displayname>bob's"
			"</D:displayname></D:prop></D:set></D:propertyupdate>"),
		     403);
	cr_expect_eq(as("bob", "DELETE", "/calendars/tim/work/", NULL), 403);
	cr_expect_eq(tim("GET", "/calendars/tim/work/b.ics", NULL), 404);
}

Test(dav_acl, shared_for_writing_bob_puts)
{
	shared_setup();
	cr_assert_eq(tim("ACL", "/calendars/tim/work/", acl_user_write), 200, "%s", rb);
	cr_expect_eq(as("bob", "PUT", "/calendars/tim/work/b.ics", plain_event("b")), 201);
	cr_expect_eq(tim("GET", "/calendars/tim/work/b.ics", NULL), 200);
	cr_expect_eq(as("bob", "DELETE", "/calendars/tim/work/a.ics", NULL), 204);
	/* still not the owner */
	cr_expect_eq(as("bob", "ACL", "/calendars/tim/work/", acl_user_write), 403);
	cr_expect_eq(as("bob", "DELETE", "/calendars/tim/work/", NULL), 403);
	cr_expect_eq(tim("PROPFIND", "/calendars/tim/work/", NULL), 207);
}

Test(dav_acl, shared_with_a_group_its_members_read)
{
	shared_setup();
	enrol("eve");
	cr_assert_eq(admin("PUT", "/admin/groups/team", "{\"members\": [\"bob\"]}"), 201);
	cr_assert_eq(tim("ACL", "/calendars/tim/work/",
			 "<D:acl xmlns:D=\"DAV:\"><D:ace><D:principal>"
			 "<D:href>https://cal.example.com/principals/groups/team/</D:href>"
			 "</D:principal><D:grant><D:privilege><D:read/></D:privilege></D:grant>"
			 "</D:ace></D:acl>"),
		     200, "%s", rb);
	cr_expect_eq(as("bob", "GET", "/calendars/tim/work/a.ics", NULL), 200);
	cr_expect_eq(as("eve", "GET", "/calendars/tim/work/a.ics", NULL), 404);
	cr_assert_eq(tim("PROPFIND", "/calendars/tim/work/", PF("<D:acl/>")), 207);
	BODY_HAS("<D:ace><D:principal><D:href>/principals/groups/team/</D:href></D:principal>"
		 "<D:grant><D:privilege><D:read/></D:privilege>");
	/* out of the group, out of the calendar */
	cr_assert_eq(admin("PUT", "/admin/groups/team", "{\"members\": [\"eve\"]}"), 200);
	cr_expect_eq(as("bob", "GET", "/calendars/tim/work/a.ics", NULL), 404);
	cr_expect_eq(as("eve", "GET", "/calendars/tim/work/a.ics", NULL), 200);
}

Test(dav_acl, an_unknown_principal_or_a_deny_is_refused_and_nothing_changes)
{
	shared_setup();
	cr_expect_eq(tim("ACL", "/calendars/tim/work/",
			 "<D:acl xmlns:D=\"DAV:\"><D:ace><D:principal>"
			 "<D:href>/principals/users/nobody/</D:href></D:principal><D:grant>"
			 "<D:privilege><D:read/></D:privilege></D:grant></D:ace></D:acl>"),
		     403);
	BODY_HAS("<D:recognized-principal/>");
	cr_expect_eq(tim("ACL", "/calendars/tim/work/",
			 "<D:acl xmlns:D=\"DAV:\"><D:ace><D:principal>"
			 "<D:href>/principals/users/bob/</D:href></D:principal><D:deny>"
			 "<D:privilege><D:read/></D:privilege></D:deny></D:ace></D:acl>"),
		     403);
	BODY_HAS("<D:grant-only/>");
	cr_expect_eq(tim("ACL", "/calendars/tim/work/",
			 "<D:acl xmlns:D=\"DAV:\"><D:ace><D:principal>"
			 "<D:href>/principals/users/bob/</D:href></D:principal><D:grant>"
			 "<D:privilege><D:write-acl/></D:privilege></D:grant></D:ace></D:acl>"),
		     403);
	BODY_HAS("<D:not-supported-privilege/>");
	cr_expect_eq(tim("ACL", "/calendars/tim/work/a.ics", acl_user_read), 403);
	cr_expect_eq(tim("ACL", "/calendars/tim/work/", "<D:propfind xmlns:D=\"DAV:\"/>"), 400);
	cr_expect_eq(as("bob", "GET", "/calendars/tim/work/a.ics", NULL), 404);
}

Test(dav_acl, a_mixed_acl_is_all_or_nothing)
{
	shared_setup();
	/* a good ACE followed by a bad one: RFC 3744 8.1, the ACL is not changed */
	cr_expect_eq(tim("ACL", "/calendars/tim/work/",
			 "<D:acl xmlns:D=\"DAV:\"><D:ace><D:principal>"
			 "<D:href>/principals/users/bob/</D:href></D:principal><D:grant>"
			 "<D:privilege><D:read/></D:privilege></D:grant></D:ace>"
			 "<D:ace><D:principal><D:href>/principals/users/nobody/</D:href>"
			 "</D:principal><D:grant><D:privilege><D:read/></D:privilege></D:grant>"
			 "</D:ace></D:acl>"),
		     403);
	cr_expect_eq(as("bob", "GET", "/calendars/tim/work/a.ics", NULL), 404);
}

/* A share names a principal by name: when that user is removed, a new user
 * enrolled later under the same name must not inherit it. */
Test(dav_acl, a_removed_users_shares_do_not_pass_to_a_new_user_of_that_name)
{
	shared_setup();
	cr_assert_eq(tim("ACL", "/calendars/tim/work/", acl_user_write), 200);
	cr_assert_eq(admin("DELETE", "/admin/users/bob", NULL), 200);
	enrol("bob");
	cr_expect_eq(as("bob", "GET", "/calendars/tim/work/a.ics", NULL), 404, "%d: %s", rs.status,
		     rb);
	cr_expect_eq(as("bob", "PUT", "/calendars/tim/work/b.ics", plain_event("b")), 404);
}

Test(dav_acl, an_empty_acl_stops_sharing)
{
	shared_setup();
	cr_assert_eq(tim("ACL", "/calendars/tim/work/", acl_user_read), 200);
	cr_expect_eq(as("bob", "GET", "/calendars/tim/work/a.ics", NULL), 200);
	cr_assert_eq(tim("ACL", "/calendars/tim/work/", "<D:acl xmlns:D=\"DAV:\"/>"), 200);
	cr_expect_eq(as("bob", "GET", "/calendars/tim/work/a.ics", NULL), 404);
}

/* ---- MOVE, COPY ---- */

static int move_copy(const char *method, const char *from, const char *to, const char *ow)
{
	return REQ(.method = method, .path = from, .user = "tim", .destination = to,
		   .overwrite = ow)
		->status;
}

Test(dav_copymove, copy_to_another_calendar_then_overwrite)
{
	enrol("tim");
	mkcal("tim", "work");
	mkcal("tim", "home");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	cr_expect_eq(
		move_copy("COPY", "/calendars/tim/work/a.ics", "/calendars/tim/home/a.ics", NULL),
		201, "%s", rb);
	cr_expect_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 200);
	cr_assert_eq(tim("GET", "/calendars/tim/home/a.ics", NULL), 200);
	cr_expect_str_eq(rb, plain_event("a"));
	cr_expect_eq(move_copy("COPY", "/calendars/tim/work/a.ics",
			       "https://cal.example.com/calendars/tim/home/a.ics", "F"),
		     412);
	cr_expect_eq(
		move_copy("COPY", "/calendars/tim/work/a.ics", "/calendars/tim/home/a.ics", "T"),
		204);
	/* within one calendar a copy is a UID conflict */
	cr_expect_eq(
		move_copy("COPY", "/calendars/tim/work/a.ics", "/calendars/tim/work/b.ics", NULL),
		409);
	BODY_HAS("<C:no-uid-conflict>");
}

Test(dav_copymove, move_within_a_calendar_renames)
{
	char e[64];

	enrol("tim");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	snprintf(e, sizeof(e), "%s", etag_now());
	cr_expect_eq(
		move_copy("MOVE", "/calendars/tim/work/a.ics", "/calendars/tim/work/b.ics", NULL),
		201, "%s", rb);
	cr_expect_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 404);
	cr_assert_eq(tim("GET", "/calendars/tim/work/b.ics", NULL), 200);
	cr_expect_str_eq(hdr("ETag"), e);
	cr_expect_str_eq(rb, plain_event("a"));
}

Test(dav_copymove, move_over_an_existing_object_in_the_same_calendar)
{
	enrol("tim");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	put_ok("tim", "/calendars/tim/work/b.ics", plain_event("b"));
	cr_expect_eq(
		move_copy("MOVE", "/calendars/tim/work/a.ics", "/calendars/tim/work/b.ics", "F"),
		412);
	cr_expect_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 200);
	/* RFC 4918 9.9.3: with Overwrite T the destination is replaced, 204; a.ics
	 * goes, so its UID conflicts with nothing after the move */
	cr_expect_eq(
		move_copy("MOVE", "/calendars/tim/work/a.ics", "/calendars/tim/work/b.ics", "T"),
		204, "%s", rb);
	cr_expect_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 404);
	cr_assert_eq(tim("GET", "/calendars/tim/work/b.ics", NULL), 200);
	BODY_HAS("UID:a\r\n");
}

Test(dav_copymove, move_to_another_calendar)
{
	enrol("tim");
	mkcal("tim", "work");
	mkcal("tim", "home");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	cr_expect_eq(
		move_copy("MOVE", "/calendars/tim/work/a.ics", "/calendars/tim/home/a.ics", NULL),
		201);
	cr_expect_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 404);
	cr_expect_eq(tim("GET", "/calendars/tim/home/a.ics", NULL), 200);
}

Test(dav_copymove, not_across_users_nor_without_a_destination)
{
	enrol("tim");
	enrol("bob");
	mkcal("tim", "work");
	mkcal("bob", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	cr_expect_eq(
		move_copy("MOVE", "/calendars/tim/work/a.ics", "/calendars/bob/work/a.ics", NULL),
		403);
	cr_expect_eq(
		move_copy("COPY", "/calendars/tim/work/a.ics", "/calendars/bob/work/a.ics", NULL),
		403);
	cr_expect_eq(as("bob", "GET", "/calendars/bob/work/a.ics", NULL), 404);
	cr_expect_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 200);
	cr_expect_eq(move_copy("MOVE", "/calendars/tim/work/a.ics", NULL, NULL), 400);
	cr_expect_eq(move_copy("MOVE", "/calendars/tim/work/", "/calendars/tim/x/", NULL), 403);
	cr_expect_eq(
		move_copy("MOVE", "/calendars/tim/work/a.ics", "/calendars/tim/nocal/a.ics", NULL),
		409);
	cr_expect_eq(
		move_copy("MOVE", "/calendars/tim/work/a.ics", "/calendars/tim/work/a.ics", NULL),
		403);
}

/* ---- history and revert ---- */

static json_t *history(const char *path)
{
	char err[256] = "";
	char *text = caldav_history(d, path, 0, err, sizeof(err));
	json_t *j;

	cr_assert_not_null(text, "caldav_history %s: %s", path, err);
	j = json_loads(text, 0, NULL);
	free(text);
	cr_assert(json_is_array(j));
	return j;
}

/* A field of the i-th entry, "" when there is none. */
static const char *entry(json_t *h, size_t i, const char *key)
{
	const char *v = json_string_value(json_object_get(json_array_get(h, i), key));

	return v ? v : "";
}

static const char *dump(const json_t *j)
{
	static char buf[4096];
	size_t n = json_dumpb(j, buf, sizeof(buf) - 1, JSON_COMPACT);

	buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = '\0';
	return buf;
}

Test(dav_history, changes_are_committed_in_batches_by_their_author)
{
	json_t *h;

	enrol("tim");
	enrol("bob");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	cr_assert_eq(tim("ACL", "/calendars/tim/work/", acl_user_write), 200);
	put_ok("bob", "/calendars/tim/work/b.ics", plain_event("b"));	     /* flushes tim's */
	cr_assert_eq(tim("DELETE", "/calendars/tim/work/a.ics", NULL), 204); /* bob's */

	h = history("/calendars/tim/work/"); /* flushes the delete */
	cr_expect_eq(json_array_size(h), 3, "%s", dump(h));
	cr_expect_str_eq(entry(h, 0, "author"), "tim");
	cr_expect_str_eq(entry(h, 0, "message"), "calendars/tim/work/a.ics: deleted VEVENT a");
	cr_expect_str_eq(entry(h, 1, "author"), "bob");
	cr_expect_str_eq(entry(h, 1, "message"), "calendars/tim/work/b.ics: added VEVENT b");
	cr_expect_str_eq(entry(h, 2, "author"), "tim");
	cr_expect_eq(strncmp(entry(h, 2, "message"), "3 changes by tim\n\n", 18), 0, "%s",
		     entry(h, 2, "message"));
	cr_expect_eq(strlen(entry(h, 0, "commit")), 40);
	json_decref(h);
	h = history("calendars/tim/work/a.ics");
	cr_expect_eq(json_array_size(h), 2);
	json_decref(h);
	h = history("");
	cr_expect_eq(json_array_size(h), 3);
	json_decref(h);
	{
		char err[256] = "";

		cr_expect_null(caldav_history(d, "/calendars/../../etc", 0, err, sizeof(err)));
		cr_expect_neq(err[0], '\0');
	}
}

/* A batch that touches one file twice (the .props of MKCALENDAR then of an
 * ACL, or an object stored then changed) must still reach history. */
Test(dav_history, a_batch_that_changes_one_file_twice_is_committed)
{
	json_t *h;
	struct caldav_stats st;

	enrol("tim");
	mkcal("tim", "work");
	cr_assert_eq(tim("PROPPATCH", "/calendars/tim/work/",
			 "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop>"
			 "<D:displayname>W</D:displayname></D:prop></D:set></D:propertyupdate>"),
		     207);
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	put_ok("tim", "/calendars/tim/work/a.ics",
	       event("a", "20240112T100000Z", "20240112T110000Z", "v2"));
	caldav_flush(d);
	caldav_stats(d, &st);
	cr_expect_eq(st.commits, 1);
	h = history("/calendars/tim/work/a.ics");
	cr_expect_eq(json_array_size(h), 1, "%s", dump(h));
	json_decref(h);
	h = history("/calendars/tim/work/.props");
	cr_expect_eq(json_array_size(h), 1, "%s", dump(h));
	json_decref(h);
}

Test(dav_history, reverting_a_delete_brings_the_object_back)
{
	char e[64], tok[128], oid[41], err[256] = "";
	json_t *h;
	struct caldav_stats st;

	enrol("tim");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	snprintf(e, sizeof(e), "%s", etag_now());
	put_ok("tim", "/calendars/tim/work/b.ics", plain_event("b"));
	caldav_flush(d);
	cr_assert_eq(tim("DELETE", "/calendars/tim/work/a.ics", NULL), 204);
	token_of("/calendars/tim/work/", tok, sizeof(tok));

	h = history("/calendars/tim/work/a.ics");
	cr_assert_eq(json_array_size(h), 2, "%s", dump(h));
	cr_assert_eq(caldav_revert(d, entry(h, 0, "commit"), oid, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(strlen(oid), 40);
	json_decref(h);

	cr_assert_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 200);
	cr_expect_str_eq(rb, plain_event("a"));
	cr_expect_str_eq(hdr("ETag"), e);
	/* a client that synced after the delete learns it is back */
	cr_assert_eq(sync_since("/calendars/tim/work/", tok), 207);
	cr_expect_eq(count(rb, "<D:response>"), 1, "%s", rb);
	BODY_HAS("<D:response><D:href>/calendars/tim/work/a.ics</D:href><D:propstat><D:prop>"
		 "<D:getetag>");
	BODY_HAS_NOT("404 Not Found");
	/* its UID is taken again */
	cr_expect_eq(tim("PUT", "/calendars/tim/work/c.ics", plain_event("a")), 409);
	h = history("/calendars/tim/work/a.ics");
	cr_expect_str_eq(entry(h, 0, "author"), "admin");
	cr_expect_str_eq(entry(h, 0, "commit"), oid);
	json_decref(h);
	caldav_stats(d, &st);
	cr_expect_eq(st.objects_loaded, 2);
}

Test(dav_history, reverting_an_add_removes_the_object_and_sync_says_so)
{
	char tok[128], oid[41], err[256] = "";
	json_t *h;

	enrol("tim");
	mkcal("tim", "work");
	caldav_flush(d);
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	token_of("/calendars/tim/work/", tok, sizeof(tok));
	h = history("/calendars/tim/work/a.ics");
	cr_assert_eq(caldav_revert(d, entry(h, 0, "commit"), oid, err, sizeof(err)), 0, "%s", err);
	json_decref(h);
	cr_expect_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 404);
	cr_assert_eq(sync_since("/calendars/tim/work/", tok), 207);
	BODY_HAS("<D:response><D:href>/calendars/tim/work/a.ics</D:href>"
		 "<D:status>HTTP/1.1 404 Not Found</D:status></D:response>");
	cr_expect_eq(tim("PUT", "/calendars/tim/work/b.ics", plain_event("a")), 201);
	/* the calendar itself stays */
	cr_expect_eq(tim("PROPFIND", "/calendars/tim/work/", NULL), 207);
}

Test(dav_history, a_revert_in_conflict_is_refused_and_changes_nothing)
{
	char oid[41] = "", err[256] = "", first[41];
	json_t *h;

	enrol("tim");
	mkcal("tim", "work");
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	caldav_flush(d);
	put_ok("tim", "/calendars/tim/work/a.ics",
	       event("a", "20240112T100000Z", "20240112T110000Z", "v2"));
	h = history("/calendars/tim/work/a.ics");
	cr_assert_eq(json_array_size(h), 2);
	snprintf(first, sizeof(first), "%s", entry(h, 1, "commit"));
	json_decref(h);
	cr_expect_eq(caldav_revert(d, first, oid, err, sizeof(err)), -1);
	cr_expect_neq(err[0], '\0');
	cr_assert_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 200);
	BODY_HAS("SUMMARY:v2");
	h = history("");
	cr_expect_eq(json_array_size(h), 2);
	json_decref(h);
	cr_expect_eq(
		caldav_revert(d, "0123456789abcdef0123456789abcdef01234567", oid, err, sizeof(err)),
		-1);
}

Test(dav_history, reverting_a_props_change_restores_the_properties)
{
	char oid[41], err[256] = "";
	json_t *h;

	enrol("tim");
	mkcal("tim", "work");
	caldav_flush(d);
	cr_assert_eq(tim("PROPPATCH", "/calendars/tim/work/",
			 "<D:propertyupdate xmlns:D=\"DAV:\"><D:set><D:prop>"
			 "<D:displayname>Renamed</D:displayname></D:prop></D:set>"
			 "</D:propertyupdate>"),
		     207);
	h = history("/calendars/tim/work/");
	cr_assert_eq(json_array_size(h), 2);
	cr_assert_eq(caldav_revert(d, entry(h, 0, "commit"), oid, err, sizeof(err)), 0, "%s", err);
	json_decref(h);
	cr_assert_eq(tim("PROPFIND", "/calendars/tim/work/", PF("<D:displayname/>")), 207);
	BODY_HAS("<D:displayname>work</D:displayname>");
}

/* ---- closing and opening again ---- */

Test(dav_persist, everything_is_the_same_after_a_reopen)
{
	char ea[64], eb[64], tok[128], tok_after[128];

	enrol("tim");
	enrol("bob");
	cr_assert_eq(admin("PUT", "/admin/groups/team", "{\"members\": [\"bob\"]}"), 201);
	cr_assert_eq(tim("MKCALENDAR", "/calendars/tim/work/",
			 "<C:mkcalendar xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
			 "<D:set><D:prop><D:displayname>Work</D:displayname></D:prop></D:set>"
			 "</C:mkcalendar>"),
		     201);
	cr_assert_eq(tim("PROPPATCH", "/calendars/tim/work/",
			 "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:X=\"urn:example:x\"><D:set>"
			 "<D:prop><X:colour>blue</X:colour></D:prop></D:set></D:propertyupdate>"),
		     207);
	cr_assert_eq(tim("ACL", "/calendars/tim/work/",
			 "<D:acl xmlns:D=\"DAV:\"><D:ace><D:principal>"
			 "<D:href>/principals/groups/team/</D:href></D:principal><D:grant>"
			 "<D:privilege><D:read/></D:privilege></D:grant></D:ace></D:acl>"),
		     200);
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	snprintf(ea, sizeof(ea), "%s", etag_now());
	put_ok("tim", "/calendars/tim/work/b.ics", weekly);
	snprintf(eb, sizeof(eb), "%s", etag_now());
	token_of("/calendars/tim/work/", tok, sizeof(tok));
	put_ok("tim", "/calendars/tim/work/c.ics", plain_event("c"));
	cr_assert_eq(tim("DELETE", "/calendars/tim/work/a.ics", NULL), 204);
	token_of("/calendars/tim/work/", tok_after, sizeof(tok_after));

	caldav_close(d);
	d = open_dir();

	cr_expect_eq(caldav_auth(d, "tim", "password-tim"), 1);
	cr_expect_eq(caldav_auth(d, "bob", "password-bob"), 1);
	cr_expect_eq(caldav_auth(d, "bob", "password-tim"), 0);
	cr_assert_eq(tim("GET", "/calendars/tim/work/b.ics", NULL), 200);
	cr_expect_str_eq(rb, weekly);
	cr_expect_str_eq(hdr("ETag"), eb);
	cr_expect_eq(tim("GET", "/calendars/tim/work/a.ics", NULL), 404);
	cr_expect_eq(tim("GET", "/calendars/tim/work/c.ics", NULL), 200);
	cr_assert_eq(
		tim("PROPFIND", "/calendars/tim/work/",
		    PF("<D:displayname/><X:colour xmlns:X=\"urn:example:x\"/><D:sync-token/>")),
		207);
	BODY_HAS("<D:displayname>Work</D:displayname>");
	BODY_HAS("<X:colour xmlns:X=\"urn:example:x\">blue</X:colour>");
	BODY_HAS(tok_after);
	/* the group's ACL still shares it */
	cr_expect_eq(as("bob", "GET", "/calendars/tim/work/b.ics", NULL), 200);
	cr_expect_eq(as("bob", "PUT", "/calendars/tim/work/d.ics", plain_event("d")), 403);
	/* the token from before: c added, a removed, b not */
	cr_assert_eq(sync_since("/calendars/tim/work/", tok), 207);
	cr_expect_eq(count(rb, "<D:response>"), 2, "%s", rb);
	BODY_HAS("<D:response><D:href>/calendars/tim/work/c.ics</D:href><D:propstat>");
	BODY_HAS("<D:response><D:href>/calendars/tim/work/a.ics</D:href>"
		 "<D:status>HTTP/1.1 404 Not Found</D:status></D:response>");
	BODY_HAS_NOT("b.ics");
	/* the UID of b is still known: a conflict */
	cr_expect_eq(tim("PUT", "/calendars/tim/work/e.ics", weekly), 409);
	/* and new changes get new tokens, never one given before */
	put_ok("tim", "/calendars/tim/work/a.ics", plain_event("a"));
	cr_expect_str_eq(etag_now(), ea);
	token_of("/calendars/tim/work/", tok, sizeof(tok));
	cr_expect_str_neq(tok, tok_after);
	cr_assert_eq(sync_since("/calendars/tim/work/", tok_after), 207);
	cr_expect_eq(count(rb, "<D:response>"), 1, "%s", rb);
	BODY_HAS("<D:href>/calendars/tim/work/a.ics</D:href><D:propstat>");
}

Test(dav_persist, a_removed_user_stays_removed)
{
	enrol("tim");
	mkcal("tim", "work");
	cr_assert_eq(admin("DELETE", "/admin/users/tim", NULL), 200);
	caldav_close(d);
	d = open_dir();
	cr_expect_eq(caldav_auth(d, "tim", "password-tim"), 0);
	cr_assert_eq(admin("GET", "/admin/users", NULL), 200);
	cr_expect_str_eq(rb, "{\n \"groups\": {},\n \"users\": []\n}");
}

/* RFC 6578 3.2: a token of a calendar since deleted is not one of the new
 * calendar of the same name, even where its counter would fit. */
Test(dav_report, a_token_of_a_deleted_calendar_is_not_taken_by_its_successor)
{
	char tok[128];

	two_events();
	token_of("/calendars/tim/work/", tok, sizeof(tok));
	cr_assert_eq(tim("DELETE", "/calendars/tim/work/", NULL), 204);
	mkcal("tim", "work");
	for (int i = 0; i < 5; i++) {
		char path[64], uid[8];

		snprintf(path, sizeof(path), "/calendars/tim/work/p%d.ics", i);
		snprintf(uid, sizeof(uid), "p%d", i);
		put_ok("tim", path, plain_event(uid));
	}
	cr_expect_eq(sync_since("/calendars/tim/work/", tok), 403, "%s", rb);
	BODY_HAS("<D:valid-sync-token/>");
}
