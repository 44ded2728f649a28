/* What the running kernel and our privileges allow, measured by trying. */
#ifndef PROBE_LENS_CAPABILITIES_H
#define PROBE_LENS_CAPABILITIES_H

#include <stdbool.h>
#include <jansson.h>

#define TRACEFS_PATH "/sys/kernel/tracing"
#define CAPABILITY_REASON_MAX 512

struct capability {
	bool available;
	char reason[CAPABILITY_REASON_MAX];	/* empty when available */
};

struct capability_report {
	bool privileged;
	bool tracefs_mounted;
	struct capability uprobe, uretprobe, kprobe, kretprobe, fentry, fexit, tracepoint;
	struct capability uprobe_multi;	/* one link for many functions; else a link per function */
};

void capabilities_measure(struct capability_report *report);
/* Marks every probe kind unavailable for reason: the programs they all need did not load. */
void capabilities_withdraw(struct capability_report *report, const char *reason);
/* Whether the kernel has uprobe_multi links (Linux 6.6), and whether their pid filter filters a
 * process (6.10; before, one thread); PROBE_LENS_DISABLE_UPROBE_MULTI turns them off. Quick: a
 * few syscalls. */
void capabilities_check_uprobe_multi(struct capability *cap, bool *filters_process);
/* The `probeKinds` object of the initialize result. */
json_t *capabilities_to_json(const struct capability_report *report);
/* The `mechanisms` object of the initialize result: how probes are attached here. */
json_t *capabilities_mechanisms_json(const struct capability_report *report);

#endif
