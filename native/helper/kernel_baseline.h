/* What every probe's BPF programs need from the kernel, so that a kernel too old for them is
 * named in plain words instead of a verifier's refusal. */
#ifndef PROBE_LENS_KERNEL_BASELINE_H
#define PROBE_LENS_KERNEL_BASELINE_H

#include "rpc.h"

/* Oldest kernel with everything below (sleepable uprobe programs came last). */
#define KERNEL_BASELINE "5.19"

/* When the running kernel lacks some of it, tried one by one, fails with RPC_FEATURE_UNAVAILABLE
 * naming each missing piece and the Linux release that added it, and returns -1; else 0. */
int kernel_baseline_check(struct rpc_failure *failure);

#endif
