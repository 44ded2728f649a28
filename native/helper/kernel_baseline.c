/* The kernel features our programs need, each tried (a map created, a helper or a sleepable
 * program loaded), never inferred from the version number: distributions backport. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel_baseline.h"

static bool has_map(enum bpf_map_type type)
{
	return libbpf_probe_bpf_map_type(type, NULL) == 1;
}

static bool has_helper(enum bpf_func_id helper)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, helper, NULL) == 1;
}

/* A uprobe program that may sleep (to fault in the strings it reads). */
static bool has_sleepable_uprobes(void)
{
	const struct bpf_insn return_zero[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_flags = BPF_F_SLEEPABLE);
	int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", return_zero, 2, &opts);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int kernel_baseline_check(struct rpc_failure *failure)
{
	const struct {
		const char *what, *since;
		bool present;
	} needs[] = {
		{ "ring buffers", "5.8", has_map(BPF_MAP_TYPE_RINGBUF) },
		{ "task-local storage", "5.11", has_map(BPF_MAP_TYPE_TASK_STORAGE) },
		{ "bpf_get_current_task_btf", "5.11", has_helper(BPF_FUNC_get_current_task_btf) },
		{ "bpf_find_vma", "5.17", has_helper(BPF_FUNC_find_vma) },
		{ "sleepable uprobe programs", "5.19", has_sleepable_uprobes() },
	};
	char missing[320] = "";
	size_t used = 0;
	struct utsname uts;

	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++)
		if (!needs[i].present && used < sizeof(missing))
			used += snprintf(missing + used, sizeof(missing) - used, "%s%s (Linux %s)", used ? ", " : "",
					 needs[i].what, needs[i].since);
	if (!used)
		return 0;
	if (uname(&uts))
		snprintf(uts.release, sizeof(uts.release), "?");
	return rpc_fail(failure, RPC_FEATURE_UNAVAILABLE,
			"this kernel (%s) is too old for Probe Lens: it lacks %s. Probe Lens needs Linux "
			KERNEL_BASELINE " or newer", uts.release, missing);
}
