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
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include "access.h"

static bool parse_id_env(const char *name, unsigned long *value)
{
	const char *text = getenv(name);
	char *end;

	if (!text || !*text)
		return false;
	errno = 0;
	*value = strtoul(text, &end, 10);
	return !errno && !*end;
}

void requester_identify(struct requester *who)
{
	unsigned long uid;
	struct passwd *pw;

	who->uid = getuid();
	who->gid = getgid();
	if (who->uid != 0)
		return;
	if (parse_id_env("PKEXEC_UID", &uid) || parse_id_env("SUDO_UID", &uid)) {
		who->uid = uid;
		pw = getpwuid(uid);
		who->gid = pw ? pw->pw_gid : (gid_t)-1;
	}
}

bool helper_is_privileged(void)
{
	/* Creating a map is the cheapest real proof that BPF is allowed to us. */
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pl_privilege", 4, 4, 1, NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Runs open(2) with the requester's file-system identity; a no-op switch when we already
 * are that user. */
static int open_as(const struct requester *who, const char *path)
{
	gid_t saved_groups[NGROUPS_MAX];
	int saved_count = -1, fd, err;
	bool switch_identity = who->uid != geteuid();

	if (switch_identity) {
		struct passwd *pw = getpwuid(who->uid);
		gid_t groups[NGROUPS_MAX];
		int count = NGROUPS_MAX;

		saved_count = getgroups(NGROUPS_MAX, saved_groups);
		if (pw && getgrouplist(pw->pw_name, who->gid, groups, &count) >= 0)
			setgroups(count, groups);
		else
			setgroups(1, &who->gid);
		setfsgid(who->gid);
		setfsuid(who->uid);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	err = errno;
	if (switch_identity) {
		setfsuid(geteuid());
		setfsgid(getegid());
		if (saved_count >= 0)
			setgroups(saved_count, saved_groups);
	}
	errno = err;
	return fd;
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
	fd = open_as(who, path);
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

static int process_owner(pid_t pid, uid_t *uid)
{
	char path[64], line[256];
	FILE *status;
	int found = -ESRCH;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	status = fopen(path, "re");
	if (!status)
		return -errno;
	while (fgets(line, sizeof(line), status)) {
		unsigned int real;

		if (sscanf(line, "Uid: %u", &real) == 1) {
			*uid = real;
			found = 0;
			break;
		}
	}
	fclose(status);
	return found;
}

int open_process_as(const struct requester *who, pid_t pid, struct rpc_failure *failure)
{
	uid_t owner;
	int pidfd;

	if (pid <= 0)
		return rpc_fail(failure, RPC_BAD_PARAMS, "pid must be a positive integer, not %d", pid);
	/* Pin the process first, so the ownership check is about the process we keep. */
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return rpc_fail(failure, RPC_NO_SUCH_PROCESS, "no process with pid %d (it may have exited)", pid);
	if (process_owner(pid, &owner) < 0) {
		close(pidfd);
		return rpc_fail(failure, RPC_NO_SUCH_PROCESS, "no process with pid %d (it may have exited)", pid);
	}
	if (who->uid != 0 && owner != who->uid) {
		close(pidfd);
		return rpc_fail(failure, RPC_PERMISSION_DENIED,
				"process %d belongs to uid %u, not to uid %u", pid, owner, who->uid);
	}
	return pidfd;
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
	if (fstat(fileno(config), &st) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		fprintf(stderr, "probe-lens-helper: ignoring %s: it must be owned by root and writable only by root\n",
			KERNEL_PROBES_CONFIG);
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
