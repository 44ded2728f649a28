// SPDX-License-Identifier: GPL-2.0
/* Generic programs: one program, many attachments. The attach cookie names the probe slot;
 * probe_configs says what to capture for it. Counters and latency histograms are kept here
 * exactly; full records go through the ring buffer, and a record that does not fit is
 * counted as dropped. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "probe_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Filters whose trees take in forked children; set by the helper. */
volatile __u64 descendant_filters;

SEC("uprobe")
int BPF_KPROBE(probe_entry)
{
	return record_entry(ctx, CTX_PT_REGS, bpf_get_attach_cookie(ctx), false);
}

/* For probes that capture strings: may fault pages in, so strings are read wherever they are. */
SEC("uprobe.s")
int BPF_KPROBE(probe_entry_sleepable)
{
	return record_entry(ctx, CTX_PT_REGS, bpf_get_attach_cookie(ctx), true);
}

SEC("uretprobe")
int BPF_KRETPROBE(probe_return)
{
	return record_return(ctx, CTX_PT_REGS, bpf_get_attach_cookie(ctx));
}

/* The same three for uprobe_multi links (Linux 6.6+): one link serves every function of a
 * request, each function's slot its cookie. Not loaded where the kernel lacks them. */
SEC("uprobe.multi")
int BPF_KPROBE(probe_entry_multi)
{
	return record_entry(ctx, CTX_PT_REGS, bpf_get_attach_cookie(ctx), false);
}

SEC("uprobe.multi.s")
int BPF_KPROBE(probe_entry_multi_sleepable)
{
	return record_entry(ctx, CTX_PT_REGS, bpf_get_attach_cookie(ctx), true);
}

SEC("uretprobe.multi")
int BPF_KRETPROBE(probe_return_multi)
{
	return record_return(ctx, CTX_PT_REGS, bpf_get_attach_cookie(ctx));
}

SEC("kprobe")
int BPF_KPROBE(kprobe_entry)
{
	return record_entry(ctx, CTX_PT_REGS, bpf_get_attach_cookie(ctx), false);
}

SEC("kretprobe")
int BPF_KRETPROBE(kprobe_return)
{
	return record_return(ctx, CTX_PT_REGS, bpf_get_attach_cookie(ctx));
}

SEC("tracepoint")
int tracepoint_entry(void *ctx)
{
	return record_entry(ctx, CTX_TRACEPOINT, bpf_get_attach_cookie(ctx), false);
}

/* The sys_exit_* half of a syscall probe. */
SEC("tracepoint")
int tracepoint_return(void *ctx)
{
	return record_return(ctx, CTX_TRACEPOINT, bpf_get_attach_cookie(ctx));
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
