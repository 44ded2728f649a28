/* Kernel functions as kernel BTF describes them: names, signatures, and what to capture. */
#ifndef PROBE_LENS_KERNEL_BTF_H
#define PROBE_LENS_KERNEL_BTF_H

#include <stdbool.h>
#include <jansson.h>
#include "attach_request.h"
#include "probe.h"
#include "rpc.h"

#define KERNEL_NAME_MAX 128

struct kernel_function {
	char name[KERNEL_NAME_MAX];
	char signature[512];		/* "struct cred *prepare_creds(void)" */
	int nargs;			/* captured: the leading parameters BPF can read */
	struct captured_arg args[MAX_ARGS];
	char not_captured[160];		/* why later parameters are not shown; empty if all are */
	bool has_ret;
	enum value_type ret_type;
};

/* Looks name up in vmlinux BTF; RPC_SYMBOL_NOT_FOUND names the nearest function. */
int kernel_function_find(const char *name, struct kernel_function *fn, struct rpc_failure *failure);

/* Fills cfg's argument and return locations: by index for fentry/fexit, by register for
 * kprobe/kretprobe. */
void kernel_function_configure(const struct kernel_function *fn, bool fentry, struct probe_config *cfg);

/* [{name, signature}] of functions whose name contains filter (all when NULL), at most limit. */
json_t *kernel_function_list(const char *filter, size_t limit, size_t *total);

#endif
