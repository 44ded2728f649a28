/* The engine's insides, shared by the probe table (probes.c) and the target kinds that
 * attach probes (attach_user.c, attach_kernel.c). Not for main.c: see probes.h. */
#ifndef PROBE_LENS_ENGINE_H
#define PROBE_LENS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <linux/limits.h>
#include <jansson.h>
#include "access.h"
#include "attach_request.h"
#include "capabilities.h"
#include "probe.h"
#include "probes.h"
#include "records.h"
#include "stacks.h"
#include "rpc.h"

struct process_filter {
	int refs;		/* probes using it; 0: free */
	pid_t pid;
	bool descendants, from_exec;
	int pidfd;
	bool exited;
};

struct engine;
struct probe;

/* Functions of one binary attached by one probe/attachFunctions: one uprobe_multi link for
 * their entries and one for their returns, each function's slot its cookie, and one descriptor
 * of the binary. Where the kernel has no such links, each member has links of its own. */
struct probe_group {
	int members;		/* probes that point here; freed at 0 */
	int live;		/* members still counting: the links go when none is */
	int binary_fd;
	signed char frame_pointers;	/* the binary keeps them: 0 not looked yet, 1 yes, -1 no */
	struct bpf_link *entry_link, *return_link;
};

#define TOP_VALUES 5

struct value_count {
	uint64_t value, count;
};

/* A field's most frequent values, most first (ties: the smaller value), exact. */
struct top_values {
	struct value_count top[TOP_VALUES];
	int n;
	uint64_t seen;		/* counted by value in all */
};

/* One kind of target. prepare() validates and resolves the request and fills the BPF config's
 * capture; attach() creates the links once the config is in the map; describe() adds the
 * kind's fields to attach results; release() frees what prepare() and attach() took. */
struct target_ops {
	int (*prepare)(struct engine *engine, struct probe *probe, const struct attach_request *request,
		       struct probe_config *cfg, struct rpc_failure *failure);
	int (*attach)(struct engine *engine, struct probe *probe, __u32 slot, struct rpc_failure *failure);
	void (*describe)(const struct probe *probe, json_t *result);
	void (*release)(struct engine *engine, struct probe *probe);
};

/* attach_user.c: the links of a group whose members are prepared and configured. */
int attach_user_group(struct engine *engine, struct probe_group *group, struct probe **members, int count,
		      struct rpc_failure *failure);

extern const struct target_ops user_function_target, kernel_function_target, tracepoint_target,
	syscall_target;

struct probe {
	bool used;
	bool live;		/* counting; false once ended or detached */
	bool detached;		/* answered probe/detach: the slot frees once its links are gone */
	unsigned int id;
	const struct target_ops *ops;
	const char *kind;	/* as reported: uprobe, fentry, kprobe, tracepoint */
	struct bpf_link *entry_link, *return_link;
	bool retprobe;
	/* Records: RECORDS_ALL, none (0), or at most this many calls (with their returns) a
	 * second, sampled evenly in time in BPF (probe_gates). */
	int64_t records_per_second;
	bool counts_returns;	/* its return values are counted in value_counts */
	/* Its calls' user stacks are counted (stack_counts) and go with its records: how deep,
	 * and whether the caller is read at the stack pointer (else the kernel's walk gives it). */
	bool stacks;
	int stack_depth;
	bool stack_reads_caller;
	uint64_t stacks_seen;	/* counted in the tally at its last read */
	bool has_condition;	/* counts the calls that meet it as "matched"; only they go further */
	bool pending_calls;	/* its condition is decided at the return: call records wait for it */
	int values_of;		/* 1 + the argument whose values are counted (valuesOf); 0: none */
	/* The most frequent return values and counted argument's values, as last read from value_counts. */
	struct top_values top_returns, top_arg_values;
	/* The counted argument's log2 histogram, as last read: bucket k (-64..64) at k + LOG2_BUCKETS. */
	uint64_t arg_buckets[2 * LOG2_BUCKETS + 1];
	int nargs;
	struct captured_arg args[MAX_ARGS];
	bool capture_ret;
	enum value_type ret_type;
	struct captured_arg ret_struct;
	struct process_filter *filter;	/* NULL: no process filter */
	struct probe_group *group;	/* NULL: attached alone */
	double attach_ms;
	uint64_t helper_dropped;	/* over the event-rate limit */
	uint64_t last_sent_calls, last_sent_returns, last_sent_dropped, last_sent_sampled_out;
	/* Returns counted by value as last sent (top_returns.seen: when last read): a return is counted
	 * a moment before its value is, so the values are read again until they have caught up. */
	uint64_t last_sent_values_seen;

	/* user functions */
	int binary_fd;
	int binary_watch;	/* inotify watch descriptor, -1 if none */
	char binary[PATH_MAX];
	char symbol[MAX_SYMBOL_NAME + 1];
	bool by_symbol;
	bool past_endbr64;	/* offset is 4 bytes into the function, after its endbr64 */
	uint64_t offset, address;

	/* kernel functions, tracepoints, syscalls */
	struct kfunc_bpf *kfunc;	/* fentry/fexit: loaded for this function alone */
	enum kernel_mechanism mechanism;
	char kernel_target[2 * MAX_SYMBOL_NAME + 2];	/* function, CATEGORY:NAME, or syscall */
	char signature[512];
	char not_captured[160];		/* why some parameters are not shown */
	char fallback[2 * MAX_SYMBOL_NAME + 320];	/* why fentry was not used, when it was wanted */
};

struct engine {
	struct requester who;
	struct capability_report capabilities;
	struct capability uprobe_multi;	/* checked before the programs for it were loaded */
	bool uprobe_multi_filters_process;	/* else the links are given no pid (Linux < 6.10) */
	struct probe_bpf *skel;
	struct ring_buffer *ring;
	int inotify_fd;		/* tells us when a probed binary is rebuilt */
	bool following_processes;	/* fork/exec/exit programs attached */
	struct probe probes[MAX_PROBES];
	struct process_filter filters[MAX_FILTERS];
	unsigned int next_id;
	int ncpus;
	struct probe_stats *percpu;	/* scratch for map reads */
	struct value_key *value_keys;	/* scratch for reading value_counts, MAX_COUNTED_VALUES each */
	__u64 *value_counts;
	struct stack_tally *stacks;
	int walk_has_caller;	/* the kernel's stack walk at a push %rbp gives the caller: 1, 0, -1 unknown */
	struct record_batch batch;
	/* Call records of probes whose condition is decided at the return, written and waiting for
	 * it, oldest first: sent with their return, or dropped with a discard record. */
	struct pending_call {
		__u32 slot, tid;
		char *record;
		size_t len;
	} *pending;
	size_t npending;
	struct record_batch pending_scratch;	/* where a pending record is written */
	unsigned int consumed;		/* records read in this round of drain_ring */
	long events_per_second;
	long events_this_second;
	time_t current_second;
	unsigned int ticks;
	watch_fd_fn watch_fd;
	void *watch_ctx;
};

/* The pid a perf-event attach can be limited to: one process (across its execve, the task
 * stays) lets the kernel place breakpoints in that process alone; trees of processes are
 * probed everywhere and filtered in BPF, which only root may ask for. */
pid_t probe_perf_pid(const struct probe *probe);

/* Maps -errno from an attach to a failure naming what was refused. */
int attach_failure(int err, const char *what, struct rpc_failure *failure);

#endif
