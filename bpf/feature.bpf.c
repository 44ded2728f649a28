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
