/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_githist.c - CalDAV's history in git (ctrl/caldav/githist.h): a
 * repository made or reopened, commits of the files named and only those,
 * nothing to commit, removals, bad paths and authors; the log of a file, a
 * folder or everything, newest first, bounded and stopped; reverts of an
 * addition, a change and a removal, by full or abbreviated id, the paths
 * reported, what survives a reopen, and every refusal (conflict, unknown id,
 * not in HEAD's history, a merge) leaving the files and HEAD as they were;
 * pushes to a bare repository, fast-forward only. The results are read back
 * through libgit2 and, where the git command is installed, checked by it.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "ctrl/caldav/githist.h"

/* ---- fixture: a temporary folder and the history open in it ---- */

static char dir[64];
static struct githist *g;
static char err[512];

static void setup(void)
{
	strcpy(dir, "/tmp/githist-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	g = githist_open(dir, err, sizeof(err));
	cr_assert_not_null(g, "%s", err);
	git_libgit2_init(); /* for the checks made through libgit2 */
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
	githist_close(g);
	g = NULL;
	git_libgit2_shutdown();
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(githist, .init = setup, .fini = teardown);

/* ---- helpers ---- */

static void mkparents(char *full)
{
	for (char *s = full + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		cr_assert(mkdir(full, 0777) == 0 || errno == EEXIST, "%s", full);
		*s = '/';
	}
}

static void put(const char *path, const char *text)
{
	char full[512];
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", dir, path);
	mkparents(full);
	f = fopen(full, "w");
	cr_assert_not_null(f, "%s", full);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* The file's text (static), or NULL where there is none. */
static const char *get(const char *path)
{
	static char text[4096];
	char full[512];
	size_t n;
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", dir, path);
	f = fopen(full, "r");
	if (!f)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void rm(const char *path)
{
	char full[512];

	snprintf(full, sizeof(full), "%s/%s", dir, path);
	cr_assert_eq(unlink(full), 0, "%s", full);
}

/* Commit the one path; the commit's id in oid. */
static void commit1(const char *path, const char *message, char oid[GITHIST_OID_HEX])
{
	const char *paths[] = { path };

	cr_assert_eq(githist_commit(g, paths, 1, "alice", message, oid, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(strlen(oid), 40);
}

static void put_commit(const char *path, const char *text, char oid[GITHIST_OID_HEX])
{
	put(path, text);
	commit1(path, text, oid);
}

/* HEAD's id, read through libgit2 in the repository itself ("" for none). */
static void head_id(const char *repo_dir, char oid[GITHIST_OID_HEX])
{
	git_repository *r;
	git_oid id;

	oid[0] = '\0';
	cr_assert_eq(git_repository_open(&r, repo_dir), 0);
	if (git_reference_name_to_id(&id, r, "HEAD") == 0)
		git_oid_tostr(oid, GITHIST_OID_HEX, &id);
	git_repository_free(r);
}

/* The blob text of spec ("HEAD:path") in the repository, NULL for none. */
static char *show(const char *spec)
{
	git_repository *r;
	git_object *o = NULL;
	char *text = NULL;

	cr_assert_eq(git_repository_open(&r, dir), 0);
	if (git_revparse_single(&o, r, spec) == 0) {
		cr_assert_eq(git_object_type(o), GIT_OBJECT_BLOB);
		text = strndup(git_blob_rawcontent((git_blob *)o),
			       (size_t)git_blob_rawsize((git_blob *)o));
	}
	git_object_free(o);
	git_repository_free(r);
	return text;
}

static void assert_head_has(const char *path, const char *text)
{
	char spec[256];
	char *t;

	snprintf(spec, sizeof(spec), "HEAD:%s", path);
	t = show(spec);
	if (!text)
		cr_assert_null(t, "%s is in HEAD", path);
	else
		cr_assert_str_eq(t ? t : "(none)", text, "%s", path);
	free(t);
}

struct logged {
	size_t n;
	char oid[16][GITHIST_OID_HEX];
	char author[16][128];
	char message[16][256];
	int64_t time[16];
	size_t stop_after; /* 0: never */
};

static int collect(const struct githist_entry *e, void *arg)
{
	struct logged *l = arg;

	cr_assert_lt(l->n, 16);
	strcpy(l->oid[l->n], e->oid);
	strcpy(l->author[l->n], e->author);
	snprintf(l->message[l->n], sizeof(l->message[0]), "%s", e->message);
	l->time[l->n] = e->time;
	l->n++;
	return l->stop_after && l->n >= l->stop_after;
}

static int log_of(const char *path, unsigned max, struct logged *l)
{
	int n;

	memset(l, 0, sizeof(*l));
	n = githist_log(g, path, max, collect, l, err, sizeof(err));
	cr_assert_geq(n, 0, "%s", err);
	cr_assert_eq((size_t)n, l->n);
	return n;
}

struct seen {
	size_t n;
	char path[8][128];
};

static void note(const char *path, void *arg)
{
	struct seen *s = arg;

	cr_assert_lt(s->n, 8);
	snprintf(s->path[s->n++], sizeof(s->path[0]), "%s", path);
}

static void revert(const char *id, struct seen *s, char oid[GITHIST_OID_HEX])
{
	cr_assert_eq(githist_revert(g, id, "bob", note, s, oid, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(strlen(oid), 40);
}

static void revert_refused_by(const char *id, const char *author, const char *why)
{
	char oid[GITHIST_OID_HEX] = "x", before[GITHIST_OID_HEX], after[GITHIST_OID_HEX];
	struct seen s = { 0 };

	head_id(dir, before);
	cr_assert_eq(githist_revert(g, id, author, note, &s, oid, err, sizeof(err)), -1);
	cr_assert_str_eq(oid, "");
	cr_assert_eq(s.n, 0);
	cr_assert(strstr(err, why), "\"%s\" lacks \"%s\"", err, why);
	cr_assert_eq(strncmp(err, "githist: ", 9), 0, "%s", err);
	head_id(dir, after);
	cr_assert_str_eq(after, before);
}

static void revert_refused(const char *id, const char *why)
{
	revert_refused_by(id, "bob", why);
}

/* A commit with HEAD's tree, parent HEAD, that HEAD does not contain (on
 * update_ref, or nowhere where it is NULL). */
static void side_commit(const char *update_ref, char oid[GITHIST_OID_HEX])
{
	git_repository *r;
	git_signature *sig;
	git_object *head;
	git_tree *tree;
	git_oid id;

	cr_assert_eq(git_repository_open(&r, dir), 0);
	cr_assert_eq(git_revparse_single(&head, r, "HEAD"), 0);
	cr_assert_eq(git_commit_tree(&tree, (git_commit *)head), 0);
	cr_assert_eq(git_signature_new(&sig, "eve", "eve@x", 1000000000, 0), 0);
	const git_commit *parents[] = { (git_commit *)head };
	cr_assert_eq(
		git_commit_create(&id, r, update_ref, sig, sig, NULL, "side", tree, 1, parents), 0);
	git_oid_tostr(oid, GITHIST_OID_HEX, &id);
	git_signature_free(sig);
	git_tree_free(tree);
	git_object_free(head);
	git_repository_free(r);
}

/* ---- open ---- */

Test(githist, open_creates_the_folder_and_a_repository)
{
	char sub[128], head[GITHIST_OID_HEX];
	struct githist *h;
	git_repository *r;

	snprintf(sub, sizeof(sub), "%s/a/b/data", dir);
	h = githist_open(sub, err, sizeof(err));
	cr_assert_not_null(h, "%s", err);
	githist_close(h);
	cr_assert_eq(git_repository_open_ext(&r, sub, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL), 0);
	cr_assert_not(git_repository_is_bare(r));
	cr_assert_eq(git_repository_head_unborn(r), 1);
	git_repository_free(r);
	head_id(sub, head);
	cr_assert_str_eq(head, "");
}

Test(githist, open_refuses_a_file_and_a_bare_repository)
{
	char path[128];
	git_repository *r;

	put("plain", "x");
	snprintf(path, sizeof(path), "%s/plain", dir);
	cr_assert_null(githist_open(path, err, sizeof(err)));
	cr_assert_eq(strncmp(err, "githist: ", 9), 0, "%s", err);

	snprintf(path, sizeof(path), "%s/bare.git", dir);
	cr_assert_eq(git_repository_init(&r, path, 1), 0);
	git_repository_free(r);
	cr_assert_null(githist_open(path, err, sizeof(err)));
	cr_assert(strstr(err, "bare"), "%s", err);
}

Test(githist, reopen_keeps_the_history)
{
	char a[GITHIST_OID_HEX], b[GITHIST_OID_HEX];
	struct logged l;

	put_commit("cal/a.ics", "one", a);
	put_commit("cal/b.ics", "two", b);
	githist_close(g);
	g = githist_open(dir, err, sizeof(err));
	cr_assert_not_null(g, "%s", err);
	cr_assert_eq(log_of("", 0, &l), 2);
	cr_assert_str_eq(l.oid[0], b);
	cr_assert_str_eq(l.oid[1], a);
	put_commit("cal/c.ics", "three", a);
	cr_assert_eq(log_of("", 0, &l), 3);
}

/* ---- commit ---- */

Test(githist, first_commit_has_no_parent_and_later_ones_follow_head)
{
	char a[GITHIST_OID_HEX], b[GITHIST_OID_HEX], head[GITHIST_OID_HEX];
	git_repository *r;
	git_commit *c;
	git_oid id;

	put_commit("a.ics", "A", a);
	head_id(dir, head);
	cr_assert_str_eq(head, a);
	put_commit("b.ics", "B", b);
	head_id(dir, head);
	cr_assert_str_eq(head, b);

	cr_assert_eq(git_repository_open(&r, dir), 0);
	git_oid_fromstr(&id, a);
	cr_assert_eq(git_commit_lookup(&c, r, &id), 0);
	cr_assert_eq(git_commit_parentcount(c), 0);
	git_commit_free(c);
	git_oid_fromstr(&id, b);
	cr_assert_eq(git_commit_lookup(&c, r, &id), 0);
	cr_assert_eq(git_commit_parentcount(c), 1);
	cr_assert_eq(git_oid_streq(git_commit_parent_id(c, 0), a), 0);
	git_commit_free(c);
	git_repository_free(r);
	assert_head_has("a.ics", "A");
	assert_head_has("b.ics", "B");
}

Test(githist, commit_with_nothing_changed_returns_1_and_makes_none)
{
	const char *paths[] = { "a.ics", "missing.ics" };
	char a[GITHIST_OID_HEX], oid[GITHIST_OID_HEX] = "x", head[GITHIST_OID_HEX];

	cr_assert_eq(githist_commit(g, paths, 2, "alice", "nothing", oid, err, sizeof(err)), 1,
		     "%s", err);
	cr_assert_str_eq(oid, "");
	put_commit("a.ics", "A", a);
	strcpy(oid, "x");
	cr_assert_eq(githist_commit(g, paths, 2, "alice", "again", oid, err, sizeof(err)), 1, "%s",
		     err);
	cr_assert_str_eq(oid, "");
	head_id(dir, head);
	cr_assert_str_eq(head, a);
}

Test(githist, a_deleted_file_is_removed_by_its_commit)
{
	char a[GITHIST_OID_HEX], b[GITHIST_OID_HEX];

	put_commit("cal/a.ics", "A", a);
	put_commit("cal/b.ics", "B", a);
	rm("cal/a.ics");
	commit1("cal/a.ics", "removed", b);
	assert_head_has("cal/a.ics", NULL);
	assert_head_has("cal/b.ics", "B");
}

Test(githist, files_not_given_are_not_added)
{
	char a[GITHIST_OID_HEX];

	put("cal/b.ics", "B");
	put("users", "secret");
	put_commit("cal/a.ics", "A", a);
	assert_head_has("cal/a.ics", "A");
	assert_head_has("cal/b.ics", NULL);
	assert_head_has("users", NULL);
}

Test(githist, author_message_and_time_are_recorded)
{
	const char *paths[] = { "a.ics" };
	char oid[GITHIST_OID_HEX];
	time_t before = time(NULL);
	struct logged l;

	put("a.ics", "A");
	cr_assert_eq(githist_commit(g, paths, 1, "carol", "PUT /cal/a.ics\n\nnew event", oid, err,
				    sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(log_of("", 0, &l), 1);
	cr_assert_str_eq(l.oid[0], oid);
	cr_assert_str_eq(l.author[0], "carol");
	cr_assert_str_eq(l.message[0], "PUT /cal/a.ics\n\nnew event");
	cr_assert(l.time[0] >= before - 1 && l.time[0] <= time(NULL) + 1);
}

Test(githist, bad_paths_and_authors_are_refused_committing_nothing)
{
	const char *bad[] = { "../x", "/etc/passwd", ".git/config", "a/../b",	 "",
			      "a//b", "./a",	     "a/",	    "sub/.GIT/x" };
	const char *ok[] = { "a.ics" };
	char oid[GITHIST_OID_HEX] = "x", head[GITHIST_OID_HEX];
	git_repository *r;
	git_index *idx;

	put("a.ics", "A");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *paths[] = { "a.ics", bad[i] };

		cr_assert_eq(githist_commit(g, paths, 2, "alice", "m", oid, err, sizeof(err)), -1,
			     "%s", bad[i]);
		cr_assert(strstr(err, "not a path"), "%s: %s", bad[i], err);
		cr_assert_str_eq(oid, "");
	}
	cr_assert_eq(githist_commit(g, ok, 1, "a<b>", "m", oid, err, sizeof(err)), -1);
	cr_assert(strstr(err, "githist: author \"a<b>\": "), "%s", err);
	head_id(dir, head);
	cr_assert_str_eq(head, "");
	/* the refused commits left nothing staged: the next one has b.ics alone,
	 * in HEAD and in the index on disk */
	put("b.ics", "B");
	commit1("b.ics", "m", oid);
	assert_head_has("a.ics", NULL);
	cr_assert_eq(git_repository_open(&r, dir), 0);
	cr_assert_eq(git_repository_index(&idx, r), 0);
	cr_assert_eq(git_index_entrycount(idx), 1);
	cr_assert_not_null(git_index_get_bypath(idx, "b.ics", 0));
	git_index_free(idx);
	git_repository_free(r);
}

Test(githist, a_folder_given_as_a_path_is_refused)
{
	const char *paths[] = { "cal" };
	char oid[GITHIST_OID_HEX], full[128];

	put("cal/a.ics", "A");
	cr_assert_eq(githist_commit(g, paths, 1, "alice", "m", oid, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "githist: cal is not a file");

	/* nor, once gone, is a folder HEAD has: its files are named instead */
	commit1("cal/a.ics", "m", oid);
	rm("cal/a.ics");
	snprintf(full, sizeof(full), "%s/cal", dir);
	cr_assert_eq(rmdir(full), 0);
	cr_assert_eq(githist_commit(g, paths, 1, "alice", "m", oid, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "githist: cal is a folder: name its files");
	assert_head_has("cal/a.ics", "A");
}

Test(githist, commit_of_no_paths_changes_nothing)
{
	char oid[GITHIST_OID_HEX] = "x";

	put("a.ics", "A");
	cr_assert_eq(githist_commit(g, NULL, 0, "alice", "m", oid, err, sizeof(err)), 1, "%s", err);
	cr_assert_str_eq(oid, "");
	commit1("a.ics", "m", oid);
	cr_assert_eq(githist_commit(g, NULL, 0, "alice", "m", oid, err, sizeof(err)), 1, "%s", err);
}

/* ---- log ---- */

Test(githist, log_of_a_file_a_folder_and_everything)
{
	char a1[GITHIST_OID_HEX], b1[GITHIST_OID_HEX], o1[GITHIST_OID_HEX], a2[GITHIST_OID_HEX],
		d[GITHIST_OID_HEX];
	struct logged l;

	put_commit("cal/a.ics", "a1", a1);
	put_commit("cal/b.ics", "b1", b1);
	put_commit("other/o.ics", "o1", o1);
	put_commit("cal/a.ics", "a2", a2);
	rm("cal/b.ics");
	commit1("cal/b.ics", "deleted b", d);

	cr_assert_eq(log_of("cal/a.ics", 0, &l), 2);
	cr_assert_str_eq(l.oid[0], a2);
	cr_assert_str_eq(l.oid[1], a1);
	cr_assert_eq(log_of("cal/b.ics", 0, &l), 2);
	cr_assert_str_eq(l.oid[0], d);
	cr_assert_str_eq(l.oid[1], b1);
	cr_assert_eq(log_of("cal", 0, &l), 4);
	cr_assert_str_eq(l.oid[0], d);
	cr_assert_str_eq(l.oid[3], a1);
	cr_assert_eq(log_of("cal/", 0, &l), 4);
	cr_assert_eq(log_of("other", 0, &l), 1);
	cr_assert_str_eq(l.oid[0], o1);
	cr_assert_eq(log_of("nowhere.ics", 0, &l), 0);
	cr_assert_eq(log_of("", 0, &l), 5);
	cr_assert_str_eq(l.oid[0], d);
	cr_assert_str_eq(l.oid[1], a2);
	cr_assert_str_eq(l.oid[2], o1);
	cr_assert_str_eq(l.oid[3], b1);
	cr_assert_str_eq(l.oid[4], a1);
}

Test(githist, log_gives_at_most_max_and_stops_when_told)
{
	char oid[3][GITHIST_OID_HEX];
	struct logged l;

	put_commit("a.ics", "1", oid[0]);
	put_commit("a.ics", "2", oid[1]);
	put_commit("a.ics", "3", oid[2]);
	cr_assert_eq(log_of("", 2, &l), 2);
	cr_assert_str_eq(l.oid[0], oid[2]);
	cr_assert_str_eq(l.oid[1], oid[1]);
	cr_assert_eq(log_of("a.ics", 1, &l), 1);
	cr_assert_str_eq(l.oid[0], oid[2]);

	memset(&l, 0, sizeof(l));
	l.stop_after = 1;
	cr_assert_eq(githist_log(g, "", 0, collect, &l, err, sizeof(err)), 1);
	cr_assert_eq(l.n, 1);
}

Test(githist, log_of_a_new_repository_is_empty)
{
	struct logged l;

	cr_assert_eq(log_of("", 0, &l), 0);
	cr_assert_eq(log_of("a.ics", 0, &l), 0);
}

/* ---- revert ---- */

Test(githist, revert_of_an_addition_removes_the_file)
{
	char a[GITHIST_OID_HEX], b[GITHIST_OID_HEX], r[GITHIST_OID_HEX], head[GITHIST_OID_HEX];
	struct seen s = { 0 };

	put_commit("cal/a.ics", "A", a);
	put_commit("cal/b.ics", "B", b);
	revert(b, &s, r);
	cr_assert_null(get("cal/b.ics"));
	cr_assert_str_eq(get("cal/a.ics"), "A");
	assert_head_has("cal/b.ics", NULL);
	assert_head_has("cal/a.ics", "A");
	head_id(dir, head);
	cr_assert_str_eq(head, r);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.path[0], "cal/b.ics");
}

Test(githist, revert_of_a_change_brings_the_old_text_back)
{
	char a[GITHIST_OID_HEX], b[GITHIST_OID_HEX], r[GITHIST_OID_HEX], want[128];
	struct seen s = { 0 };
	struct dirent *de;
	struct stat st;
	DIR *d;
	struct logged l;

	put_commit("cal/a.ics", "old\r\n", a);
	put("cal/a.ics", "new\r\n");
	commit1("cal/a.ics", "PUT a\nmore lines", b);
	snprintf(want, sizeof(want), "%s/cal/a.ics", dir);
	cr_assert_eq(chmod(want, 0640), 0);
	revert(b, &s, r);
	cr_assert_str_eq(get("cal/a.ics"), "old\r\n");
	cr_assert_eq(stat(want, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0640, "mode %o", st.st_mode & 0777);
	snprintf(want, sizeof(want), "%s/cal", dir);
	d = opendir(want);
	cr_assert_not_null(d);
	while ((de = readdir(d)))
		cr_assert(!strstr(de->d_name, "githist"), "left behind: %s", de->d_name);
	closedir(d);
	assert_head_has("cal/a.ics", "old\r\n");
	cr_assert_eq(log_of("", 1, &l), 1);
	snprintf(want, sizeof(want), "Revert %.12s: PUT a", b);
	cr_assert_str_eq(l.message[0], want);
	cr_assert_str_eq(l.author[0], "bob");
	cr_assert_str_eq(l.oid[0], r);
}

Test(githist, revert_of_a_removal_brings_the_file_and_its_folder_back)
{
	char a[GITHIST_OID_HEX], d[GITHIST_OID_HEX], r[GITHIST_OID_HEX], full[128];
	struct seen s = { 0 };

	put_commit("cal/home/a.ics", "A", a);
	rm("cal/home/a.ics");
	snprintf(full, sizeof(full), "%s/cal/home", dir);
	cr_assert_eq(rmdir(full), 0);
	commit1("cal/home/a.ics", "DELETE", d);
	revert(d, &s, r);
	cr_assert_str_eq(get("cal/home/a.ics"), "A");
	assert_head_has("cal/home/a.ics", "A");
}

Test(githist, revert_reports_every_path_it_touches)
{
	const char *both[] = { "cal/a.ics", "cal/b.ics" };
	char a[GITHIST_OID_HEX], c[GITHIST_OID_HEX], r[GITHIST_OID_HEX];
	struct seen s = { 0 };

	put_commit("cal/a.ics", "A", a);
	put_commit("cal/z.ics", "Z", a);
	put("cal/a.ics", "A2");
	put("cal/b.ics", "B");
	cr_assert_eq(githist_commit(g, both, 2, "alice", "two", c, err, sizeof(err)), 0, "%s", err);
	revert(c, &s, r);
	cr_assert_eq(s.n, 2);
	cr_assert_str_eq(s.path[0], "cal/a.ics");
	cr_assert_str_eq(s.path[1], "cal/b.ics");
	cr_assert_str_eq(get("cal/a.ics"), "A");
	cr_assert_null(get("cal/b.ics"));
	cr_assert_str_eq(get("cal/z.ics"), "Z");
}

Test(githist, revert_of_a_file_changed_again_is_refused_changing_nothing)
{
	const char *both[] = { "a.ics", "b.ics" };
	char a[GITHIST_OID_HEX], c[GITHIST_OID_HEX], x[GITHIST_OID_HEX], want[128];

	put_commit("a.ics", "A1", a);
	put_commit("b.ics", "B1", a);
	put("a.ics", "A2");
	put("b.ics", "B2");
	cr_assert_eq(githist_commit(g, both, 2, "alice", "two", c, err, sizeof(err)), 0, "%s", err);
	put_commit("b.ics", "B3", x);
	snprintf(want, sizeof(want), "githist: b.ics was changed again since %.12s", c);
	revert_refused(c, want);
	cr_assert_str_eq(err, want);
	cr_assert_str_eq(get("a.ics"), "A2");
	cr_assert_str_eq(get("b.ics"), "B3");
	assert_head_has("a.ics", "A2");
	assert_head_has("b.ics", "B3");
}

Test(githist, revert_of_an_unknown_or_malformed_id_is_refused)
{
	char a[GITHIST_OID_HEX];

	put_commit("a.ics", "A", a);
	revert_refused("0123456789abcdef0123456789abcdef01234567", "githist: finding 0123");
	revert_refused("abc", "not a commit id");
	revert_refused("HEAD~1", "not a commit id");
	cr_assert_str_eq(get("a.ics"), "A");
}

Test(githist, revert_of_a_commit_outside_heads_history_is_refused)
{
	char a[GITHIST_OID_HEX], side[GITHIST_OID_HEX];
	git_repository *r;
	git_object *o;

	put_commit("a.ics", "A", a);
	side_commit(NULL, side);
	revert_refused(side, "is not in the history of HEAD");

	/* a tree's id names no commit */
	cr_assert_eq(git_repository_open(&r, dir), 0);
	cr_assert_eq(git_revparse_single(&o, r, "HEAD^{tree}"), 0);
	git_oid_tostr(side, sizeof(side), git_object_id(o));
	git_object_free(o);
	git_repository_free(r);
	revert_refused(side, "is not a commit");
}

Test(githist, revert_of_a_merge_is_refused)
{
	char a[GITHIST_OID_HEX], side[GITHIST_OID_HEX], merge[GITHIST_OID_HEX];
	git_repository *r;
	git_signature *sig;
	git_commit *head, *other;
	git_tree *tree;
	git_oid id;

	put_commit("a.ics", "A", a);
	side_commit(NULL, side);
	cr_assert_eq(git_repository_open(&r, dir), 0);
	git_oid_fromstr(&id, a);
	cr_assert_eq(git_commit_lookup(&head, r, &id), 0);
	git_oid_fromstr(&id, side);
	cr_assert_eq(git_commit_lookup(&other, r, &id), 0);
	cr_assert_eq(git_commit_tree(&tree, head), 0);
	cr_assert_eq(git_signature_new(&sig, "eve", "eve@x", 1000000001, 0), 0);
	const git_commit *parents[] = { head, other };
	cr_assert_eq(git_commit_create(&id, r, "HEAD", sig, sig, NULL, "merge", tree, 2, parents),
		     0);
	git_oid_tostr(merge, sizeof(merge), &id);
	git_signature_free(sig);
	git_tree_free(tree);
	git_commit_free(other);
	git_commit_free(head);
	git_repository_free(r);
	revert_refused(merge, "is a merge");
}

/* HEAD's branch locked, as by a git command running: commits fail. */
static void lock_branch(char *lock, size_t len)
{
	git_repository *r;
	git_reference *head;

	cr_assert_eq(git_repository_open(&r, dir), 0);
	cr_assert_eq(git_reference_lookup(&head, r, "HEAD"), 0);
	snprintf(lock, len, "%s/.git/%s.lock", dir, git_reference_symbolic_target(head));
	git_reference_free(head);
	git_repository_free(r);
	fclose(fopen(lock, "w"));
}

Test(githist, revert_whose_commit_fails_puts_the_files_back)
{
	char a[GITHIST_OID_HEX], b[GITHIST_OID_HEX], oid[GITHIST_OID_HEX], lock[256];
	const char *paths[] = { "a.ics", "b.ics" };
	struct seen s = { 0 };

	put_commit("a.ics", "A1", a);
	put("a.ics", "A2");
	put("b.ics", "B");
	cr_assert_eq(githist_commit(g, paths, 2, "alice", "two", b, err, sizeof(err)), 0, "%s",
		     err);
	revert_refused_by(b, "a<b>", "githist: author \"a<b>\"");
	cr_assert_str_eq(get("a.ics"), "A2");
	cr_assert_str_eq(get("b.ics"), "B");

	lock_branch(lock, sizeof(lock));
	revert_refused(b, "githist: committing: ");
	cr_assert_str_eq(get("a.ics"), "A2");
	cr_assert_str_eq(get("b.ics"), "B");
	cr_assert_eq(unlink(lock), 0);
	/* and the index is HEAD's: nothing to commit */
	cr_assert_eq(githist_commit(g, paths, 2, "alice", "m", oid, err, sizeof(err)), 1, "%s",
		     err);
	revert(b, &s, oid);
	cr_assert_str_eq(get("a.ics"), "A1");
	cr_assert_null(get("b.ics"));
}

Test(githist, revert_takes_an_abbreviated_id)
{
	char a[GITHIST_OID_HEX], b[GITHIST_OID_HEX], r[GITHIST_OID_HEX], shortid[8];
	struct seen s = { 0 };

	put_commit("a.ics", "A1", a);
	put_commit("a.ics", "A2", b);
	snprintf(shortid, sizeof(shortid), "%.7s", b);
	revert(shortid, &s, r);
	cr_assert_str_eq(get("a.ics"), "A1");
}

Test(githist, reverted_files_survive_a_reopen)
{
	char a[GITHIST_OID_HEX], b[GITHIST_OID_HEX], r[GITHIST_OID_HEX], oid[GITHIST_OID_HEX];
	const char *paths[] = { "cal/a.ics", "cal/b.ics" };
	struct seen s = { 0 };
	struct logged l;

	put_commit("cal/a.ics", "A1", a);
	put("cal/a.ics", "A2");
	commit1("cal/a.ics", "change", b);
	revert(b, &s, r);
	githist_close(g);
	g = githist_open(dir, err, sizeof(err));
	cr_assert_not_null(g, "%s", err);
	cr_assert_str_eq(get("cal/a.ics"), "A1");
	cr_assert_eq(log_of("", 0, &l), 3);
	cr_assert_str_eq(l.oid[0], r);
	/* index, HEAD and files agree: committing them again changes nothing */
	cr_assert_eq(githist_commit(g, paths, 2, "alice", "m", oid, err, sizeof(err)), 1, "%s",
		     err);
}

Test(githist, the_git_command_agrees)
{
	char a[GITHIST_OID_HEX], b[GITHIST_OID_HEX], r[GITHIST_OID_HEX], cmd[512], line[512];
	struct seen s = { 0 };
	FILE *p;

	if (system("which git >/dev/null 2>&1") != 0)
		cr_skip_test("no git command");
	put_commit("cal/a.ics", "A1", a);
	put("cal/a.ics", "A2");
	commit1("cal/a.ics", "change", b);
	revert(b, &s, r);
	put("untracked", "u");

	snprintf(cmd, sizeof(cmd), "git -C %s fsck --strict 2>&1 && echo fsck-ok", dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_not_null(fgets(line, sizeof(line), p));
	cr_assert_str_eq(line, "fsck-ok\n");
	pclose(p);

	snprintf(cmd, sizeof(cmd), "git -C %s status --porcelain 2>&1", dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_not_null(fgets(line, sizeof(line), p));
	cr_assert_str_eq(line, "?? untracked\n");
	cr_assert_null(fgets(line, sizeof(line), p));
	pclose(p);

	snprintf(cmd, sizeof(cmd), "git -C %s log -1 --format='%%H|%%an <%%ae>|%%cn <%%ce>' 2>&1",
		 dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_not_null(fgets(line, sizeof(line), p));
	snprintf(cmd, sizeof(cmd), "%s|bob <bob@rampart>|rampart <rampart@localhost>\n", r);
	cr_assert_str_eq(line, cmd);
	pclose(p);
}

/* ---- push ---- */

static void make_bare(char *path, size_t len)
{
	git_repository *r;

	snprintf(path, len, "%s/remote.git", dir); /* untracked, removed with dir */
	cr_assert_eq(git_repository_init(&r, path, 1), 0);
	git_repository_free(r);
}

static void ref_of(const char *repo_dir, const char *ref, char oid[GITHIST_OID_HEX])
{
	git_repository *r;
	git_oid id;

	oid[0] = '\0';
	cr_assert_eq(git_repository_open(&r, repo_dir), 0);
	if (git_reference_name_to_id(&id, r, ref) == 0)
		git_oid_tostr(oid, GITHIST_OID_HEX, &id);
	git_repository_free(r);
}

Test(githist, push_sets_the_remote_branch_to_head)
{
	char bare[128], url[160], a[GITHIST_OID_HEX], b[GITHIST_OID_HEX], got[GITHIST_OID_HEX];
	git_reference *ref;
	git_repository *r;
	const char *branch;
	char refname[128];

	make_bare(bare, sizeof(bare));
	put_commit("a.ics", "A", a);
	cr_assert_eq(githist_push(g, bare, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(git_repository_open(&r, dir), 0);
	cr_assert_eq(git_repository_head(&ref, r), 0);
	branch = git_reference_name(ref);
	snprintf(refname, sizeof(refname), "%s", branch);
	git_reference_free(ref);
	git_repository_free(r);
	ref_of(bare, refname, got);
	cr_assert_str_eq(got, a);

	put_commit("b.ics", "B", b);
	snprintf(url, sizeof(url), "file://%s", bare);
	cr_assert_eq(githist_push(g, url, err, sizeof(err)), 0, "%s", err);
	ref_of(bare, refname, got);
	cr_assert_str_eq(got, b);
}

Test(githist, push_that_is_not_a_fast_forward_is_refused)
{
	char bare[128], a[GITHIST_OID_HEX], b[GITHIST_OID_HEX], got[GITHIST_OID_HEX],
		theirs[GITHIST_OID_HEX];
	git_repository *r;
	git_signature *sig;
	git_commit *parent;
	git_tree *tree;
	git_oid id;

	make_bare(bare, sizeof(bare));
	put_commit("a.ics", "A", a);
	cr_assert_eq(githist_push(g, bare, err, sizeof(err)), 0, "%s", err);

	/* someone else moves the remote's branch on */
	cr_assert_eq(git_repository_open(&r, bare), 0);
	git_oid_fromstr(&id, a);
	cr_assert_eq(git_commit_lookup(&parent, r, &id), 0);
	cr_assert_eq(git_commit_tree(&tree, parent), 0);
	cr_assert_eq(git_signature_new(&sig, "eve", "eve@x", 1000000000, 0), 0);
	const git_commit *parents[] = { parent };
	cr_assert_eq(git_commit_create(&id, r, "HEAD", sig, sig, NULL, "theirs", tree, 1, parents),
		     0);
	git_oid_tostr(theirs, sizeof(theirs), &id);
	git_signature_free(sig);
	git_tree_free(tree);
	git_commit_free(parent);
	git_repository_free(r);

	put_commit("b.ics", "B", b);
	cr_assert_eq(githist_push(g, bare, err, sizeof(err)), -1);
	cr_assert_eq(strncmp(err, "githist: ", 9), 0, "%s", err);
	ref_of(bare, "HEAD", got);
	cr_assert_str_eq(got, theirs);
}

Test(githist, push_of_a_new_repository_is_refused)
{
	char bare[128];

	make_bare(bare, sizeof(bare));
	cr_assert_eq(githist_push(g, bare, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "githist: nothing to push: no commit yet");
}
