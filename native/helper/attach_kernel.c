/* Kernel targets: kernel functions (fentry/fexit where the kernel allows BPF trampolines,
 * else kprobe/kretprobe, arguments named and typed from kernel BTF), tracepoints and syscalls
 * (fields named and typed from tracefs). They see every process, so only requesters an
 * administrator allowed may attach them (check_kernel_probes_allowed). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "engine.h"
#include "kernel_btf.h"
#include "tracepoints.h"
#include "kfunc.skel.h"
#include "probe.skel.h"

static void copy_capture(struct probe *probe, int nargs, const struct captured_arg *args, const char *not_captured)
{
	probe->nargs = nargs;
	memcpy(probe->args, args, nargs * sizeof(*args));
	snprintf(probe->not_captured, sizeof(probe->not_captured), "%s", not_captured);
}

/* ---- kernel functions ---- */

static bool fentry_usable(const struct engine *engine, bool retprobe, const char **reason)
{
	const struct capability_report *caps = &engine->capabilities;

	*reason = !caps->fentry.available ? caps->fentry.reason
		: retprobe && !caps->fexit.available ? caps->fexit.reason : NULL;
	return !*reason;
}

static int prepare_kernel_function(struct engine *engine, struct probe *probe, const struct attach_request *request,
				   struct probe_config *cfg, struct rpc_failure *failure)
{
	const struct capability *kprobe = &engine->capabilities.kprobe;
	struct kernel_function fn;
	const char *fentry_reason;
	bool fentry;

	if (check_kernel_probes_allowed(&engine->who, failure) ||
	    kernel_function_find(request->kernel_function, &fn, failure))
		return -1;
	fentry = request->mechanism != MECHANISM_KPROBE && fentry_usable(engine, probe->retprobe, &fentry_reason);
	if (request->mechanism == MECHANISM_FENTRY && !fentry)
		return rpc_fail(failure, RPC_FEATURE_UNAVAILABLE, "fentry/fexit: %s", fentry_reason);
	if (!fentry && !kprobe->available) {
		if (request->mechanism == MECHANISM_KPROBE)
			return rpc_fail(failure, RPC_FEATURE_UNAVAILABLE, "kprobes: %s", kprobe->reason);
		return rpc_fail(failure, RPC_FEATURE_UNAVAILABLE, "this kernel allows no kernel function probes: "
				"fentry/fexit: %s; kprobes: %s", fentry_reason, kprobe->reason);
	}
	if (!fentry && request->mechanism == MECHANISM_AUTO)
		snprintf(probe->fallback, sizeof(probe->fallback), "fentry/fexit: %s", fentry_reason);
	probe->mechanism = fentry ? MECHANISM_FENTRY : MECHANISM_KPROBE;
	probe->kind = fentry ? "fentry" : "kprobe";
	snprintf(probe->kernel_target, sizeof(probe->kernel_target), "%s", fn.name);
	snprintf(probe->signature, sizeof(probe->signature), "%s", fn.signature);
	copy_capture(probe, fn.nargs, fn.args, fn.not_captured);
	probe->capture_ret = fn.has_ret;
	probe->ret_type = fn.ret_type;
	kernel_function_configure(&fn, fentry, cfg);
	return 0;
}

/* Loads kfunc.bpf.c for this one function, on probe.bpf.c's maps. */
static int attach_fentry(struct engine *engine, struct probe *probe, __u32 slot)
{
	struct kfunc_bpf *skel = kfunc_bpf__open();
	struct { struct bpf_map *ours, *shared; } maps[] = {
		{ skel ? skel->maps.probe_configs : NULL, engine->skel->maps.probe_configs },
		{ skel ? skel->maps.probe_stats : NULL, engine->skel->maps.probe_stats },
		{ skel ? skel->maps.probe_gates : NULL, engine->skel->maps.probe_gates },
		{ skel ? skel->maps.value_counts : NULL, engine->skel->maps.value_counts },
		{ skel ? skel->maps.values_counted : NULL, engine->skel->maps.values_counted },
		{ skel ? skel->maps.traced_processes : NULL, engine->skel->maps.traced_processes },
		{ skel ? skel->maps.thread_stacks : NULL, engine->skel->maps.thread_stacks },
		{ skel ? skel->maps.thread_frames : NULL, engine->skel->maps.thread_frames },
		{ skel ? skel->maps.events : NULL, engine->skel->maps.events },
	};
	int err;

	if (!skel)
		return -errno;
	skel->rodata->slot = slot;
	err = bpf_program__set_attach_target(skel->progs.kfunc_entry, 0, probe->kernel_target);
	if (!err)
		err = bpf_program__set_attach_target(skel->progs.kfunc_return, 0, probe->kernel_target);
	bpf_program__set_autoload(skel->progs.kfunc_return, probe->retprobe);
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]) && !err; i++)
		err = bpf_map__reuse_fd(maps[i].ours, bpf_map__fd(maps[i].shared));
	if (!err)
		err = kfunc_bpf__load(skel);
	if (!err && !(probe->entry_link = bpf_program__attach(skel->progs.kfunc_entry)))
		err = -errno;
	if (!err && probe->retprobe && !(probe->return_link = bpf_program__attach(skel->progs.kfunc_return)))
		err = -errno;
	if (err) {
		bpf_link__destroy(probe->entry_link);
		probe->entry_link = NULL;
		kfunc_bpf__destroy(skel);
		return err;
	}
	probe->kfunc = skel;
	return 0;
}

static int attach_kprobe(struct engine *engine, struct probe *probe, __u32 slot)
{
	LIBBPF_OPTS(bpf_kprobe_opts, opts, .bpf_cookie = slot);

	probe->entry_link = bpf_program__attach_kprobe_opts(engine->skel->progs.kprobe_entry,
							    probe->kernel_target, &opts);
	if (probe->entry_link && probe->retprobe) {
		opts.retprobe = true;
		probe->return_link = bpf_program__attach_kprobe_opts(engine->skel->progs.kprobe_return,
								     probe->kernel_target, &opts);
	}
	return probe->entry_link && (!probe->retprobe || probe->return_link) ? 0 : -errno;
}

/* fentry may still fail for one function (notrace, or not in ftrace's list): with mechanism
 * auto, the same probe goes on as a kprobe, reading arguments from registers instead. */
static int fall_back_to_kprobe(struct engine *engine, struct probe *probe, __u32 slot, int fentry_err)
{
	int configs = bpf_map__fd(engine->skel->maps.probe_configs);
	struct probe_config cfg;

	if (!engine->capabilities.kprobe.available)
		return fentry_err;
	snprintf(probe->fallback, sizeof(probe->fallback), "fentry/fexit on %s failed (%s)",
		 probe->kernel_target, strerror(-fentry_err));
	if (bpf_map_lookup_elem(configs, &slot, &cfg))
		return -errno;
	for (int i = 0; i < cfg.nargs && i < MAX_ARGS; i++) {
		cfg.args[i].location = ARG_REG_RDI + i;
		cfg.args[i].offset = 0;
	}
	cfg.ret.location = ARG_RETURN_REG;
	if (bpf_map_update_elem(configs, &slot, &cfg, BPF_ANY))
		return -errno;
	probe->mechanism = MECHANISM_KPROBE;
	probe->kind = "kprobe";
	return attach_kprobe(engine, probe, slot);
}

static int attach_kernel_function(struct engine *engine, struct probe *probe, __u32 slot, struct rpc_failure *failure)
{
	char what[sizeof(probe->kernel_target) + 64];
	bool wanted_fentry_only = probe->mechanism == MECHANISM_FENTRY && !probe->fallback[0];
	int err;

	if (probe->mechanism == MECHANISM_FENTRY) {
		err = attach_fentry(engine, probe, slot);
		if (err && !wanted_fentry_only)
			err = fall_back_to_kprobe(engine, probe, slot, err);
	} else {
		err = attach_kprobe(engine, probe, slot);
	}
	if (!err)
		return 0;
	snprintf(what, sizeof(what), "the %s on kernel function %s", probe->kind, probe->kernel_target);
	if (err == -EINVAL || err == -ENOENT || err == -EADDRNOTAVAIL)
		return rpc_fail(failure, RPC_ATTACH_FAILED, "%s cannot be probed (%s): it is marked notrace, is on "
				"the kprobe blacklist, or was inlined everywhere%s%s", probe->kernel_target,
				strerror(-err), probe->fallback[0] ? "; " : "", probe->fallback);
	return attach_failure(err, what, failure);
}

/* Shared by every kernel target: what the probe shows. */
static void describe_kernel_target(const struct probe *probe, json_t *result, const char *key)
{
	json_t *args = json_array();

	for (int i = 0; i < probe->nargs; i++)
		json_array_append_new(args, json_pack("{s:s, s:s}", "name", probe->args[i].name,
						      "type", value_type_name(probe->args[i].type)));
	json_object_set_new(result, key, json_string(probe->kernel_target));
	json_object_set_new(result, "signature", json_string(probe->signature));
	json_object_set_new(result, "capture", json_pack("{s:o, s:o}", "args", args, "ret",
			    probe->capture_ret ? json_string(value_type_name(probe->ret_type)) : json_null()));
	if (probe->not_captured[0])
		json_object_set_new(result, "notCaptured", json_string(probe->not_captured));
	if (probe->fallback[0])
		json_object_set_new(result, "fallback", json_string(probe->fallback));
}

static void describe_kernel_function(const struct probe *probe, json_t *result)
{
	describe_kernel_target(probe, result, "kernelFunction");
}

static void release_kernel_target(struct engine *engine, struct probe *probe)
{
	(void)engine;
	kfunc_bpf__destroy(probe->kfunc);
	probe->kfunc = NULL;
}

const struct target_ops kernel_function_target = {
	.prepare = prepare_kernel_function,
	.attach = attach_kernel_function,
	.describe = describe_kernel_function,
	.release = release_kernel_target,
};

/* ---- tracepoints and syscalls ---- */

static int check_tracepoints_usable(struct engine *engine, struct rpc_failure *failure)
{
	if (check_kernel_probes_allowed(&engine->who, failure))
		return -1;
	if (!engine->capabilities.tracepoint.available)
		return rpc_fail(failure, RPC_FEATURE_UNAVAILABLE, "tracepoints: %s", engine->capabilities.tracepoint.reason);
	return 0;
}

static void configure_tracepoint(struct probe *probe, const struct tracepoint_capture *tp, struct probe_config *cfg)
{
	copy_capture(probe, tp->nargs, tp->args, tp->not_captured);
	snprintf(probe->signature, sizeof(probe->signature), "%s", tp->signature);
	cfg->nargs = tp->nargs;
	memcpy(cfg->args, tp->arg_configs, sizeof(cfg->args));
	for (int i = 0; i < tp->nargs; i++)
		cfg->has_strings |= tp->arg_configs[i].string != STRING_NONE;
}

static int prepare_tracepoint(struct engine *engine, struct probe *probe, const struct attach_request *request,
			      struct probe_config *cfg, struct rpc_failure *failure)
{
	struct tracepoint_capture tp;

	if (check_tracepoints_usable(engine, failure) ||
	    tracepoint_describe(request->tracepoint_category, request->tracepoint_name, &tp, failure))
		return -1;
	probe->kind = "tracepoint";
	probe->retprobe = false;	/* a tracepoint is a moment, not a call */
	snprintf(probe->kernel_target, sizeof(probe->kernel_target), "%s:%s", tp.category, tp.name);
	configure_tracepoint(probe, &tp, cfg);
	return 0;
}

static int attach_tracepoint_link(struct bpf_program *prog, const char *category, const char *name, __u32 slot,
				  struct bpf_link **link)
{
	LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = slot);

	*link = bpf_program__attach_tracepoint_opts(prog, category, name, &opts);
	return *link ? 0 : -errno;
}

static int attach_tracepoint(struct engine *engine, struct probe *probe, __u32 slot, struct rpc_failure *failure)
{
	char category[MAX_SYMBOL_NAME + 1], what[sizeof(probe->kernel_target) + 32];
	const char *colon = strchr(probe->kernel_target, ':');
	int err;

	snprintf(category, sizeof(category), "%.*s", (int)(colon - probe->kernel_target), probe->kernel_target);
	err = attach_tracepoint_link(engine->skel->progs.tracepoint_entry, category, colon + 1, slot, &probe->entry_link);
	snprintf(what, sizeof(what), "the tracepoint %s", probe->kernel_target);
	return err ? attach_failure(err, what, failure) : 0;
}

static void describe_tracepoint(const struct probe *probe, json_t *result)
{
	describe_kernel_target(probe, result, "tracepoint");
}

const struct target_ops tracepoint_target = {
	.prepare = prepare_tracepoint,
	.attach = attach_tracepoint,
	.describe = describe_tracepoint,
	.release = release_kernel_target,
};

static int prepare_syscall(struct engine *engine, struct probe *probe, const struct attach_request *request,
			   struct probe_config *cfg, struct rpc_failure *failure)
{
	struct tracepoint_capture enter, exit;

	if (check_tracepoints_usable(engine, failure) ||
	    syscall_describe(request->syscall, &enter, &exit, failure))
		return -1;
	probe->kind = "tracepoint";
	snprintf(probe->kernel_target, sizeof(probe->kernel_target), "%s", request->syscall);
	configure_tracepoint(probe, &enter, cfg);
	probe->capture_ret = exit.has_ret;
	probe->ret_type = VALUE_S64;
	cfg->ret = exit.ret_config;
	return 0;
}

static int attach_syscall(struct engine *engine, struct probe *probe, __u32 slot, struct rpc_failure *failure)
{
	char enter[sizeof(probe->kernel_target) + 16], exit[sizeof(probe->kernel_target) + 16];
	char what[sizeof(probe->kernel_target) + 32];
	int err;

	snprintf(enter, sizeof(enter), "sys_enter_%s", probe->kernel_target);
	snprintf(exit, sizeof(exit), "sys_exit_%s", probe->kernel_target);
	err = attach_tracepoint_link(engine->skel->progs.tracepoint_entry, "syscalls", enter, slot, &probe->entry_link);
	if (!err && probe->retprobe)
		err = attach_tracepoint_link(engine->skel->progs.tracepoint_return, "syscalls", exit, slot,
					     &probe->return_link);
	snprintf(what, sizeof(what), "the syscall tracepoints of %s", probe->kernel_target);
	return err ? attach_failure(err, what, failure) : 0;
}

static void describe_syscall(const struct probe *probe, json_t *result)
{
	describe_kernel_target(probe, result, "syscall");
}

const struct target_ops syscall_target = {
	.prepare = prepare_syscall,
	.attach = attach_syscall,
	.describe = describe_syscall,
	.release = release_kernel_target,
};
