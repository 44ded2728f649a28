/* Who the helper works for, and what that user may probe. */
#ifndef PROBE_LENS_ACCESS_H
#define PROBE_LENS_ACCESS_H

#include <sys/types.h>
#include "rpc.h"

struct requester {
	uid_t uid;
	gid_t gid;
};

/* The uid that started us: PKEXEC_UID or SUDO_UID when our real uid is root (only root could
 * have set them), else the real uid (a helper installed with file capabilities). */
void requester_identify(struct requester *who);

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
#define KERNEL_PROBES_CONFIG "/etc/probe-lens/helper.conf"
int check_kernel_probes_allowed(const struct requester *who, struct rpc_failure *failure);

/* Checks that pid is alive and belongs to the requester (root: any); returns a pidfd. */
int open_process_as(const struct requester *who, pid_t pid, struct rpc_failure *failure);

#endif
