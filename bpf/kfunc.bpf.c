// SPDX-License-Identifier: GPL-2.0
/* fentry/fexit for one kernel function: a BPF trampoline is bound to its function when the
 * program loads, so the helper loads this object once per probed function, sets the slot
 * below, and shares probe.bpf.c's maps with it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "probe_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 slot;

SEC("fentry")
int kfunc_entry(void *ctx)
{
	return record_entry(ctx, CTX_FUNC_ARGS, slot, false);
}

SEC("fexit")
int kfunc_return(void *ctx)
{
	return record_return(ctx, CTX_FUNC_ARGS, slot);
}
