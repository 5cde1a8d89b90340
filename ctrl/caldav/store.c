/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store.c - CalDAV's calendars on disk and in memory. Each calendar is a
 * folder of objects as clients stored them and a .props file; each change is
 * written atomically (temporary file, fsync, rename, fsync of the folder)
 * before it is acknowledged, then committed to git. In memory each calendar
 * keeps its objects' names, ETags, UIDs and change counters (parsed objects
 * on first need), and the removed names for sync-collection; the change log
 * (sync/OWNER/CAL, outside git) keeps those counters across restarts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ctrl/caldav/dav.h"

/* A name of a user, group, calendar or object: 1 to 64 bytes, no leading
 * dot (no .props, no hidden files), no slash or backslash, no spaces or
 * control characters. Clients name objects after UIDs, which may hold
 * ':', '@', '%' and more: those are taken (and %-encoded in hrefs). */
bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CALDAV_NAME_MAX || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= ' ' || ch == 0x7f || ch == '/' || ch == '\\')
			return false;
	}
	return true;
}

static int mkdirs(const char *path)
{
	char tmp[768];
	size_t n = strlen(path);

	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int fsync_dir(const char *file)
{
	char dir[768];
	const char *slash = strrchr(file, '/');
	int fd, rc;

	if (!slash || (size_t)(slash - file) >= sizeof(dir))
		return 0;
	memcpy(dir, file, (size_t)(slash - file));
	dir[slash - file] = '\0';
	fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int store_write_file(const char *path, const void *data, size_t len)
{
	char tmp[800];
	const char *p = data;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		p += w;
		len -= (size_t)w;
	}
	if (rc == 0 && (fchmod(fd, 0640) < 0 || fsync(fd) < 0))
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	return fsync_dir(path);
}

static char *read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && (size_t)n <= max &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static void etag_of(const char *text, size_t len, char etag[36])
{
	unsigned char h[crypto_generichash_BYTES_MIN];

	crypto_generichash(h, sizeof(h), (const unsigned char *)text, len, NULL, 0);
	etag[0] = '"';
	for (unsigned i = 0; i < 16; i++)
		sprintf(etag + 1 + 2 * i, "%02x", h[i]);
	etag[33] = '"';
	etag[34] = '\0';
}

static unsigned hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int tab_grow(struct coll *c)
{
	unsigned size = c->tab_size ? c->tab_size * 2 : 64;
	struct obj **tab = calloc(size, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (unsigned i = 0; i < c->tab_size; i++) {
		for (struct obj *o = c->tab[i], *next; o; o = next) {
			unsigned h = hash_name(o->name) & (size - 1);

			next = o->next;
			o->next = tab[h];
			tab[h] = o;
		}
	}
	free(c->tab);
	c->tab = tab;
	c->tab_size = size;
	return 0;
}

struct obj *store_obj(struct coll *c, const char *name)
{
	if (!c->tab_size)
		return NULL;
	for (struct obj *o = c->tab[hash_name(name) & (c->tab_size - 1)]; o; o = o->next)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static struct obj *obj_add(struct coll *c, const char *name)
{
	struct obj *o;
	unsigned h;

	if (c->n_objs >= c->tab_size && tab_grow(c) < 0)
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	snprintf(o->name, sizeof(o->name), "%s", name);
	h = hash_name(name) & (c->tab_size - 1);
	o->next = c->tab[h];
	c->tab[h] = o;
	c->n_objs++;
	return o;
}

static void obj_remove(struct coll *c, struct obj *o)
{
	struct obj **pp = &c->tab[hash_name(o->name) & (c->tab_size - 1)];

	while (*pp && *pp != o)
		pp = &(*pp)->next;
	if (*pp)
		*pp = o->next;
	c->n_objs--;
	if (o->parsed)
		calobj_free(o->parsed);
	free(o);
}

static void tomb_set(struct coll *c, const char *name, uint64_t seq)
{
	for (unsigned i = 0; i < c->n_tombs; i++) {
		if (strcmp(c->tombs[i].name, name) == 0) {
			c->tombs[i].seq = seq;
			return;
		}
	}
	if (c->n_tombs == c->cap_tombs) {
		unsigned cap = c->cap_tombs ? c->cap_tombs * 2 : 16;
		struct tomb *t = realloc(c->tombs, cap * sizeof(*t));

		if (!t)
			return; /* a client then misses a removal until it syncs again */
		c->tombs = t;
		c->cap_tombs = cap;
	}
	snprintf(c->tombs[c->n_tombs].name, sizeof(c->tombs[0].name), "%s", name);
	c->tombs[c->n_tombs++].seq = seq;
}

static void tomb_clear(struct coll *c, const char *name)
{
	for (unsigned i = 0; i < c->n_tombs; i++) {
		if (strcmp(c->tombs[i].name, name) == 0) {
			c->tombs[i] = c->tombs[--c->n_tombs];
			return;
		}
	}
}

void store_coll_dir(const struct coll *c, char *buf, size_t len)
{
	snprintf(buf, len, "calendars/%s/%s", c->owner, c->name);
}

static void abs_path(const struct caldav *d, const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%.255s/%.500s", d->conf.data_dir, rel);
}

/* The change log: one line per change, "SEQ NAME" or "SEQ -NAME". */
static void synclog_line(struct caldav *d, const struct coll *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void synclog_line(struct caldav *d, const struct coll *c, const char *fmt, ...)
{
	char path[800];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sync/%s", d->conf.data_dir, c->owner);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/sync/%s/%s", d->conf.data_dir, c->owner, c->name);
	f = fopen(path, "ae");
	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fflush(f);
	fdatasync(fileno(f));
	fclose(f);
}

static void synclog_append(struct caldav *d, const struct coll *c, const char *name, bool removed)
{
	synclog_line(d, c, "%llu %s%s\n", (unsigned long long)c->seq, removed ? "-" : "", name);
}

/* A calendar's instance: sync tokens carry it, so that one of a calendar
 * since deleted is not taken by a new one of the same name (RFC 6578 3.2). */
static void synclog_new_id(struct caldav *d, struct coll *c)
{
	unsigned char r[8];

	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(c->id, sizeof(c->id), r, sizeof(r));
	synclog_line(d, c, "id %s\n", c->id);
}

static void synclog_load(struct caldav *d, struct coll *c)
{
	char path[800], line[CALDAV_NAME_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sync/%s/%s", d->conf.data_dir, c->owner, c->name);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long seq;
		char name[CALDAV_NAME_MAX + 2];
		struct obj *o;

		if (sscanf(line, "id %16s", c->id) == 1)
			continue;
		if (sscanf(line, "%llu %65s", &seq, name) != 2)
			continue;
		if (seq > c->seq)
			c->seq = seq;
		if (name[0] == '-') {
			if (name_ok(name + 1) && !store_obj(c, name + 1))
				tomb_set(c, name + 1, seq);
		} else if ((o = store_obj(c, name))) {
			o->seq = seq;
		}
	}
	fclose(f);
}

static void sync_forget(struct caldav *d, const struct coll *c)
{
	char path[800];

	snprintf(path, sizeof(path), "%s/sync/%s/%s", d->conf.data_dir, c->owner, c->name);
	unlink(path);
}

/* Read (or read again) the object name of c from disk; removes it from
 * memory when the file is gone or no longer a valid object. */
static struct obj *obj_load(struct caldav *d, struct coll *c, const char *name)
{
	char rel[512], path[800], err[256];
	struct calobj_info info;
	struct obj *o = store_obj(c, name);
	struct stat stb;
	size_t len;
	char *text;

	snprintf(rel, sizeof(rel), "calendars/%s/%s/%s", c->owner, c->name, name);
	abs_path(d, rel, path, sizeof(path));
	text = read_file(path, d->conf.max_object, &len);
	if (!text || stat(path, &stb) < 0 || calobj_check(text, len, &info, err, sizeof(err)) < 0) {
		if (text)
			dav_log(d, "warning", "%s: not loaded: %s", rel, err);
		free(text);
		if (o)
			obj_remove(c, o);
		return NULL;
	}
	if (!o && !(o = obj_add(c, name))) {
		free(text);
		return NULL;
	}
	etag_of(text, len, o->etag);
	snprintf(o->uid, sizeof(o->uid), "%s", info.uid);
	snprintf(o->comp, sizeof(o->comp), "%s", info.comp);
	o->size = len;
	o->mtime = stb.st_mtime;
	if (o->parsed) {
		calobj_free(o->parsed);
		o->parsed = NULL;
	}
	free(text);
	return o;
}

static json_t *props_load(struct caldav *d, const char *rel)
{
	char path[800];
	json_t *p;

	snprintf(path, sizeof(path), "%s/%s/.props", d->conf.data_dir, rel);
	p = json_load_file(path, 0, NULL);
	if (!json_is_object(p)) {
		json_decref(p);
		p = json_object();
	}
	return p;
}

static struct coll *coll_new(struct caldav *d, const char *owner, const char *name)
{
	struct coll *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	snprintf(c->owner, sizeof(c->owner), "%s", owner);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->mtime = time(NULL);
	c->next = d->colls;
	d->colls = c;
	return c;
}

static void coll_free(struct coll *c)
{
	for (unsigned i = 0; i < c->tab_size; i++) {
		for (struct obj *o = c->tab[i], *next; o; o = next) {
			next = o->next;
			if (o->parsed)
				calobj_free(o->parsed);
			free(o);
		}
	}
	free(c->tab);
	free(c->tombs);
	json_decref(c->props);
	free(c);
}

static void coll_unlink(struct caldav *d, struct coll *c)
{
	for (struct coll **pp = &d->colls; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	coll_free(c);
}

static struct coll *coll_load(struct caldav *d, const char *owner, const char *name)
{
	char rel[512], path[800];
	struct coll *c = coll_new(d, owner, name);
	struct dirent *e;
	DIR *dir;

	if (!c)
		return NULL;
	snprintf(rel, sizeof(rel), "calendars/%s/%s", owner, name);
	c->props = props_load(d, rel);
	abs_path(d, rel, path, sizeof(path));
	dir = opendir(path);
	while (dir && (e = readdir(dir))) {
		if (name_ok(e->d_name) && !strstr(e->d_name, ".tmp-"))
			obj_load(d, c, e->d_name);
	}
	if (dir)
		closedir(dir);
	synclog_load(d, c);
	if (!c->id[0])
		synclog_new_id(d, c);
	return c;
}

int store_load(struct caldav *d, char *err, size_t errlen)
{
	char path[800];
	struct dirent *u;
	DIR *top;

	abs_path(d, "calendars", path, sizeof(path));
	if (mkdirs(path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	top = opendir(path);
	if (!top) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((u = readdir(top))) {
		char home[900];
		struct dirent *e;
		DIR *hd;

		if (!name_ok(u->d_name))
			continue;
		snprintf(home, sizeof(home), "%.800s/%.64s", path, u->d_name);
		if (!(hd = opendir(home)))
			continue;
		while ((e = readdir(hd))) {
			struct stat stb;
			char sub[1200];

			snprintf(sub, sizeof(sub), "%s/%s", home, e->d_name);
			if (name_ok(e->d_name) && stat(sub, &stb) == 0 && S_ISDIR(stb.st_mode))
				coll_load(d, u->d_name, e->d_name);
		}
		closedir(hd);
	}
	closedir(top);
	return 0;
}

void store_free(struct caldav *d)
{
	store_flush(d);
	free(d->pending.paths);
	free(d->pending.msg.p);
	memset(&d->pending, 0, sizeof(d->pending));
	while (d->colls) {
		struct coll *c = d->colls;

		d->colls = c->next;
		coll_free(c);
	}
}

struct coll *store_coll(struct caldav *d, const char *owner, const char *name)
{
	for (struct coll *c = d->colls; c; c = c->next)
		if (strcmp(c->owner, owner) == 0 && strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int add_tracked(const char *path, void *arg)
{
	json_object_set_new(arg, path, json_true());
	return 0;
}

/* Changes on disk that are not in history (ctrl stopped before its flush):
 * every object and .props of the calendars in memory, and every file HEAD
 * has under calendars/, committed as they are now. Nothing differs: no
 * commit. */
void store_recover(struct caldav *d)
{
	json_t *set = json_object(), *v;
	char err[512], oid[GITHIST_OID_HEX], rel[512];
	const char **paths;
	const char *key;
	size_t n = 0;

	for (struct coll *c = d->colls; c; c = c->next) {
		store_coll_dir(c, rel, sizeof(rel));
		for (unsigned i = 0; i < c->tab_size; i++) {
			for (struct obj *o = c->tab[i]; o; o = o->next) {
				char p[700];

				snprintf(p, sizeof(p), "%s/%s", rel, o->name);
				json_object_set_new(set, p, json_true());
			}
		}
		strncat(rel, "/.props", sizeof(rel) - strlen(rel) - 1);
		json_object_set_new(set, rel, json_true());
	}
	if (githist_tracked(d->git, "calendars", add_tracked, set, err, sizeof(err)) < 0)
		dav_log(d, "warning", "reading history: %s", err);
	paths = calloc(json_object_size(set) + 1, sizeof(*paths));
	if (paths) {
		json_object_foreach (set, key, v)
			paths[n++] = key;
		if (githist_commit(d->git, paths, n, "admin", "recovered changes", oid, err,
				   sizeof(err)) == 0)
			dav_log(d, "info", "changes not in history were committed as %s", oid);
	}
	free(paths);
	json_decref(set);
}

static int cmp_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void store_flush(struct caldav *d)
{
	size_t n;
	char oid[GITHIST_OID_HEX], err[512];
	struct sbuf msg = { 0 };
	int rc;

	if (!d->pending.changes)
		return;
	/* a batch may change one file more than once: name it once */
	qsort(d->pending.paths, d->pending.n_paths, sizeof(char *), cmp_paths);
	n = 0;
	for (size_t i = 0; i < d->pending.n_paths; i++) {
		if (n && strcmp(d->pending.paths[i], d->pending.paths[n - 1]) == 0)
			free(d->pending.paths[i]);
		else
			d->pending.paths[n++] = d->pending.paths[i];
	}
	d->pending.n_paths = n;
	if (d->pending.changes == 1)
		sb_add(&msg, d->pending.msg.p, d->pending.msg.len - 1); /* without its newline */
	else
		sb_printf(&msg, "%u changes by %s\n\n%s", d->pending.changes, d->pending.author,
			  d->pending.msg.p);
	rc = githist_commit(d->git, (const char *const *)d->pending.paths, d->pending.n_paths,
			    d->pending.author, msg.p ? msg.p : "changes", oid, err, sizeof(err));
	if (rc < 0)
		dav_log(d, "warning", "%u changes are stored but not in history: %s",
			d->pending.changes, err);
	if (rc == 0) {
		d->st.commits++;
		if (d->conf.git_remote[0] &&
		    githist_push(d->git, d->conf.git_remote, err, sizeof(err)) < 0)
			dav_log(d, "warning", "push to %s: %s", d->conf.git_remote, err);
	}
	for (size_t i = 0; i < d->pending.n_paths; i++)
		free(d->pending.paths[i]);
	d->pending.n_paths = 0;
	d->pending.changes = 0;
	d->pending.msg.len = 0;
	free(msg.p);
}

/* Changes are committed in batches: one author's changes until another's
 * come, STORE_BATCH_MAX of them, or the next flush (every tick of ctrl), so
 * that a client storing thousands of events does not rewrite the calendar's
 * git tree thousands of times. They are on disk before the client is
 * answered either way; history is what waits. */
void store_commit(struct caldav *d, const char *const *paths, size_t n, const char *who,
		  const char *msg)
{
	if (d->pending.changes && strcmp(d->pending.author, who) != 0)
		store_flush(d);
	if (d->pending.n_paths + n > d->pending.cap) {
		size_t cap = d->pending.cap ? d->pending.cap * 2 : 64;
		char **p;

		while (cap < d->pending.n_paths + n)
			cap *= 2;
		p = realloc(d->pending.paths, cap * sizeof(*p));
		if (!p) {
			dav_log(d, "warning", "%s: stored but not in history: out of memory", msg);
			return;
		}
		d->pending.paths = p;
		d->pending.cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		char *copy = strdup(paths[i]);

		if (copy)
			d->pending.paths[d->pending.n_paths++] = copy;
	}
	snprintf(d->pending.author, sizeof(d->pending.author), "%s", who);
	sb_puts(&d->pending.msg, msg);
	sb_puts(&d->pending.msg, "\n");
	if (++d->pending.changes >= STORE_BATCH_MAX)
		store_flush(d);
}

static int props_write(struct caldav *d, struct coll *c)
{
	char rel[512], path[800];
	char *text = json_dumps(c->props, JSON_INDENT(1) | JSON_SORT_KEYS);
	int rc;

	if (!text)
		return -ENOMEM;
	store_coll_dir(c, rel, sizeof(rel));
	snprintf(path, sizeof(path), "%s/%s/.props", d->conf.data_dir, rel);
	rc = store_write_file(path, text, strlen(text));
	free(text);
	return rc;
}

int store_coll_save_props(struct caldav *d, struct coll *c, const char *who, const char *what,
			  char *err, size_t errlen)
{
	char rel[600], msg[700];
	const char *paths[1] = { rel };
	int rc = props_write(d, c);

	if (rc < 0) {
		snprintf(err, errlen, "writing the properties: %s", strerror(-rc));
		return -1;
	}
	store_coll_dir(c, rel, sizeof(rel));
	snprintf(msg, sizeof(msg), "%s: %s", rel, what);
	strncat(rel, "/.props", sizeof(rel) - strlen(rel) - 1);
	store_commit(d, paths, 1, who, msg);
	return 0;
}

struct coll *store_coll_create(struct caldav *d, const char *owner, const char *name, json_t *props,
			       char *err, size_t errlen)
{
	char rel[512], path[800];
	struct coll *c;
	int rc;

	snprintf(rel, sizeof(rel), "calendars/%s/%s", owner, name);
	abs_path(d, rel, path, sizeof(path));
	if (mkdir(path, 0750) < 0) {
		snprintf(err, errlen, "%s: %s", rel, strerror(errno));
		json_decref(props);
		return NULL;
	}
	c = coll_new(d, owner, name);
	if (!c) {
		rmdir(path);
		json_decref(props);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->props = props;
	sync_forget(d, c);
	synclog_new_id(d, c);
	if ((rc = store_coll_save_props(d, c, owner, "calendar created", err, errlen)) < 0) {
		rmdir(path);
		coll_unlink(d, c);
		return NULL;
	}
	return c;
}

static int rm_tree(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;

	if (!dir)
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	while ((e = readdir(dir))) {
		char sub[1200];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_tree(sub);
	}
	closedir(dir);
	return rmdir(path) < 0 ? -errno : 0;
}

/* The paths of c's files, for the commit that removes them. */
static const char **coll_paths(struct coll *c, size_t *n)
{
	const char **paths = calloc(c->n_objs + 1, sizeof(*paths));
	char rel[512];

	*n = 0;
	if (!paths)
		return NULL;
	store_coll_dir(c, rel, sizeof(rel));
	for (unsigned i = 0; i < c->tab_size; i++) {
		for (struct obj *o = c->tab[i]; o; o = o->next) {
			char *p;

			if (asprintf(&p, "%s/%s", rel, o->name) >= 0)
				paths[(*n)++] = p;
		}
	}
	char *p;
	if (asprintf(&p, "%s/.props", rel) >= 0)
		paths[(*n)++] = p;
	return paths;
}

int store_coll_delete(struct caldav *d, struct coll *c, const char *who, char *err, size_t errlen)
{
	char rel[512], path[800], msg[600];
	size_t n = 0;
	const char **paths = coll_paths(c, &n);
	int rc;

	store_coll_dir(c, rel, sizeof(rel));
	abs_path(d, rel, path, sizeof(path));
	rc = rm_tree(path);
	if (rc < 0) {
		snprintf(err, errlen, "removing %s: %s", rel, strerror(-rc));
	} else {
		fsync_dir(path);
		snprintf(msg, sizeof(msg), "%s: calendar deleted (%u objects)", rel, c->n_objs);
		if (paths)
			store_commit(d, paths, n, who, msg);
		sync_forget(d, c);
		coll_unlink(d, c);
	}
	for (size_t i = 0; paths && i < n; i++)
		free((char *)paths[i]);
	free(paths);
	return rc < 0 ? -1 : 0;
}

struct obj *store_put(struct caldav *d, struct coll *c, const char *name, const char *text,
		      size_t len, const struct calobj_info *info, const char *who, char *err,
		      size_t errlen)
{
	char rel[600], path[800], msg[900];
	const char *paths[1] = { rel };
	struct obj *o = store_obj(c, name);
	bool created = !o;
	int rc;

	snprintf(rel, sizeof(rel), "calendars/%s/%s/%s", c->owner, c->name, name);
	abs_path(d, rel, path, sizeof(path));
	if ((rc = store_write_file(path, text, len)) < 0) {
		snprintf(err, errlen, "writing %s: %s", rel, strerror(-rc));
		return NULL;
	}
	if (!o && !(o = obj_add(c, name))) {
		unlink(path);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	etag_of(text, len, o->etag);
	snprintf(o->uid, sizeof(o->uid), "%s", info->uid);
	snprintf(o->comp, sizeof(o->comp), "%s", info->comp);
	o->size = len;
	o->mtime = time(NULL);
	if (o->parsed) {
		calobj_free(o->parsed);
		o->parsed = NULL;
	}
	o->seq = ++c->seq;
	c->mtime = o->mtime;
	tomb_clear(c, name);
	synclog_append(d, c, name, false);
	snprintf(msg, sizeof(msg), "%s: %s %s %s", rel, created ? "added" : "changed", info->comp,
		 info->uid);
	store_commit(d, paths, 1, who, msg);
	return o;
}

int store_delete(struct caldav *d, struct coll *c, struct obj *o, const char *who, char *err,
		 size_t errlen)
{
	char rel[600], path[800], msg[900];
	const char *paths[1] = { rel };

	snprintf(rel, sizeof(rel), "calendars/%s/%s/%s", c->owner, c->name, o->name);
	abs_path(d, rel, path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "removing %s: %s", rel, strerror(errno));
		return -1;
	}
	fsync_dir(path);
	snprintf(msg, sizeof(msg), "%s: deleted %s %s", rel, o->comp, o->uid);
	c->seq++;
	c->mtime = time(NULL);
	tomb_set(c, o->name, c->seq);
	synclog_append(d, c, o->name, true);
	obj_remove(c, o);
	store_commit(d, paths, 1, who, msg);
	return 0;
}

char *store_read(struct caldav *d, const struct coll *c, const struct obj *o, size_t *len)
{
	char path[800];

	snprintf(path, sizeof(path), "%s/calendars/%s/%s/%s", d->conf.data_dir, c->owner, c->name,
		 o->name);
	return read_file(path, d->conf.max_object, len);
}

const struct calobj *store_parsed(struct caldav *d, const struct coll *c, struct obj *o)
{
	size_t len;
	char *text;

	if (o->parsed)
		return o->parsed;
	text = store_read(d, c, o, &len);
	if (!text)
		return NULL;
	o->parsed = calobj_parse(text, len);
	free(text);
	return o->parsed;
}

int store_home_create(struct caldav *d, const char *user, char *err, size_t errlen)
{
	char path[800];

	snprintf(path, sizeof(path), "%s/calendars/%s", d->conf.data_dir, user);
	if (mkdirs(path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int store_home_delete(struct caldav *d, const char *user, char *err, size_t errlen)
{
	char path[800];
	struct coll *c = d->colls, *next;

	for (; c; c = next) {
		next = c->next;
		if (strcmp(c->owner, user) == 0 &&
		    store_coll_delete(d, c, "admin", err, errlen) < 0)
			return -1;
	}
	snprintf(path, sizeof(path), "%s/calendars/%s", d->conf.data_dir, user);
	rm_tree(path);
	snprintf(path, sizeof(path), "%s/sync/%s", d->conf.data_dir, user);
	rm_tree(path);
	return 0;
}

/* After a revert: path is "calendars/OWNER/CAL/NAME" or ".../.props". */
void store_reload_path(struct caldav *d, const char *path)
{
	char owner[CALDAV_NAME_MAX + 1], cal[CALDAV_NAME_MAX + 1], name[CALDAV_NAME_MAX + 1];
	char rel[512], abs[800];
	struct coll *c;
	struct stat stb;
	bool existed;

	if (sscanf(path, "calendars/%64[^/]/%64[^/]/%64s", owner, cal, name) != 3 ||
	    !name_ok(owner) || !name_ok(cal))
		return;
	snprintf(rel, sizeof(rel), "calendars/%s/%s", owner, cal);
	abs_path(d, rel, abs, sizeof(abs));
	c = store_coll(d, owner, cal);
	if (stat(abs, &stb) < 0) { /* the whole calendar went */
		if (c)
			coll_unlink(d, c);
		return;
	}
	if (!c) {
		coll_load(d, owner, cal);
		return;
	}
	if (strcmp(name, ".props") == 0) {
		json_decref(c->props);
		c->props = props_load(d, rel);
		return;
	}
	if (!name_ok(name))
		return;
	existed = store_obj(c, name) != NULL;
	c->seq++;
	c->mtime = time(NULL);
	if (obj_load(d, c, name)) {
		store_obj(c, name)->seq = c->seq;
		tomb_clear(c, name);
		synclog_append(d, c, name, false);
	} else if (existed) {
		tomb_set(c, name, c->seq);
		synclog_append(d, c, name, true);
	}
}
