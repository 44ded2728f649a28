/* What the running kernel and our privileges allow, measured by trying. */
#ifndef PROBE_LENS_CAPABILITIES_H
#define PROBE_LENS_CAPABILITIES_H

#include <stdbool.h>
#include <jansson.h>

#define TRACEFS_PATH "/sys/kernel/tracing"

struct capability {
	bool available;
	char reason[256];	/* empty when available */
};

struct capability_report {
	bool privileged;
	bool tracefs_mounted;
	struct capability uprobe, uretprobe, kprobe, kretprobe, fentry, fexit, tracepoint;
};

void capabilities_measure(struct capability_report *report);
/* Marks every probe kind unavailable for reason: the programs they all need did not load. */
void capabilities_withdraw(struct capability_report *report, const char *reason);
/* The `probeKinds` object of the initialize result. */
json_t *capabilities_to_json(const struct capability_report *report);

#endif
