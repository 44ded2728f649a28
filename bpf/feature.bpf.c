// SPDX-License-Identifier: GPL-2.0
/* Tiny programs the helper try-loads to learn what the running kernel allows: a loaded
 * program is proof, a version number is a guess. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("fentry/bpf_fentry_test1")
int BPF_PROG(try_fentry, int a)
{
	return 0;
}

SEC("fexit/bpf_fentry_test1")
int BPF_PROG(try_fexit, int a, int ret)
{
	return 0;
}

SEC("kprobe/bpf_fentry_test1")
int BPF_KPROBE(try_kprobe)
{
	return 0;
}

/* Attached to the helper's own test functions to time one uprobe hit (entry_costs.c). */
SEC("uprobe")
int BPF_KPROBE(count_hit)
{
	return 0;
}

/* At a function's first instruction (a push %rbp): the second frame of the kernel's user stack
 * walk, and the return address at the stack pointer. Equal where the kernel puts the caller in
 * (Linux 6.11+); elsewhere the walk, starting from the frame pointer, leaves it out. */
__u64 walked_second, caller_at_sp;
long walked_bytes;

SEC("uprobe")
int BPF_KPROBE(walk_user_stack)
{
	__u64 frames[2] = {};

	walked_bytes = bpf_get_stack(ctx, frames, sizeof(frames), BPF_F_USER_STACK);
	walked_second = frames[1];
	bpf_probe_read_user(&caller_at_sp, sizeof(caller_at_sp), (void *)PT_REGS_SP(ctx));
	return 0;
}
