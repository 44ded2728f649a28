/* Times uprobe hits on three functions of the helper's own code, each starting with one kind of
 * instruction the kernel treats differently: a 5-byte nop (rewritten into a call by Linux 6.18's
 * optimized uprobes, else emulated), a push (emulated) and a lea (single-stepped). A forked child
 * calls each one under a probe and reports the time per call, and whether its address space
 * gained the kernel's [uprobes-trampoline], the sign that the nop was rewritten. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>
#include "entry_costs.h"
#include "feature.skel.h"
#include "params.h"

/* Written in assembly: the compiler must not put its own instruction first. */
asm(".pushsection .text\n"
    ".p2align 4\n"
    "entry_nop5:\n"
    "	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n"	/* nopl 0x0(%rax,%rax,1) */
    "	ret\n"
    ".p2align 4\n"
    "entry_push:\n"
    "	push %rbp\n"
    "	pop %rbp\n"
    "	ret\n"
    ".p2align 4\n"
    "entry_lea:\n"
    "	lea 1(%rdi), %rax\n"
    "	ret\n"
    ".popsection\n");
void entry_nop5(void);
void entry_push(void);
void entry_lea(void);

#define CALLS 2000
#define CHILD_TIMEOUT_MS 10000

static const struct {
	const char *name;	/* as the symbol index names the cost classes */
	void (*function)(void);
} kinds[] = {
	{ "optimized", entry_nop5 },
	{ "emulated", entry_push },
	{ "single-stepped", entry_lea },
};
#define KINDS (sizeof(kinds) / sizeof(kinds[0]))

struct child_report {
	double ns_per_call[KINDS];
	int trampoline;		/* [uprobes-trampoline] mapped after the nop's calls */
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int has_uprobes_trampoline(void)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	char line[512];
	int found = 0;

	while (maps && !found && fgets(line, sizeof(line), maps))
		found = strstr(line, "[uprobes-trampoline]") != NULL;
	if (maps)
		fclose(maps);
	return found;
}

static void run_child(int go_fd, int report_fd)
{
	struct child_report report = { 0 };
	char go;

	if (read(go_fd, &go, 1) != 1)
		_exit(1);
	for (size_t k = 0; k < KINDS; k++) {
		kinds[k].function();	/* the first hit is where the kernel rewrites the nop */
		double started = now_ns();

		for (int i = 0; i < CALLS; i++)
			kinds[k].function();
		report.ns_per_call[k] = (now_ns() - started) / CALLS;
		if (k == 0)
			report.trampoline = has_uprobes_trampoline();
	}
	_exit(write(report_fd, &report, sizeof(report)) == sizeof(report) ? 0 : 1);
}

/* The file offset of one of our own functions, from the mapping that holds it. */
static long file_offset_of(const void *address)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	unsigned long start, end, offset, at = (unsigned long)address;
	char line[512];
	long found = -1;

	while (maps && found < 0 && fgets(line, sizeof(line), maps))
		if (sscanf(line, "%lx-%lx %*s %lx", &start, &end, &offset) == 3 && at >= start && at < end)
			found = (long)(at - start + offset);
	if (maps)
		fclose(maps);
	return found;
}

static int read_report(int fd, struct child_report *report)
{
	struct pollfd ready = { .fd = fd, .events = POLLIN };

	return poll(&ready, 1, CHILD_TIMEOUT_MS) == 1 && read(fd, report, sizeof(*report)) == sizeof(*report) ? 0 : -1;
}

json_t *entry_costs_measure(const struct capability_report *capabilities, json_t *params, struct rpc_failure *failure)
{
	static const char *const no_fields[] = { NULL };
	struct bpf_link *links[KINDS] = { 0 };
	struct child_report report;
	struct feature_bpf *skel = NULL;
	int go[2] = { -1, -1 }, back[2] = { -1, -1 }, err = 0;
	json_t *result = NULL;
	pid_t child = -1;

	if (params && !json_is_null(params) && (!json_is_object(params) || params_only(params, "probe/entryCosts", no_fields, failure)))
		return json_is_object(params) ? NULL : (rpc_fail(failure, RPC_BAD_PARAMS, "probe/entryCosts takes no parameters"), NULL);
	if (!capabilities->uprobe.available)
		return rpc_fail(failure, RPC_FEATURE_UNAVAILABLE, "uprobes: %s", capabilities->uprobe.reason), NULL;
	skel = feature_bpf__open();
	if (!skel || pipe2(go, O_CLOEXEC) || pipe2(back, O_CLOEXEC)) {
		rpc_fail(failure, RPC_ATTACH_FAILED, "cannot set up the measurement: %s", strerror(errno));
		goto out;
	}
	for (struct bpf_program *prog = NULL; (prog = bpf_object__next_program(skel->obj, prog));)
		bpf_program__set_autoload(prog, prog == skel->progs.count_hit);
	if ((err = feature_bpf__load(skel))) {
		rpc_fail(failure, RPC_ATTACH_FAILED, "the kernel refused the measuring program: %s", strerror(-err));
		goto out;
	}
	child = fork();
	if (child == 0)
		run_child(go[0], back[1]);
	if (child < 0) {
		rpc_fail(failure, RPC_ATTACH_FAILED, "cannot start the measuring process: %s", strerror(errno));
		goto out;
	}
	for (size_t k = 0; k < KINDS; k++) {
		long offset = file_offset_of((const void *)kinds[k].function);

		links[k] = offset < 0 ? NULL : bpf_program__attach_uprobe_opts(skel->progs.count_hit, child, "/proc/self/exe", offset, NULL);
		if (!links[k]) {
			rpc_fail(failure, RPC_ATTACH_FAILED, "the kernel refused a uprobe on the helper's own code: %s", strerror(errno));
			goto out;
		}
	}
	if (write(go[1], "g", 1) != 1 || read_report(back[0], &report)) {
		rpc_fail(failure, RPC_ATTACH_FAILED, "the measuring process did not report back");
		goto out;
	}
	result = json_pack("{s:{s:f, s:f, s:f}, s:b, s:i}",
			   "nsPerHit", kinds[0].name, report.ns_per_call[0], kinds[1].name, report.ns_per_call[1],
			   kinds[2].name, report.ns_per_call[2], "nop5Optimized", report.trampoline, "calls", CALLS);
out:
	for (size_t k = 0; k < KINDS; k++)
		bpf_link__destroy(links[k]);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (back[i] >= 0)
			close(back[i]);
	}
	feature_bpf__destroy(skel);
	return result;
}

int uprobe_walk_has_caller(bool *has_caller)
{
	struct feature_bpf *skel = feature_bpf__open();
	long offset = file_offset_of((const void *)entry_push);
	struct bpf_link *link = NULL;
	int err;

	if (!skel)
		return -errno;
	for (struct bpf_program *prog = NULL; (prog = bpf_object__next_program(skel->obj, prog));)
		bpf_program__set_autoload(prog, prog == skel->progs.walk_user_stack);
	err = feature_bpf__load(skel);
	if (!err && offset >= 0) {
		link = bpf_program__attach_uprobe_opts(skel->progs.walk_user_stack, getpid(), "/proc/self/exe", offset, NULL);
		err = link ? 0 : -errno;
	}
	if (!err) {
		entry_push();
		*has_caller = skel->bss->walked_bytes >= 16 && skel->bss->walked_second == skel->bss->caller_at_sp;
	}
	bpf_link__destroy(link);
	feature_bpf__destroy(skel);
	return err;
}
