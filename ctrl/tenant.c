/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tenant.c - supervising sandboxed tenants (tenant.h). A tenant is started
 * as rampart-tender in a session of its own (so it outlives ctrl), in a
 * cgroup with its CPU share and memory limit, its console appended to
 * state_dir/tenants/NAME/console.log; ctrl follows that log into its own,
 * one line per line with the tenant's name. ctrl notices an exit in its
 * tick (waitpid for its children, /proc for tenants it found again after a
 * restart) and starts the tenant again by its policy, waiting 1, 2, 4 ...
 * up to 60 s between tries while it keeps failing within a minute.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "ctrl/ctrl.h"
#include "ctrl/tenant.h"
#include "sandbox/image.h"
#include "sandbox/tender.h"

#define NO_EXIT	  INT32_MIN
#define IMAGE_MAX (64u << 20)

static struct ctrl_tenant tenants[CTRL_TENANTS_MAX];

static json_t *err_reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *err_reply(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static void path(const struct ctrl *c, char *buf, size_t len, const char *name, const char *file)
{
	snprintf(buf, len, "%.255s/tenants/%s%s%s", c->conf.state_dir, name, file ? "/" : "",
		 file ? file : "");
}

static int mkdirs(const struct ctrl *c, const char *name)
{
	char p[600];

	snprintf(p, sizeof(p), "%.255s", c->conf.state_dir);
	mkdir(p, 0750);
	snprintf(p, sizeof(p), "%.255s/tenants", c->conf.state_dir);
	mkdir(p, 0700);
	path(c, p, sizeof(p), name, NULL);
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static struct ctrl_tenant *find(const char *name)
{
	for (unsigned i = 0; i < CTRL_TENANTS_MAX; i++)
		if (tenants[i].name[0] && strcmp(tenants[i].name, name) == 0)
			return &tenants[i];
	return NULL;
}

static bool name_ok(const char *n)
{
	size_t len = strlen(n);

	if (!len || len > CTRL_TENANT_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '-' ||
		      (n[i] == '_' && i)))
			return false;
	return n[0] != '-';
}

/* The tender: next to rampart-ctrl (installed), or in the build tree. */
static const char *tender_path(void)
{
	static char p[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (getenv("RAMPART_TENDER"))
		return getenv("RAMPART_TENDER");
	if (n <= 0)
		return "rampart-tender";
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	snprintf(p, sizeof(p), "%.3800s/rampart-tender", self);
	if (access(p, X_OK) == 0)
		return p;
	snprintf(p, sizeof(p), "%.3800s/../sandbox/rampart-tender", self);
	return p;
}

/* ---- the definition on disk ---- */

static const char *restart_name(enum ctrl_tenant_restart r)
{
	return r == TENANT_RESTART_ALWAYS  ? "always"
	       : r == TENANT_RESTART_NEVER ? "never"
					   : "on-failure";
}

static int save(const struct ctrl *c, const struct ctrl_tenant *t)
{
	json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:s, s:s, s:b, s:o, s:o}", "name", t->name,
			      "image", t->image_hash, "mem_mb", t->mem_mb, "cpu_pct", t->cpu_pct,
			      "restart", restart_name(t->restart), "args", t->args, "running",
			      t->want_running, "net", json_object(), "block", json_object());
	char p[600], tmp[620];
	int rc;

	for (unsigned i = 0; i < t->n_net; i++)
		json_object_set_new(json_object_get(o, "net"), t->net[i].dev,
				    json_string(t->net[i].what));
	for (unsigned i = 0; i < t->n_block; i++)
		json_object_set_new(json_object_get(o, "block"), t->block[i].dev,
				    json_string(t->block[i].what));
	path(c, p, sizeof(p), t->name, "tenant.json");
	snprintf(tmp, sizeof(tmp), "%s.new", p);
	rc = json_dump_file(o, tmp, JSON_INDENT(2));
	json_decref(o);
	if (rc < 0 || rename(tmp, p) < 0)
		return -EIO;
	return 0;
}

/* The TAP of port (iface=tn-... in its devargs). */
static int port_iface(const struct ctrl *c, const char *port, char *iface, size_t len)
{
	for (unsigned i = 0; i < c->conf.n_ports; i++) {
		const char *d = c->conf.ports[i].devargs, *f;

		if (strcmp(c->conf.ports[i].name, port) != 0)
			continue;
		f = strstr(d, "iface=tn-");
		if (!f)
			return -EINVAL;
		f += 6;
		snprintf(iface, len, "%.*s", (int)strcspn(f, ","), f);
		return 0;
	}
	return -ENOENT;
}

static int devs_from_json(const struct ctrl *c, json_t *o, struct ctrl_tenant *t, char *err,
			  size_t errlen)
{
	const char *k;
	json_t *v;

	t->n_net = t->n_block = 0;
	json_object_foreach (json_object_get(o, "net"), k, v) {
		struct ctrl_tenant_dev *d = &t->net[t->n_net];
		int rc;

		if (t->n_net == CTRL_TENANT_DEVS_MAX || !json_is_string(v))
			return snprintf(err, errlen, "net: at most %d devices, DEV=PORT",
					CTRL_TENANT_DEVS_MAX),
			       -EINVAL;
		snprintf(d->dev, sizeof(d->dev), "%s", k);
		snprintf(d->what, sizeof(d->what), "%s", json_string_value(v));
		rc = port_iface(c, d->what, d->iface, sizeof(d->iface));
		if (rc == -ENOENT)
			return snprintf(err, errlen, "net %s: no port %s in rampart.conf", k,
					d->what),
			       -EINVAL;
		if (rc < 0)
			return snprintf(err, errlen,
					"net %s: port %s is not a tenant's port (devargs with "
					"iface=tn-NAME: docs/sandbox.md)",
					k, d->what),
			       -EINVAL;
		t->n_net++;
	}
	json_object_foreach (json_object_get(o, "block"), k, v) {
		struct ctrl_tenant_dev *d = &t->block[t->n_block];

		if (t->n_block == CTRL_TENANT_DEVS_MAX || !json_is_string(v) ||
		    json_string_value(v)[0] != '/')
			return snprintf(err, errlen, "block %s: want DEV=/absolute/file", k),
			       -EINVAL;
		snprintf(d->dev, sizeof(d->dev), "%s", k);
		snprintf(d->what, sizeof(d->what), "%s", json_string_value(v));
		t->n_block++;
	}
	return 0;
}

/* ---- processes ---- */

static unsigned long long proc_starttime(pid_t pid)
{
	char p[64], buf[1024];
	unsigned long long st = 0;
	FILE *f;
	char *r;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	f = fopen(p, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (r = strrchr(buf, ')'))) {
		/* after "pid (comm)": state is field 3, starttime field 22 */
		char *s = r + 2;

		for (int field = 3; field < 22 && s; field++)
			s = strchr(s + 1, ' ');
		if (s)
			st = strtoull(s + 1, NULL, 10);
	}
	fclose(f);
	return st;
}

static void cg_write(const char *dir, const char *file, const char *val)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		ctrl_log("warning", "cgroup: %s: %s", p, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Where the cgroup hierarchies are: /sys/fs/cgroup, or, when ctrl runs in
 * a mount namespace that has none (ip netns exec remounts /sys), init's. */
static const char *cgroup_base(void)
{
	static const char *const bases[] = { "/sys/fs/cgroup", "/proc/1/root/sys/fs/cgroup" };
	char p[128];

	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/cgroup.controllers", bases[i]);
		if (access(p, F_OK) == 0)
			return bases[i];
		snprintf(p, sizeof(p), "%s/cpu/cgroup.procs", bases[i]);
		if (access(p, F_OK) == 0)
			return bases[i];
	}
	return NULL;
}

/* The tenant's cgroups with its limits: cgroup v2 (one directory,
 * memory.max and cpu.max), else v1's memory and cpu hierarchies. Its
 * memory: the tenant's plus 32 MiB for the tender. The directories go in
 * dirs (up to 2, "" for none) for the child to join. -1: none could be
 * made, so the limits cannot hold. */
static int cgroup_prepare(const struct ctrl_tenant *t, char dirs[2][128])
{
	const char *base = cgroup_base();
	char v[64], p[128];
	unsigned long long mem = ((unsigned long long)t->mem_mb + 32) << 20;

	dirs[0][0] = dirs[1][0] = '\0';
	if (!base)
		return -1;
	snprintf(p, sizeof(p), "%s/cgroup.controllers", base);
	if (access(p, F_OK) == 0) {
		cg_write(base, "cgroup.subtree_control", "+cpu +memory");
		snprintf(dirs[0], 128, "%s/rampart-%s", base, t->name);
		if (mkdir(dirs[0], 0755) < 0 && errno != EEXIST)
			return -1;
		snprintf(v, sizeof(v), "%llu", mem);
		cg_write(dirs[0], "memory.max", v);
		if (t->cpu_pct)
			snprintf(v, sizeof(v), "%u 100000", t->cpu_pct * 1000);
		else
			snprintf(v, sizeof(v), "max 100000");
		cg_write(dirs[0], "cpu.max", v);
		return 0;
	}
	snprintf(dirs[0], 128, "%s/memory/rampart-%s", base, t->name);
	snprintf(dirs[1], 128, "%s/cpu/rampart-%s", base, t->name);
	if ((mkdir(dirs[0], 0755) < 0 && errno != EEXIST) ||
	    (mkdir(dirs[1], 0755) < 0 && errno != EEXIST))
		return -1;
	snprintf(v, sizeof(v), "%llu", mem);
	cg_write(dirs[0], "memory.limit_in_bytes", v);
	cg_write(dirs[1], "cpu.cfs_period_us", "100000");
	snprintf(v, sizeof(v), "%d", t->cpu_pct ? (int)(t->cpu_pct * 1000) : -1);
	cg_write(dirs[1], "cpu.cfs_quota_us", v);
	return 0;
}

static int start(struct ctrl *c, struct ctrl_tenant *t)
{
	char image[600], console[600], pidf[600], arg[64][400], cg[2][128];
	char *argv[80];
	int argc = 0, fd;
	pid_t pid;

	snprintf(image, sizeof(image), "%.255s/tenants/images/%s", c->conf.state_dir,
		 t->image_hash);
	path(c, console, sizeof(console), t->name, "console.log");
	path(c, pidf, sizeof(pidf), t->name, "pid");
	argv[argc++] = (char *)tender_path();
	snprintf(arg[argc], sizeof(arg[0]), "--name=%s", t->name);
	argv[argc] = arg[argc];
	argc++;
	snprintf(arg[argc], sizeof(arg[0]), "--mem=%u", t->mem_mb);
	argv[argc] = arg[argc];
	argc++;
	for (unsigned i = 0; i < t->n_block; i++, argc++) {
		snprintf(arg[argc], sizeof(arg[0]), "--block:%s=%s", t->block[i].dev,
			 t->block[i].what);
		argv[argc] = arg[argc];
	}
	for (unsigned i = 0; i < t->n_net; i++, argc++) {
		snprintf(arg[argc], sizeof(arg[0]), "--net:%s=%s", t->net[i].dev, t->net[i].iface);
		argv[argc] = arg[argc];
	}
	argv[argc++] = image;
	argv[argc++] = (char *)"--";
	if (t->args[0])
		argv[argc++] = t->args;
	argv[argc] = NULL;
	fd = open(console, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (cgroup_prepare(t, cg) < 0) {
		close(fd);
		ctrl_log("error",
			 "tenant %s: no cgroup to hold its CPU and memory limits: not "
			 "started",
			 t->name);
		return -ENOTSUP;
	}
	pid = fork();
	if (pid < 0) {
		close(fd);
		return -errno;
	}
	if (pid == 0) {
		sigset_t all;
		int nul = open("/dev/null", O_RDONLY);

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL); /* ctrl blocks its signals */
		signal(SIGPIPE, SIG_DFL);
		setsid();		    /* outlives ctrl */
		for (int i = 0; i < 2; i++) /* its limits, before it runs */
			if (cg[i][0]) {
				char procs[160];
				int cfd;

				snprintf(procs, sizeof(procs), "%.127s/cgroup.procs", cg[i]);
				if ((cfd = open(procs, O_WRONLY)) >= 0) {
					if (write(cfd, "0", 1) < 0)
						dprintf(fd, "rampart-ctrl: joining %s: %s\n", procs,
							strerror(errno));
					close(cfd);
				}
			}
		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		/* the tender's arguments are one string each; the tenant's
		 * command line is the rest, split by the tender's caller: here
		 * one argument that the tender joins as is */
		execv(argv[0], argv);
		dprintf(2, "rampart-ctrl: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(TENDER_EXIT_SETUP);
	}
	close(fd);
	t->pid = pid;
	t->child = true;
	t->starttime = proc_starttime(pid);
	t->started = time(NULL);
	fd = open(pidf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dprintf(fd, "%d %llu\n", (int)pid, t->starttime);
		close(fd);
	}
	ctrl_log("info", "tenant %s: started, pid %d, image %.12s, %u MiB, cpu %u%%", t->name,
		 (int)pid, t->image_hash, t->mem_mb, t->cpu_pct);
	return 0;
}

static void stop(struct ctrl *c, struct ctrl_tenant *t)
{
	char pidf[600];

	if (t->pid) {
		/* a tenant has no signal handlers: SIGKILL is as clean as it gets */
		kill(t->pid, SIGKILL);
		if (t->child)
			waitpid(t->pid, NULL, 0);
		else
			for (int i = 0; i < 100 && proc_starttime(t->pid) == t->starttime; i++)
				usleep(10000);
		ctrl_log("info", "tenant %s: stopped", t->name);
	}
	t->pid = 0;
	path(c, pidf, sizeof(pidf), t->name, "pid");
	unlink(pidf);
}

/* Copy new lines of the console log into ctrl's log. */
static void follow_console(struct ctrl *c, struct ctrl_tenant *t)
{
	char p[600], buf[4096];
	FILE *f;
	size_t n;

	path(c, p, sizeof(p), t->name, "console.log");
	f = fopen(p, "r");
	if (!f)
		return;
	if (fseek(f, t->console_logged, SEEK_SET) == 0)
		while (fgets(buf, sizeof(buf), f)) {
			n = strlen(buf);
			if (buf[n - 1] != '\n' && !feof(f))
				; /* a long line: logged in pieces */
			else if (buf[n - 1] != '\n')
				break; /* not whole yet */
			t->console_logged += (long long)n;
			buf[strcspn(buf, "\n")] = '\0';
			ctrl_log("info", "tenant %s: %s", t->name, buf);
		}
	fclose(f);
}

/* The tenant's process ended; status unknown (!known) when ctrl found it
 * running after a restart of its own and cannot wait for it. */
static void exited(struct ctrl *c, struct ctrl_tenant *t, int status, bool known)
{
	char pidf[600];
	bool failed;

	t->last_exit = !known		     ? -SIGKILL
		       : WIFEXITED(status)   ? WEXITSTATUS(status)
		       : WIFSIGNALED(status) ? -WTERMSIG(status)
					     : NO_EXIT;
	follow_console(c, t);
	if (!known)
		ctrl_log("warning",
			 "tenant %s: gone (its exit status is unknown: it was started "
			 "before ctrl last restarted)",
			 t->name);
	else if (t->last_exit >= 0)
		ctrl_log(t->last_exit ? "warning" : "info", "tenant %s: exited with status %d",
			 t->name, t->last_exit);
	else
		ctrl_log("warning", "tenant %s: killed by signal %d (%s)", t->name, -t->last_exit,
			 strsignal(-t->last_exit));
	t->pid = 0;
	path(c, pidf, sizeof(pidf), t->name, "pid");
	unlink(pidf);
	failed = t->last_exit != 0;
	if (t->last_exit == TENDER_EXIT_SETUP) {
		ctrl_log("error",
			 "tenant %s: the tender refused to start it; not restarted "
			 "(rampart tenant console %s says why)",
			 t->name, t->name);
		t->want_running = false;
		save(c, t);
		return;
	}
	if (t->restart == TENANT_RESTART_NEVER ||
	    (t->restart == TENANT_RESTART_ON_FAILURE && !failed)) {
		t->want_running = false;
		save(c, t);
		return;
	}
	/* keeps failing soon after its start: back off */
	t->backoff = time(NULL) - t->started < 60 ? (t->backoff ? t->backoff * 2 : 1) : 1;
	if (t->backoff > CTRL_TENANT_BACKOFF_MAX)
		t->backoff = CTRL_TENANT_BACKOFF_MAX;
	t->next_start = time(NULL) + t->backoff;
	ctrl_log("info", "tenant %s: restarting in %u s (policy %s)", t->name, t->backoff,
		 restart_name(t->restart));
}

void ctrl_tenants_tick(struct ctrl *c)
{
	time_t now = time(NULL);
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (unsigned i = 0; i < CTRL_TENANTS_MAX; i++)
			if (tenants[i].name[0] && tenants[i].pid == pid && tenants[i].child)
				exited(c, &tenants[i], status, true);
	for (unsigned i = 0; i < CTRL_TENANTS_MAX; i++) {
		struct ctrl_tenant *t = &tenants[i];

		if (!t->name[0])
			continue;
		if (t->pid && !t->child && proc_starttime(t->pid) != t->starttime)
			exited(c, t, 0, false);
		if (t->pid)
			follow_console(c, t);
		if (!t->pid && t->want_running && now >= t->next_start) {
			if (t->last_exit != NO_EXIT)
				t->restarts++;
			if (start(c, t) < 0)
				t->next_start = now + CTRL_TENANT_BACKOFF_MAX;
		}
	}
}

static int load_one(struct ctrl *c, const char *name)
{
	char p[600], err[256];
	json_error_t je;
	json_t *o;
	struct ctrl_tenant *t = NULL;
	const char *image, *restart, *args;
	int mem, cpu, running;
	FILE *f;

	for (unsigned i = 0; i < CTRL_TENANTS_MAX && !t; i++)
		if (!tenants[i].name[0])
			t = &tenants[i];
	if (!t)
		return -ENOSPC;
	path(c, p, sizeof(p), name, "tenant.json");
	o = json_load_file(p, 0, &je);
	if (!o || json_unpack(o, "{s:s, s:i, s:i, s:s, s:s, s:b}", "image", &image, "mem_mb", &mem,
			      "cpu_pct", &cpu, "restart", &restart, "args", &args, "running",
			      &running) < 0) {
		ctrl_log("error", "tenant %s: %s is unreadable; left alone", name, p);
		json_decref(o);
		return -EINVAL;
	}
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%.31s", name);
	snprintf(t->image_hash, sizeof(t->image_hash), "%.64s", image);
	t->mem_mb = (unsigned)mem;
	t->cpu_pct = (unsigned)cpu;
	t->restart = strcmp(restart, "always") == 0  ? TENANT_RESTART_ALWAYS
		     : strcmp(restart, "never") == 0 ? TENANT_RESTART_NEVER
						     : TENANT_RESTART_ON_FAILURE;
	snprintf(t->args, sizeof(t->args), "%s", args);
	t->want_running = running;
	t->last_exit = NO_EXIT;
	if (devs_from_json(c, o, t, err, sizeof(err)) < 0)
		ctrl_log("error", "tenant %s: %s", name, err);
	json_decref(o);
	/* still running from before ctrl's restart? */
	path(c, p, sizeof(p), name, "pid");
	if ((f = fopen(p, "r"))) {
		int pid = 0;
		unsigned long long st = 0;

		if (fscanf(f, "%d %llu", &pid, &st) == 2 && pid > 0 && proc_starttime(pid) == st) {
			t->pid = pid;
			t->starttime = st;
			t->child = false;
			t->started = time(NULL);
			ctrl_log("info", "tenant %s: found running, pid %d", name, pid);
		}
		fclose(f);
	}
	path(c, p, sizeof(p), name, "console.log");
	{
		struct stat st;

		if (stat(p, &st) == 0)
			t->console_logged = st.st_size; /* what was before is not logged again */
	}
	return 0;
}

void ctrl_tenants_init(struct ctrl *c)
{
	char p[600];
	DIR *d;
	struct dirent *e;

	memset(tenants, 0, sizeof(tenants));
	if (c->check_only)
		return;
	snprintf(p, sizeof(p), "%.255s/tenants", c->conf.state_dir);
	d = opendir(p);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, "images") != 0 && name_ok(e->d_name))
			load_one(c, e->d_name);
	closedir(d);
}

/* ---- the API ---- */

/* Hash and store an image (after checking it): its hash in hash. */
static int store_image(struct ctrl *c, const char *file, const struct ctrl_tenant *t, char *hash,
		       char *err, size_t errlen)
{
	struct image *im = calloc(1, sizeof(*im));
	unsigned char digest[crypto_hash_sha256_BYTES];
	char p[600], tmp[620];
	uint8_t *buf = NULL;
	struct stat st;
	int fd = -1, rc = -EINVAL;

	if (!im)
		return -ENOMEM;
	if (file[0] != '/' || (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "image %s: %s", file,
			 file[0] != '/' ? "want an absolute path" : strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > IMAGE_MAX || !(buf = malloc((size_t)st.st_size)) ||
	    read(fd, buf, (size_t)st.st_size) != st.st_size) {
		snprintf(err, errlen, "image %s: not a readable file of at most %u MiB", file,
			 IMAGE_MAX >> 20);
		goto out;
	}
	if (image_parse(buf, (size_t)st.st_size, (uint64_t)t->mem_mb << 20, im, err, errlen) < 0)
		goto out;
	/* the devices given are those the image declares */
	for (uint32_t i = 1; i < im->mft->entries; i++) {
		const struct mft_entry *e = &im->mft->e[i];
		bool found = false;

		for (unsigned k = 0; k < t->n_block && e->type == MFT_DEV_BLOCK_BASIC; k++)
			found |= strcmp(t->block[k].dev, e->name) == 0;
		for (unsigned k = 0; k < t->n_net && e->type == MFT_DEV_NET_BASIC; k++)
			found |= strcmp(t->net[k].dev, e->name) == 0;
		if (!found) {
			snprintf(err, errlen, "the image declares %s device %s: give --%s %s=...",
				 e->type == MFT_DEV_BLOCK_BASIC ? "block" : "net", e->name,
				 e->type == MFT_DEV_BLOCK_BASIC ? "block" : "net", e->name);
			goto out;
		}
	}
	if (im->mft->entries - 1 != t->n_block + t->n_net) {
		snprintf(err, errlen,
			 "a device given is not declared by the image (rampart-tender "
			 "--manifest IMAGE lists them)");
		goto out;
	}
	crypto_hash_sha256(digest, buf, (unsigned long long)st.st_size);
	for (int i = 0; i < 32; i++)
		snprintf(hash + 2 * i, 3, "%02x", digest[i]);
	snprintf(p, sizeof(p), "%.255s/tenants/images", c->conf.state_dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%.255s/tenants/images/%s", c->conf.state_dir, hash);
	snprintf(tmp, sizeof(tmp), "%s.new", p);
	close(fd);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0500);
	if (fd < 0 || write(fd, buf, (size_t)st.st_size) != st.st_size || fsync(fd) < 0 ||
	    rename(tmp, p) < 0) {
		snprintf(err, errlen, "storing the image: %s", strerror(errno));
		rc = -EIO;
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(im);
	return rc;
}

static json_t *tenant_json(const struct ctrl_tenant *t)
{
	char p[64], line[256];
	long long rss = 0;
	FILE *f;
	const char *state = t->pid					   ? "running"
			    : t->want_running				   ? "restarting"
			    : t->last_exit == NO_EXIT || t->last_exit == 0 ? "stopped"
									   : "failed";
	json_t *o;

	if (t->pid) {
		snprintf(p, sizeof(p), "/proc/%d/status", (int)t->pid);
		if ((f = fopen(p, "r"))) {
			while (fgets(line, sizeof(line), f))
				if (sscanf(line, "VmRSS: %lld kB", &rss) == 1)
					break;
			fclose(f);
		}
	}
	o = json_pack("{s:s, s:s, s:i, s:I, s:I, s:s, s:i, s:i, s:s, s:i, s:s}", "name", t->name,
		      "state", state, "pid", (int)t->pid, "uptime",
		      (json_int_t)(t->pid ? time(NULL) - t->started : 0), "rss_kb", (json_int_t)rss,
		      "image", t->image_hash, "mem_mb", t->mem_mb, "cpu_pct", t->cpu_pct, "restart",
		      restart_name(t->restart), "restarts", t->restarts, "args", t->args);
	if (t->last_exit != NO_EXIT)
		json_object_set_new(o, t->last_exit >= 0 ? "last_exit" : "last_signal",
				    json_integer(t->last_exit >= 0 ? t->last_exit : -t->last_exit));
	{
		json_t *n = json_object(), *b = json_object();

		for (unsigned i = 0; i < t->n_net; i++)
			json_object_set_new(n, t->net[i].dev, json_string(t->net[i].what));
		for (unsigned i = 0; i < t->n_block; i++)
			json_object_set_new(b, t->block[i].dev, json_string(t->block[i].what));
		json_object_set_new(o, "net", n);
		json_object_set_new(o, "block", b);
	}
	return o;
}

static json_t *create_or_update(struct ctrl *c, json_t *req, bool update)
{
	const char *name = json_string_value(json_object_get(req, "name"));
	const char *image = json_string_value(json_object_get(req, "image"));
	struct ctrl_tenant t, *old = name ? find(name) : NULL, *slot = NULL;
	char err[512] = "", hash[65];
	json_t *v;

	if (!name || !name_ok(name))
		return err_reply("a tenant's name: 1-%d of a-z 0-9 - _", CTRL_TENANT_NAME_MAX);
	if (update ? !old : !!old)
		return err_reply(
			update ? "no tenant %s" : "tenant %s exists (rampart tenant update)", name);
	if (!image)
		return err_reply("want --image FILE");
	if (update) {
		t = *old;
	} else {
		memset(&t, 0, sizeof(t));
		snprintf(t.name, sizeof(t.name), "%s", name);
		t.mem_mb = 16;
		t.last_exit = NO_EXIT;
		if (json_is_integer(v = json_object_get(req, "mem")))
			t.mem_mb = (unsigned)json_integer_value(v);
		if (json_is_integer(v = json_object_get(req, "cpu")))
			t.cpu_pct = (unsigned)json_integer_value(v);
		if (t.mem_mb < 2 || t.mem_mb > 1024 || t.cpu_pct > 100)
			return err_reply("--mem: 2..1024 (MiB); --cpu: 0..100 (%% of a core)");
		if ((v = json_object_get(req, "restart"))) {
			const char *r = json_string_value(v);

			if (!r ||
			    (strcmp(r, "always") && strcmp(r, "never") && strcmp(r, "on-failure")))
				return err_reply("--restart: on-failure, always or never");
			t.restart = strcmp(r, "always") == 0  ? TENANT_RESTART_ALWAYS
				    : strcmp(r, "never") == 0 ? TENANT_RESTART_NEVER
							      : TENANT_RESTART_ON_FAILURE;
		}
		if (json_is_string(v = json_object_get(req, "args")))
			snprintf(t.args, sizeof(t.args), "%s", json_string_value(v));
		if (devs_from_json(c, req, &t, err, sizeof(err)) < 0)
			return err_reply("%s", err);
		for (unsigned i = 0; i < CTRL_TENANTS_MAX && !slot; i++)
			if (!tenants[i].name[0])
				slot = &tenants[i];
		if (!slot)
			return err_reply("at most %d tenants", CTRL_TENANTS_MAX);
	}
	if (mkdirs(c, name) < 0)
		return err_reply("%.255s/tenants: %s", c->conf.state_dir, strerror(errno));
	if (store_image(c, image, &t, hash, err, sizeof(err)) < 0)
		return err_reply("%s", err);
	snprintf(t.image_hash, sizeof(t.image_hash), "%s", hash);
	if (update) {
		bool was_running = old->pid != 0;

		if (was_running)
			stop(c, old);
		*old = t;
		old->pid = 0;
		save(c, old);
		ctrl_log("info", "tenant %s: image replaced by %.12s", name, hash);
		if (was_running && start(c, old) < 0)
			return err_reply("tenant %s: cannot start: %s", name, strerror(errno));
		return json_pack("{s:b, s:o}", "ok", 1, "tenant", tenant_json(old));
	}
	*slot = t;
	if (save(c, slot) < 0) {
		memset(slot, 0, sizeof(*slot));
		return err_reply("cannot write tenant.json");
	}
	ctrl_log("info", "tenant %s: created, image %.12s", name, hash);
	return json_pack("{s:b, s:o}", "ok", 1, "tenant", tenant_json(slot));
}

json_t *ctrl_tenant_api(struct ctrl *c, const char *cmd, json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "name"));
	struct ctrl_tenant *t = name ? find(name) : NULL;
	char p[600];

	if (strcmp(cmd, "tenant.list") == 0) {
		json_t *a = json_array();
		struct dp_msg m = { 0 };
		const struct dp_port_info *pi = NULL;
		size_t np = 0;

		/* packets to and from each tenant: its ports' counters */
		if (c->dp_connected &&
		    ctrl_dp_call(c, DP_MSG_GET_PORTS, 0, NULL, 0, DP_MSG_PORTS, &m) == 0) {
			if (m.hdr.type == DP_MSG_PORTS) {
				pi = m.payload;
				np = m.len / sizeof(*pi);
			}
		}
		for (unsigned i = 0; i < CTRL_TENANTS_MAX; i++) {
			const struct ctrl_tenant *tn = &tenants[i];
			json_t *o;
			uint64_t in = 0, out = 0;

			if (!tn->name[0])
				continue;
			o = tenant_json(tn);
			for (unsigned k = 0; k < tn->n_net; k++)
				for (size_t j = 0; j < np; j++)
					if (strncmp(pi[j].name, tn->net[k].what,
						    sizeof(pi[j].name)) == 0) {
						in += pi[j].tx_pkts; /* the dataplane sent it */
						out += pi[j].rx_pkts;
					}
			if (pi) {
				json_object_set_new(o, "packets_in", json_integer((json_int_t)in));
				json_object_set_new(o, "packets_out",
						    json_integer((json_int_t)out));
			}
			json_array_append_new(a, o);
		}
		if (m.payload)
			dp_msg_free(&m);
		return json_pack("{s:b, s:o}", "ok", 1, "tenants", a);
	}
	if (strcmp(cmd, "tenant.create") == 0)
		return create_or_update(c, req, false);
	if (strcmp(cmd, "tenant.update") == 0)
		return create_or_update(c, req, true);
	if (strncmp(cmd, "tenant.", 7) != 0)
		return NULL;
	if (!t)
		return err_reply("no tenant %s (rampart tenant list)", name ? name : "given");
	if (strcmp(cmd, "tenant.start") == 0 || strcmp(cmd, "tenant.restart") == 0) {
		if (strcmp(cmd, "tenant.restart") == 0)
			stop(c, t);
		else if (t->pid)
			return err_reply("tenant %s is running", name);
		t->want_running = true;
		t->backoff = 0;
		t->next_start = 0;
		save(c, t);
		if (start(c, t) < 0)
			return err_reply("tenant %s: cannot start: %s", name, strerror(errno));
		return json_pack("{s:b, s:o}", "ok", 1, "tenant", tenant_json(t));
	}
	if (strcmp(cmd, "tenant.stop") == 0) {
		t->want_running = false;
		save(c, t);
		stop(c, t);
		return json_pack("{s:b, s:o}", "ok", 1, "tenant", tenant_json(t));
	}
	if (strcmp(cmd, "tenant.console") == 0) {
		char buf[16384];
		FILE *f;
		size_t n = 0;
		long size;

		path(c, p, sizeof(p), t->name, "console.log");
		if ((f = fopen(p, "r"))) {
			fseek(f, 0, SEEK_END);
			size = ftell(f);
			fseek(f, size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0,
			      SEEK_SET);
			n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
		}
		buf[n] = '\0';
		return json_pack("{s:b, s:s%}", "ok", 1, "console", buf, n);
	}
	if (strcmp(cmd, "tenant.destroy") == 0) {
		const char *files[] = { "tenant.json", "console.log", "pid", NULL };

		stop(c, t);
		for (int i = 0; files[i]; i++) {
			path(c, p, sizeof(p), t->name, files[i]);
			unlink(p);
		}
		path(c, p, sizeof(p), t->name, NULL);
		rmdir(p);
		ctrl_log("info", "tenant %s: destroyed (its block files are kept)", t->name);
		memset(t, 0, sizeof(*t));
		return json_pack("{s:b}", "ok", 1);
	}
	return NULL;
}
