/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report.c - CalDAV's REPORTs: calendar-multiget and calendar-query
 * (RFC 4791 7.9, 7.8; the filters are calobj.c's), free-busy-query (7.10),
 * sync-collection (RFC 6578), expand-property (RFC 3253 3.8) and the
 * principal searches of RFC 3744 9.4 and 9.5.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctrl/caldav/dav.h"

static const char ms_head[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus "
			      "xmlns:D=\"DAV:\" xmlns:C=\"" NS_CALDAV "\" xmlns:CS=\"" NS_CS
			      "\" xmlns:ICAL=\"" NS_ICAL "\">";

static void status_response(struct sbuf *b, const char *path, const char *status)
{
	sb_puts(b, "<D:response>");
	sb_href(b, path);
	sb_printf(b, "<D:status>HTTP/1.1 %s</D:status></D:response>", status);
}

static void obj_res(struct res *r, struct coll *c, struct obj *o)
{
	memset(r, 0, sizeof(*r));
	r->kind = RES_OBJ;
	r->coll = c;
	r->obj = o;
	res_path(r);
}

static bool wants_coll(const struct res *r, struct caldav_resp *resp, const char *report)
{
	if (r->kind == RES_COLL)
		return true;
	resp_text(resp, 403, "%s is made on a calendar collection", report);
	return false;
}

/* RFC 4791 7.9 */
static void multiget(struct caldav *d, const struct caldav_req *req, struct res *r, xmlNode *root,
		     struct caldav_resp *resp)
{
	xmlNode *prop = child(root, NS_DAV, "prop");
	struct sbuf b = { 0 };

	if (!wants_coll(r, resp, "calendar-multiget"))
		return;
	sb_puts(&b, ms_head);
	for (xmlNode *h = root->children; h; h = h->next) {
		char path[512], name[CALDAV_NAME_MAX + 2], owner[CALDAV_NAME_MAX + 2];
		char cal[CALDAV_NAME_MAX + 2];
		xmlChar *text;
		struct obj *o = NULL;
		struct res one;

		if (!node_is(h, NS_DAV, "href"))
			continue;
		text = xmlNodeGetContent(h);
		if (!href_path(text ? (const char *)text : "", path, sizeof(path)))
			snprintf(path, sizeof(path), "%s", text ? (const char *)text : "");
		xmlFree(text);
		if (sscanf(path, "/calendars/%65[^/]/%65[^/]/%65[^/]", owner, cal, name) == 3 &&
		    strcmp(owner, r->coll->owner) == 0 && strcmp(cal, r->coll->name) == 0)
			o = store_obj(r->coll, name);
		if (!o) {
			status_response(&b, path, "404 Not Found");
			continue;
		}
		obj_res(&one, r->coll, o);
		props_response(d, req, &one, prop, false, &b);
	}
	sb_puts(&b, "</D:multistatus>\n");
	resp_xml(resp, 207, &b);
}

/* RFC 4791 7.8 */
static void query(struct caldav *d, const struct caldav_req *req, struct res *r, xmlNode *root,
		  struct caldav_resp *resp)
{
	xmlNode *prop = child(root, NS_DAV, "prop");
	xmlNode *fnode = child(root, NS_CALDAV, "filter");
	struct calfilter *f;
	char err[256];
	struct sbuf b = { 0 };
	struct res one;

	if (r->kind != RES_COLL && r->kind != RES_OBJ) {
		resp_text(resp, 403, "calendar-query is made on a calendar or an object");
		return;
	}
	if (!fnode) {
		resp_precondition(resp, 403, NS_CALDAV, "valid-filter", "a filter is needed");
		return;
	}
	f = calfilter_parse(fnode, err, sizeof(err));
	if (!f) {
		resp_precondition(resp, 403, NS_CALDAV,
				  strstr(err, "collation") ? "supported-collation" : "valid-filter",
				  err);
		return;
	}
	sb_puts(&b, ms_head);
	for (unsigned i = 0; i < r->coll->tab_size; i++) {
		for (struct obj *o = r->coll->tab[i]; o; o = o->next) {
			const struct calobj *p;

			if (r->obj && o != r->obj)
				continue;
			p = store_parsed(d, r->coll, o);
			if (!p || !calfilter_match(f, p))
				continue;
			obj_res(&one, r->coll, o);
			props_response(d, req, &one, prop, false, &b);
		}
	}
	calfilter_free(f);
	sb_puts(&b, "</D:multistatus>\n");
	resp_xml(resp, 207, &b);
}

static bool time_range(xmlNode *tr, int64_t *start, int64_t *end)
{
	xmlChar *s = tr ? xmlGetProp(tr, (const xmlChar *)"start") : NULL;
	xmlChar *e = tr ? xmlGetProp(tr, (const xmlChar *)"end") : NULL;
	bool ok = tr && (s || e);

	*start = CALOBJ_T_MIN;
	*end = CALOBJ_T_MAX;
	if (s && caltime_parse((const char *)s, start) < 0)
		ok = false;
	if (e && caltime_parse((const char *)e, end) < 0)
		ok = false;
	xmlFree(s);
	xmlFree(e);
	return ok && *start < *end;
}

/* RFC 4791 7.10 */
static void free_busy(struct caldav *d, const struct caldav_req *req, struct res *r, xmlNode *root,
		      struct caldav_resp *resp)
{
	int64_t start, end;
	struct calfb *fb;
	char *text;

	if (!wants_coll(r, resp, "free-busy-query"))
		return;
	if (!time_range(child(root, NS_CALDAV, "time-range"), &start, &end) ||
	    start == CALOBJ_T_MIN || end == CALOBJ_T_MAX) {
		resp_text(resp, 400,
			  "free-busy-query: a time-range with start and end, "
			  "start before end (UTC, 20260101T000000Z)");
		return;
	}
	fb = calfb_new(start, end);
	if (!fb) {
		resp_text(resp, 500, "out of memory");
		return;
	}
	for (unsigned i = 0; i < r->coll->tab_size; i++) {
		for (struct obj *o = r->coll->tab[i]; o; o = o->next) {
			const struct calobj *p;

			if ((strcmp(o->comp, "VEVENT") == 0 || strcmp(o->comp, "VFREEBUSY") == 0) &&
			    (p = store_parsed(d, r->coll, o)))
				calfb_add(fb, p);
		}
	}
	text = calfb_finish(fb);
	if (!text) {
		resp_text(resp, 500, "out of memory");
		return;
	}
	resp->status = 200;
	resp->body = text;
	resp->body_len = strlen(text);
	resp->content_type = "text/calendar; charset=utf-8";
}

/* RFC 6578 3.2: every member when the token is empty, else what changed
 * since it (removed members as 404). */
static void sync_collection(struct caldav *d, const struct caldav_req *req, struct res *r,
			    xmlNode *root, struct caldav_resp *resp)
{
	xmlNode *prop = child(root, NS_DAV, "prop"), *tok = child(root, NS_DAV, "sync-token");
	xmlNode *level = child(root, NS_DAV, "sync-level");
	xmlChar *t = tok ? xmlNodeGetContent(tok) : NULL, *lv = NULL;
	unsigned long long since = 0;
	char now[128], path[512];
	struct sbuf b = { 0 };
	struct res one;
	bool initial = !t || !t[0];

	if (!wants_coll(r, resp, "sync-collection"))
		goto out;
	lv = level ? xmlNodeGetContent(level) : NULL;
	if (lv && strcmp((const char *)lv, "1") != 0) {
		resp_precondition(resp, 403, NS_DAV, "sync-traversal-supported",
				  "sync-level 1 only: calendars hold no collections");
		goto out;
	}
	if (!initial) {
		const char *s = (const char *)t;
		char *endp;

		while (*s == ' ' || *s == '\n' || *s == '\t')
			s++;
		bool ours = strncmp(s, SYNC_TOKEN_PREFIX, strlen(SYNC_TOKEN_PREFIX)) == 0;

		if (ours) { /* PREFIX ID-SEQ: this calendar's instance, a change it had */
			size_t idl = strlen(r->coll->id);

			s += strlen(SYNC_TOKEN_PREFIX);
			ours = strncmp(s, r->coll->id, idl) == 0 && s[idl] == '-';
			s += ours ? idl + 1 : 0;
			since = ours ? strtoull(s, &endp, 10) : 0;
			ours = ours && endp != s && since <= r->coll->seq;
		}
		if (!ours) {
			resp_precondition(resp, 403, NS_DAV, "valid-sync-token",
					  "this sync token is not one of this calendar's");
			goto out;
		}
	}
	sb_puts(&b, ms_head);
	for (unsigned i = 0; i < r->coll->tab_size; i++) {
		for (struct obj *o = r->coll->tab[i]; o; o = o->next) {
			if (!initial && o->seq <= since)
				continue;
			obj_res(&one, r->coll, o);
			props_response(d, req, &one, prop, false, &b);
		}
	}
	for (unsigned i = 0; !initial && i < r->coll->n_tombs; i++) {
		if (r->coll->tombs[i].seq <= since)
			continue;
		snprintf(path, sizeof(path), "%.400s%s", r->path, r->coll->tombs[i].name);
		status_response(&b, path, "404 Not Found");
	}
	sync_token(r->coll, now, sizeof(now));
	sb_printf(&b, "<D:sync-token>%s</D:sync-token></D:multistatus>\n", now);
	resp_xml(resp, 207, &b);
out:
	xmlFree(t);
	xmlFree(lv);
}

/* A <D:prop> element holding the properties that D:property elements name,
 * for props_response. */
static xmlNode *prop_of_properties(const xmlNode *parent)
{
	xmlNode *prop = xmlNewNode(NULL, (const xmlChar *)"prop");

	for (const xmlNode *p = parent->children; prop && p; p = p->next) {
		xmlChar *name, *ns;
		xmlNode *n;

		if (!node_is(p, NS_DAV, "property"))
			continue;
		name = xmlGetProp(p, (const xmlChar *)"name");
		ns = xmlGetProp(p, (const xmlChar *)"namespace");
		if (name) {
			n = xmlNewChild(prop, NULL, name, NULL);
			if (n)
				xmlSetNs(n, xmlNewNs(n, ns ? ns : (const xmlChar *)NS_DAV, NULL));
		}
		xmlFree(name);
		xmlFree(ns);
	}
	return prop;
}

static int resolve_href(struct caldav *d, const char *href, struct res *r)
{
	char owner[CALDAV_NAME_MAX + 1], cal[CALDAV_NAME_MAX + 1];

	memset(r, 0, sizeof(*r));
	if (sscanf(href, "/principals/users/%64[^/]/", owner) == 1 && user_exists(d, owner))
		r->kind = RES_USER;
	else if (sscanf(href, "/principals/groups/%64[^/]/", owner) == 1 && group_exists(d, owner))
		r->kind = RES_GROUP;
	else if (sscanf(href, "/calendars/%64[^/]/%64[^/]/", owner, cal) == 2 &&
		 (r->coll = store_coll(d, owner, cal)))
		r->kind = RES_COLL;
	else if (sscanf(href, "/calendars/%64[^/]/", owner) == 1 && user_exists(d, owner))
		r->kind = RES_HOME;
	else
		return -1;
	snprintf(r->owner, sizeof(r->owner), "%s", owner);
	res_path(r);
	return 0;
}

/* RFC 3253 3.8: each property named is returned; when it holds hrefs and
 * names properties of its own, each href is expanded into a response with
 * those (one level). */
static void expand_property(struct caldav *d, const struct caldav_req *req, struct res *r,
			    xmlNode *root, struct caldav_resp *resp)
{
	struct sbuf b = { 0 };
	sb_puts(&b, ms_head);
	sb_puts(&b, "<D:response>");
	sb_href(&b, r->path);
	sb_puts(&b, "<D:propstat><D:prop>");
	for (xmlNode *p = root->children; p; p = p->next) {
		xmlNode *one_prop, *inner;
		struct sbuf v = { 0 }, tmp = { 0 };
		xmlChar *name;
		const char *s;

		if (!node_is(p, NS_DAV, "property"))
			continue;
		/* the property's own value, from a response for it alone */
		one_prop = xmlNewNode(NULL, (const xmlChar *)"prop");
		name = xmlGetProp(p, (const xmlChar *)"name");
		xmlChar *ns = xmlGetProp(p, (const xmlChar *)"namespace");
		if (name) {
			xmlNode *n = xmlNewChild(one_prop, NULL, name, NULL);

			xmlSetNs(n, xmlNewNs(n, ns ? ns : (const xmlChar *)NS_DAV, NULL));
		}
		props_response(d, req, r, one_prop, false, &tmp);
		xmlFreeNode(one_prop);
		inner = prop_of_properties(p);
		/* tmp: <D:response><D:href/>...<D:propstat><D:prop>VALUE</D:prop>... */
		s = tmp.p ? strstr(tmp.p, "<D:propstat><D:prop>") : NULL;
		if (s && strstr(s, "200 OK")) {
			const char *vs = s + strlen("<D:propstat><D:prop>");
			const char *ve = strstr(vs, "</D:prop>");
			bool expand = inner && inner->children;

			if (!expand || !strstr(vs, "<D:href>") || ve < strstr(vs, "<D:href>")) {
				sb_add(&v, vs, (size_t)(ve - vs));
			} else {
				/* <P:name> <D:response>s for each href </P:name> */
				const char *open_end = strchr(vs, '>');
				const char *close = ve - 1; /* the property's end tag */

				while (close > vs && *close != '<')
					close--;
				sb_add(&v, vs, (size_t)(open_end + 1 - vs));
				for (const char *h = strstr(vs, "<D:href>"); h && h < ve;
				     h = strstr(h + 1, "<D:href>")) {
					const char *he = strstr(h, "</D:href>");
					char href[512];
					struct res target;

					snprintf(href, sizeof(href), "%.*s", (int)(he - h - 8),
						 h + 8);
					if (resolve_href(d, href, &target) == 0)
						props_response(d, req, &target, inner, false, &v);
				}
				sb_add(&v, close, (size_t)(ve - close));
			}
		}
		sb_add(&b, v.p ? v.p : "", v.len);
		free(v.p);
		free(tmp.p);
		xmlFreeNode(inner);
		xmlFree(name);
		xmlFree(ns);
	}
	sb_puts(&b, "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
		    "</D:multistatus>\n");
	resp_xml(resp, 207, &b);
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return n == 0;
}

/* RFC 3744 9.4: principals whose display name (their name here) or
 * calendar-user-address-set contains each match. */
static void principal_search(struct caldav *d, const struct caldav_req *req, xmlNode *root,
			     struct caldav_resp *resp)
{
	xmlNode *prop = child(root, NS_DAV, "prop");
	xmlChar *test = xmlGetProp(root, (const xmlChar *)"test");
	bool anyof = test && strcmp((const char *)test, "anyof") == 0;
	struct sbuf b = { 0 };
	const char *kinds[] = { "users", "groups" };

	xmlFree(test);
	sb_puts(&b, ms_head);
	for (unsigned k = 0; k < 2; k++) {
		json_t *set = json_object_get(d->users, kinds[k]), *v;
		const char *name;

		json_object_foreach (set, name, v) {
			bool all = true, any = false;
			struct res p = { .kind = k ? RES_GROUP : RES_USER };

			snprintf(p.owner, sizeof(p.owner), "%s", name);
			res_path(&p);
			for (xmlNode *ps = root->children; ps; ps = ps->next) {
				xmlNode *m = child(ps, NS_DAV, "match");
				xmlNode *pp = child(ps, NS_DAV, "prop");
				xmlChar *text = m ? xmlNodeGetContent(m) : NULL;
				bool hit = false;

				if (!node_is(ps, NS_DAV, "property-search"))
					continue;
				for (xmlNode *n = pp ? pp->children : NULL; n && text;
				     n = n->next) {
					if (node_is(n, NS_DAV, "displayname"))
						hit = hit || contains_ci(name, (const char *)text);
					else if (node_is(n, NS_CALDAV, "calendar-user-address-set"))
						hit = hit ||
						      contains_ci(p.path, (const char *)text);
				}
				xmlFree(text);
				all = all && hit;
				any = any || hit;
			}
			if (anyof ? any : all)
				props_response(d, req, &p, prop, false, &b);
		}
	}
	sb_puts(&b, "</D:multistatus>\n");
	resp_xml(resp, 207, &b);
}

static void search_property_set(struct caldav_resp *resp)
{
	struct sbuf b = { 0 };

	sb_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:principal-search-property-set "
		    "xmlns:D=\"DAV:\" xmlns:C=\"" NS_CALDAV "\">"
		    "<D:principal-search-property><D:prop><D:displayname/></D:prop>"
		    "<D:description xml:lang=\"en\">name</D:description>"
		    "</D:principal-search-property><D:principal-search-property><D:prop>"
		    "<C:calendar-user-address-set/></D:prop><D:description xml:lang=\"en\">"
		    "address</D:description></D:principal-search-property>"
		    "</D:principal-search-property-set>\n");
	resp_xml(resp, 200, &b);
}

void report_handle(struct caldav *d, const struct caldav_req *req, struct res *r,
		   struct caldav_resp *resp)
{
	xmlDocPtr doc = parse_body(d, req, resp);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;

	if (resp->status)
		goto out;
	if (!root) {
		resp_text(resp, 400, "REPORT needs a body");
		goto out;
	}
	if (r->coll && !(coll_privs(d, r->coll, req->user) & PRIV_READ)) {
		resp_text(resp, 404, "%s: not found", r->path);
		goto out;
	}
	if (r->kind == RES_HOME && strcmp(r->owner, req->user) != 0) {
		resp_text(resp, 404, "%s: not found", r->path);
		goto out;
	}
	if (node_is(root, NS_CALDAV, "calendar-multiget"))
		multiget(d, req, r, root, resp);
	else if (node_is(root, NS_CALDAV, "calendar-query"))
		query(d, req, r, root, resp);
	else if (node_is(root, NS_CALDAV, "free-busy-query"))
		free_busy(d, req, r, root, resp);
	else if (node_is(root, NS_DAV, "sync-collection"))
		sync_collection(d, req, r, root, resp);
	else if (node_is(root, NS_DAV, "expand-property"))
		expand_property(d, req, r, root, resp);
	else if (node_is(root, NS_DAV, "principal-property-search"))
		principal_search(d, req, root, resp);
	else if (node_is(root, NS_DAV, "principal-search-property-set"))
		search_property_set(resp);
	else
		resp_precondition(resp, 403, NS_DAV, "supported-report",
				  "this REPORT is not supported here");
out:
	xmlFreeDoc(doc);
}
