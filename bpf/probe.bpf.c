// SPDX-License-Identifier: GPL-2.0
/* Generic uprobe/uretprobe programs: one program, many attachments. The attach cookie names
 * the probe slot; probe_configs says what to capture for it. Counters and latency histograms
 * are kept here exactly; full records go through the ring buffer, and a record that does not
 * fit is counted as dropped. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "probe.h"

char LICENSE[] SEC("license") = "GPL";

/* Filters whose trees take in forked children; set by the helper. */
volatile __u64 descendant_filters;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_PROBES);
	__type(key, __u32);
	__type(value, struct probe_config);
} probe_configs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_PROBES);
	__type(key, __u32);
	__type(value, struct probe_stats);
} probe_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);	/* tgid */
	__type(value, struct traced_process);
} traced_processes SEC(".maps");

struct frame {
	__u64 ts_ns;
	__u32 slot;
	__u32 pad;
};

struct thread_stack {
	__u32 depth;		/* frames in use */
	__u32 overflow;		/* entries past MAX_DEPTH, popped first */
	struct frame frames[MAX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);	/* tid */
	__type(value, struct thread_stack);
} thread_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

static const struct thread_stack empty_stack;

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFF) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline bool process_selected(const struct probe_config *cfg, __u32 tgid)
{
	if (cfg->filter_uid != (__u32)-1 && (__u32)bpf_get_current_uid_gid() != cfg->filter_uid)
		return false;
	if (cfg->filter_id) {
		struct traced_process *traced = bpf_map_lookup_elem(&traced_processes, &tgid);
		__u64 bit = 1ULL << ((cfg->filter_id - 1) & (MAX_FILTERS - 1));

		return traced && (traced->member_of & traced->active_for & bit);
	}
	return !cfg->filter_tgid || cfg->filter_tgid == tgid;
}

static __always_inline __u64 read_arg(struct pt_regs *ctx, const struct arg_config *arg)
{
	__u64 value = 0;

	switch (arg->location) {
	case ARG_REG_RDI: return PT_REGS_PARM1(ctx);
	case ARG_REG_RSI: return PT_REGS_PARM2(ctx);
	case ARG_REG_RDX: return PT_REGS_PARM3(ctx);
	case ARG_REG_RCX: return PT_REGS_PARM4(ctx);
	case ARG_REG_R8: return PT_REGS_PARM5(ctx);
	case ARG_REG_R9: return ctx->r9;	/* libbpf 1.1 has no PT_REGS_PARM6 */
	case ARG_STACK:
		bpf_probe_read_user(&value, sizeof(value),
				    (void *)(PT_REGS_SP(ctx) + arg->stack_offset));
		return value;
	}
	return 0;
}

static __always_inline void fill_header(struct event *e, __u8 type, __u32 slot, __u64 id, __u64 now)
{
	e->type = type;
	e->flags = 0;
	e->slot = slot;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ts_ns = now;
	e->latency_ns = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/* A string the process has not touched yet (a literal on a page never faulted in) cannot be
 * read without faulting; only a sleepable program may fault, so it touches the page first. */
static __always_inline void fault_in(const void *user_ptr, bool sleepable)
{
	char byte;

	if (sleepable)
		bpf_copy_from_user(&byte, 1, user_ptr);
}

static __always_inline void emit_call(struct pt_regs *ctx, const struct probe_config *cfg,
				      struct probe_stats *stats, __u32 slot, __u64 id, __u64 now,
				      bool sleepable)
{
	struct event_with_strings *big = NULL;
	struct event *e;
	__u32 len = cfg->string_len;

	if (cfg->has_strings) {
		big = bpf_ringbuf_reserve(&events, sizeof(*big), 0);
		e = big ? &big->base : NULL;
	} else {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	}
	if (!e) {
		__sync_fetch_and_add(&stats->dropped, 1);
		return;
	}
	fill_header(e, EVENT_CALL, slot, id, now);
	if (len > MAX_STRING)
		len = MAX_STRING;
	for (int i = 0; i < MAX_ARGS; i++) {
		if (i >= cfg->nargs)
			break;
		e->values[i] = read_arg(ctx, &cfg->args[i]);
		if (big && cfg->args[i].is_string) {
			big->strings[i][0] = '\0';
			fault_in((void *)e->values[i], sleepable);
			bpf_probe_read_user_str(big->strings[i], len, (void *)e->values[i]);
		}
	}
	if (big)
		e->flags |= EVENT_HAS_STRINGS;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int on_entry(struct pt_regs *ctx, bool sleepable)
{
	__u32 slot = bpf_get_attach_cookie(ctx);
	__u64 id = bpf_get_current_pid_tgid();
	struct probe_config *cfg = bpf_map_lookup_elem(&probe_configs, &slot);
	struct probe_stats *stats = bpf_map_lookup_elem(&probe_stats, &slot);
	struct thread_stack *stack;
	__u32 tid = (__u32)id;
	__u64 now;

	if (!cfg || !stats || !process_selected(cfg, id >> 32))
		return 0;
	now = bpf_ktime_get_ns();
	__sync_fetch_and_add(&stats->calls, 1);

	stack = bpf_map_lookup_elem(&thread_stacks, &tid);
	if (!stack) {
		bpf_map_update_elem(&thread_stacks, &tid, &empty_stack, BPF_NOEXIST);
		stack = bpf_map_lookup_elem(&thread_stacks, &tid);
	}
	if (stack) {
		__u32 depth = stack->depth;

		if (depth < MAX_DEPTH) {
			stack->frames[depth].ts_ns = now;
			stack->frames[depth].slot = slot;
			stack->depth = depth + 1;
		} else {
			stack->overflow++;
		}
	}

	if (cfg->emit_events)
		emit_call(ctx, cfg, stats, slot, id, now, sleepable);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(probe_entry)
{
	return on_entry(ctx, false);
}

/* For probes that capture strings: may fault pages in, so strings are read wherever they are. */
SEC("uprobe.s")
int BPF_KPROBE(probe_entry_sleepable)
{
	return on_entry(ctx, true);
}

SEC("uretprobe")
int BPF_KRETPROBE(probe_return)
{
	__u32 slot = bpf_get_attach_cookie(ctx);
	__u64 id = bpf_get_current_pid_tgid();
	struct probe_config *cfg = bpf_map_lookup_elem(&probe_configs, &slot);
	struct probe_stats *stats = bpf_map_lookup_elem(&probe_stats, &slot);
	struct thread_stack *stack;
	__u32 tid = (__u32)id;
	__u64 now, latency = 0;
	bool paired = false;
	struct event *e;

	if (!cfg || !stats || !process_selected(cfg, id >> 32))
		return 0;
	now = bpf_ktime_get_ns();
	__sync_fetch_and_add(&stats->returns, 1);

	stack = bpf_map_lookup_elem(&thread_stacks, &tid);
	if (stack) {
		__u32 depth = stack->depth;

		if (stack->overflow) {
			stack->overflow--;
		} else if (depth > 0 && depth <= MAX_DEPTH &&
			   stack->frames[depth - 1].slot == slot) {
			latency = now - stack->frames[depth - 1].ts_ns;
			stack->depth = depth - 1;
			paired = true;
		}
	}
	if (paired)
		__sync_fetch_and_add(&stats->latency_hist[log2_u64(latency) & (LATENCY_BUCKETS - 1)], 1);

	if (!cfg->emit_events)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&stats->dropped, 1);
		return 0;
	}
	fill_header(e, EVENT_RETURN, slot, id, now);
	e->values[0] = PT_REGS_RC(ctx);
	if (paired) {
		e->flags |= EVENT_LATENCY_KNOWN;
		e->latency_ns = latency;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* A new process (not a thread) joins the trees its parent belongs to that take descendants. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(follow_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 parent_tgid = BPF_CORE_READ(parent, tgid);
	__u32 child_tgid = BPF_CORE_READ(child, tgid);
	struct traced_process *traced, inherited;

	if (child_tgid == parent_tgid)
		return 0;
	traced = bpf_map_lookup_elem(&traced_processes, &parent_tgid);
	if (!traced)
		return 0;
	inherited.member_of = traced->member_of & descendant_filters;
	inherited.active_for = traced->active_for & inherited.member_of;
	if (inherited.member_of)
		bpf_map_update_elem(&traced_processes, &child_tgid, &inherited, BPF_ANY);
	return 0;
}

/* A command held before its first instruction is counted from its execve on. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(follow_exec, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct traced_process *traced = bpf_map_lookup_elem(&traced_processes, &tgid);

	if (traced)
		traced->active_for |= traced->member_of;
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(forget_exit, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (BPF_CORE_READ(task, pid) == tgid)
		bpf_map_delete_elem(&traced_processes, &tgid);
	return 0;
}
