/* The probe/entryCosts request: what one uprobe hit costs on this machine for each kind of
 * first instruction, and whether the kernel turns a 5-byte nop into a call (optimized uprobes),
 * measured by trying, never inferred from a version. */
#ifndef PROBE_LENS_ENTRY_COSTS_H
#define PROBE_LENS_ENTRY_COSTS_H

#include <stdbool.h>
#include <jansson.h>
#include "capabilities.h"
#include "rpc.h"

json_t *entry_costs_measure(const struct capability_report *capabilities, json_t *params, struct rpc_failure *failure);

/* Whether the kernel's user stack walk at a uprobe on a function's push %rbp includes the
 * function's caller (Linux 6.11+) or starts past it, from the frame pointer: tried on the
 * helper's own code. 0 or -errno. */
int uprobe_walk_has_caller(bool *has_caller);

#endif
