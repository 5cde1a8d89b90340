/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dav.h - what the CalDAV server's files share (not for others): the server,
 * its calendars and objects in memory (store.c), users, groups and rights
 * (users.c), the XML output buffer (xmlout.c), the methods (dav.c) and the
 * REPORTs (report.c).
 */
#ifndef RAMPART_CALDAV_DAV_H
#define RAMPART_CALDAV_DAV_H

#include <jansson.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctrl/caldav/caldav.h"
#include "ctrl/caldav/calobj.h"
#include "ctrl/caldav/githist.h"

#define NS_DAV		  "DAV:"
#define NS_CALDAV	  "urn:ietf:params:xml:ns:caldav"
#define NS_CS		  "http://calendarserver.org/ns/"
#define NS_ICAL		  "http://apple.com/ns/ical/"
#define SYNC_TOKEN_PREFIX "http://rampart.invalid/sync/"

/* A growing text buffer; on allocation failure it stops growing and says so. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};
void sb_add(struct sbuf *b, const char *s, size_t n);
void sb_puts(struct sbuf *b, const char *s);
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_xml(struct sbuf *b, const char *s, size_t n); /* escaped for XML text */
void sb_href(struct sbuf *b, const char *path);	      /* <D:href>, %-encoded */

/* A calendar object resource. */
struct obj {
	char name[CALDAV_NAME_MAX + 1];
	char etag[36]; /* "\"" 32 hex "\"" */
	char uid[256];
	char comp[16];
	uint64_t seq; /* the collection's change counter when it last changed */
	size_t size;
	int64_t mtime;
	struct calobj *parsed; /* on first need */
	struct obj *next;      /* hash chain */
};

struct tomb { /* a removed object, for sync-collection */
	char name[CALDAV_NAME_MAX + 1];
	uint64_t seq;
};

/* A calendar collection. */
struct coll {
	char owner[CALDAV_NAME_MAX + 1];
	char name[CALDAV_NAME_MAX + 1];
	char id[17];   /* this instance of the calendar, in its sync tokens */
	json_t *props; /* displayname, description, color, components, acl, dead */
	struct obj **tab;
	unsigned tab_size, n_objs;
	uint64_t seq;
	struct tomb *tombs;
	unsigned n_tombs, cap_tombs;
	int64_t mtime;
	struct coll *next;
};

struct caldav {
	struct caldav_conf conf;
	struct githist *git;
	json_t *users;	   /* users.json: {"users": {...}, "groups": {...}} */
	json_t *auth_seen; /* user -> keyed hash of a password that was good */
	unsigned char auth_key[32];
	struct coll *colls;
	struct caldav_stats st;
	/* changes written but not yet committed: one author's, at most
	 * STORE_BATCH_MAX, committed by store_flush (caldav_flush) */
	struct {
		char **paths;
		size_t n_paths, cap;
		char author[CALDAV_NAME_MAX + 1];
		struct sbuf msg;
		unsigned changes;
	} pending;
};

#define STORE_BATCH_MAX 64

/* Privileges on a resource, as bits. */
enum {
	PRIV_READ = 1,
	PRIV_WRITE = 2,
	PRIV_ADMIN = 4, /* the owner: ACL, delete the collection */
	PRIV_ALL = 7,
};

/* dav.c: a line for the log, through caldav_conf.log (stderr without). */
void dav_log(const struct caldav *d, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* store.c */
int store_load(struct caldav *d, char *err, size_t errlen);
void store_free(struct caldav *d);
struct coll *store_coll(struct caldav *d, const char *owner, const char *name);
struct obj *store_obj(struct coll *c, const char *name);
struct coll *store_coll_create(struct caldav *d, const char *owner, const char *name, json_t *props,
			       char *err, size_t errlen);
int store_coll_delete(struct caldav *d, struct coll *c, const char *who, char *err, size_t errlen);
int store_coll_save_props(struct caldav *d, struct coll *c, const char *who, const char *what,
			  char *err, size_t errlen);
/* Store text as c/name (new or replaced); returns the object. */
struct obj *store_put(struct caldav *d, struct coll *c, const char *name, const char *text,
		      size_t len, const struct calobj_info *info, const char *who, char *err,
		      size_t errlen);
int store_delete(struct caldav *d, struct coll *c, struct obj *o, const char *who, char *err,
		 size_t errlen);
/* Read an object's text (malloc'd, NUL-terminated); NULL on error. */
char *store_read(struct caldav *d, const struct coll *c, const struct obj *o, size_t *len);
/* The parsed object, parsed and kept on first call. NULL if it cannot be. */
const struct calobj *store_parsed(struct caldav *d, const struct coll *c, struct obj *o);
/* Write data to path atomically (temporary file, fsync, rename, fsync dir). */
int store_write_file(const char *path, const void *data, size_t len);
/* Folder of a user's home / a collection, relative to data_dir. */
void store_coll_dir(const struct coll *c, char *buf, size_t len);
/* Reload what the path (relative to data_dir) holds after git changed it. */
void store_reload_path(struct caldav *d, const char *path);
int store_home_create(struct caldav *d, const char *user, char *err, size_t errlen);
int store_home_delete(struct caldav *d, const char *user, char *err, size_t errlen);
/* Queue a change for history: paths changed, who, one line saying what. */
void store_commit(struct caldav *d, const char *const *paths, size_t n, const char *who,
		  const char *msg);
void store_flush(struct caldav *d);
void store_recover(struct caldav *d);
bool name_ok(const char *s);

/* users.c */
int users_load(struct caldav *d, char *err, size_t errlen);
bool user_exists(const struct caldav *d, const char *user);
bool group_exists(const struct caldav *d, const char *group);
bool user_in_group(const struct caldav *d, const char *user, const char *group);
/* The groups user is in, as a JSON array (borrowed from nothing: decref). */
json_t *user_groups(const struct caldav *d, const char *user);
unsigned coll_privs(const struct caldav *d, const struct coll *c, const char *user);
void admin_handle(struct caldav *d, const struct caldav_req *req, struct caldav_resp *resp);

/* dav.c */
void resp_text(struct caldav_resp *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void resp_header(struct caldav_resp *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A precondition failure (RFC 4918 16): <D:error><NS:name/></D:error>. */
void resp_precondition(struct caldav_resp *r, int status, const char *ns, const char *name,
		       const char *why);
void resp_xml(struct caldav_resp *r, int status, struct sbuf *b);
xmlDocPtr parse_body(struct caldav *d, const struct caldav_req *req, struct caldav_resp *resp);
bool node_is(const xmlNode *n, const char *ns, const char *name);
xmlNode *child(const xmlNode *n, const char *ns, const char *name);
void sync_token(const struct coll *c, char *buf, size_t len);
/* The path of an href or a Destination header ("http://host/path" or
 * "/path"), %-decoded into buf; NULL when it is neither. */
const char *href_path(const char *href, char *buf, size_t len);

/* props.c: PROPFIND's properties, shared with the REPORTs. */
enum res_kind { RES_ROOT, RES_PRINCIPALS, RES_USER, RES_GROUP, RES_HOME, RES_COLL, RES_OBJ };
struct res {
	enum res_kind kind;
	char owner[CALDAV_NAME_MAX + 1]; /* RES_USER, RES_GROUP: the principal */
	struct coll *coll;
	struct obj *obj;
	char path[512];
};
/* One <D:response> for r with the properties asked (prop: the <D:prop>
 * element, NULL: allprop; names_only: propname). */
void props_response(struct caldav *d, const struct caldav_req *req, const struct res *r,
		    const xmlNode *prop, bool names_only, struct sbuf *b);
void res_path(struct res *r);

/* report.c */
void report_handle(struct caldav *d, const struct caldav_req *req, struct res *r,
		   struct caldav_resp *resp);

#endif /* RAMPART_CALDAV_DAV_H */
