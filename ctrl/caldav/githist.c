/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * githist.c - the history of CalDAV's data in a git repository (githist.h),
 * over libgit2. The repository and its index stay open for the handle's life,
 * and a commit's tree is HEAD's with its paths updated, so a commit costs the
 * files it names, the folders on their paths and one index written, never a
 * walk of the history. A revert checks every file before it writes
 * one, writes them all to temporary files before it renames any, and puts the
 * files back when its commit fails. One thread at a time per handle.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "ctrl/caldav/githist.h"

#define GITHIST_COMMITTER_NAME	"rampart"
#define GITHIST_COMMITTER_EMAIL "rampart@localhost"
#define GITHIST_EMAIL_DOMAIN	"@rampart"
#define GITHIST_SHORT_ID	12
#define GITHIST_EMPTY_TREE	"4b825dc642cb6eb9a060e54bf8d69288fbee4904"

struct githist {
	git_repository *repo;
	git_index *index;	/* kept open: reopening costs a read of the whole index */
	char workdir[PATH_MAX]; /* the working tree's folder, ending in '/' */
	unsigned long tmp_seq;	/* numbers the temporary files of reverts */
};

/* A file a revert changes: its mode and blob before the reverted commit
 * ("old") and after it ("new"); mode 0 where the file did not exist. */
struct change {
	const char *path; /* the diff's, valid while the diff lives */
	uint32_t old_mode, new_mode;
	git_oid old_id, new_id;
	char *tmp; /* the temporary file written, before its rename */
};

/* ---- errors ---- */

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
						      ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "githist: %s", what);
	return -1;
}

/* "githist: WHAT: libgit2's message" */
__attribute__((format(printf, 3, 4))) static int git_fail(char *err, size_t errlen, const char *fmt,
							  ...)
{
	const git_error *e = git_error_last();
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "githist: %s: %s", what,
			 e && e->message ? e->message : "unknown error");
	return -1;
}

/* "githist: WHAT: strerror(errno)" */
__attribute__((format(printf, 3, 4))) static int sys_fail(char *err, size_t errlen, const char *fmt,
							  ...)
{
	int saved = errno;
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "githist: %s: %s", what, strerror(saved));
	return -1;
}

/* ---- paths ---- */

/* A relative path inside the working tree: no empty, "." or ".." component,
 * nothing under .git. libgit2 checks the same for the index; checking first
 * keeps a bad path from touching anything, and guards the files a revert
 * writes from the paths a (tampered) tree holds. */
static bool path_ok(const char *path)
{
	const char *c = path;

	if (!*path || strlen(path) >= PATH_MAX)
		return false;
	while (*c) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.') ||
		    (n == 4 && strncasecmp(c, ".git", 4) == 0))
			return false;
		c += n;
		if (*c == '/' && !*++c)
			return false;
	}
	return true;
}

static int full_path(const struct githist *g, const char *path, char *out, char *err, size_t errlen)
{
	int n = snprintf(out, PATH_MAX, "%s%s", g->workdir, path);

	if (n < 0 || n >= PATH_MAX)
		return fail(err, errlen, "%s: path too long", path);
	return 0;
}

/* ---- open and close ---- */

/* A new repository. Line endings are kept as they are (iCalendar's are CRLF),
 * whatever a global core.autocrlf says; the setting goes in the repository's
 * own config. */
static int init_repo(struct githist *g, const char *dir, char *err, size_t errlen)
{
	git_repository_init_options o;
	git_config *cfg = NULL, *local = NULL;
	int rc = -1;

	git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	o.flags = GIT_REPOSITORY_INIT_MKPATH;
	if (git_repository_init_ext(&g->repo, dir, &o) < 0)
		return git_fail(err, errlen, "creating a repository in %s", dir);
	if (git_repository_config(&cfg, g->repo) < 0 ||
	    git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL) < 0 ||
	    git_config_set_bool(local, "core.autocrlf", 0) < 0) {
		git_fail(err, errlen, "configuring %s", dir);
		goto out;
	}
	rc = 0;
out:
	git_config_free(local);
	git_config_free(cfg);
	return rc;
}

static int open_repo(struct githist *g, const char *dir, char *err, size_t errlen)
{
	const char *wd;
	int rc;

	/* NO_SEARCH: a data folder inside some other repository is not that one */
	rc = git_repository_open_ext(&g->repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		rc = init_repo(g, dir, err, errlen);
		if (rc < 0)
			return -1;
	} else if (rc < 0) {
		return git_fail(err, errlen, "opening %s", dir);
	}
	wd = git_repository_workdir(g->repo);
	if (!wd)
		return fail(err, errlen, "%s is a bare repository", dir);
	if (snprintf(g->workdir, sizeof(g->workdir), "%s", wd) >= (int)sizeof(g->workdir))
		return fail(err, errlen, "%s: path too long", dir);
	if (git_repository_index(&g->index, g->repo) < 0)
		return git_fail(err, errlen, "reading the index of %s", dir);
	return 0;
}

struct githist *githist_open(const char *dir, char *err, size_t errlen)
{
	struct githist *g = calloc(1, sizeof(*g));

	if (!g) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	if (git_libgit2_init() < 0) {
		git_fail(err, errlen, "starting libgit2");
		free(g);
		return NULL;
	}
	if (open_repo(g, dir, err, errlen) < 0) {
		githist_close(g);
		return NULL;
	}
	return g;
}

void githist_close(struct githist *g)
{
	if (!g)
		return;
	git_index_free(g->index);
	git_repository_free(g->repo);
	free(g);
	git_libgit2_shutdown();
}

/* ---- commit ---- */

/* HEAD's commit in *out, NULL where HEAD has none yet (a new repository). */
static int head_commit(struct githist *g, git_commit **out, char *err, size_t errlen)
{
	git_oid id;
	int rc;

	*out = NULL;
	rc = git_reference_name_to_id(&id, g->repo, "HEAD");
	if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH) {
		git_error_clear();
		return 0;
	}
	if (rc < 0)
		return git_fail(err, errlen, "reading HEAD");
	if (git_commit_lookup(out, g->repo, &id) < 0)
		return git_fail(err, errlen, "reading HEAD's commit");
	return 0;
}

/* Whether base (NULL: none) holds a file at path: 1, 0, or -1 for a folder
 * (a removal names files, not folders, so that the index follows). */
static int base_has(const git_tree *base, const char *path, char *err, size_t errlen)
{
	git_tree_entry *e = NULL;
	int rc;

	if (!base)
		return 0;
	rc = git_tree_entry_bypath(&e, base, path);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		return 0;
	}
	if (rc < 0)
		return git_fail(err, errlen, "reading %s in HEAD", path);
	rc = git_tree_entry_type(e) == GIT_OBJECT_TREE ? -1 : 1;
	git_tree_entry_free(e);
	if (rc < 0)
		return fail(err, errlen, "%s is a folder: name its files", path);
	return 1;
}

/* The working tree's state of path into the (in-memory) index, and as the
 * update of HEAD's tree (base) in *u. Returns 1, 0 where there is nothing to
 * update (a file neither there nor in HEAD), or -1. */
static int stage_path(struct githist *g, const git_tree *base, const char *path, git_tree_update *u,
		      char *err, size_t errlen)
{
	const git_index_entry *e;
	char full[PATH_MAX];
	struct stat st;
	int rc;

	if (full_path(g, path, full, err, errlen) < 0)
		return -1;
	u->path = path;
	if (lstat(full, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return fail(err, errlen, "%s is not a file", path);
		if (git_index_add_bypath(g->index, path) < 0)
			return git_fail(err, errlen, "adding %s", path);
		e = git_index_get_bypath(g->index, path, 0);
		if (!e)
			return fail(err, errlen, "adding %s: not in the index", path);
		u->action = GIT_TREE_UPDATE_UPSERT;
		git_oid_cpy(&u->id, &e->id);
		u->filemode = (git_filemode_t)e->mode;
		return 1;
	}
	if (errno != ENOENT && errno != ENOTDIR)
		return sys_fail(err, errlen, "%s", path);
	rc = base_has(base, path, err, errlen);
	if (rc <= 0)
		return rc;
	if (git_index_remove_bypath(g->index, path) < 0)
		return git_fail(err, errlen, "removing %s", path);
	u->action = GIT_TREE_UPDATE_REMOVE;
	return 1;
}

static int signatures(const char *author, git_signature **who, git_signature **committer, char *err,
		      size_t errlen)
{
	size_t n = strlen(author) + sizeof(GITHIST_EMAIL_DOMAIN);
	char *email = malloc(n);
	int rc = -1;

	if (!email)
		return fail(err, errlen, "out of memory");
	snprintf(email, n, "%s%s", author, GITHIST_EMAIL_DOMAIN);
	if (git_signature_now(who, author, email) < 0) {
		git_fail(err, errlen, "author \"%s\"", author);
		goto out;
	}
	if (git_signature_now(committer, GITHIST_COMMITTER_NAME, GITHIST_COMMITTER_EMAIL) < 0) {
		git_fail(err, errlen, "committer");
		goto out;
	}
	rc = 0;
out:
	free(email);
	return rc;
}

/* Checked before a revert writes files its commit would then refuse. */
static int author_ok(const char *author, char *err, size_t errlen)
{
	git_signature *who = NULL, *committer = NULL;
	int rc = signatures(author, &who, &committer, err, errlen);

	git_signature_free(committer);
	git_signature_free(who);
	return rc;
}

/* The commit of tree on HEAD (the first one without a parent). */
static int make_commit(struct githist *g, git_commit *head, const git_oid *tree_id,
		       const char *author, const char *message, git_oid *id, char *err,
		       size_t errlen)
{
	git_signature *who = NULL, *committer = NULL;
	const git_commit *parents[1] = { head };
	git_tree *tree = NULL;
	int rc = -1;

	if (signatures(author, &who, &committer, err, errlen) < 0)
		goto out;
	if (git_tree_lookup(&tree, g->repo, tree_id) < 0) {
		git_fail(err, errlen, "reading the new tree");
		goto out;
	}
	/* with update_ref, libgit2 refuses when HEAD moved away from head */
	if (git_commit_create(id, g->repo, "HEAD", who, committer, NULL, message, tree,
			      head ? 1 : 0, parents) < 0) {
		git_fail(err, errlen, "committing");
		goto out;
	}
	rc = 0;
out:
	git_tree_free(tree);
	git_signature_free(committer);
	git_signature_free(who);
	return rc;
}

static bool same_as_head(git_commit *head, const git_oid *tree_id)
{
	git_oid empty;

	if (head)
		return git_oid_equal(git_commit_tree_id(head), tree_id);
	git_oid_fromstr(&empty, GITHIST_EMPTY_TREE);
	return git_oid_equal(&empty, tree_id);
}

/* The new tree is HEAD's with the paths' updates (git_tree_create_updated):
 * it reads and writes the folders on those paths only, where writing the
 * index's tree would check every object the tree names, a file opened each.
 * The index follows, for git's commands; it is written only once the commit
 * is made, so on failure the index read back from disk is HEAD's again. */
static int record(struct githist *g, const char *const *paths, size_t n_paths, const char *author,
		  const char *message, char oid[GITHIST_OID_HEX], char *err, size_t errlen)
{
	git_tree_update *up = NULL;
	git_commit *head = NULL;
	git_tree *base = NULL;
	git_oid tree_id, id;
	size_t n_up = 0;
	int rc = -1, s;

	oid[0] = '\0';
	for (size_t i = 0; i < n_paths; i++)
		if (!path_ok(paths[i]))
			return fail(err, errlen, "\"%s\": not a path inside the repository",
				    paths[i]);
	if (!author)
		return fail(err, errlen, "no author");
	/* cheap unless someone else wrote the index (a git command) */
	if (git_index_read(g->index, 0) < 0)
		return git_fail(err, errlen, "reading the index");
	if (head_commit(g, &head, err, errlen) < 0)
		goto out;
	if (head && git_commit_tree(&base, head) < 0) {
		git_fail(err, errlen, "reading HEAD's tree");
		goto out;
	}
	up = calloc(n_paths ? n_paths : 1, sizeof(*up));
	if (!up) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_paths; i++) {
		s = stage_path(g, base, paths[i], &up[n_up], err, errlen);
		if (s < 0)
			goto out;
		n_up += (size_t)s;
	}
	if (git_tree_create_updated(&tree_id, g->repo, base, n_up, up) < 0) {
		git_fail(err, errlen, "writing the tree");
		goto out;
	}
	if (same_as_head(head, &tree_id)) {
		rc = 1;
		goto out;
	}
	if (make_commit(g, head, &tree_id, author, message ? message : "", &id, err, errlen) < 0)
		goto out;
	git_oid_tostr(oid, GITHIST_OID_HEX, &id);
	/* The commit is made. Should the write fail, the index in memory is
	 * still right and the next commit writes it. */
	git_index_write(g->index);
	rc = 0;
out:
	if (rc < 0)
		git_index_read(g->index, 1);
	free(up);
	git_tree_free(base);
	git_commit_free(head);
	return rc;
}

int githist_commit(struct githist *g, const char *const *paths, size_t n_paths, const char *author,
		   const char *message, char oid[GITHIST_OID_HEX], char *err, size_t errlen)
{
	return record(g, paths, n_paths, author, message, oid, err, errlen);
}

/* ---- log ---- */

/* The mode and id of path in commit c's tree; mode 0 where there is none. */
static int entry_at(git_commit *c, const char *path, uint32_t *mode, git_oid *id, char *err,
		    size_t errlen)
{
	git_tree_entry *e = NULL;
	git_tree *t = NULL;
	int rc;

	*mode = 0;
	if (git_commit_tree(&t, c) < 0)
		return git_fail(err, errlen, "reading a tree");
	rc = git_tree_entry_bypath(&e, t, path);
	if (rc == 0) {
		*mode = git_tree_entry_filemode(e);
		git_oid_cpy(id, git_tree_entry_id(e));
	} else if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		rc = 0;
	} else {
		git_fail(err, errlen, "reading %s", path);
	}
	git_tree_entry_free(e);
	git_tree_free(t);
	return rc < 0 ? -1 : 0;
}

static void fill_entry(git_commit *c, struct githist_entry *e)
{
	const git_signature *a = git_commit_author(c);

	git_oid_tostr(e->oid, sizeof(e->oid), git_commit_id(c));
	e->time = git_commit_time(c);
	snprintf(e->author, sizeof(e->author), "%s", a && a->name ? a->name : "");
	e->message = git_commit_message(c);
}

/* path without trailing '/', so "cal/" is the folder cal (NULL: no memory) */
static char *trim_slashes(const char *path)
{
	size_t n = strlen(path);

	while (n > 0 && path[n - 1] == '/')
		n--;
	return strndup(path, n);
}

/* What a commit's tree holds at a path: mode 0 for nothing. */
struct at {
	uint32_t mode;
	git_oid id;
};

static bool differ(const struct at *a, const struct at *b)
{
	return a->mode != b->mode || (a->mode && !git_oid_equal(&a->id, &b->id));
}

/* HEAD and its first parents, newest first, as git log --first-parent: the
 * history is a line of commits, each made on the last, and walking it costs
 * the commits given, not the whole history. (libgit2 1.5's time-sorted
 * revwalk reads the whole history first, and orders commits made in the same
 * second at random.) A commit is given when its tree differs from its
 * parent's at path; each tree is read once, as a commit and then as the
 * parent of the one before. */
int githist_log(struct githist *g, const char *path, unsigned max,
		int (*cb)(const struct githist_entry *e, void *arg), void *arg, char *err,
		size_t errlen)
{
	char *filter = trim_slashes(path ? path : "");
	struct at here = { 0 }, before;
	git_commit *c = NULL, *p = NULL;
	struct githist_entry e;
	int n = -1, given = 0;

	if (!filter)
		return fail(err, errlen, "out of memory");
	if (*filter && !path_ok(filter)) {
		fail(err, errlen, "\"%s\": not a path inside the repository", path);
		goto out;
	}
	if (head_commit(g, &c, err, errlen) < 0 ||
	    (c && *filter && entry_at(c, filter, &here.mode, &here.id, err, errlen) < 0))
		goto out;
	while (c) {
		before.mode = 0;
		if (git_commit_parentcount(c) > 0 && git_commit_parent(&p, c, 0) < 0) {
			git_fail(err, errlen, "reading the parent of %s",
				 git_oid_tostr_s(git_commit_id(c)));
			goto out;
		}
		if (p && *filter && entry_at(p, filter, &before.mode, &before.id, err, errlen) < 0)
			goto out;
		if (!*filter || differ(&here, &before)) {
			fill_entry(c, &e);
			given++;
			if (cb(&e, arg) || (max && (unsigned)given >= max))
				break;
		}
		git_commit_free(c);
		c = p;
		p = NULL;
		here = before;
	}
	n = given;
out:
	git_commit_free(p);
	git_commit_free(c);
	free(filter);
	return n;
}

/* ---- revert: the files ---- */

static int mkdir_parents(const struct githist *g, char *full, char *err, size_t errlen)
{
	for (char *s = full + strlen(g->workdir); (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(full, 0777) < 0 && errno != EEXIST) {
			sys_fail(err, errlen, "creating %s", full);
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Blob id (mode) of the repository into a new temporary file beside full,
 * flushed to disk; its name in *tmp. It keeps the permissions of the file it
 * replaces, else the umask's. */
static int write_tmp(struct githist *g, const char *full, const git_oid *id, uint32_t mode,
		     char **tmp, char *err, size_t errlen)
{
	const char *base = strrchr(full, '/') + 1;
	git_blob *blob = NULL;
	char name[PATH_MAX];
	struct stat st;
	int fd = -1, rc = -1, n;

	n = snprintf(name, sizeof(name), "%.*s.%s.githist-%ld-%lu", (int)(base - full), full, base,
		     (long)getpid(), ++g->tmp_seq);
	if (n < 0 || n >= (int)sizeof(name))
		return fail(err, errlen, "%s: path too long", full);
	if (git_blob_lookup(&blob, g->repo, id) < 0)
		return git_fail(err, errlen, "reading the old %s", full);
	fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		  mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0777 : 0666);
	if (fd < 0) {
		sys_fail(err, errlen, "creating %s", name);
		goto out;
	}
	if ((stat(full, &st) == 0 && fchmod(fd, st.st_mode & 07777) < 0) ||
	    write_all(fd, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) < 0 ||
	    fsync(fd) < 0) {
		sys_fail(err, errlen, "writing %s", name);
		goto out;
	}
	*tmp = strdup(name);
	if (!*tmp) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = sys_fail(err, errlen, "writing %s", name);
	if (rc < 0 && fd >= 0)
		unlink(name);
	if (rc < 0 && *tmp) {
		free(*tmp);
		*tmp = NULL;
	}
	git_blob_free(blob);
	return rc;
}

static void fsync_parent(char *full)
{
	char *slash = strrchr(full, '/');
	int fd;

	*slash = '\0';
	fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*slash = '/';
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static void drop_tmps(struct change *ch, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ch[i].tmp)
			unlink(ch[i].tmp);
		free(ch[i].tmp);
		ch[i].tmp = NULL;
	}
}

/* The working tree's files of ch set to one side of the changes, old (the
 * revert) or new (undoing it). All the new contents are written first, so a
 * failure there changes nothing (-1, but for parent folders made); then
 * removals and renames, where a failure (-2) leaves some files changed. */
static int put_files(struct githist *g, struct change *ch, size_t n, bool old, char *err,
		     size_t errlen)
{
	char full[PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		uint32_t mode = old ? ch[i].old_mode : ch[i].new_mode;

		if (full_path(g, ch[i].path, full, err, errlen) < 0)
			goto fail;
		if (!mode)
			continue;
		if (mkdir_parents(g, full, err, errlen) < 0 ||
		    write_tmp(g, full, old ? &ch[i].old_id : &ch[i].new_id, mode, &ch[i].tmp, err,
			      errlen) < 0)
			goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		full_path(g, ch[i].path, full, NULL, 0); /* fits: checked above */
		if (ch[i].tmp && rename(ch[i].tmp, full) < 0) {
			sys_fail(err, errlen, "replacing %s", ch[i].path);
			drop_tmps(ch, n);
			return -2;
		}
		if (!ch[i].tmp && unlink(full) < 0 && errno != ENOENT) {
			sys_fail(err, errlen, "removing %s", ch[i].path);
			drop_tmps(ch, n);
			return -2;
		}
		free(ch[i].tmp);
		ch[i].tmp = NULL;
		fsync_parent(full);
	}
	return 0;
fail:
	drop_tmps(ch, n);
	return -1;
}

/* ---- revert: the checks ---- */

static bool hex_id(const char *s)
{
	size_t n = strlen(s);

	if (n < GIT_OID_MINPREFIXLEN || n > GIT_OID_HEXSZ)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* commit as a commit of HEAD's history (HEAD included) in *out. */
static int find_commit(struct githist *g, const char *commit, git_commit *head, git_commit **out,
		       char *err, size_t errlen)
{
	git_object *obj = NULL;
	const git_oid *id;
	int rc;

	*out = NULL;
	if (!hex_id(commit))
		return fail(err, errlen, "\"%s\" is not a commit id", commit);
	if (git_revparse_single(&obj, g->repo, commit) < 0)
		return git_fail(err, errlen, "finding %s", commit);
	if (git_object_type(obj) != GIT_OBJECT_COMMIT) {
		git_object_free(obj);
		return fail(err, errlen, "%s is not a commit", commit);
	}
	*out = (git_commit *)obj;
	id = git_commit_id(*out);
	if (!head)
		rc = 0;
	else if (git_oid_equal(id, git_commit_id(head)))
		rc = 1;
	else
		rc = git_graph_descendant_of(g->repo, git_commit_id(head), id);
	if (rc < 0)
		return git_fail(err, errlen, "looking for %s in the history", commit);
	if (rc == 0)
		return fail(err, errlen, "%s is not in the history of HEAD", commit);
	if (git_commit_parentcount(*out) > 1)
		return fail(err, errlen, "%s is a merge: not reverted", commit);
	return 0;
}

static bool is_file_mode(uint32_t mode)
{
	return mode == 0 || mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE;
}

/* The changes of c against its parent (the empty tree for a root commit). */
static int diff_commit(struct githist *g, git_commit *c, git_diff **diff, char *err, size_t errlen)
{
	git_tree *t = NULL, *pt = NULL;
	git_commit *p = NULL;
	int rc = -1;

	if (git_commit_tree(&t, c) < 0 ||
	    (git_commit_parentcount(c) == 1 &&
	     (git_commit_parent(&p, c, 0) < 0 || git_commit_tree(&pt, p) < 0)) ||
	    git_diff_tree_to_tree(diff, g->repo, pt, t, NULL) < 0) {
		git_fail(err, errlen, "comparing with the parent");
		goto out;
	}
	rc = 0;
out:
	git_tree_free(pt);
	git_commit_free(p);
	git_tree_free(t);
	return rc;
}

/* The diff's files as changes, each checked: a plain file, a good path, and
 * in HEAD as c left it. */
static int collect(git_diff *diff, git_commit *head, const char *short_id, struct change *ch,
		   char *err, size_t errlen)
{
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		struct change *x = &ch[i];
		uint32_t hmode;
		git_oid hid;

		x->path = d->new_file.path;
		x->old_mode = d->status == GIT_DELTA_ADDED ? 0 : d->old_file.mode;
		x->new_mode = d->status == GIT_DELTA_DELETED ? 0 : d->new_file.mode;
		git_oid_cpy(&x->old_id, &d->old_file.id);
		git_oid_cpy(&x->new_id, &d->new_file.id);
		if (!path_ok(x->path) || !is_file_mode(x->old_mode) || !is_file_mode(x->new_mode))
			return fail(err, errlen, "%s is not a plain file: not reverted", x->path);
		if (entry_at(head, x->path, &hmode, &hid, err, errlen) < 0)
			return -1;
		if (hmode != x->new_mode || (hmode && !git_oid_equal(&hid, &x->new_id)))
			return fail(err, errlen, "%s was changed again since %s", x->path,
				    short_id);
	}
	return 0;
}

/* "Revert <short id>: <first line of its message>" */
static char *revert_message(git_commit *c, const char *short_id)
{
	const char *msg = git_commit_message(c);
	size_t len = strcspn(msg, "\n");
	size_t n = len + strlen(short_id) + sizeof("Revert : ");
	char *m = malloc(n);

	if (m)
		snprintf(m, n, "Revert %s: %.*s", short_id, (int)len, msg);
	return m;
}

/* ---- revert ---- */

struct revert {
	git_commit *head, *target;
	git_diff *diff;
	struct change *ch;
	const char **paths;
	size_t n;
	char short_id[GITHIST_SHORT_ID + 1];
};

/* Everything checked, nothing changed yet. */
static int revert_prepare(struct githist *g, const char *commit, struct revert *r, char *err,
			  size_t errlen)
{
	if (head_commit(g, &r->head, err, errlen) < 0 ||
	    find_commit(g, commit, r->head, &r->target, err, errlen) < 0)
		return -1;
	git_oid_tostr(r->short_id, sizeof(r->short_id), git_commit_id(r->target));
	if (diff_commit(g, r->target, &r->diff, err, errlen) < 0)
		return -1;
	r->n = git_diff_num_deltas(r->diff);
	if (r->n == 0)
		return fail(err, errlen, "%s changed nothing: not reverted", r->short_id);
	r->ch = calloc(r->n, sizeof(*r->ch));
	r->paths = calloc(r->n, sizeof(*r->paths));
	if (!r->ch || !r->paths)
		return fail(err, errlen, "out of memory");
	if (collect(r->diff, r->head, r->short_id, r->ch, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < r->n; i++)
		r->paths[i] = r->ch[i].path;
	return 0;
}

static void revert_free(struct revert *r)
{
	if (r->ch)
		drop_tmps(r->ch, r->n);
	free(r->paths);
	free(r->ch);
	git_diff_free(r->diff);
	git_commit_free(r->target);
	git_commit_free(r->head);
}

static void tell(const struct revert *r, void (*changed)(const char *path, void *arg), void *arg)
{
	for (size_t i = 0; changed && i < r->n; i++)
		changed(r->paths[i], arg);
}

int githist_revert(struct githist *g, const char *commit, const char *author,
		   void (*changed)(const char *path, void *arg), void *arg,
		   char oid[GITHIST_OID_HEX], char *err, size_t errlen)
{
	struct revert r = { 0 };
	char *message = NULL;
	int rc = -1, c;

	oid[0] = '\0';
	if (!commit || !author) {
		fail(err, errlen, "no commit or no author");
		goto out;
	}
	if (author_ok(author, err, errlen) < 0 || revert_prepare(g, commit, &r, err, errlen) < 0)
		goto out;
	message = revert_message(r.target, r.short_id);
	if (!message) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	c = put_files(g, r.ch, r.n, true, err, errlen);
	if (c == -1)
		goto out;
	if (c == 0)
		c = record(g, r.paths, r.n, author, message, oid, err, errlen);
	if (c == 1)
		fail(err, errlen, "reverting %s changed nothing", r.short_id);
	if (c != 0) {
		/* put back HEAD's files; if even that fails, the caller must reread */
		if (put_files(g, r.ch, r.n, false, NULL, 0) < 0)
			tell(&r, changed, arg);
		goto out;
	}
	tell(&r, changed, arg);
	rc = 0;
out:
	free(message);
	revert_free(&r);
	return rc;
}

/* ---- push ---- */

struct push_result {
	char *err;
	size_t errlen;
	bool refused;
};

/* The remote's answer for each reference: status NULL is accepted. */
static int push_status(const char *ref, const char *status, void *data)
{
	struct push_result *p = data;

	if (status) {
		p->refused = true;
		fail(p->err, p->errlen, "push of %s refused: %s", ref, status);
	}
	return 0;
}

int githist_push(struct githist *g, const char *url, char *err, size_t errlen)
{
	git_remote_create_options ro;
	git_push_options o;
	struct push_result res = { err, errlen, false };
	git_reference *head = NULL;
	git_remote *remote = NULL;
	char *spec = NULL;
	git_strarray specs = { &spec, 1 };
	const char *name;
	int rc = -1;
	size_t n;

	git_push_options_init(&o, GIT_PUSH_OPTIONS_VERSION);
	git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ro.repository = g->repo;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
	switch (git_repository_head(&head, g->repo)) {
	case 0:
		break;
	case GIT_EUNBORNBRANCH:
	case GIT_ENOTFOUND:
		fail(err, errlen, "nothing to push: no commit yet");
		goto out;
	default:
		git_fail(err, errlen, "reading HEAD");
		goto out;
	}
	if (!git_reference_is_branch(head)) {
		fail(err, errlen, "HEAD is not on a branch: nothing to push");
		goto out;
	}
	name = git_reference_name(head);
	n = 2 * strlen(name) + 2;
	spec = malloc(n);
	if (!spec) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	snprintf(spec, n, "%s:%s", name, name); /* no '+': fast-forward only */
	/* An anonymous remote (git_remote_create_anonymous) but for the url used
	 * as given, without the config's url.*.insteadOf: looking those up
	 * leaks in libgit2 1.5.1 (git_regexp_match, built with pcre2, does not
	 * free its match data when an entry does not match). */
	if (git_remote_create_with_opts(&remote, url, &ro) < 0) {
		git_fail(err, errlen, "pushing to %s", url);
		goto out;
	}
	o.callbacks.push_update_reference = push_status;
	o.callbacks.payload = &res;
	if (git_remote_push(remote, &specs, &o) < 0) {
		git_fail(err, errlen, "pushing to %s", url);
		goto out;
	}
	if (!res.refused)
		rc = 0;
out:
	git_remote_free(remote);
	free(spec);
	git_reference_free(head);
	return rc;
}

struct tracked_walk {
	const char *dir;
	int (*cb)(const char *path, void *arg);
	void *arg;
};

static int tracked_entry(const char *root, const git_tree_entry *e, void *payload)
{
	struct tracked_walk *w = payload;
	char path[PATH_MAX];

	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	snprintf(path, sizeof(path), "%s/%s%s", w->dir, root, git_tree_entry_name(e));
	return w->cb(path, w->arg) ? -1 : 0;
}

int githist_tracked(struct githist *g, const char *dir, int (*cb)(const char *path, void *arg),
		    void *arg, char *err, size_t errlen)
{
	struct tracked_walk w = { dir, cb, arg };
	git_commit *head = NULL;
	git_tree *tree = NULL, *sub = NULL;
	git_tree_entry *e = NULL;
	int rc = -1;

	if (head_commit(g, &head, err, errlen) < 0)
		return -1;
	if (!head)
		return 0; /* nothing committed yet */
	if (git_commit_tree(&tree, head) < 0) {
		git_fail(err, errlen, "reading HEAD's tree");
		goto out;
	}
	if (git_tree_entry_bypath(&e, tree, dir) < 0) {
		git_error_clear();
		rc = 0; /* dir is not in HEAD */
		goto out;
	}
	if (git_tree_entry_type(e) != GIT_OBJECT_TREE ||
	    git_tree_lookup(&sub, g->repo, git_tree_entry_id(e)) < 0) {
		git_fail(err, errlen, "reading a tree");
		goto out;
	}
	rc = git_tree_walk(sub, GIT_TREEWALK_PRE, tracked_entry, &w) < 0 ? 1 : 0;
out:
	git_tree_entry_free(e);
	git_tree_free(sub);
	git_tree_free(tree);
	git_commit_free(head);
	return rc;
}
