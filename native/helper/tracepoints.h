/* Tracepoints and syscalls: their record layout read from tracefs, turned into a capture. */
#ifndef PROBE_LENS_TRACEPOINTS_H
#define PROBE_LENS_TRACEPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "attach_request.h"
#include "probe.h"
#include "rpc.h"

#define TRACEPOINT_NAME_MAX 128

struct tracepoint_capture {
	char category[TRACEPOINT_NAME_MAX];
	char name[TRACEPOINT_NAME_MAX];
	char signature[512];		/* "sys_enter_openat(int dfd, const char * filename, …)" */
	int nargs;
	struct captured_arg args[MAX_ARGS];
	struct arg_config arg_configs[MAX_ARGS];
	char not_captured[160];
	bool has_ret;			/* sys_exit_*: its `ret` field */
	struct arg_config ret_config;
};

/* category:name, e.g. sched:sched_process_exec. Unknown ones name the nearest that exists. */
int tracepoint_describe(const char *category, const char *name, struct tracepoint_capture *tp,
			struct rpc_failure *failure);

/* A syscall by name: its sys_enter_ record for the arguments, sys_exit_ for the return. */
int syscall_describe(const char *syscall, struct tracepoint_capture *enter,
		     struct tracepoint_capture *exit, struct rpc_failure *failure);

/* Names containing filter (all when NULL), at most limit, with the total that matched:
 * "CATEGORY:NAME" for tracepoints, bare names for syscalls. */
json_t *tracepoint_list(const char *filter, size_t limit, size_t *total);
json_t *syscall_list(const char *filter, size_t limit, size_t *total);

#endif
