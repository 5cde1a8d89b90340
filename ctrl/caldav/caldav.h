/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * caldav.h - the CalDAV server of rampart-ctrl (docs/caldav.md): calendars
 * of users and groups on disk, every change a git commit, answered as
 * RFC 4791 CalDAV over RFC 4918 WebDAV with the parts of RFC 3744 (ACL),
 * RFC 6578 (sync-collection), RFC 5397 and RFC 6764 that clients use.
 *
 * The server knows nothing of HTTP's transport: ctrl's HTTP front
 * (ctrl/http.c, libmicrohttpd, behind the TLS front) hands it one whole
 * request, authenticated or not, and sends back the response it fills in.
 * That keeps it testable and fuzzable alone.
 *
 * URL space:
 *   /.well-known/caldav          redirect to /
 *   /principals/users/NAME/      a user's principal
 *   /principals/groups/NAME/     a group's principal
 *   /calendars/NAME/             a user's calendar home
 *   /calendars/NAME/CAL/         a calendar collection
 *   /calendars/NAME/CAL/OBJ      a calendar object resource
 *   /admin/...                   enrolment and passwords (docs/caldav.md)
 *
 * On disk, under data_dir (a git repository):
 *   calendars/NAME/CAL/OBJ       the objects, as clients stored them
 *   calendars/NAME/CAL/.props    the collection's properties and ACL (JSON)
 *   users.json                   users, password hashes, groups (not in git)
 *   sync/NAME/CAL                the collection's change log for sync tokens
 */
#ifndef RAMPART_CALDAV_H
#define RAMPART_CALDAV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CALDAV_NAME_MAX	      64	   /* user, group, calendar, object names */
#define CALDAV_DEFAULT_BODY   (1u << 20)   /* request body limit, bytes */
#define CALDAV_DEFAULT_OBJECT (256u << 10) /* one calendar object, bytes */
#define CALDAV_RESP_HEADERS   6

struct caldav_conf {
	char data_dir[256];
	char admin_password[128]; /* for /admin/: "" disables it */
	size_t max_body;	  /* bytes of a request body */
	size_t max_object;	  /* bytes of one calendar object */
	unsigned max_objects;	  /* per calendar, 0: no limit */
	char git_remote[256];	  /* pushed to after each change, "" none */
	/* where log lines go ("caldav: ..." included), NULL: stderr */
	void (*log)(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
};

/* One request. Header values are NULL when absent. */
struct caldav_req {
	const char *method;
	const char *path; /* the URL's path, %-decoded */
	const char *user; /* the authenticated user, NULL: none */
	bool admin;	  /* authenticated with the admin password */
	const char *depth, *if_match, *if_none_match, *destination, *overwrite, *content_type;
	const char *body;
	size_t body_len;
};

struct caldav_resp {
	int status;
	char *body; /* malloc'd */
	size_t body_len;
	const char *content_type;
	unsigned n_headers;
	struct {
		const char *name;
		char value[512];
	} headers[CALDAV_RESP_HEADERS];
};

struct caldav;

/* Open (creating what is missing) the data in conf->data_dir. NULL with the
 * reason in err. */
struct caldav *caldav_open(const struct caldav_conf *conf, char *err, size_t errlen);
void caldav_close(struct caldav *d);

/* Check user's password (argon2id; a password already seen is remembered by
 * a keyed hash so that not every request pays argon2). 1: good, 0: not. */
int caldav_auth(struct caldav *d, const char *user, const char *password);
/* The admin password, compared in constant time. */
int caldav_auth_admin(struct caldav *d, const char *password);

/* Answer one request; resp is zeroed first. caldav_resp_free after sending. */
void caldav_handle(struct caldav *d, const struct caldav_req *req, struct caldav_resp *resp);
void caldav_resp_free(struct caldav_resp *resp);

/* Commit the changes not yet in history. Changes reach the disk before
 * their answer; their commit waits for the next flush (ctrl calls this
 * every tick), for a change by another user, or for STORE_BATCH_MAX of them,
 * so one commit may hold several changes of one user. */
void caldav_flush(struct caldav *d);

/* The history of path ("" all, "calendars/tim/work/", "calendars/tim/work/x.ics")
 * as a JSON array text (malloc'd) of {commit, time, author, message}; NULL
 * with err. */
char *caldav_history(struct caldav *d, const char *path, unsigned max, char *err, size_t errlen);
/* Revert commit (docs/caldav.md): the data it changed goes back, as a new
 * commit by "admin". 0 with its id in oid (41 bytes), or -1 with err. */
int caldav_revert(struct caldav *d, const char *commit, char oid[41], char *err, size_t errlen);

/* Counters, for rampart caldav status. */
struct caldav_stats {
	uint64_t requests, errors_4xx, errors_5xx, auth_failed, commits, bad_xml, bad_ical;
	unsigned users, groups, calendars, objects_loaded;
};
void caldav_stats(const struct caldav *d, struct caldav_stats *s);

#endif /* RAMPART_CALDAV_H */
