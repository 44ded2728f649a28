/* Who the helper works for, and what that user may probe. */
#ifndef PROBE_LENS_ACCESS_H
#define PROBE_LENS_ACCESS_H

#include <stdbool.h>
#include <sys/types.h>
#include "rpc.h"

struct requester {
	uid_t uid;
	gid_t gid;
};

/* The user who started us (requester.c): the real uid, or when that is root, the real uid of
 * the launcher — sudo's front end, or the process pkexec was run from. -1 with a reason when
 * it cannot be told or has no account. */
int requester_identify(struct requester *who, struct rpc_failure *failure);

/* From /proc/PID/status: the parent, and the real, effective and saved uids and gids. */
struct process_status {
	pid_t parent;
	unsigned int uid[3], gid[3];
};

int process_status(pid_t pid, struct process_status *status);

/* True when the helper itself may load and attach BPF programs. */
bool helper_is_privileged(void);

/* Opens an ELF file the requester may read, as the requester, so permissions, ACLs and the
 * directories on the way are checked by the kernel. The fd is what gets probed afterwards:
 * a path swapped after this check changes nothing. Fills canonical with the resolved path. */
int open_binary_as(const struct requester *who, const char *path, char *canonical,
		   size_t canonical_size, struct rpc_failure *failure);

/* Kernel probes see every process: root may use them, and others only where an administrator
 * allowed it in KERNEL_PROBES_CONFIG (root-owned, not writable by others) with a line
 * `kernel-probes-group = GROUP` naming a group the requester belongs to. */
#define KERNEL_PROBES_CONFIG_DIR "/etc/probe-lens"
#define KERNEL_PROBES_CONFIG KERNEL_PROBES_CONFIG_DIR "/helper.conf"
int check_kernel_probes_allowed(const struct requester *who, struct rpc_failure *failure);

/* Checks that pid is alive and that the requester may trace it (root: any): real, effective
 * and saved uid and gid all the requester's, and dumpable. Returns a pidfd. */
int open_process_as(const struct requester *who, pid_t pid, struct rpc_failure *failure);

#endif
