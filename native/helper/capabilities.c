/* The capability report: for each probe kind, available or the plain reason why not. Kernel
 * features are try-loaded (a tiny fentry/fexit/kprobe program from bpf/feature.bpf.c), PMUs
 * are looked up in sysfs; nothing is inferred from version numbers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "capabilities.h"
#include "access.h"
#include "feature.skel.h"

#define NOT_PRIVILEGED_REASON \
	"the helper is not privileged: run it as root, through sudo or pkexec, or give it " \
	"file capabilities (setcap cap_bpf,cap_perfmon+ep probe-lens-helper)"

static void set_unavailable(struct capability *cap, const char *reason)
{
	cap->available = false;
	snprintf(cap->reason, sizeof(cap->reason), "%s", reason);
}

static void set_available(struct capability *cap)
{
	cap->available = true;
	cap->reason[0] = '\0';
}

static bool pmu_exists(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type", name);
	return access(path, F_OK) == 0;
}

/* Loads only the named programs of feature.bpf.c; 0 or -errno. Each load parses kernel BTF
 * (~15 ms here), so programs that stand or fall together load together. */
static int try_load(const char *first, const char *second)
{
	struct feature_bpf *skel = feature_bpf__open();
	struct bpf_program *prog;
	int err;

	if (!skel)
		return -errno;
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);

		bpf_program__set_autoload(prog, !strcmp(name, first) || (second && !strcmp(name, second)));
	}
	err = feature_bpf__load(skel);
	feature_bpf__destroy(skel);
	return err;
}

/* Whether the kernel refuses even to show which functions ftrace could trace: then function
 * tracing itself is fenced off here (a security module or sandbox), not just BPF. */
static bool ftrace_fenced_off(void)
{
	int fd = open(TRACEFS_PATH "/available_filter_functions", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd < 0 && (errno == EPERM || errno == EACCES);
}

static void describe_load_failure(struct capability *cap, const char *what, int err)
{
	char reason[256];

	if ((err == -EPERM || err == -EACCES) && ftrace_fenced_off())
		snprintf(reason, sizeof(reason),
			 "the kernel refuses to load %s programs (%s), and refuses to list traceable "
			 "functions too: function tracing is fenced off on this machine (a security "
			 "module or sandbox); kprobes, if the kernel has them, may still work", what, strerror(-err));
	else if (err == -EPERM || err == -EACCES)
		snprintf(reason, sizeof(reason),
			 "the kernel refuses to load %s programs (%s): BPF trampolines are not "
			 "permitted on this kernel (lockdown, a security module, or no trampoline support)",
			 what, strerror(-err));
	else if (err == -ENOENT || err == -ESRCH)
		snprintf(reason, sizeof(reason),
			 "%s needs kernel BTF (/sys/kernel/btf/vmlinux with CONFIG_DEBUG_INFO_BTF), "
			 "which this kernel lacks", what);
	else
		snprintf(reason, sizeof(reason), "the kernel refused a test %s program: %s", what,
			 strerror(-err));
	set_unavailable(cap, reason);
}

static bool tracefs_mounted(void)
{
	struct statfs fs;

	return statfs(TRACEFS_PATH, &fs) == 0 && fs.f_type == TRACEFS_MAGIC;
}

static void finish_tracepoints(struct capability_report *report);

void capabilities_withdraw(struct capability_report *report, const char *reason)
{
	struct capability *all[] = { &report->uprobe, &report->uretprobe, &report->kprobe, &report->kretprobe,
				     &report->fentry, &report->fexit, &report->tracepoint, &report->uprobe_multi };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		set_unavailable(all[i], reason);
}

void capabilities_measure(struct capability_report *report)
{
	int err;

	memset(report, 0, sizeof(*report));
	report->privileged = helper_is_privileged();
	report->tracefs_mounted = tracefs_mounted();

	if (!report->privileged) {
		capabilities_withdraw(report, NOT_PRIVILEGED_REASON);
		return;
	}
	capabilities_check_uprobe_multi(&report->uprobe_multi, &(bool){ false });

	if (pmu_exists("uprobe")) {
		set_available(&report->uprobe);
		set_available(&report->uretprobe);
	} else {
		set_unavailable(&report->uprobe, "this kernel was built without uprobes "
				"(CONFIG_UPROBE_EVENTS is off: there is no uprobe PMU)");
		set_unavailable(&report->uretprobe, report->uprobe.reason);
	}

	if (!pmu_exists("kprobe")) {
		set_unavailable(&report->kprobe, "this kernel was built without CONFIG_KPROBES "
				"(there is no kprobe PMU)");
		set_unavailable(&report->kretprobe, report->kprobe.reason);
	} else if ((err = try_load("try_kprobe", NULL))) {
		describe_load_failure(&report->kprobe, "kprobe", err);
		set_unavailable(&report->kretprobe, report->kprobe.reason);
	} else {
		set_available(&report->kprobe);
		set_available(&report->kretprobe);
	}

	if (getenv("PROBE_LENS_DISABLE_FENTRY")) {
		/* Lets tests (and users chasing a trampoline bug) force the kprobe path. */
		set_unavailable(&report->fentry, "fentry/fexit are turned off by PROBE_LENS_DISABLE_FENTRY");
		set_unavailable(&report->fexit, report->fentry.reason);
		return finish_tracepoints(report);
	}
	/* BPF trampolines serve both: the kernel allows fentry and fexit together or neither. */
	if ((err = try_load("try_fentry", "try_fexit"))) {
		describe_load_failure(&report->fentry, "fentry/fexit", err);
		set_unavailable(&report->fexit, report->fentry.reason);
	} else {
		set_available(&report->fentry);
		set_available(&report->fexit);
	}
	finish_tracepoints(report);
}

#define NO_UPROBE_MULTI_REASON "this kernel has no uprobe_multi links (Linux 6.6 added them): each function " \
	"gets links of its own, slower to attach and detach by the hundred"

void capabilities_check_uprobe_multi(struct capability *cap, bool *filters_process)
{
	/* mov r0, 0; exit: all a program needs to be tried as a uprobe_multi one. */
	const struct bpf_insn return_zero[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, load_opts, .expected_attach_type = BPF_TRACE_UPROBE_MULTI);
	LIBBPF_OPTS(bpf_link_create_opts, link_opts);
	unsigned long offset = 0;
	int prog_fd, link_fd, err;

	*filters_process = false;
	if (getenv("PROBE_LENS_DISABLE_UPROBE_MULTI"))
		return set_unavailable(cap, "uprobe_multi links are turned off by PROBE_LENS_DISABLE_UPROBE_MULTI: "
				       "each function gets links of its own");
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", return_zero, 2, &load_opts);
	if (prog_fd < 0)
		return set_unavailable(cap, NO_UPROBE_MULTI_REASON);
	/* The directory "/" is no binary: a kernel with the links says EBADF (one without, EINVAL
	 * or EOPNOTSUPP); then one whose process filter works (6.10) refuses pid -1 first, EINVAL. */
	link_opts.uprobe_multi.path = "/";
	link_opts.uprobe_multi.offsets = &offset;
	link_opts.uprobe_multi.cnt = 1;
	link_fd = bpf_link_create(prog_fd, -1, BPF_TRACE_UPROBE_MULTI, &link_opts);
	err = errno;
	if (link_fd >= 0 || err != EBADF) {
		if (link_fd >= 0)
			close(link_fd);
		close(prog_fd);
		return set_unavailable(cap, NO_UPROBE_MULTI_REASON);
	}
	link_opts.uprobe_multi.pid = -1;
	link_fd = bpf_link_create(prog_fd, -1, BPF_TRACE_UPROBE_MULTI, &link_opts);
	err = errno;
	if (link_fd >= 0)
		close(link_fd);
	close(prog_fd);
	/* Before 6.10 the links' pid filter matched one thread: then they filter nothing, and the
	 * programs filter by process, as they always do. */
	*filters_process = link_fd < 0 && err == EINVAL;
	set_available(cap);
}

static void finish_tracepoints(struct capability_report *report)
{
	if (report->tracefs_mounted)
		set_available(&report->tracepoint);
	else
		set_unavailable(&report->tracepoint, "tracefs is not mounted: run "
				"'mount -t tracefs nodev " TRACEFS_PATH "' as root");
}

static json_t *capability_to_json(const struct capability *cap)
{
	if (cap->available)
		return json_pack("{s:b}", "available", 1);
	return json_pack("{s:b, s:s}", "available", 0, "reason", cap->reason);
}

json_t *capabilities_to_json(const struct capability_report *report)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "uprobe", capability_to_json(&report->uprobe),
			 "uretprobe", capability_to_json(&report->uretprobe),
			 "kprobe", capability_to_json(&report->kprobe),
			 "kretprobe", capability_to_json(&report->kretprobe),
			 "fentry", capability_to_json(&report->fentry),
			 "fexit", capability_to_json(&report->fexit),
			 "tracepoint", capability_to_json(&report->tracepoint));
}

json_t *capabilities_mechanisms_json(const struct capability_report *report)
{
	return json_pack("{s:o}", "uprobeMulti", capability_to_json(&report->uprobe_multi));
}
