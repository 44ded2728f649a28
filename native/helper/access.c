/* The privilege boundary: every path and pid a client names is checked here against the
 * requesting user before anything is attached. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elf.h>
#include <pthread.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include "access.h"

bool helper_is_privileged(void)
{
	/* Creating a map is the cheapest real proof that BPF is allowed to us. */
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pl_privilege", 4, 4, 1, NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Work done in a thread of its own that has become the requester: groups, gids and uids set
 * with raw system calls (they then apply to this thread alone, where glibc's wrappers would
 * switch every thread) and every capability dropped, so the kernel checks paths, /proc links
 * and ptrace access exactly as it would for that user. The thread ends with the work. */
struct requester_work {
	const struct requester *who;
	int (*fn)(void *arg);
	void *arg;
	int result, err;
};

static void *requester_thread(void *opaque)
{
	struct requester_work *work = opaque;
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct no_capabilities[_LINUX_CAPABILITY_U32S_3] = { 0 };
	uid_t uid = work->who->uid;
	gid_t gid = work->who->gid, groups[NGROUPS_MAX];
	struct passwd entry, *pw = NULL;
	char names[4096];
	int count = NGROUPS_MAX;

	if (getpwuid_r(uid, &entry, names, sizeof(names), &pw) || !pw ||
	    getgrouplist(pw->pw_name, gid, groups, &count) < 0) {
		groups[0] = gid;
		count = 1;
	}
	/* A helper with file capabilities already runs as the requester: it only drops them. */
	bool switch_identity = uid != geteuid() || gid != getegid();

	if ((switch_identity && (syscall(SYS_setgroups, count, groups) || syscall(SYS_setresgid, gid, gid, gid) ||
				 syscall(SYS_setresuid, uid, uid, uid))) ||
	    syscall(SYS_capset, &header, no_capabilities)) {
		work->result = -1;
		work->err = errno;
		return NULL;
	}
	work->result = work->fn(work->arg);
	work->err = errno;
	return NULL;
}

/* Runs fn(arg) as the requester; its result, with errno as it left it. */
static int run_as_requester(const struct requester *who, int (*fn)(void *arg), void *arg)
{
	struct requester_work work = { .who = who, .fn = fn, .arg = arg, .result = -1, .err = EAGAIN };
	pthread_t thread;
	int err = pthread_create(&thread, NULL, requester_thread, &work);

	if (err) {
		errno = err;
		return -1;
	}
	pthread_join(thread, NULL);
	errno = work.err;
	return work.result;
}

static int open_for_reading(void *path)
{
	return open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

static bool has_dotdot_component(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2) {
		bool starts = p == path || p[-1] == '/';
		bool ends = p[2] == '\0' || p[2] == '/';

		if (starts && ends)
			return true;
	}
	return false;
}

int open_binary_as(const struct requester *who, const char *path, char *canonical,
		   size_t canonical_size, struct rpc_failure *failure)
{
	unsigned char magic[SELFMAG];
	char fd_link[64];
	struct stat st;
	ssize_t n;
	int fd;

	if (path[0] != '/')
		return rpc_fail(failure, RPC_BAD_PARAMS, "binary must be an absolute path: '%s'", path);
	if (has_dotdot_component(path))
		return rpc_fail(failure, RPC_BAD_PARAMS, "binary path must not contain '..': '%s'", path);
	fd = run_as_requester(who, open_for_reading, (void *)path);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return rpc_fail(failure, RPC_BINARY_NOT_FOUND, "no such file: %s", path);
		if (errno == EACCES || errno == EPERM)
			return rpc_fail(failure, RPC_PERMISSION_DENIED,
					"%s is not readable by uid %u, so it may not be probed for it",
					path, who->uid);
		return rpc_fail(failure, RPC_BINARY_NOT_FOUND, "cannot open %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rpc_fail(failure, RPC_NOT_A_FILE, "%s is %s, not a program or library", path,
				S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
	}
	n = pread(fd, magic, sizeof(magic), 0);
	if (n != SELFMAG || memcmp(magic, ELFMAG, SELFMAG)) {
		close(fd);
		return rpc_fail(failure, RPC_NOT_ELF, "%s is not an ELF file (no ELF magic)", path);
	}
	snprintf(fd_link, sizeof(fd_link), "/proc/self/fd/%d", fd);
	n = readlink(fd_link, canonical, canonical_size - 1);
	if (n < 0)
		n = snprintf(canonical, canonical_size, "%s", path);
	canonical[n] = '\0';
	return fd;
}

int process_status(pid_t pid, struct process_status *status)
{
	char path[64], line[256];
	int found = 0;
	FILE *file;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	file = fopen(path, "re");
	if (!file)
		return -errno;
	while (fgets(line, sizeof(line), file)) {
		unsigned int *uid = status->uid, *gid = status->gid, parent;

		if (sscanf(line, "PPid: %u", &parent) == 1) {
			status->parent = parent;
			found |= 1;
		} else if (sscanf(line, "Uid: %u %u %u", &uid[0], &uid[1], &uid[2]) == 3) {
			found |= 2;
		} else if (sscanf(line, "Gid: %u %u %u", &gid[0], &gid[1], &gid[2]) == 3) {
			found |= 4;
		}
	}
	fclose(file);
	return found == 7 ? 0 : -ESRCH;
}

static bool all_equal(const unsigned int ids[3], unsigned int id)
{
	return ids[0] == id && ids[1] == id && ids[2] == id;
}

/* Opening a process's environ needs ptrace read access to it: done as the requester, the
 * kernel applies the whole rule (same ids, dumpable, LSMs). */
static int check_ptrace_access(void *environ_path)
{
	int fd = open_for_reading(environ_path);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int open_process_as(const struct requester *who, pid_t pid, struct rpc_failure *failure)
{
	struct process_status creds;
	char environ_path[64];
	int pidfd;

	if (pid <= 0)
		return rpc_fail(failure, RPC_BAD_PARAMS, "pid must be a positive integer, not %d", pid);
	/* Pin the process first, so the checks are about the process we keep. */
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 || process_status(pid, &creds) < 0) {
		if (pidfd >= 0)
			close(pidfd);
		return rpc_fail(failure, RPC_NO_SUCH_PROCESS, "no process with pid %d (it may have exited)", pid);
	}
	if (who->uid == 0)
		return pidfd;
	/* The ptrace rule: every uid and gid the requester's, so no set-uid program is probed. */
	if (!all_equal(creds.uid, who->uid) || !all_equal(creds.gid, who->gid)) {
		close(pidfd);
		if (creds.uid[0] != who->uid)
			return rpc_fail(failure, RPC_PERMISSION_DENIED, "process %d belongs to uid %u, not to uid %u",
					pid, creds.uid[0], who->uid);
		return rpc_fail(failure, RPC_PERMISSION_DENIED,
				"process %d runs with uids %u/%u/%u and gids %u/%u/%u (real/effective/saved), "
				"not all uid %u's and gid %u's: a set-uid or set-gid program may not be probed",
				pid, creds.uid[0], creds.uid[1], creds.uid[2], creds.gid[0], creds.gid[1],
				creds.gid[2], who->uid, who->gid);
	}
	snprintf(environ_path, sizeof(environ_path), "/proc/%d/environ", pid);
	if (run_as_requester(who, check_ptrace_access, environ_path) < 0) {
		close(pidfd);
		return rpc_fail(failure, RPC_PERMISSION_DENIED,
				"uid %u may not trace process %d (%s): it ran a set-uid program or made itself "
				"undumpable", who->uid, pid, strerror(errno));
	}
	/* Still alive: the pid we checked through /proc is the process the pidfd holds. */
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
		close(pidfd);
		return rpc_fail(failure, RPC_NO_SUCH_PROCESS, "process %d exited while it was being checked", pid);
	}
	return pidfd;
}

static bool root_only_writable(const struct stat *st)
{
	return st->st_uid == 0 && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* The group named by the administrator's config, or -1 when there is none we can trust. */
static gid_t configured_kernel_group(void)
{
	char line[256], name[128];
	struct stat st;
	gid_t gid = (gid_t)-1;
	FILE *config = fopen(KERNEL_PROBES_CONFIG, "re");

	if (!config)
		return gid;
	/* Whoever may write the directory may swap the file: both must be root's alone. */
	if (fstat(fileno(config), &st) || !root_only_writable(&st) || stat(KERNEL_PROBES_CONFIG_DIR, &st) ||
	    !root_only_writable(&st)) {
		fprintf(stderr, "probe-lens-helper: ignoring %s: it and %s must be owned by root and writable only by root\n",
			KERNEL_PROBES_CONFIG, KERNEL_PROBES_CONFIG_DIR);
		fclose(config);
		return gid;
	}
	while (fgets(line, sizeof(line), config)) {
		struct group *group;

		if (sscanf(line, " kernel-probes-group = %127s", name) == 1 && (group = getgrnam(name)))
			gid = group->gr_gid;
	}
	fclose(config);
	return gid;
}

int check_kernel_probes_allowed(const struct requester *who, struct rpc_failure *failure)
{
	gid_t allowed = who->uid == 0 ? 0 : configured_kernel_group();
	struct passwd *pw = getpwuid(who->uid);
	gid_t groups[256];
	int count = 256;

	if (who->uid == 0)
		return 0;
	if (allowed != (gid_t)-1 && pw && getgrouplist(pw->pw_name, pw->pw_gid, groups, &count) >= 0) {
		for (int i = 0; i < count; i++)
			if (groups[i] == allowed)
				return 0;
	}
	return rpc_fail(failure, RPC_PERMISSION_DENIED,
			"kernel probes see every process on the system, so only root may use them, unless an "
			"administrator allows a group in " KERNEL_PROBES_CONFIG " ('kernel-probes-group = NAME'); "
			"uid %u is not allowed", who->uid);
}
