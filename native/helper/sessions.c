/* Per-user limits across helper processes: each helper started for a user who is not root
 * holds one of MAX_SESSIONS_PER_USER slots, an flock on a file under SESSIONS_DIR, which the
 * kernel releases when the helper exits however it ends. Each session's BPF maps (~23 MB) are
 * charged to root, so this bounds what one user can make root pay. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "sessions.h"

#define SESSIONS_DIR "/run/probe-lens"

int session_claim(const struct requester *who, struct rpc_failure *failure)
{
	struct stat st;

	/* Root's sessions are not limited; a helper with file capabilities runs as the user,
	 * whose own memory limits apply. */
	if (who->uid == 0 || geteuid() != 0)
		return 0;
	if ((mkdir(SESSIONS_DIR, 0700) && errno != EEXIST) || lstat(SESSIONS_DIR, &st) ||
	    !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return rpc_fail(failure, RPC_LIMIT_REACHED, "cannot count the helper sessions of uid %u: "
				SESSIONS_DIR " must be a directory owned and writable only by root", who->uid);
	for (int slot = 0; slot < MAX_SESSIONS_PER_USER; slot++) {
		char path[96];
		int fd;

		snprintf(path, sizeof(path), SESSIONS_DIR "/uid-%u.%d", who->uid, slot);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			continue;
		if (!flock(fd, LOCK_EX | LOCK_NB))
			return 0;	/* held until we exit: the fd stays open */
		close(fd);
	}
	return rpc_fail(failure, RPC_LIMIT_REACHED,
			"uid %u already has %d Probe Lens helper sessions, the most one user who is not root "
			"may have: close another editor window or probe-lens run first", who->uid,
			MAX_SESSIONS_PER_USER);
}
