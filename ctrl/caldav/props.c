/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * props.c - the WebDAV properties of CalDAV's resources, as PROPFIND and the
 * REPORTs return them: one table of the live properties (who has them, how
 * each is written), the dead properties clients set with PROPPATCH (kept as
 * their XML in the calendar's .props), and calendar-data with expand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctrl/caldav/dav.h"

#define K(x)	(1u << (x))
#define K_PRINC (K(RES_USER) | K(RES_GROUP))
#define K_ANY	(K(RES_ROOT) | K(RES_PRINCIPALS) | K_PRINC | K(RES_HOME) | K(RES_COLL) | K(RES_OBJ))

struct pctx {
	struct caldav *d;
	const struct caldav_req *req;
	const struct res *r;
	const xmlNode *el; /* the requested element (calendar-data's expand) */
};

struct prop_def {
	const char *ns, *name;
	unsigned kinds;
	bool allprop;
	/* Write the property's element; false: it has no value here (404). */
	bool (*write)(const struct pctx *x, struct sbuf *b);
};

static const char *prefix_of(const char *ns)
{
	if (strcmp(ns, NS_DAV) == 0)
		return "D";
	if (strcmp(ns, NS_CALDAV) == 0)
		return "C";
	if (strcmp(ns, NS_CS) == 0)
		return "CS";
	if (strcmp(ns, NS_ICAL) == 0)
		return "ICAL";
	return NULL;
}

/* <P:name> with P the prefix of ns, or with its own xmlns. */
static void open_el(struct sbuf *b, const char *ns, const char *name, bool empty)
{
	const char *p = prefix_of(ns);

	if (p) {
		sb_printf(b, "<%s:%s%s>", p, name, empty ? "/" : "");
	} else {
		sb_printf(b, "<X:%s xmlns:X=\"", name);
		sb_xml(b, ns, strlen(ns));
		sb_printf(b, "\"%s>", empty ? "/" : "");
	}
}

static void close_el(struct sbuf *b, const char *ns, const char *name)
{
	const char *p = prefix_of(ns);

	sb_printf(b, "</%s:%s>", p ? p : "X", name);
}

static void href_el(struct sbuf *b, const char *ns, const char *name, const char *path)
{
	open_el(b, ns, name, false);
	sb_href(b, path);
	close_el(b, ns, name);
}

static void text_el(struct sbuf *b, const char *ns, const char *name, const char *text)
{
	open_el(b, ns, name, false);
	sb_xml(b, text, strlen(text));
	close_el(b, ns, name);
}

static bool p_resourcetype(const struct pctx *x, struct sbuf *b)
{
	switch (x->r->kind) {
	case RES_OBJ:
		sb_puts(b, "<D:resourcetype/>");
		break;
	case RES_COLL:
		sb_puts(b, "<D:resourcetype><D:collection/><C:calendar/></D:resourcetype>");
		break;
	case RES_USER:
	case RES_GROUP:
		sb_puts(b, "<D:resourcetype><D:collection/><D:principal/></D:resourcetype>");
		break;
	default:
		sb_puts(b, "<D:resourcetype><D:collection/></D:resourcetype>");
		break;
	}
	return true;
}

static bool p_displayname(const struct pctx *x, struct sbuf *b)
{
	const char *name = NULL;

	if (x->r->kind == RES_COLL)
		name = json_string_value(json_object_get(x->r->coll->props, "displayname"));
	if (!name && (x->r->kind == RES_COLL))
		name = x->r->coll->name;
	if (!name && (x->r->kind == RES_USER || x->r->kind == RES_GROUP || x->r->kind == RES_HOME))
		name = x->r->owner;
	if (!name)
		return false;
	text_el(b, NS_DAV, "displayname", name);
	return true;
}

static bool p_getetag(const struct pctx *x, struct sbuf *b)
{
	text_el(b, NS_DAV, "getetag", x->r->obj->etag);
	return true;
}

static bool p_getcontenttype(const struct pctx *x, struct sbuf *b)
{
	char lower[16];
	size_t i;

	for (i = 0; x->r->obj->comp[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)(x->r->obj->comp[i] | 0x20);
	lower[i] = '\0';
	sb_printf(b,
		  "<D:getcontenttype>text/calendar; charset=utf-8; component=%s"
		  "</D:getcontenttype>",
		  lower);
	return true;
}

static bool p_getcontentlength(const struct pctx *x, struct sbuf *b)
{
	sb_printf(b, "<D:getcontentlength>%zu</D:getcontentlength>", x->r->obj->size);
	return true;
}

static bool p_getlastmodified(const struct pctx *x, struct sbuf *b)
{
	time_t t = (time_t)(x->r->kind == RES_OBJ ? x->r->obj->mtime : x->r->coll->mtime);
	char buf[64];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	text_el(b, NS_DAV, "getlastmodified", buf);
	return true;
}

static bool p_current_user_principal(const struct pctx *x, struct sbuf *b)
{
	char path[128];

	if (!x->req->user) {
		sb_puts(b, "<D:current-user-principal><D:unauthenticated/></"
			   "D:current-user-principal>");
		return true;
	}
	snprintf(path, sizeof(path), "/principals/users/%s/", x->req->user);
	href_el(b, NS_DAV, "current-user-principal", path);
	return true;
}

static bool p_principal_url(const struct pctx *x, struct sbuf *b)
{
	href_el(b, NS_DAV, "principal-URL", x->r->path);
	return true;
}

static bool p_principal_collection_set(const struct pctx *x, struct sbuf *b)
{
	href_el(b, NS_DAV, "principal-collection-set", "/principals/");
	return true;
}

static bool p_owner(const struct pctx *x, struct sbuf *b)
{
	char path[128];

	snprintf(path, sizeof(path), "/principals/users/%s/",
		 x->r->coll ? x->r->coll->owner : x->r->owner);
	href_el(b, NS_DAV, "owner", path);
	return true;
}

static unsigned privs_of(const struct pctx *x)
{
	const struct res *r = x->r;

	if (r->coll)
		return coll_privs(x->d, r->coll, x->req->user);
	if (r->kind == RES_HOME)
		return x->req->user && strcmp(r->owner, x->req->user) == 0 ? PRIV_ALL : 0;
	return PRIV_READ;
}

static void privileges(struct sbuf *b, unsigned privs)
{
	static const char *const read[] = { "D:read", "D:read-current-user-privilege-set",
					    "C:read-free-busy" };
	static const char *const write[] = { "D:write", "D:write-content", "D:write-properties",
					     "D:bind", "D:unbind" };

	if (privs == PRIV_ALL)
		sb_puts(b, "<D:privilege><D:all/></D:privilege><D:privilege><D:write-acl/></"
			   "D:privilege>");
	for (unsigned i = 0; (privs & PRIV_READ) && i < 3; i++)
		sb_printf(b, "<D:privilege><%s/></D:privilege>", read[i]);
	for (unsigned i = 0; (privs & PRIV_WRITE) && i < 5; i++)
		sb_printf(b, "<D:privilege><%s/></D:privilege>", write[i]);
}

static bool p_current_user_privilege_set(const struct pctx *x, struct sbuf *b)
{
	sb_puts(b, "<D:current-user-privilege-set>");
	privileges(b, privs_of(x));
	sb_puts(b, "</D:current-user-privilege-set>");
	return true;
}

static bool p_acl(const struct pctx *x, struct sbuf *b)
{
	char path[128];
	json_t *acl = json_object_get(x->r->coll->props, "acl"), *ace;
	size_t i;

	snprintf(path, sizeof(path), "/principals/users/%s/", x->r->coll->owner);
	sb_puts(b, "<D:acl><D:ace><D:principal>");
	sb_href(b, path);
	sb_puts(b, "</D:principal><D:grant>");
	privileges(b, PRIV_ALL);
	sb_puts(b, "</D:grant><D:protected/></D:ace>");
	json_array_foreach (acl, i, ace) {
		const char *p = json_string_value(json_object_get(ace, "principal"));
		const char *g = json_string_value(json_object_get(ace, "grant"));

		sb_puts(b, "<D:ace><D:principal>");
		if (strcmp(p, "authenticated") == 0)
			sb_puts(b, "<D:authenticated/>");
		else
			sb_href(b, p);
		sb_puts(b, "</D:principal><D:grant>");
		privileges(b, strcmp(g, "write") == 0 ? PRIV_READ | PRIV_WRITE : PRIV_READ);
		sb_puts(b, "</D:grant></D:ace>");
	}
	sb_puts(b, "</D:acl>");
	return true;
}

static bool p_supported_report_set(const struct pctx *x, struct sbuf *b)
{
	static const char *const coll[] = { "C:calendar-multiget", "C:calendar-query",
					    "C:free-busy-query", "D:sync-collection",
					    "D:expand-property" };
	static const char *const other[] = { "D:expand-property", "D:principal-property-search",
					     "D:principal-search-property-set" };
	bool is_coll = x->r->kind == RES_COLL;
	const char *const *list = is_coll ? coll : other;
	unsigned n = is_coll ? 5 : 3;

	sb_puts(b, "<D:supported-report-set>");
	for (unsigned i = 0; i < n; i++)
		sb_printf(b, "<D:supported-report><D:report><%s/></D:report></D:supported-report>",
			  list[i]);
	sb_puts(b, "</D:supported-report-set>");
	return true;
}

static bool p_sync_token(const struct pctx *x, struct sbuf *b)
{
	char tok[128];

	sync_token(x->r->coll, tok, sizeof(tok));
	text_el(b, NS_DAV, "sync-token", tok);
	return true;
}

static bool p_getctag(const struct pctx *x, struct sbuf *b)
{
	char tok[128];

	sync_token(x->r->coll, tok, sizeof(tok));
	text_el(b, NS_CS, "getctag", tok);
	return true;
}

static bool p_calendar_home_set(const struct pctx *x, struct sbuf *b)
{
	char path[128];

	snprintf(path, sizeof(path), "/calendars/%s/", x->r->owner);
	href_el(b, NS_CALDAV, "calendar-home-set", path);
	return true;
}

static bool p_calendar_user_address_set(const struct pctx *x, struct sbuf *b)
{
	sb_puts(b, "<C:calendar-user-address-set>");
	sb_href(b, x->r->path);
	sb_puts(b, "</C:calendar-user-address-set>");
	return true;
}

static bool p_group_membership(const struct pctx *x, struct sbuf *b)
{
	json_t *groups = user_groups(x->d, x->r->owner), *g;
	char path[128];
	size_t i;

	sb_puts(b, "<D:group-membership>");
	json_array_foreach (groups, i, g) {
		snprintf(path, sizeof(path), "/principals/groups/%s/", json_string_value(g));
		sb_href(b, path);
	}
	sb_puts(b, "</D:group-membership>");
	json_decref(groups);
	return true;
}

static bool p_group_member_set(const struct pctx *x, struct sbuf *b)
{
	json_t *g = json_object_get(json_object_get(x->d->users, "groups"), x->r->owner);
	json_t *m;
	char path[128];
	size_t i;

	sb_puts(b, "<D:group-member-set>");
	json_array_foreach (json_object_get(g, "members"), i, m) {
		snprintf(path, sizeof(path), "/principals/users/%s/", json_string_value(m));
		sb_href(b, path);
	}
	sb_puts(b, "</D:group-member-set>");
	return true;
}

static bool p_supported_calendar_component_set(const struct pctx *x, struct sbuf *b)
{
	json_t *comps = json_object_get(x->r->coll->props, "components"), *c;
	size_t i;

	sb_puts(b, "<C:supported-calendar-component-set>");
	json_array_foreach (comps, i, c)
		sb_printf(b, "<C:comp name=\"%s\"/>", json_string_value(c));
	sb_puts(b, "</C:supported-calendar-component-set>");
	return true;
}

static bool coll_string(const struct pctx *x, struct sbuf *b, const char *key, const char *ns,
			const char *name)
{
	const char *v = json_string_value(json_object_get(x->r->coll->props, key));

	if (!v)
		return false;
	text_el(b, ns, name, v);
	return true;
}

static bool p_calendar_description(const struct pctx *x, struct sbuf *b)
{
	return coll_string(x, b, "description", NS_CALDAV, "calendar-description");
}

static bool p_calendar_color(const struct pctx *x, struct sbuf *b)
{
	return coll_string(x, b, "color", NS_ICAL, "calendar-color");
}

static bool p_calendar_timezone(const struct pctx *x, struct sbuf *b)
{
	return coll_string(x, b, "timezone", NS_CALDAV, "calendar-timezone");
}

static bool p_supported_calendar_data(const struct pctx *x, struct sbuf *b)
{
	sb_puts(b, "<C:supported-calendar-data><C:calendar-data content-type=\"text/calendar\" "
		   "version=\"2.0\"/></C:supported-calendar-data>");
	return true;
}

/* RFC 4331: the bytes a calendar's objects take (cheap: their sizes are
 * known). No quota-available-bytes: there is no byte quota, only
 * max_objects. */
static bool p_quota_used_bytes(const struct pctx *x, struct sbuf *b)
{
	unsigned long long used = 0;

	for (unsigned i = 0; i < x->r->coll->tab_size; i++)
		for (const struct obj *o = x->r->coll->tab[i]; o; o = o->next)
			used += o->size;
	sb_printf(b, "<D:quota-used-bytes>%llu</D:quota-used-bytes>", used);
	return true;
}

static bool p_max_resource_size(const struct pctx *x, struct sbuf *b)
{
	sb_printf(b, "<C:max-resource-size>%zu</C:max-resource-size>", x->d->conf.max_object);
	return true;
}

/* RFC 4791 9.6: calendar-data, whole or with expand (9.6.5). Partial
 * retrieval of components and properties (9.6.1 to 9.6.4) is answered with
 * the whole object, which RFC 4791 allows a server that says nothing of it. */
static bool p_calendar_data(const struct pctx *x, struct sbuf *b)
{
	const xmlNode *exp = x->el ? child(x->el, NS_CALDAV, "expand") : NULL;
	char *text = NULL;
	size_t len = 0;

	if (exp) {
		xmlChar *s = xmlGetProp(exp, (const xmlChar *)"start");
		xmlChar *e = xmlGetProp(exp, (const xmlChar *)"end");
		int64_t start, end;
		const struct calobj *o;

		if (s && e && caltime_parse((const char *)s, &start) == 0 &&
		    caltime_parse((const char *)e, &end) == 0 && start < end &&
		    (o = store_parsed(x->d, x->r->coll, x->r->obj)))
			text = calobj_expand(o, start, end);
		xmlFree(s);
		xmlFree(e);
		if (text)
			len = strlen(text);
	}
	if (!text)
		text = store_read(x->d, x->r->coll, x->r->obj, &len);
	if (!text)
		return false;
	sb_puts(b, "<C:calendar-data>");
	sb_xml(b, text, len);
	sb_puts(b, "</C:calendar-data>");
	free(text);
	return true;
}

#define COLL K(RES_COLL)
#define OBJ  K(RES_OBJ)
#define USER K(RES_USER)
static const struct prop_def props[] = {
	{ NS_DAV, "resourcetype", K_ANY, true, p_resourcetype },
	{ NS_DAV, "displayname", K_ANY, true, p_displayname },
	{ NS_DAV, "getetag", OBJ, true, p_getetag },
	{ NS_DAV, "getcontenttype", OBJ, true, p_getcontenttype },
	{ NS_DAV, "getcontentlength", OBJ, true, p_getcontentlength },
	{ NS_DAV, "getlastmodified", OBJ | COLL, true, p_getlastmodified },
	{ NS_DAV, "current-user-principal", K_ANY, false, p_current_user_principal },
	{ NS_DAV, "principal-URL", K_PRINC, false, p_principal_url },
	{ NS_DAV, "principal-collection-set", K_ANY, false, p_principal_collection_set },
	{ NS_DAV, "owner", K(RES_HOME) | COLL | OBJ, false, p_owner },
	{ NS_DAV, "current-user-privilege-set", K_ANY, false, p_current_user_privilege_set },
	{ NS_DAV, "acl", COLL, false, p_acl },
	{ NS_DAV, "supported-report-set", K_ANY, false, p_supported_report_set },
	{ NS_DAV, "sync-token", COLL, false, p_sync_token },
	{ NS_CS, "getctag", COLL, false, p_getctag },
	{ NS_CALDAV, "calendar-home-set", USER, false, p_calendar_home_set },
	{ NS_CALDAV, "calendar-user-address-set", USER, false, p_calendar_user_address_set },
	{ NS_DAV, "group-membership", USER, false, p_group_membership },
	{ NS_DAV, "group-member-set", K(RES_GROUP), false, p_group_member_set },
	{ NS_CALDAV, "supported-calendar-component-set", COLL, false,
	  p_supported_calendar_component_set },
	{ NS_CALDAV, "calendar-description", COLL, false, p_calendar_description },
	{ NS_ICAL, "calendar-color", COLL, false, p_calendar_color },
	{ NS_CALDAV, "calendar-timezone", COLL, false, p_calendar_timezone },
	{ NS_CALDAV, "supported-calendar-data", COLL, false, p_supported_calendar_data },
	{ NS_CALDAV, "max-resource-size", COLL, false, p_max_resource_size },
	{ NS_DAV, "quota-used-bytes", COLL, false, p_quota_used_bytes },
	{ NS_CALDAV, "calendar-data", OBJ, false, p_calendar_data },
};

static const struct prop_def *prop_find(const char *ns, const char *name)
{
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (strcmp(props[i].ns, ns) == 0 && strcmp(props[i].name, name) == 0)
			return &props[i];
	return NULL;
}

/* Dead properties: props.dead = {"{NS}name": "<element as XML>"}. */
static json_t *dead_of(const struct res *r)
{
	return r->kind == RES_COLL ? json_object_get(r->coll->props, "dead") : NULL;
}

void res_path(struct res *r)
{
	switch (r->kind) {
	case RES_ROOT:
		snprintf(r->path, sizeof(r->path), "/");
		break;
	case RES_PRINCIPALS:
		snprintf(r->path, sizeof(r->path), "/principals/");
		break;
	case RES_USER:
		snprintf(r->path, sizeof(r->path), "/principals/users/%s/", r->owner);
		break;
	case RES_GROUP:
		snprintf(r->path, sizeof(r->path), "/principals/groups/%s/", r->owner);
		break;
	case RES_HOME:
		snprintf(r->path, sizeof(r->path), "/calendars/%s/", r->owner);
		break;
	case RES_COLL:
		snprintf(r->path, sizeof(r->path), "/calendars/%s/%s/", r->coll->owner,
			 r->coll->name);
		break;
	case RES_OBJ:
		snprintf(r->path, sizeof(r->path), "/calendars/%s/%s/%s", r->coll->owner,
			 r->coll->name, r->obj->name);
		break;
	}
}

static void propstat(struct sbuf *b, struct sbuf *in, const char *status)
{
	if (!in->len)
		return;
	sb_puts(b, "<D:propstat><D:prop>");
	sb_add(b, in->p, in->len);
	sb_printf(b, "</D:prop><D:status>HTTP/1.1 %s</D:status></D:propstat>", status);
}

void props_response(struct caldav *d, const struct caldav_req *req, const struct res *r,
		    const xmlNode *prop, bool names_only, struct sbuf *b)
{
	struct sbuf ok = { 0 }, missing = { 0 };
	struct pctx x = { .d = d, .req = req, .r = r };
	json_t *dead = dead_of(r), *v;
	const char *key;

	sb_puts(b, "<D:response>");
	sb_href(b, r->path);
	if (prop) {
		for (const xmlNode *n = prop->children; n; n = n->next) {
			const char *ns = n->ns ? (const char *)n->ns->href : "";
			const struct prop_def *p;
			char dkey[512];

			if (n->type != XML_ELEMENT_NODE)
				continue;
			p = prop_find(ns, (const char *)n->name);
			x.el = n;
			if (p && (p->kinds & K(r->kind)) && p->write(&x, &ok))
				continue;
			snprintf(dkey, sizeof(dkey), "{%s}%s", ns, (const char *)n->name);
			if (!p && (v = json_object_get(dead, dkey))) {
				sb_puts(&ok, json_string_value(v));
				continue;
			}
			open_el(&missing, ns, (const char *)n->name, true);
		}
	} else {
		for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
			const struct prop_def *p = &props[i];

			if (!(p->kinds & K(r->kind)) || (!names_only && !p->allprop))
				continue;
			if (names_only)
				open_el(&ok, p->ns, p->name, true);
			else
				p->write(&x, &ok);
		}
		json_object_foreach (dead, key, v) {
			const char *close = strchr(key, '}');

			if (!names_only)
				sb_puts(&ok, json_string_value(v));
			else if (close) {
				char ns[256];

				snprintf(ns, sizeof(ns), "%.*s", (int)(close - key - 1), key + 1);
				open_el(&ok, ns, close + 1, true);
			}
		}
	}
	propstat(b, &ok, "200 OK");
	propstat(b, &missing, "404 Not Found");
	sb_puts(b, "</D:response>");
	if (ok.oom || missing.oom)
		b->oom = true;
	free(ok.p);
	free(missing.p);
}
