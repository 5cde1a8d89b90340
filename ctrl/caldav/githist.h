/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * githist.h - the history of CalDAV's data: the data folder is a git
 * repository (libgit2), and every change is one commit with the principal as
 * author and a message saying what changed. A change can be looked up and
 * reverted, and the history pushed to a remote.
 *
 * Paths are relative to the repository's folder, '/'-separated, without
 * ".", ".." or empty components and nothing under .git. Only the paths given
 * to githist_commit are ever added: other files in the folder (users, caches)
 * stay out of the history. A handle is used by one thread at a time.
 */
#ifndef RAMPART_CALDAV_GITHIST_H
#define RAMPART_CALDAV_GITHIST_H

#include <stddef.h>
#include <stdint.h>

#define GITHIST_OID_HEX 41 /* 40 hex digits and a NUL */

struct githist;

/* Open the repository in dir, creating it (and dir) when there is none; a
 * new one gets core.autocrlf=false in its own config, so CRLF stays CRLF. A
 * bare repository is refused. NULL with the reason in err. */
struct githist *githist_open(const char *dir, char *err, size_t errlen);
void githist_close(struct githist *g);

/* Record the working tree's state of paths in one commit on HEAD: a path that
 * exists (a file) is added, one that does not is removed from the index.
 * author is the principal's name; the e-mail is "NAME@rampart", the
 * committer "rampart <rampart@localhost>"; message is stored as given. A
 * path that is a folder (or a symbolic link) is refused. Nothing changed: no
 * commit, returns 1 and oid is "". Returns 0 with the commit's id in oid, or
 * -1 with the reason in err and nothing committed or staged. The cost grows
 * with the paths given and the size of their folders, not with the history. */
int githist_commit(struct githist *g, const char *const *paths, size_t n_paths, const char *author,
		   const char *message, char oid[GITHIST_OID_HEX], char *err, size_t errlen);

struct githist_entry {
	char oid[GITHIST_OID_HEX];
	int64_t time; /* seconds since the epoch */
	char author[128];
	const char *message; /* valid during the callback */
};
/* The commits that changed path (a file or a folder; "" for all), newest
 * first, at most max (0: no limit); cb returning nonzero stops the walk.
 * The walk follows HEAD's first parents (git log --first-parent); a commit
 * changed path when path's blob or tree differs from its first parent's.
 * Returns the number of entries given (the one that stopped the walk
 * included), or -1 with err. */
int githist_log(struct githist *g, const char *path, unsigned max,
		int (*cb)(const struct githist_entry *e, void *arg), void *arg, char *err,
		size_t errlen);

/* Revert commit (a full or unique abbreviated id, 4 to 40 hex digits): the
 * files it changed go back to their state before it, in the working tree
 * (written atomically: a temporary file beside each, fsync, rename; folders
 * made as needed, emptied ones left) and the index, and that is committed as
 * "Revert <first 12 hex digits>: <its first line>" by author. Refused,
 * changing nothing, when a file it changed was changed again since in HEAD
 * (a conflict: "PATH was changed again since ID"), when commit is not HEAD
 * or in HEAD's history, is a merge, or changed something other than plain
 * files. Should the commit itself fail, the files are put back as they were.
 * changed (may be NULL) is called for each path written or removed, so the
 * caller can refresh what it keeps in memory. Returns 0 with the new commit's
 * id in oid, or -1 with the reason in err. */
int githist_revert(struct githist *g, const char *commit, const char *author,
		   void (*changed)(const char *path, void *arg), void *arg,
		   char oid[GITHIST_OID_HEX], char *err, size_t errlen);

/* Each file of HEAD's tree under dir ("calendars"), as "dir/..." paths; cb
 * returning nonzero stops. 0 (also when dir or HEAD is not there), 1 when
 * stopped, -1 with err. */
int githist_tracked(struct githist *g, const char *dir, int (*cb)(const char *path, void *arg),
		    void *arg, char *err, size_t errlen);

/* Push HEAD's branch to the same branch at url (a path or file:// URL of a
 * repository; ssh and https as libgit2 allows, without credentials; url is
 * used as given, without url.*.insteadOf). Fast-forward only: a remote branch
 * that moved elsewhere is left alone and the push refused. Returns 0 or -1
 * with err. */
int githist_push(struct githist *g, const char *url, char *err, size_t errlen);

#endif /* RAMPART_CALDAV_GITHIST_H */
