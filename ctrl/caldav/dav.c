/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dav.c - the CalDAV server's requests: which resource a path names, who may
 * do what to it, and the methods (RFC 4918 WebDAV without locks, RFC 4791
 * MKCALENDAR and PUT's preconditions, RFC 5689 extended MKCOL, the RFC 3744
 * ACL method for sharing a calendar). REPORTs are in report.c, properties in
 * props.c, the data in store.c, principals in users.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <sodium.h>

#include "ctrl/caldav/dav.h"

void dav_log(const struct caldav *d, const char *level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (d->conf.log)
		d->conf.log(level, "caldav: %s", line);
	else
		fprintf(stderr, "caldav: %s: %s\n", level, line);
}

void resp_header(struct caldav_resp *r, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (r->n_headers >= CALDAV_RESP_HEADERS)
		return;
	r->headers[r->n_headers].name = name;
	va_start(ap, fmt);
	vsnprintf(r->headers[r->n_headers].value, sizeof(r->headers[0].value), fmt, ap);
	va_end(ap);
	r->n_headers++;
}

void resp_text(struct caldav_resp *r, int status, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	free(r->body);
	r->status = status;
	r->body = n >= 0 ? s : NULL;
	r->body_len = n >= 0 ? (size_t)n : 0;
	if (r->body && r->body_len) { /* one line, ended */
		char *t = realloc(r->body, r->body_len + 2);

		if (t) {
			r->body = t;
			memcpy(r->body + r->body_len, "\n", 2);
			r->body_len++;
		}
	}
	r->content_type = "text/plain; charset=utf-8";
}

static const char xml_head[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
static const char ns_decl[] = " xmlns:D=\"DAV:\" xmlns:C=\"" NS_CALDAV "\" xmlns:CS=\"" NS_CS
			      "\" xmlns:ICAL=\"" NS_ICAL "\"";

void resp_xml(struct caldav_resp *r, int status, struct sbuf *b)
{
	if (b->oom) {
		free(b->p);
		resp_text(r, 507, "out of memory building the response");
		return;
	}
	free(r->body);
	r->status = status;
	r->body = b->p;
	r->body_len = b->len;
	r->content_type = "application/xml; charset=utf-8";
}

void resp_precondition(struct caldav_resp *r, int status, const char *ns, const char *name,
		       const char *why)
{
	struct sbuf b = { 0 };

	sb_puts(&b, xml_head);
	sb_printf(&b, "<D:error%s><%s:%s/>", ns_decl, strcmp(ns, NS_DAV) == 0 ? "D" : "C", name);
	if (why) {
		sb_puts(&b, "<D:responsedescription>");
		sb_xml(&b, why, strlen(why));
		sb_puts(&b, "</D:responsedescription>");
	}
	sb_puts(&b, "</D:error>\n");
	resp_xml(r, status, &b);
}

void caldav_resp_free(struct caldav_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
}

bool node_is(const xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

xmlNode *child(const xmlNode *n, const char *ns, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (node_is(c, ns, name))
			return c;
	return NULL;
}

void sync_token(const struct coll *c, char *buf, size_t len)
{
	snprintf(buf, len, SYNC_TOKEN_PREFIX "%s-%llu", c->id, (unsigned long long)c->seq);
}

/* The request's XML body; NULL with a 400 set (or when there is no body:
 * then resp->status stays 0). No DTDs: no entities to expand, nothing
 * fetched. */
xmlDocPtr parse_body(struct caldav *d, const struct caldav_req *req, struct caldav_resp *resp)
{
	xmlDocPtr doc;

	if (!req->body || req->body_len == 0)
		return NULL;
	if (req->body_len > (size_t)INT32_MAX) {
		resp_text(resp, 413, "body too large");
		return NULL;
	}
	doc = xmlReadMemory(req->body, (int)req->body_len, "request.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				    XML_PARSE_NOCDATA);
	if (!doc || !xmlDocGetRootElement(doc) || doc->intSubset) {
		const xmlError *e = xmlGetLastError();

		d->st.bad_xml++;
		if (doc && doc->intSubset)
			resp_text(resp, 400, "malformed XML body: a DTD is not accepted");
		else
			resp_text(resp, 400, "malformed XML body: line %d: %s", e ? e->line : 0,
				  e && e->message ? e->message : "not XML");
		if (resp->body_len > 1 && resp->body[resp->body_len - 2] == '\n') {
			resp->body[resp->body_len - 1] = '\0'; /* libxml2 ends with one */
			resp->body_len--;
		}
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* Which resource path names. 0, or an HTTP status (404) with nothing set.
 * A collection may be named without its final slash. */
static int resolve(struct caldav *d, const char *path, struct res *r, char *missing,
		   size_t missing_len)
{
	char seg[4][CALDAV_NAME_MAX + 1];
	unsigned n = 0;
	const char *p = path;

	memset(r, 0, sizeof(*r));
	if (missing)
		missing[0] = '\0';
	while (*p) {
		const char *s;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		s = strchr(p, '/');
		len = s ? (size_t)(s - p) : strlen(p);
		if (n == 4 || len > CALDAV_NAME_MAX)
			return 404;
		memcpy(seg[n], p, len);
		seg[n++][len] = '\0';
		p += len;
	}
	if (n == 0) {
		r->kind = RES_ROOT;
	} else if (strcmp(seg[0], "principals") == 0) {
		if (n == 1)
			r->kind = RES_PRINCIPALS;
		else if (n == 3 && strcmp(seg[1], "users") == 0 && user_exists(d, seg[2]))
			r->kind = RES_USER;
		else if (n == 3 && strcmp(seg[1], "groups") == 0 && group_exists(d, seg[2]))
			r->kind = RES_GROUP;
		else
			return 404;
		if (n == 3)
			snprintf(r->owner, sizeof(r->owner), "%s", seg[2]);
	} else if (strcmp(seg[0], "calendars") == 0 && n >= 2) {
		if (!name_ok(seg[1]) || !user_exists(d, seg[1]))
			return 404;
		snprintf(r->owner, sizeof(r->owner), "%s", seg[1]);
		r->kind = RES_HOME;
		if (n >= 3) {
			if (!name_ok(seg[2]))
				return 400;
			if (!(r->coll = store_coll(d, seg[1], seg[2]))) {
				if (missing && n == 3)
					snprintf(missing, missing_len, "%s", seg[2]);
				return n == 4 ? 409 : 404; /* 409: no parent (RFC 4918 9.7.1) */
			}
			r->kind = RES_COLL;
		}
		if (n == 4) {
			if (!name_ok(seg[3]))
				return 400;
			if (!(r->obj = store_obj(r->coll, seg[3]))) {
				if (missing)
					snprintf(missing, missing_len, "%s", seg[3]);
				return 404;
			}
			r->kind = RES_OBJ;
		}
	} else {
		return 404;
	}
	res_path(r);
	return 0;
}

static unsigned privs(struct caldav *d, const struct caldav_req *req, const struct res *r)
{
	if (r->coll)
		return coll_privs(d, r->coll, req->user);
	if (r->kind == RES_HOME)
		return strcmp(r->owner, req->user) == 0 ? PRIV_ALL : 0;
	return PRIV_READ;
}

static bool allowed(struct caldav *d, const struct caldav_req *req, const struct res *r,
		    unsigned want, struct caldav_resp *resp)
{
	unsigned have = privs(d, req, r);

	if ((have & want) == want)
		return true;
	if (!(have & PRIV_READ)) /* not even there, as far as this user knows */
		resp_text(resp, 404, "%s: not found", r->path);
	else
		resp_precondition(resp, 403, NS_DAV, "need-privileges",
				  want & PRIV_ADMIN ? "only the owner may do this"
						    : "read-only for this user");
	return false;
}

static void m_options(struct caldav_resp *resp)
{
	resp->status = 200;
	resp_header(resp, "DAV", "1, 3, access-control, calendar-access, extended-mkcol");
	resp_header(resp, "Allow",
		    "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, "
		    "REPORT, MKCALENDAR, MKCOL, MOVE, COPY, ACL");
}

static void m_get(struct caldav *d, const struct caldav_req *req, struct res *r,
		  struct caldav_resp *resp)
{
	size_t len;
	char *text;

	if (!allowed(d, req, r, PRIV_READ, resp))
		return;
	if (r->kind != RES_OBJ) {
		resp_text(resp, 200, "rampart CalDAV: %s is a collection; use a CalDAV client",
			  r->path);
		return;
	}
	text = store_read(d, r->coll, r->obj, &len);
	if (!text) {
		resp_text(resp, 500, "%s: cannot be read", r->path);
		return;
	}
	resp->status = 200;
	resp->body = text;
	resp->body_len = len;
	resp->content_type = "text/calendar; charset=utf-8";
	resp_header(resp, "ETag", "%s", r->obj->etag);
	if (strcmp(req->method, "HEAD") == 0)
		resp_header(resp, "Content-Length", "%zu", len);
}

/* If-Match / If-None-Match against o (NULL: no such resource). */
static bool conditions_hold(const struct caldav_req *req, const struct obj *o)
{
	if (req->if_none_match) {
		if (strcmp(req->if_none_match, "*") == 0 ? o != NULL
							 : o && strstr(req->if_none_match, o->etag))
			return false;
	}
	if (req->if_match) {
		if (!o)
			return false;
		if (strcmp(req->if_match, "*") != 0 && !strstr(req->if_match, o->etag))
			return false;
	}
	return true;
}

static struct obj *uid_in(struct coll *c, const char *uid, const struct obj *except,
			  const struct obj *except2)
{
	for (unsigned i = 0; i < c->tab_size; i++)
		for (struct obj *o = c->tab[i]; o; o = o->next)
			if (o != except && o != except2 && strcmp(o->uid, uid) == 0)
				return o;
	return NULL;
}

static bool comp_supported(const struct coll *c, const char *comp)
{
	json_t *comps = json_object_get(c->props, "components"), *v;
	size_t i;

	if (!json_array_size(comps))
		return true;
	json_array_foreach (comps, i, v)
		if (strcmp(json_string_value(v), comp) == 0)
			return true;
	return false;
}

/* Store text as c/name for PUT, COPY and MOVE: every RFC 4791 5.3.2
 * precondition first. replacing: the object already there (or NULL). */
static struct obj *put_checked(struct caldav *d, const struct caldav_req *req, struct coll *c,
			       const char *name, struct obj *replacing, const struct obj *leaving,
			       const char *text, size_t len, struct caldav_resp *resp)
{
	struct calobj_info info;
	char err[512], why[600];
	struct obj *other, *o;

	if (len > d->conf.max_object) {
		snprintf(why, sizeof(why), "the object is larger than %zu bytes",
			 d->conf.max_object);
		resp_precondition(resp, 413, NS_CALDAV, "max-resource-size", why);
		return NULL;
	}
	if (calobj_check(text, len, &info, err, sizeof(err)) < 0) {
		d->st.bad_ical++;
		snprintf(why, sizeof(why), "not a valid calendar object: %s", err);
		resp_precondition(resp, 400, NS_CALDAV, "valid-calendar-object-resource", why);
		return NULL;
	}
	if (!comp_supported(c, info.comp)) {
		snprintf(why, sizeof(why), "this calendar does not hold %s", info.comp);
		resp_precondition(resp, 403, NS_CALDAV, "supported-calendar-component", why);
		return NULL;
	}
	if ((other = uid_in(c, info.uid, replacing, leaving))) {
		struct sbuf b = { 0 };
		char path[512];

		snprintf(path, sizeof(path), "/calendars/%s/%s/%s", c->owner, c->name, other->name);
		sb_puts(&b, xml_head);
		sb_printf(&b, "<D:error%s><C:no-uid-conflict>", ns_decl);
		sb_href(&b, path);
		sb_puts(&b, "</C:no-uid-conflict><D:responsedescription>UID ");
		sb_xml(&b, info.uid, strlen(info.uid));
		sb_puts(&b,
			" is already used in this calendar</D:responsedescription></D:error>\n");
		resp_xml(resp, 409, &b);
		return NULL;
	}
	if (!replacing && d->conf.max_objects && c->n_objs >= d->conf.max_objects) {
		resp_text(resp, 507, "this calendar holds its limit of %u objects",
			  d->conf.max_objects);
		return NULL;
	}
	o = store_put(d, c, name, text, len, &info, req->user, err, sizeof(err));
	if (!o)
		resp_text(resp, 500, "%s", err);
	return o;
}

static void m_put(struct caldav *d, const struct caldav_req *req, struct res *r,
		  const char *missing, struct caldav_resp *resp)
{
	struct obj *o;
	bool created = r->kind != RES_OBJ;

	if (r->kind != RES_OBJ && !(r->kind == RES_COLL && missing[0])) {
		resp_text(resp, r->kind == RES_HOME ? 409 : 405,
			  "PUT stores calendar objects in a calendar: %s", r->path);
		return;
	}
	if (!allowed(d, req, r, PRIV_WRITE, resp))
		return;
	if (!conditions_hold(req, r->obj)) {
		resp_text(resp, 412, "%s changed: its ETag is no longer the one given", r->path);
		return;
	}
	if (req->content_type && strncasecmp(req->content_type, "text/calendar", 13) != 0) {
		resp_precondition(resp, 415, NS_CALDAV, "supported-calendar-data",
				  "calendar objects are text/calendar");
		return;
	}
	o = put_checked(d, req, r->coll, created ? missing : r->obj->name, r->obj, NULL, req->body,
			req->body_len, resp);
	if (!o)
		return;
	resp->status = created ? 201 : 204;
	resp_header(resp, "ETag", "%s", o->etag);
}

static void m_delete(struct caldav *d, const struct caldav_req *req, struct res *r,
		     struct caldav_resp *resp)
{
	char err[256];

	if (r->kind == RES_OBJ) {
		if (!allowed(d, req, r, PRIV_WRITE, resp))
			return;
		if (!conditions_hold(req, r->obj)) {
			resp_text(resp, 412, "%s changed: its ETag is no longer the one given",
				  r->path);
			return;
		}
		if (store_delete(d, r->coll, r->obj, req->user, err, sizeof(err)) < 0)
			resp_text(resp, 500, "%s", err);
		else
			resp->status = 204;
	} else if (r->kind == RES_COLL) {
		if (!allowed(d, req, r, PRIV_ADMIN, resp))
			return;
		if (store_coll_delete(d, r->coll, req->user, err, sizeof(err)) < 0)
			resp_text(resp, 500, "%s", err);
		else
			resp->status = 204;
	} else {
		resp_text(resp, 403, "%s cannot be deleted", r->path);
	}
}

/* A property a client may set on a calendar (MKCALENDAR, extended MKCOL,
 * PROPPATCH). 0 when set, 403 when protected or its value is not valid. */
static int prop_set(json_t *props, const xmlNode *n)
{
	const char *ns = n->ns ? (const char *)n->ns->href : "";
	xmlChar *text = xmlNodeGetContent(n);
	const char *v = text ? (const char *)text : "";
	int rc = 0;

	if (node_is(n, NS_DAV, "displayname")) {
		json_object_set_new(props, "displayname", json_string(v));
	} else if (node_is(n, NS_CALDAV, "calendar-description")) {
		json_object_set_new(props, "description", json_string(v));
	} else if (node_is(n, NS_ICAL, "calendar-color")) {
		json_object_set_new(props, "color", json_string(v));
	} else if (node_is(n, NS_CALDAV, "calendar-timezone")) {
		json_object_set_new(props, "timezone", json_string(v));
	} else if (node_is(n, NS_CALDAV, "supported-calendar-component-set")) {
		json_t *comps = json_array();

		for (const xmlNode *c = n->children; c; c = c->next) {
			xmlChar *name;

			if (!node_is(c, NS_CALDAV, "comp"))
				continue;
			name = xmlGetProp(c, (const xmlChar *)"name");
			if (name &&
			    (!strcmp((char *)name, "VEVENT") || !strcmp((char *)name, "VTODO") ||
			     !strcmp((char *)name, "VJOURNAL") ||
			     !strcmp((char *)name, "VFREEBUSY")))
				json_array_append_new(comps, json_string((char *)name));
			else
				rc = 403;
			xmlFree(name);
		}
		if (rc == 0 && json_array_size(comps))
			json_object_set_new(props, "components", comps);
		else
			json_decref(comps), rc = 403;
	} else if (node_is(n, NS_DAV, "resourcetype")) {
		/* only in extended MKCOL, checked there */
	} else if (strcmp(ns, NS_DAV) == 0 || strcmp(ns, NS_CALDAV) == 0) {
		rc = 403; /* live properties are protected */
	} else {
		struct sbuf b = { 0 };
		char key[512];
		json_t *dead = json_object_get(props, "dead");

		if (!dead)
			json_object_set_new(props, "dead", dead = json_object());
		sb_printf(&b, "<X:%s xmlns:X=\"", (const char *)n->name);
		sb_xml(&b, ns, strlen(ns));
		sb_puts(&b, "\">");
		sb_xml(&b, v, strlen(v));
		sb_printf(&b, "</X:%s>", (const char *)n->name);
		snprintf(key, sizeof(key), "{%s}%s", ns, (const char *)n->name);
		json_object_set_new(dead, key, json_string(b.p ? b.p : ""));
		free(b.p);
	}
	xmlFree(text);
	return rc;
}

static int prop_remove(json_t *props, const xmlNode *n)
{
	const char *ns = n->ns ? (const char *)n->ns->href : "";
	char key[512];

	if (node_is(n, NS_DAV, "displayname"))
		json_object_del(props, "displayname");
	else if (node_is(n, NS_CALDAV, "calendar-description"))
		json_object_del(props, "description");
	else if (node_is(n, NS_ICAL, "calendar-color"))
		json_object_del(props, "color");
	else if (node_is(n, NS_CALDAV, "calendar-timezone"))
		json_object_del(props, "timezone");
	else if (strcmp(ns, NS_DAV) == 0 || strcmp(ns, NS_CALDAV) == 0)
		return 403;
	snprintf(key, sizeof(key), "{%s}%s", ns, (const char *)n->name);
	json_object_del(json_object_get(props, "dead"), key);
	return 0;
}

/* MKCALENDAR (RFC 4791 5.3.1) and extended MKCOL (RFC 5689). */
static void m_mkcalendar(struct caldav *d, const struct caldav_req *req, struct res *r,
			 const char *missing, struct caldav_resp *resp)
{
	bool mkcol = strcmp(req->method, "MKCOL") == 0;
	json_t *props = json_pack("{s:[sss]}", "components", "VEVENT", "VTODO", "VJOURNAL");
	xmlDocPtr doc = parse_body(d, req, resp);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	bool calendar = !mkcol;
	char err[256];

	if (resp->status)
		goto out;
	if (strcmp(r->owner, req->user) != 0) {
		resp_text(resp, 403, "only %s makes calendars in %s's home", r->owner, r->owner);
		goto out;
	}
	if (root && !node_is(root, NS_CALDAV, "mkcalendar") && !node_is(root, NS_DAV, "mkcol")) {
		resp_text(resp, 400, "expected a mkcalendar or mkcol body");
		goto out;
	}
	for (xmlNode *set = root ? root->children : NULL; set; set = set->next) {
		xmlNode *prop = node_is(set, NS_DAV, "set") ? child(set, NS_DAV, "prop") : NULL;

		for (xmlNode *n = prop ? prop->children : NULL; n; n = n->next) {
			if (n->type != XML_ELEMENT_NODE)
				continue;
			if (node_is(n, NS_DAV, "resourcetype"))
				calendar = calendar || child(n, NS_CALDAV, "calendar");
			if (prop_set(props, n) != 0) {
				resp_precondition(resp, 403, NS_DAV, "valid-resourcetype",
						  "a property cannot be set to that value");
				goto out;
			}
		}
	}
	if (!calendar) {
		resp_text(resp, 403,
			  "only calendar collections are made here "
			  "(resourcetype calendar)");
		goto out;
	}
	if (!store_coll_create(d, r->owner, missing, props, err, sizeof(err))) {
		props = NULL;
		resp_text(resp, 500, "%s", err);
		goto out;
	}
	props = NULL;
	resp->status = 201;
	resp_header(resp, "Cache-Control", "no-cache");
out:
	json_decref(props);
	xmlFreeDoc(doc);
}

static void m_proppatch(struct caldav *d, const struct caldav_req *req, struct res *r,
			struct caldav_resp *resp)
{
	xmlDocPtr doc = parse_body(d, req, resp);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	json_t *props;
	struct sbuf b = { 0 }, done = { 0 }, bad = { 0 };
	char err[256];
	bool failed = false;

	if (resp->status)
		goto out;
	if (!node_is(root, NS_DAV, "propertyupdate")) {
		resp_text(resp, 400, "expected a propertyupdate body");
		goto out;
	}
	if (r->kind != RES_COLL) {
		resp_text(resp, 403, "only a calendar's properties can be changed");
		goto out;
	}
	if (!allowed(d, req, r, PRIV_WRITE, resp))
		goto out;
	props = json_deep_copy(r->coll->props);
	for (xmlNode *op = root->children; op; op = op->next) {
		bool set = node_is(op, NS_DAV, "set");
		xmlNode *prop =
			(set || node_is(op, NS_DAV, "remove")) ? child(op, NS_DAV, "prop") : NULL;

		for (xmlNode *n = prop ? prop->children : NULL; n; n = n->next) {
			const char *ns = n->ns ? (const char *)n->ns->href : "";
			int rc;

			if (n->type != XML_ELEMENT_NODE)
				continue;
			rc = set ? prop_set(props, n) : prop_remove(props, n);
			sb_printf(rc ? &bad : &done, "<X:%s xmlns:X=\"", (const char *)n->name);
			sb_xml(rc ? &bad : &done, ns, strlen(ns));
			sb_puts(rc ? &bad : &done, "\"/>");
			failed = failed || rc;
		}
	}
	/* RFC 4918 9.2: all or nothing */
	sb_puts(&b, xml_head);
	sb_printf(&b, "<D:multistatus%s><D:response>", ns_decl);
	sb_href(&b, r->path);
	if (!failed) {
		json_decref(r->coll->props);
		r->coll->props = props;
		if (store_coll_save_props(d, r->coll, req->user, "properties changed", err,
					  sizeof(err)) < 0) {
			free(b.p);
			resp_text(resp, 500, "%s", err);
			goto out;
		}
	} else {
		json_decref(props);
	}
	if (done.len)
		sb_printf(&b,
			  "<D:propstat><D:prop>%s</D:prop><D:status>HTTP/1.1 %s</D:status>"
			  "</D:propstat>",
			  done.p, failed ? "424 Failed Dependency" : "200 OK");
	if (bad.len)
		sb_printf(&b,
			  "<D:propstat><D:prop>%s</D:prop><D:status>HTTP/1.1 403 Forbidden"
			  "</D:status></D:propstat>",
			  bad.p);
	sb_puts(&b, "</D:response></D:multistatus>\n");
	resp_xml(resp, 207, &b);
out:
	free(done.p);
	free(bad.p);
	xmlFreeDoc(doc);
}

/* RFC 4918 9.1: Depth 0 or 1 (infinity refused, 9.1 allows it). */
static void m_propfind(struct caldav *d, const struct caldav_req *req, struct res *r,
		       struct caldav_resp *resp)
{
	xmlDocPtr doc = parse_body(d, req, resp);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL, *prop = NULL;
	bool names = false;
	int depth;
	struct sbuf b = { 0 };

	if (resp->status)
		goto out;
	if (!req->depth || strcmp(req->depth, "infinity") == 0) {
		resp_precondition(resp, 403, NS_DAV, "propfind-finite-depth",
				  "Depth: infinity is not served; use 0 or 1");
		goto out;
	}
	depth = strcmp(req->depth, "1") == 0 ? 1 : 0;
	if (root) {
		if (!node_is(root, NS_DAV, "propfind")) {
			resp_text(resp, 400, "expected a propfind body");
			goto out;
		}
		prop = child(root, NS_DAV, "prop");
		names = child(root, NS_DAV, "propname") != NULL;
		if (!prop && !names && !child(root, NS_DAV, "allprop")) {
			resp_text(resp, 400, "propfind: expected prop, propname or allprop");
			goto out;
		}
	}
	if (!allowed(d, req, r, PRIV_READ, resp))
		goto out;
	sb_puts(&b, xml_head);
	sb_printf(&b, "<D:multistatus%s>", ns_decl);
	props_response(d, req, r, prop, names, &b);
	if (depth == 1) {
		struct res c = *r;

		if (r->kind == RES_HOME) {
			c.kind = RES_COLL;
			for (struct coll *cl = d->colls; cl; cl = cl->next) {
				if (strcmp(cl->owner, r->owner) != 0)
					continue;
				c.coll = cl;
				res_path(&c);
				props_response(d, req, &c, prop, names, &b);
			}
		} else if (r->kind == RES_COLL) {
			c.kind = RES_OBJ;
			for (unsigned i = 0; i < r->coll->tab_size; i++) {
				for (struct obj *o = r->coll->tab[i]; o; o = o->next) {
					c.obj = o;
					res_path(&c);
					props_response(d, req, &c, prop, names, &b);
				}
			}
		} else if (r->kind == RES_ROOT) {
			struct res p = { .kind = RES_PRINCIPALS };

			res_path(&p);
			props_response(d, req, &p, prop, names, &b);
		} else if (r->kind == RES_PRINCIPALS && req->user) {
			struct res p = { .kind = RES_USER };

			snprintf(p.owner, sizeof(p.owner), "%s", req->user);
			res_path(&p);
			props_response(d, req, &p, prop, names, &b);
		}
	}
	sb_puts(&b, "</D:multistatus>\n");
	resp_xml(resp, 207, &b);
out:
	xmlFreeDoc(doc);
}

const char *href_path(const char *dest, char *buf, size_t len)
{
	const char *p;
	size_t o = 0;

	while (*dest == ' ' || *dest == '\t' || *dest == '\n' || *dest == '\r')
		dest++; /* an href's text may be indented */
	p = strstr(dest, "://");

	p = p ? strchr(p + 3, '/') : dest;
	if (!p || *p != '/')
		return NULL;
	for (; *p && !strchr(" \t\r\n", *p) && o + 1 < len; p++) {
		unsigned hi, lo;

		if (*p == '%' && sscanf(p + 1, "%1x%1x", &hi, &lo) == 2) {
			buf[o++] = (char)(hi << 4 | lo);
			p += 2;
		} else {
			buf[o++] = *p;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* MOVE and COPY of a calendar object, within its owner's home. */
static void m_copymove(struct caldav *d, const struct caldav_req *req, struct res *r,
		       struct caldav_resp *resp)
{
	bool move = strcmp(req->method, "MOVE") == 0;
	char buf[512], missing[CALDAV_NAME_MAX + 1], err[256];
	const char *path = req->destination ? href_path(req->destination, buf, sizeof(buf)) : NULL;
	struct res to;
	int rc;
	char *text;
	size_t len;
	struct obj *o;
	bool overwrite = !req->overwrite || strcasecmp(req->overwrite, "F") != 0;

	if (r->kind != RES_OBJ) {
		resp_text(resp, 403, "only calendar objects are moved or copied");
		return;
	}
	if (!path) {
		resp_text(resp, 400, "a Destination header is needed");
		return;
	}
	if (!allowed(d, req, r, move ? PRIV_WRITE | PRIV_READ : PRIV_READ, resp))
		return;
	rc = resolve(d, path, &to, missing, sizeof(missing));
	if ((rc && !(to.kind == RES_COLL && missing[0])) || (!rc && to.kind != RES_OBJ)) {
		resp_text(resp, 409, "the destination must be in a calendar: %s", path);
		return;
	}
	if (strcmp(to.coll->owner, r->coll->owner) != 0) {
		resp_text(resp, 403, "objects move and copy within their owner's home only");
		return;
	}
	if (!allowed(d, req, &to, PRIV_WRITE, resp))
		return;
	if (to.obj == r->obj) {
		resp_text(resp, 403, "the source and the destination are the same");
		return;
	}
	if (to.obj && !overwrite) {
		resp_text(resp, 412, "the destination exists and Overwrite is F");
		return;
	}
	text = store_read(d, r->coll, r->obj, &len);
	if (!text) {
		resp_text(resp, 500, "%s: cannot be read", r->path);
		return;
	}
	/* a move within one calendar keeps its UID: not a conflict with itself */
	o = put_checked(d, req, to.coll, to.obj ? to.obj->name : missing, to.obj,
			move && to.coll == r->coll ? r->obj : NULL, text, len, resp);
	free(text);
	if (!o)
		return;
	if (move && store_delete(d, r->coll, r->obj, req->user, err, sizeof(err)) < 0) {
		resp_text(resp, 500, "%s", err);
		return;
	}
	resp->status = to.obj ? 204 : 201;
}

/* RFC 3744 8.1, for sharing: the owner's ACE is protected; each ACE given
 * grants a user, a group or all authenticated users read (DAV:read) or read
 * and write (DAV:write, DAV:all). Deny is not supported (grant-only). */
static void m_acl(struct caldav *d, const struct caldav_req *req, struct res *r,
		  struct caldav_resp *resp)
{
	xmlDocPtr doc = parse_body(d, req, resp);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	json_t *acl = json_array();
	char err[256];

	if (resp->status)
		goto out;
	if (r->kind != RES_COLL) {
		resp_text(resp, 403, "ACLs are set on calendars");
		goto out;
	}
	if (!allowed(d, req, r, PRIV_ADMIN, resp))
		goto out;
	if (!node_is(root, NS_DAV, "acl")) {
		resp_text(resp, 400, "expected an acl body");
		goto out;
	}
	for (xmlNode *ace = root->children; ace; ace = ace->next) {
		xmlNode *pr = child(ace, NS_DAV, "principal"), *grant = child(ace, NS_DAV, "grant");
		xmlNode *href = child(pr, NS_DAV, "href");
		char who[CALDAV_NAME_MAX + 2], principal[128];
		const char *g = NULL;

		if (!node_is(ace, NS_DAV, "ace"))
			continue;
		if (child(ace, NS_DAV, "deny") || !grant || !pr) {
			resp_precondition(
				resp, 403, NS_DAV, "grant-only",
				"each ACE grants to one principal; deny is not supported");
			goto out;
		}
		if (child(pr, NS_DAV, "authenticated")) {
			snprintf(principal, sizeof(principal), "authenticated");
		} else {
			xmlChar *h = href ? xmlNodeGetContent(href) : NULL;
			char buf[256];
			const char *p = h ? href_path((const char *)h, buf, sizeof(buf)) : NULL;
			bool ok = p && ((sscanf(p, "/principals/users/%65[^/]", who) == 1 &&
					 user_exists(d, who) &&
					 snprintf(principal, sizeof(principal),
						  "/principals/users/%s/", who) > 0) ||
					(sscanf(p, "/principals/groups/%65[^/]", who) == 1 &&
					 group_exists(d, who) &&
					 snprintf(principal, sizeof(principal),
						  "/principals/groups/%s/", who) > 0));

			xmlFree(h);
			if (!ok) {
				resp_precondition(resp, 403, NS_DAV, "recognized-principal",
						  "the principal is not a user or a group here");
				goto out;
			}
		}
		for (xmlNode *pv = grant->children; pv; pv = pv->next) {
			if (!node_is(pv, NS_DAV, "privilege"))
				continue;
			if (child(pv, NS_DAV, "write") || child(pv, NS_DAV, "all"))
				g = "write";
			else if (child(pv, NS_DAV, "read") && !g)
				g = "read";
			else if (!child(pv, NS_DAV, "read")) {
				resp_precondition(resp, 403, NS_DAV, "not-supported-privilege",
						  "grant read, write or all");
				goto out;
			}
		}
		if (!g) {
			resp_precondition(resp, 403, NS_DAV, "not-supported-privilege",
					  "grant read, write or all");
			goto out;
		}
		json_array_append_new(acl,
				      json_pack("{s:s,s:s}", "principal", principal, "grant", g));
	}
	json_object_set(r->coll->props, "acl", acl);
	if (store_coll_save_props(d, r->coll, req->user, "ACL changed", err, sizeof(err)) < 0) {
		resp_text(resp, 500, "%s", err);
		goto out;
	}
	dav_log(d, "info", "%s: ACL set by %s, %zu entries", r->path, req->user,
		json_array_size(acl));
	resp->status = 200;
out:
	json_decref(acl);
	xmlFreeDoc(doc);
}

void caldav_handle(struct caldav *d, const struct caldav_req *req, struct caldav_resp *resp)
{
	const char *m = req->method;
	char missing[CALDAV_NAME_MAX + 1];
	struct res r;
	int rc;

	memset(resp, 0, sizeof(*resp));
	d->st.requests++;
	if (strcmp(req->path, "/.well-known/caldav") == 0 ||
	    strcmp(req->path, "/.well-known/caldav/") == 0) {
		/* 308: the client repeats its method and body (a PROPFIND's) */
		resp_text(resp, 308, "see /");
		resp_header(resp, "Location", "/");
	} else if (strcmp(m, "OPTIONS") == 0) {
		m_options(resp);
	} else if (strncmp(req->path, "/admin/", 7) == 0 && (req->admin || req->user)) {
		admin_handle(d, req, resp);
	} else if (!req->user) {
		resp_text(resp, 401, "authentication needed");
		resp_header(resp, "WWW-Authenticate",
			    "Basic realm=\"rampart CalDAV\", charset=\"UTF-8\"");
	} else if ((rc = resolve(d, req->path, &r, missing, sizeof(missing))) == 400) {
		resp_text(resp, 400,
			  "%s: not a name this server takes: 1 to %d characters, no leading dot, "
			  "no slash, backslash, space or control character",
			  req->path, CALDAV_NAME_MAX);
	} else if (rc == 409 && (strcmp(m, "PUT") == 0 || strcmp(m, "MKCALENDAR") == 0 ||
				 strcmp(m, "MKCOL") == 0)) {
		resp_text(resp, 409, "%s: its calendar does not exist: make it first (MKCALENDAR)",
			  req->path);
	} else if (rc != 0 &&
		   !(missing[0] && (strcmp(m, "PUT") == 0 || strcmp(m, "MKCALENDAR") == 0 ||
				    strcmp(m, "MKCOL") == 0))) {
		resp_text(resp, 404, "%s: not found", req->path);
	} else if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) {
		m_get(d, req, &r, resp);
	} else if (strcmp(m, "PUT") == 0) {
		if (r.kind == RES_HOME && missing[0]) /* a missing calendar */
			resp_text(resp, 409, "no calendar %s here: make it first (MKCALENDAR)",
				  missing);
		else
			m_put(d, req, &r, missing, resp);
	} else if (strcmp(m, "DELETE") == 0) {
		m_delete(d, req, &r, resp);
	} else if (strcmp(m, "PROPFIND") == 0) {
		m_propfind(d, req, &r, resp);
	} else if (strcmp(m, "PROPPATCH") == 0) {
		m_proppatch(d, req, &r, resp);
	} else if (strcmp(m, "MKCALENDAR") == 0 || strcmp(m, "MKCOL") == 0) {
		if (rc == 0 && r.kind == RES_COLL) {
			resp_precondition(resp, 405, NS_DAV, "resource-must-be-null",
					  "there is already a calendar here");
		} else if (rc == 0 || r.kind != RES_HOME) {
			resp_text(resp, 403,
				  "calendars are made in a calendar home: "
				  "/calendars/USER/NAME/");
		} else {
			r.kind = RES_COLL;
			m_mkcalendar(d, req, &r, missing, resp);
		}
	} else if (strcmp(m, "REPORT") == 0) {
		report_handle(d, req, &r, resp);
	} else if (strcmp(m, "MOVE") == 0 || strcmp(m, "COPY") == 0) {
		m_copymove(d, req, &r, resp);
	} else if (strcmp(m, "ACL") == 0) {
		m_acl(d, req, &r, resp);
	} else {
		resp_text(resp, 405, "%s is not supported", m);
	}
	if (resp->status >= 500)
		d->st.errors_5xx++;
	else if (resp->status >= 400)
		d->st.errors_4xx++;
}

struct caldav *caldav_open(const struct caldav_conf *conf, char *err, size_t errlen)
{
	struct caldav *d = calloc(1, sizeof(*d));

	if (!d || sodium_init() < 0) {
		snprintf(err, errlen, "out of memory");
		free(d);
		return NULL;
	}
	d->conf = *conf;
	if (!d->conf.max_body)
		d->conf.max_body = CALDAV_DEFAULT_BODY;
	if (!d->conf.max_object)
		d->conf.max_object = CALDAV_DEFAULT_OBJECT;
	randombytes_buf(d->auth_key, sizeof(d->auth_key));
	d->auth_seen = json_object();
	xmlInitParser();
	if (!(d->git = githist_open(d->conf.data_dir, err, errlen)) ||
	    users_load(d, err, errlen) < 0 || store_load(d, err, errlen) < 0) {
		caldav_close(d);
		return NULL;
	}
	store_recover(d);
	return d;
}

void caldav_flush(struct caldav *d)
{
	store_flush(d);
}

void caldav_close(struct caldav *d)
{
	if (!d)
		return;
	store_free(d);
	if (d->git)
		githist_close(d->git);
	json_decref(d->users);
	json_decref(d->auth_seen);
	sodium_memzero(d->auth_key, sizeof(d->auth_key));
	free(d);
}

void caldav_stats(const struct caldav *d, struct caldav_stats *s)
{
	*s = d->st;
	s->users = (unsigned)json_object_size(json_object_get(d->users, "users"));
	s->groups = (unsigned)json_object_size(json_object_get(d->users, "groups"));
	s->calendars = 0;
	s->objects_loaded = 0;
	for (const struct coll *c = d->colls; c; c = c->next) {
		s->calendars++;
		s->objects_loaded += c->n_objs;
	}
}

struct hist_ctx {
	json_t *arr;
};

static int hist_cb(const struct githist_entry *e, void *arg)
{
	struct hist_ctx *h = arg;

	json_array_append_new(h->arr, json_pack("{s:s,s:I,s:s,s:s}", "commit", e->oid, "time",
						(json_int_t)e->time, "author", e->author, "message",
						e->message));
	return 0;
}

char *caldav_history(struct caldav *d, const char *path, unsigned max, char *err, size_t errlen)
{
	struct hist_ctx h = { json_array() };
	char rel[512];
	char *out;

	/* a URL path (/calendars/tim/work/) or a data path (calendars/tim/work) */
	snprintf(rel, sizeof(rel), "%s", path[0] == '/' ? path + 1 : path);
	while (rel[0] && rel[strlen(rel) - 1] == '/')
		rel[strlen(rel) - 1] = '\0';
	store_flush(d);
	if (strstr(rel, "..")) {
		snprintf(err, errlen, "%s: not a path of the CalDAV data", path);
		json_decref(h.arr);
		return NULL;
	}
	if (githist_log(d->git, rel, max, hist_cb, &h, err, errlen) < 0) {
		json_decref(h.arr);
		return NULL;
	}
	out = json_dumps(h.arr, JSON_INDENT(1));
	json_decref(h.arr);
	return out;
}

static void reverted(const char *path, void *arg)
{
	store_reload_path(arg, path);
}

int caldav_revert(struct caldav *d, const char *commit, char oid[41], char *err, size_t errlen)
{
	store_flush(d);
	if (githist_revert(d->git, commit, "admin", reverted, d, oid, err, errlen) < 0)
		return -1;
	d->st.commits++;
	dav_log(d, "info", "reverted %s as %s", commit, oid);
	return 0;
}
