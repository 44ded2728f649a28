/* Lists kernel functions (from BTF, with signatures), syscalls and tracepoints (from tracefs),
 * filtered by a substring, with the mechanism a kernel function probe would get here and why
 * — so an editor can say "kprobes are unavailable: …" before the user picks anything. */
#include <string.h>
#include "kernel_btf.h"
#include "kernel_catalog.h"
#include "params.h"
#include "tracepoints.h"

#define DEFAULT_LIMIT 100000

json_t *kernel_catalog(const struct capability_report *caps, json_t *params, struct rpc_failure *failure)
{
	static const char *const fields[] = { "filter", "limit", NULL };
	const char *filter = NULL, *mechanism = NULL;
	int64_t limit = DEFAULT_LIMIT;
	size_t functions_total, syscalls_total, tracepoints_total;
	json_t *functions, *syscalls, *tracepoints, *result;
	char reason[2 * CAPABILITY_REASON_MAX + 32] = "";

	if (params && (!json_is_object(params) || params_only(params, "probe/kernelCatalog", fields, failure) ||
		       params_string(params, "filter", 128, &filter, failure) < 0 ||
		       params_integer(params, "limit", 0, DEFAULT_LIMIT, &limit, failure) < 0)) {
		if (!json_is_object(params))
			rpc_fail(failure, RPC_BAD_PARAMS, "probe/kernelCatalog takes an object");
		return NULL;
	}
	if (filter && !*filter)
		filter = NULL;
	if (caps->fentry.available && caps->fexit.available)
		mechanism = "fentry";
	else if (caps->kprobe.available)
		mechanism = "kprobe";
	if (!mechanism)
		snprintf(reason, sizeof(reason), "fentry/fexit: %s; kprobes: %s",
			 caps->fentry.available ? caps->fexit.reason : caps->fentry.reason, caps->kprobe.reason);
	functions = kernel_function_list(filter, limit, &functions_total);
	syscalls = syscall_list(filter, limit, &syscalls_total);
	tracepoints = tracepoint_list(filter, limit, &tracepoints_total);
	result = json_pack("{s:o, s:o, s:I, s:o, s:I, s:o, s:I, s:o}",
			   "functionMechanism", mechanism ? json_string(mechanism) : json_null(),
			   "functions", functions, "functionsTotal", (json_int_t)functions_total,
			   "syscalls", syscalls, "syscallsTotal", (json_int_t)syscalls_total,
			   "tracepoints", tracepoints, "tracepointsTotal", (json_int_t)tracepoints_total,
			   "tracepointsAvailable", json_boolean(caps->tracepoint.available));
	if (!mechanism)
		json_object_set_new(result, "functionMechanismReason", json_string(reason));
	if (!caps->tracepoint.available)
		json_object_set_new(result, "tracepointsReason", json_string(caps->tracepoint.reason));
	return result;
}
