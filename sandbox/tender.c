/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tender.c - rampart-tender: runs one tenant, a static ELF built against
 * the Solo5 API for the spt target, in this very process, with nothing but
 * the devices its manifest declares. In order:
 *
 *   1. read and check the image (image.c) and its manifest; attach every
 *      declared device from the command line (every one must be, nothing
 *      undeclared may be): block devices are files opened here, net devices
 *      descriptors handed over (@FD) or TAP interfaces opened here;
 *   2. map the tenant's memory at its fixed addresses, load the image,
 *      make code read-only and data non-executable (W^X), leave the boot
 *      information (memory size, command line, manifest, epoll and timer
 *      descriptors) where the ABI says;
 *   3. close every other descriptor, enter fresh mount, network, IPC and
 *      UTS namespaces and an empty root, become nobody with no capability;
 *   4. install a seccomp filter that allows the 9 system calls of Solo5's
 *      spt model, each on its own descriptors only (block I/O: one whole
 *      block inside the device), and jump to the tenant.
 *
 * Any other system call stops the tenant: the filter traps it, a handler
 * writes "rampart-tender: killed: forbidden system call N (name)" to the
 * console and the process dies of SIGSYS. The tender's own code stays in
 * the address space and does nothing more.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <asm/prctl.h>
#include <linux/filter.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

#include "sandbox/image.h"
#include "sandbox/tender.h"

#define TENANT_BLOCK_SIZE 512
#define MEM_MIN_MB	  2
#define MEM_MAX_MB	  1024 /* the tender is position-independent and lives far above */

static const char *name = "tenant"; /* in messages */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rampart-tender: %s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(TENDER_EXIT_SETUP);
}

/* ---- the SIGSYS report: fixed storage, filled before the filter ---- */

#define SYSCALL_NAMES 512
static char syscall_names[SYSCALL_NAMES][24];
static char report_prefix[128];

static size_t put(char *b, size_t o, size_t cap, const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i] && o < cap; i++)
		b[o++] = s[i];
	return o;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char b[256];
	size_t o = 0;
	unsigned nr = (unsigned)si->si_syscall;
	char num[12];
	int k = 11;

	(void)sig;
	(void)uc;
	num[k] = '\0';
	do
		num[--k] = (char)('0' + nr % 10);
	while ((nr /= 10) && k > 0);
	o = put(b, o, sizeof(b), report_prefix, sizeof(report_prefix));
	o = put(b, o, sizeof(b), "killed: forbidden system call ", 64);
	o = put(b, o, sizeof(b), num + k, 12);
	if ((unsigned)si->si_syscall < SYSCALL_NAMES) {
		o = put(b, o, sizeof(b), " (", 2);
		o = put(b, o, sizeof(b), syscall_names[si->si_syscall], 23);
		o = put(b, o, sizeof(b), ")", 1);
	}
	o = put(b, o, sizeof(b), "\n", 1);
	/* the console is fd 1, which the filter lets through */
	syscall(SYS_write, 1, b, o);
	/* SIGSYS is blocked in here: another forbidden call kills the process */
	syscall(SYS_getpid);
	syscall(SYS_exit_group, 128 + SIGSYS);
}

/* ---- devices ---- */

struct dev_arg {
	char name[MFT_NAME_SIZE];
	char what[256]; /* a path, a TAP name, or "@FD" */
	bool used;
};

static int parse_dev(const char *arg, struct dev_arg *d)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || (size_t)(eq - arg) > MFT_NAME_MAX || !eq[1] ||
	    strlen(eq + 1) >= sizeof(d->what))
		return -1;
	memset(d, 0, sizeof(*d));
	memcpy(d->name, arg, (size_t)(eq - arg));
	snprintf(d->what, sizeof(d->what), "%s", eq + 1);
	return 0;
}

static int open_tap(const char *ifname)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.15s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Attach every device of the manifest from the command line. */
static void attach(struct mft *m, struct dev_arg *blocks, unsigned nb, struct dev_arg *nets,
		   unsigned nn, const char *mac_base)
{
	for (uint32_t i = 1; i < m->entries; i++) {
		struct mft_entry *e = &m->e[i];
		struct dev_arg *d = NULL;
		unsigned n = e->type == MFT_DEV_BLOCK_BASIC ? nb : nn;
		struct dev_arg *list = e->type == MFT_DEV_BLOCK_BASIC ? blocks : nets;

		for (unsigned k = 0; k < n; k++)
			if (strcmp(list[k].name, e->name) == 0)
				d = &list[k];
		if (!d)
			die("device %s (%s) is declared by the image but not given: --%s:%s=...",
			    e->name, e->type == MFT_DEV_BLOCK_BASIC ? "block" : "net",
			    e->type == MFT_DEV_BLOCK_BASIC ? "block" : "net", e->name);
		d->used = true;
		if (e->type == MFT_DEV_BLOCK_BASIC) {
			struct stat st;
			int fd = open(d->what, O_RDWR | O_CLOEXEC);

			if (fd < 0 || fstat(fd, &st) < 0)
				die("block %s: %s: %s", e->name, d->what, strerror(errno));
			if (!S_ISREG(st.st_mode) || st.st_size < TENANT_BLOCK_SIZE ||
			    st.st_size % TENANT_BLOCK_SIZE)
				die("block %s: %s: want a regular file of a whole number of "
				    "%d-byte "
				    "blocks",
				    e->name, d->what, TENANT_BLOCK_SIZE);
			e->b.hostfd = fd;
			e->u.block_basic.capacity = (uint64_t)st.st_size;
			e->u.block_basic.block_size = TENANT_BLOCK_SIZE;
		} else {
			int fd;

			if (d->what[0] == '@') {
				char *end;
				long v = strtol(d->what + 1, &end, 10);

				if (*end || v < 3 || v > 1023 || fcntl((int)v, F_GETFD) < 0)
					die("net %s: %s is not an open descriptor", e->name,
					    d->what);
				fd = (int)v;
				fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
			} else {
				fd = open_tap(d->what);
				if (fd < 0)
					die("net %s: TAP %s: %s", e->name, d->what,
					    strerror(errno));
			}
			e->b.hostfd = fd;
			e->u.net_basic.mtu = 1500;
			/* a locally administered MAC: the base, the device's index last */
			{
				unsigned v[6] = { 0x02, 0, 0, 0, 0, 0 };

				if (mac_base && sscanf(mac_base, "%x:%x:%x:%x:%x:%x", &v[0], &v[1],
						       &v[2], &v[3], &v[4], &v[5]) != 6)
					die("--mac %s: want xx:xx:xx:xx:xx:xx", mac_base);
				for (int k = 0; k < 6; k++)
					e->u.net_basic.mac[k] = (uint8_t)v[k];
				e->u.net_basic.mac[5] = (uint8_t)(e->u.net_basic.mac[5] + i - 1);
				e->u.net_basic.mac[0] = (uint8_t)((e->u.net_basic.mac[0] | 2) & ~1);
			}
		}
		e->attached = true;
	}
	for (unsigned k = 0; k < nb; k++)
		if (!blocks[k].used)
			die("--block:%s: the image declares no block device of that name",
			    blocks[k].name);
	for (unsigned k = 0; k < nn; k++)
		if (!nets[k].used)
			die("--net:%s: the image declares no net device of that name",
			    nets[k].name);
}

/* ---- the jail ---- */

/* Close every descriptor but 0, 1, 2 and those in keep. */
static void close_others(const int *keep, unsigned n)
{
	int max = (int)sysconf(_SC_OPEN_MAX);

	for (int fd = 3; fd < max && fd < 65536; fd++) {
		bool k = false;

		for (unsigned i = 0; i < n && !k; i++)
			k = keep[i] == fd;
		if (!k)
			close(fd);
	}
}

static void jail(void)
{
	struct rlimit zero = { 0, 0 };

	if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
		die("unshare: %s (rampart-tender needs root)", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("mount: %s", strerror(errno));
	/* an empty, read-only root of its own: a tmpfs over /tmp, in this
	 * mount namespace only */
	if (mount("tenant", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
		  "size=4k,mode=0555") < 0 ||
	    chdir("/tmp") < 0 || chroot(".") < 0 || chdir("/") < 0)
		die("an empty root: %s", strerror(errno));
	setrlimit(RLIMIT_CORE, &zero);
	setrlimit(RLIMIT_NPROC, &zero);
	/* nobody, no supplementary groups, no capability left */
	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		die("dropping to nobody: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs: %s", strerror(errno));
}

/* ---- the filter ---- */

#define RULE(...)                                                           \
	do {                                                                \
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, __VA_ARGS__) < 0) \
			die("seccomp rule %s", #__VA_ARGS__);               \
	} while (0)

static scmp_filter_ctx filter(const struct mft *m, int epollfd, int timerfd)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);

	if (!ctx)
		die("seccomp_init");
	RULE(SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, 1));
	RULE(SCMP_SYS(exit_group), 0);
	RULE(SCMP_SYS(epoll_pwait), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)epollfd));
	RULE(SCMP_SYS(timerfd_settime), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)timerfd));
	RULE(SCMP_SYS(clock_gettime), 1, SCMP_A0(SCMP_CMP_EQ, CLOCK_MONOTONIC));
	RULE(SCMP_SYS(clock_gettime), 1, SCMP_A0(SCMP_CMP_EQ, CLOCK_REALTIME));
	RULE(SCMP_SYS(arch_prctl), 1, SCMP_A0(SCMP_CMP_EQ, ARCH_SET_FS));
	for (uint32_t i = 1; i < m->entries; i++) {
		const struct mft_entry *e = &m->e[i];
		scmp_datum_t fd = (scmp_datum_t)e->b.hostfd;

		if (e->type == MFT_DEV_NET_BASIC) {
			RULE(SCMP_SYS(read), 1, SCMP_A0(SCMP_CMP_EQ, fd));
			RULE(SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, fd));
		} else {
			scmp_datum_t bs = e->u.block_basic.block_size;
			scmp_datum_t last = e->u.block_basic.capacity - bs;

			RULE(SCMP_SYS(pread64), 3, SCMP_A0(SCMP_CMP_EQ, fd),
			     SCMP_A2(SCMP_CMP_EQ, bs), SCMP_A3(SCMP_CMP_LE, last));
			RULE(SCMP_SYS(pwrite64), 3, SCMP_A0(SCMP_CMP_EQ, fd),
			     SCMP_A2(SCMP_CMP_EQ, bs), SCMP_A3(SCMP_CMP_LE, last));
		}
	}
	return ctx;
}

/* Load the filter without libseccomp's own allocations after it (a free()
 * could call brk, which the filter forbids): export the program, release
 * the context, install the program from the stack. */
static void install(scmp_filter_ctx ctx)
{
	static struct sock_filter prog_buf[4096];
	struct sock_fprog prog = { .filter = prog_buf };
	int fd = memfd_create("seccomp", MFD_CLOEXEC);
	struct stat st;

	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0 || fstat(fd, &st) < 0 ||
	    st.st_size > (off_t)sizeof(prog_buf) || lseek(fd, 0, SEEK_SET) < 0 ||
	    read(fd, prog_buf, (size_t)st.st_size) != st.st_size)
		die("exporting the seccomp filter");
	close(fd);
	seccomp_release(ctx);
	prog.len = (unsigned short)(st.st_size / sizeof(prog_buf[0]));
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		die("seccomp: %s", strerror(errno));
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rampart-tender [OPTIONS] IMAGE [-- ARGS...]\n"
		"Run one tenant: a static ELF built against the Solo5 API for the spt\n"
		"target, with the devices its manifest declares and nothing else.\n"
		"\n"
		"  --mem=MB             the tenant's memory, %d..%d MiB (default 16)\n"
		"  --block:NAME=FILE    attach block device NAME: FILE, a whole number of\n"
		"                       512-byte blocks, opened read-write\n"
		"  --net:NAME=TAP       attach net device NAME to the TAP interface TAP\n"
		"  --net:NAME=@FD       ... or to the open descriptor FD (a datagram socket\n"
		"                       or a TAP), given by the supervisor\n"
		"  --mac=XX:..:XX       the first net device's MAC (the others count up);\n"
		"                       default 02:00:00:00:00:00\n"
		"  --name=NAME          the tenant's name in messages\n"
		"  --manifest           print the image's manifest and exit\n"
		"  --syscalls           print the system calls the filter would allow this\n"
		"                       image with these devices, and exit\n"
		"  -h, --help           this text\n"
		"\n"
		"Every device the image declares must be attached; a device it does not\n"
		"declare is refused. ARGS become the tenant's command line. The console\n"
		"is standard output. The tenant runs as nobody, in fresh namespaces with\n"
		"an empty root, under a seccomp filter of 9 system calls tied to its\n"
		"devices; any other system call kills it (SIGSYS), reported on the\n"
		"console with the call's name. Exit status: the tenant's; %d when the\n"
		"tender refused to start it. docs/sandbox.md.\n",
		MEM_MIN_MB, MEM_MAX_MB, TENDER_EXIT_SETUP);
}

/* It does not return; it is not declared noreturn, for ASan builds would
 * then call __asan_handle_no_return first, whose sigaltstack the filter
 * forbids. */
extern void tender_launch(uint64_t sp, uint64_t entry, uint64_t arg);
__asm__(".text\n"
	".globl tender_launch\n"
	".type tender_launch, @function\n"
	"tender_launch:\n"
	"	movq %rdi, %rsp\n"
	"	movq %rdx, %rdi\n"
	"	xorl %ebp, %ebp\n"
	"	jmp *%rsi\n"
	".size tender_launch, . - tender_launch\n");

int main(int argc, char **argv)
{
	static struct dev_arg blocks[MFT_MAX_ENTRIES], nets[MFT_MAX_ENTRIES];
	unsigned nb = 0, nn = 0, mem_mb = 16;
	const char *mac = NULL;
	bool show = false, syscalls = false;
	char err[512];
	struct image *im = calloc(1, sizeof(*im));
	struct tenant_boot_info *bi;
	uint8_t *mem, *buf;
	uint64_t mem_size;
	struct stat st;
	int fd, epollfd, timerfd, keep[MFT_MAX_ENTRIES + 2], nkeep = 0, i;
	struct epoll_event ev = { .events = EPOLLIN };
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	size_t cl = 0;
	char *cmdline;

	if (!im)
		die("out of memory");
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
		const char *a = argv[i];

		if (strncmp(a, "--mem=", 6) == 0) {
			char *end;

			mem_mb = (unsigned)strtoul(a + 6, &end, 10);
			if (*end || mem_mb < MEM_MIN_MB || mem_mb > MEM_MAX_MB)
				die("--mem: want %d..%d (MiB)", MEM_MIN_MB, MEM_MAX_MB);
		} else if (strncmp(a, "--block:", 8) == 0) {
			if (nb == MFT_MAX_ENTRIES || parse_dev(a + 8, &blocks[nb++]) < 0)
				die("%s: want --block:NAME=FILE", a);
		} else if (strncmp(a, "--net:", 6) == 0) {
			if (nn == MFT_MAX_ENTRIES || parse_dev(a + 6, &nets[nn++]) < 0)
				die("%s: want --net:NAME=TAP or --net:NAME=@FD", a);
		} else if (strncmp(a, "--mac=", 6) == 0) {
			mac = a + 6;
		} else if (strncmp(a, "--name=", 7) == 0) {
			name = a + 7;
		} else if (strcmp(a, "--manifest") == 0) {
			show = true;
		} else if (strcmp(a, "--syscalls") == 0) {
			syscalls = true;
		} else if (strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			die("unknown option %s", a);
		}
	}
	if (i < argc && strcmp(argv[i], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (i >= argc) {
		usage(stderr);
		return TENDER_EXIT_SETUP;
	}
	mem_size = (uint64_t)mem_mb << 20;

	/* 1. the image */
	fd = open(argv[i], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		die("%s: %s", argv[i], strerror(errno));
	if (st.st_size > (off_t)mem_size || st.st_size < 64)
		die("%s: %lld bytes: not an image for %u MiB", argv[i], (long long)st.st_size,
		    mem_mb);
	buf = malloc((size_t)st.st_size);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size)
		die("%s: cannot read it", argv[i]);
	close(fd);
	if (image_parse(buf, (size_t)st.st_size, mem_size, im, err, sizeof(err)) < 0)
		die("%s: %s", argv[i], err);
	if (show) {
		for (uint32_t k = 1; k < im->mft->entries; k++)
			printf("%s %s\n", im->mft->e[k].name,
			       im->mft->e[k].type == MFT_DEV_BLOCK_BASIC ? "block" : "net");
		return 0;
	}
	attach(im->mft, blocks, nb, nets, nn, mac);
	if (syscalls) {
		/* what filter() allows for this image and its devices */
		bool net = false, block = false;

		for (uint32_t k = 1; k < im->mft->entries; k++) {
			net |= im->mft->e[k].type == MFT_DEV_NET_BASIC;
			block |= im->mft->e[k].type == MFT_DEV_BLOCK_BASIC;
		}
		printf("write exit_group epoll_pwait timerfd_settime clock_gettime arch_prctl%s%s\n",
		       net ? " read" : "", block ? " pread64 pwrite64" : "");
		return 0;
	}
	if (personality(0xffffffff) & READ_IMPLIES_EXEC)
		die("the personality READ_IMPLIES_EXEC is set: W^X cannot hold");

	/* 2. memory, the image, the boot information */
	mem = mmap((void *)TENANT_HOST_MEM_BASE, mem_size - TENANT_HOST_MEM_BASE,
		   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		   0);
	if (mem == MAP_FAILED || mem != (void *)TENANT_HOST_MEM_BASE)
		die("mapping %u MiB at 0x%x: %s", mem_mb, TENANT_HOST_MEM_BASE, strerror(errno));
	mem -= TENANT_HOST_MEM_BASE; /* tenant addresses are host addresses */
	image_load(buf, im, mem);
	for (unsigned k = 0; k < im->n_seg; k++) {
		const struct image_seg *s = &im->seg[k];
		uint64_t a = s->vaddr & ~4095ULL, e = (s->vaddr + s->memsz + 4095) & ~4095ULL;
		int prot = PROT_READ | (s->flags & PF_W ? PROT_WRITE : 0) |
			   (s->flags & PF_X ? PROT_EXEC : 0);

		if (mprotect(mem + a, e - a, prot) < 0)
			die("mprotect: %s", strerror(errno));
	}
	epollfd = epoll_create1(0);
	timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	if (epollfd < 0 || timerfd < 0)
		die("epoll, timerfd: %s", strerror(errno));
	ev.data.u64 = TENANT_INTERNAL_TIMERFD;
	if (epoll_ctl(epollfd, EPOLL_CTL_ADD, timerfd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	keep[nkeep++] = epollfd;
	keep[nkeep++] = timerfd;
	for (uint32_t k = 1; k < im->mft->entries; k++) {
		keep[nkeep++] = im->mft->e[k].b.hostfd;
		if (im->mft->e[k].type == MFT_DEV_NET_BASIC) {
			ev.data.u64 = k; /* the handle: its index in the manifest */
			if (epoll_ctl(epollfd, EPOLL_CTL_ADD, im->mft->e[k].b.hostfd, &ev) < 0)
				die("epoll_ctl: %s", strerror(errno));
		}
	}
	bi = (struct tenant_boot_info *)(mem + TENANT_BOOT_INFO_BASE);
	bi->mem_size = mem_size;
	bi->kernel_end = im->end;
	bi->epollfd = epollfd;
	bi->timerfd = timerfd;
	bi->mft = (void *)(TENANT_BOOT_INFO_BASE + sizeof(*bi));
	memcpy(mem + TENANT_BOOT_INFO_BASE + sizeof(*bi), im->mft, im->mft_len);
	cmdline = (char *)mem + TENANT_BOOT_INFO_BASE + sizeof(*bi) + im->mft_len;
	bi->cmdline = (const char *)((uint8_t *)cmdline - mem);
	cmdline[0] = '\0';
	for (int k = i + 1 + (i + 1 < argc && strcmp(argv[i + 1], "--") == 0); k < argc; k++) {
		size_t n = strlen(argv[k]);

		if (cl + n + 2 > TENANT_CMDLINE_SIZE)
			die("the command line is over %d bytes", TENANT_CMDLINE_SIZE - 1);
		if (cl)
			cmdline[cl++] = ' ';
		memcpy(cmdline + cl, argv[k], n + 1);
		cl += n;
	}
	if (TENANT_BOOT_INFO_BASE + sizeof(*bi) + im->mft_len + TENANT_CMDLINE_SIZE >
	    TENANT_GUEST_MIN_BASE)
		die("the boot information does not fit below the image");
	free(buf);

	/* 3. the jail; 4. the filter, then the tenant */
	for (unsigned k = 0; k < SYSCALL_NAMES; k++) {
		char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)k);

		snprintf(syscall_names[k], sizeof(syscall_names[k]), "%s", n ? n : "?");
		free(n);
	}
	snprintf(report_prefix, sizeof(report_prefix), "rampart-tender: %s: ", name);
	{
		scmp_filter_ctx ctx = filter(im->mft, epollfd, timerfd);

		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) < 0)
			die("sigaction: %s", strerror(errno));
		close_others(keep, (unsigned)nkeep);
		jail();
		fflush(NULL);
		install(ctx);
	}
	tender_launch(mem_size - 8, im->entry, TENANT_BOOT_INFO_BASE);
	return TENDER_EXIT_SETUP; /* not reached */
}
