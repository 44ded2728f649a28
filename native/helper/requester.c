/* Who the helper works for, taken from the kernel's credentials of the process that started
 * it, never from the environment alone: under a sudoers rule with SETENV the user sets
 * SUDO_UID and PKEXEC_UID to anything. sudo keeps the invoking user as its own real uid, and
 * pkexec execs us in place, so our parent is then the user's process. */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "access.h"

/* sudo itself: a root-owned set-uid executable called sudo. A user cannot fake this with a
 * program of their own; running the real sudo is what we trust it for. */
static bool process_is_sudo(pid_t pid)
{
	char link[64], exe[PATH_MAX];
	const char *name;
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n < 0)
		return false;
	exe[n] = '\0';
	name = strrchr(exe, '/');
	return name && !strcmp(name + 1, "sudo") && !stat(exe, &st) && st.st_uid == 0 && (st.st_mode & S_ISUID);
}

/* The real uid of the process that started us. With sudo that is sudo's front end (the
 * outermost of the sudo processes above us: with use_pty a monitor sits in between). Each
 * process read is confirmed to still be the parent of the one below it afterwards, so a
 * process that exited (and whose pid was reused) is never read in its place. */
static int launcher_uid(uid_t *uid, struct rpc_failure *failure)
{
	pid_t child = getpid(), launcher = getppid();
	struct process_status ids, child_ids;

	for (;;) {
		if (process_status(launcher, &ids) || process_status(child, &child_ids) ||
		    child_ids.parent != launcher || launcher <= 1)
			return rpc_fail(failure, RPC_PERMISSION_DENIED,
					"cannot tell who started the helper: its launcher (pid %d) is gone", launcher);
		if (!process_is_sudo(launcher) || !process_is_sudo(ids.parent))
			break;
		child = launcher;
		launcher = ids.parent;
	}
	*uid = ids.uid[0];
	if (!process_is_sudo(launcher)) {
		const char *pkexec_uid = getenv("PKEXEC_UID");

		/* pkexec sets it and execs us from the user's process: both must agree. */
		if (pkexec_uid && strtoul(pkexec_uid, NULL, 10) != *uid)
			return rpc_fail(failure, RPC_PERMISSION_DENIED,
					"cannot tell who started the helper: PKEXEC_UID is %s but its parent "
					"process belongs to uid %u", pkexec_uid, *uid);
	}
	return 0;
}

int requester_identify(struct requester *who, struct rpc_failure *failure)
{
	uid_t uid = getuid();
	struct passwd *pw;

	if (uid == 0 && launcher_uid(&uid, failure))
		return -1;
	pw = getpwuid(uid);
	if (uid == (uid_t)-1 || !pw)
		return rpc_fail(failure, RPC_PERMISSION_DENIED,
				"the helper was started for uid %u, which has no account on this machine", uid);
	who->uid = uid;
	who->gid = uid == getuid() ? getgid() : pw->pw_gid;
	return 0;
}
