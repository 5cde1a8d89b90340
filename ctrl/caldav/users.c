/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * users.c - CalDAV's principals: users with argon2id password hashes
 * (libsodium), groups and their members, kept in data_dir/users.json
 * (outside git, written atomically); the rights a user has on a calendar
 * (its owner: all; others: what the calendar's ACL grants them or one of
 * their groups); and the /admin/ endpoints that enrol and remove users and
 * groups and change passwords.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctrl/caldav/dav.h"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 128

static int users_save(struct caldav *d)
{
	char path[800];
	char *text = json_dumps(d->users, JSON_INDENT(1) | JSON_SORT_KEYS);
	int rc;

	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/users.json", d->conf.data_dir);
	rc = store_write_file(path, text, strlen(text));
	free(text);
	return rc;
}

int users_load(struct caldav *d, char *err, size_t errlen)
{
	char path[800];
	json_error_t je;
	FILE *f;

	snprintf(path, sizeof(path), "%s/users.json", d->conf.data_dir);
	f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		d->users = json_pack("{s:{},s:{}}", "users", "groups");
		return d->users ? 0 : -1;
	}
	d->users = json_loadf(f, 0, &je);
	fclose(f);
	if (!json_is_object(d->users) || !json_is_object(json_object_get(d->users, "users")) ||
	    !json_is_object(json_object_get(d->users, "groups"))) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line,
			 d->users ? "expected {\"users\": {...}, \"groups\": {...}}" : je.text);
		json_decref(d->users);
		d->users = NULL;
		return -1;
	}
	return 0;
}

static json_t *users_of(const struct caldav *d)
{
	return json_object_get(d->users, "users");
}

static json_t *groups_of(const struct caldav *d)
{
	return json_object_get(d->users, "groups");
}

bool user_exists(const struct caldav *d, const char *user)
{
	return json_object_get(users_of(d), user) != NULL;
}

bool group_exists(const struct caldav *d, const char *group)
{
	return json_object_get(groups_of(d), group) != NULL;
}

bool user_in_group(const struct caldav *d, const char *user, const char *group)
{
	json_t *members = json_object_get(json_object_get(groups_of(d), group), "members");
	size_t i;
	json_t *m;

	json_array_foreach (members, i, m)
		if (json_is_string(m) && strcmp(json_string_value(m), user) == 0)
			return true;
	return false;
}

json_t *user_groups(const struct caldav *d, const char *user)
{
	json_t *out = json_array(), *g;
	const char *name;

	json_object_foreach (groups_of(d), name, g)
		if (user_in_group(d, user, name))
			json_array_append_new(out, json_string(name));
	return out;
}

/* A calendar's ACL: [{"principal": "/principals/users/bob/", "grant": "read"}]. */
unsigned coll_privs(const struct caldav *d, const struct coll *c, const char *user)
{
	json_t *acl = json_object_get(c->props, "acl"), *ace;
	unsigned privs = 0;
	size_t i;

	if (!user)
		return 0;
	if (strcmp(c->owner, user) == 0)
		return PRIV_ALL;
	json_array_foreach (acl, i, ace) {
		const char *p = json_string_value(json_object_get(ace, "principal"));
		const char *g = json_string_value(json_object_get(ace, "grant"));
		char who[CALDAV_NAME_MAX + 1];
		bool match = false;

		if (!p || !g)
			continue;
		if (sscanf(p, "/principals/users/%64[^/]/", who) == 1)
			match = strcmp(who, user) == 0;
		else if (sscanf(p, "/principals/groups/%64[^/]/", who) == 1)
			match = user_in_group(d, user, who);
		else if (strcmp(p, "authenticated") == 0)
			match = true;
		if (match)
			privs |= strcmp(g, "write") == 0 ? PRIV_READ | PRIV_WRITE : PRIV_READ;
	}
	return privs;
}

static void seen_hash(const struct caldav *d, const char *user, const char *password, char hex[65])
{
	unsigned char h[32];
	crypto_generichash_state st;

	crypto_generichash_init(&st, d->auth_key, sizeof(d->auth_key), sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)user, strlen(user) + 1);
	crypto_generichash_update(&st, (const unsigned char *)password, strlen(password));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

int caldav_auth(struct caldav *d, const char *user, const char *password)
{
	json_t *u = json_object_get(users_of(d), user);
	const char *hash = json_string_value(json_object_get(u, "password"));
	const char *seen = json_string_value(json_object_get(d->auth_seen, user));
	char hex[65];

	if (!hash || strlen(password) > PASSWORD_MAX) {
		d->st.auth_failed++;
		return 0;
	}
	seen_hash(d, user, password, hex);
	if (seen && sodium_memcmp(seen, hex, 64) == 0)
		return 1;
	if (crypto_pwhash_str_verify(hash, password, strlen(password)) != 0) {
		d->st.auth_failed++;
		return 0;
	}
	json_object_set_new(d->auth_seen, user, json_string(hex));
	return 1;
}

int caldav_auth_admin(struct caldav *d, const char *password)
{
	size_t n = strlen(d->conf.admin_password);

	if (n == 0 || strlen(password) != n ||
	    sodium_memcmp(password, d->conf.admin_password, n) != 0) {
		d->st.auth_failed++;
		return 0;
	}
	return 1;
}

/* Users and groups are named by people and typed in HTTP Basic (no ':'):
 * a plain set of characters. */
static bool principal_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CALDAV_NAME_MAX || s[0] == '.' || strcmp(s, "admin") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("._@+-", s[i])))
			return false;
	return true;
}

/* {"password": "..."} from the body; NULL with the response set. */
static const char *body_password(const struct caldav_req *req, struct caldav_resp *resp,
				 json_t **root)
{
	json_error_t je;
	const char *pw;

	*root = json_loadb(req->body ? req->body : "", req->body_len, 0, &je);
	pw = json_string_value(json_object_get(*root, "password"));
	if (!pw) {
		resp_text(resp, 400, "expected a JSON body {\"password\": \"...\"}");
		return NULL;
	}
	if (strlen(pw) < PASSWORD_MIN || strlen(pw) > PASSWORD_MAX) {
		resp_text(resp, 400, "a password has %d to %d characters", PASSWORD_MIN,
			  PASSWORD_MAX);
		return NULL;
	}
	return pw;
}

static int set_password(struct caldav *d, const char *user, const char *pw,
			struct caldav_resp *resp)
{
	char hash[crypto_pwhash_STRBYTES];
	json_t *u = json_object_get(users_of(d), user);

	if (crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		resp_text(resp, 500, "hashing the password: out of memory");
		return -1;
	}
	if (!u) {
		u = json_object();
		json_object_set_new(users_of(d), user, u);
	}
	json_object_set_new(u, "password", json_string(hash));
	json_object_del(d->auth_seen, user);
	return 0;
}

static void saved(struct caldav *d, struct caldav_resp *resp, int status, const char *what)
{
	int rc = users_save(d);

	if (rc < 0)
		resp_text(resp, 500, "writing users.json: %s", strerror(-rc));
	else
		resp_text(resp, status, "%s", what);
}

static void user_put(struct caldav *d, const char *name, const struct caldav_req *req,
		     struct caldav_resp *resp)
{
	bool existed = user_exists(d, name);
	char err[256];
	json_t *root;
	const char *pw = body_password(req, resp, &root);

	if (!pw)
		goto out;
	if (!existed && store_home_create(d, name, err, sizeof(err)) < 0) {
		resp_text(resp, 500, "%s", err);
		goto out;
	}
	if (set_password(d, name, pw, resp) == 0) {
		dav_log(d, "info", "user %s %s", name, existed ? "password set" : "enrolled");
		saved(d, resp, existed ? 200 : 201, existed ? "password changed" : "user enrolled");
	}
out:
	json_decref(root);
}

static void user_password(struct caldav *d, const char *name, const struct caldav_req *req,
			  struct caldav_resp *resp)
{
	json_t *root;
	const char *pw;

	if (!req->admin && (!req->user || strcmp(req->user, name) != 0)) {
		resp_text(resp, 403, "only %s or the admin changes %s's password", name, name);
		return;
	}
	if (!user_exists(d, name)) {
		resp_text(resp, 404, "no user %s", name);
		return;
	}
	pw = body_password(req, resp, &root);
	if (pw && set_password(d, name, pw, resp) == 0) {
		dav_log(d, "info", "user %s: password changed", name);
		saved(d, resp, 200, "password changed");
	}
	json_decref(root);
}

/* A removed user's or group's entries leave every ACL, so that a new
 * principal of the same name inherits nothing. */
static void acl_forget(struct caldav *d, const char *principal)
{
	char err[256];

	for (struct coll *c = d->colls; c; c = c->next) {
		json_t *acl = json_object_get(c->props, "acl"), *ace;
		bool changed = false;
		size_t i;

		json_array_foreach (acl, i, ace) {
			const char *p = json_string_value(json_object_get(ace, "principal"));

			if (p && strcmp(p, principal) == 0) {
				json_array_remove(acl, i--);
				changed = true;
			}
		}
		if (changed && store_coll_save_props(d, c, "admin", "ACL: a removed principal left",
						     err, sizeof(err)) < 0)
			dav_log(d, "warning", "%s/%s: %s", c->owner, c->name, err);
	}
}

static void user_delete(struct caldav *d, const char *name, struct caldav_resp *resp)
{
	char principal[128];
	char err[256];
	json_t *g;
	const char *gname;

	if (!user_exists(d, name)) {
		resp_text(resp, 404, "no user %s", name);
		return;
	}
	if (store_home_delete(d, name, err, sizeof(err)) < 0) {
		resp_text(resp, 500, "%s", err);
		return;
	}
	json_object_del(users_of(d), name);
	json_object_del(d->auth_seen, name);
	snprintf(principal, sizeof(principal), "/principals/users/%s/", name);
	acl_forget(d, principal);
	json_object_foreach (groups_of(d), gname, g) {
		json_t *members = json_object_get(g, "members"), *m;
		size_t i;

		json_array_foreach (members, i, m) {
			if (strcmp(json_string_value(m), name) == 0) {
				json_array_remove(members, i);
				break;
			}
		}
	}
	dav_log(d, "info", "user %s removed with their calendars", name);
	saved(d, resp, 200, "user removed");
}

static void group_put(struct caldav *d, const char *name, const struct caldav_req *req,
		      struct caldav_resp *resp)
{
	json_t *root = json_loadb(req->body ? req->body : "", req->body_len, 0, NULL);
	json_t *members = json_object_get(root, "members"), *m, *clean;
	bool existed = group_exists(d, name);
	size_t i;

	if (!json_is_array(members)) {
		resp_text(resp, 400, "expected a JSON body {\"members\": [\"user\", ...]}");
		goto out;
	}
	if (user_exists(d, name)) {
		resp_text(resp, 409, "%s is a user", name);
		goto out;
	}
	clean = json_array();
	json_array_foreach (members, i, m) {
		if (!json_is_string(m) || !user_exists(d, json_string_value(m))) {
			resp_text(resp, 400, "members: %s is not a user",
				  json_is_string(m) ? json_string_value(m) : "(not a string)");
			json_decref(clean);
			goto out;
		}
		json_array_append(clean, m);
	}
	json_object_set_new(groups_of(d), name, json_pack("{s:o}", "members", clean));
	dav_log(d, "info", "group %s %s, %zu members", name, existed ? "changed" : "created",
		json_array_size(clean));
	saved(d, resp, existed ? 200 : 201, existed ? "group changed" : "group created");
out:
	json_decref(root);
}

static void list(struct caldav *d, struct caldav_resp *resp)
{
	json_t *out = json_pack("{s:[],s:O}", "users", "groups", groups_of(d));
	const char *name;
	json_t *u;

	json_object_foreach (users_of(d), name, u)
		json_array_append_new(json_object_get(out, "users"), json_string(name));
	resp->body = json_dumps(out, JSON_INDENT(1) | JSON_SORT_KEYS);
	resp->body_len = resp->body ? strlen(resp->body) : 0;
	resp->status = 200;
	resp->content_type = "application/json";
	json_decref(out);
}

/* /admin/users, /admin/users/NAME, /admin/users/NAME/password,
 * /admin/groups/NAME (docs/caldav.md). */
void admin_handle(struct caldav *d, const struct caldav_req *req, struct caldav_resp *resp)
{
	char kind[16], name[CALDAV_NAME_MAX + 2], rest[32];
	const char *m = req->method;
	int n = sscanf(req->path, "/admin/%15[^/]/%65[^/]/%31s", kind, name, rest);

	if (n == 3 && strcmp(kind, "users") == 0 && strcmp(rest, "password") == 0 &&
	    name_ok(name)) {
		if (strcmp(m, "POST") != 0 && strcmp(m, "PUT") != 0)
			resp_text(resp, 405, "use POST");
		else
			user_password(d, name, req, resp);
		return;
	}
	if (!req->admin) {
		resp_text(resp, 403, "the admin password is needed");
		return;
	}
	if (strcmp(req->path, "/admin/users") == 0 || strcmp(req->path, "/admin/users/") == 0 ||
	    strcmp(req->path, "/admin/groups") == 0) {
		if (strcmp(m, "GET") == 0)
			list(d, resp);
		else
			resp_text(resp, 405, "use GET");
		return;
	}
	if (n != 2 || (strcmp(kind, "users") != 0 && strcmp(kind, "groups") != 0)) {
		resp_text(resp, 404, "no such admin resource: %s", req->path);
		return;
	}
	if (!principal_name_ok(name)) {
		resp_text(resp, 400,
			  "%s: not a valid name: 1 to %d letters, digits and . _ @ + -, not "
			  "starting with a dot; not admin",
			  name, CALDAV_NAME_MAX);
		return;
	}
	if (strcmp(kind, "users") == 0) {
		if (strcmp(m, "PUT") == 0) {
			if (group_exists(d, name))
				resp_text(resp, 409, "%s is a group", name);
			else
				user_put(d, name, req, resp);
		} else if (strcmp(m, "DELETE") == 0) {
			user_delete(d, name, resp);
		} else {
			resp_text(resp, 405, "use PUT or DELETE");
		}
	} else if (strcmp(m, "PUT") == 0) {
		group_put(d, name, req, resp);
	} else if (strcmp(m, "DELETE") == 0) {
		char principal[128];

		if (json_object_del(groups_of(d), name) < 0) {
			resp_text(resp, 404, "no group %s", name);
		} else {
			snprintf(principal, sizeof(principal), "/principals/groups/%s/", name);
			acl_forget(d, principal);
			saved(d, resp, 200, "group removed");
		}
	} else {
		resp_text(resp, 405, "use PUT or DELETE");
	}
}
