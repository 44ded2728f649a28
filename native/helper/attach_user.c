/* User-space functions: uprobe + uretprobe on a function of an ELF file the requester may
 * read. The file is opened once, as the requester, and probed through that descriptor, so a
 * path swapped after the check changes nothing; a rebuild of the file ends the probe. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <bpf/libbpf.h>
#include "elf_symbols.h"
#include "engine.h"
#include "entry_costs.h"
#include "probe.skel.h"
#include "utf8.h"

/* CET's endbr64 (f3 0f 1e fa) at offset: the kernel single-steps it, 20-30 µs a hit. */
static bool starts_with_endbr64(int fd, uint64_t offset)
{
	static const unsigned char endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	unsigned char bytes[4];

	return pread(fd, bytes, sizeof(bytes), (off_t)offset) == (ssize_t)sizeof(bytes) && !memcmp(bytes, endbr64, sizeof(bytes));
}

/* Stacks are walked through frame pointers where the file keeps them; else they are the probed
 * address and, at a function's entry, its caller. The caller is read at the stack pointer
 * unless the kernel's walk gives it (Linux 6.11+, at a push %rbp). */
/* Looked at once per binary of a group: the prologue scan reads the whole symbol table. */
static bool keeps_frame_pointers(struct probe *probe)
{
	struct probe_group *group = probe->group;

	if (!group)
		return elf_keeps_frame_pointers(probe->binary_fd);
	if (!group->frame_pointers)
		group->frame_pointers = elf_keeps_frame_pointers(group->binary_fd) ? 1 : -1;
	return group->frame_pointers > 0;
}

static void prepare_stacks(struct engine *engine, struct probe *probe, struct probe_config *cfg, bool at_entry)
{
	unsigned char first = 0;
	bool walk_has_caller = false;
	bool frame_pointers = keeps_frame_pointers(probe);

	if (engine->walk_has_caller < 0)
		engine->walk_has_caller = !uprobe_walk_has_caller(&walk_has_caller) && walk_has_caller;
	probe->stacks = true;
	if (engine->stacks)
		stack_tally_name_file(engine->stacks, probe->binary_fd, probe->binary);
	probe->stack_depth = frame_pointers ? MAX_STACK_FRAMES : at_entry ? 2 : 1;
	if (pread(probe->binary_fd, &first, 1, (off_t)probe->offset) != 1)
		first = 0;
	probe->stack_reads_caller = at_entry && !(engine->walk_has_caller == 1 && first == 0x55);
	cfg->stack_depth = probe->stack_depth;
	cfg->stack_reads_caller = probe->stack_reads_caller;
}

static int prepare_user_function(struct engine *engine, struct probe *probe, const struct attach_request *request,
				 struct probe_config *cfg, struct rpc_failure *failure)
{
	struct function_location loc;

	if (!engine->capabilities.uprobe.available)
		return rpc_fail(failure, RPC_FEATURE_UNAVAILABLE, "uprobes: %s", engine->capabilities.uprobe.reason);
	probe->kind = "uprobe";
	if (engine->who.uid != 0 && (!request->has_filter || request->filter.descendants))
		return rpc_fail(failure, RPC_PERMISSION_DENIED,
				"a user who is not root probes one process of their own at a time, never every "
				"process that maps the file: name a process of uid %u (probe-lens: --pid PID or "
				"-- COMMAND)%s", engine->who.uid,
				request->has_filter ? " without descendants (processes it starts are not followed "
				"for users who are not root)" : "");
	if (probe->group)	/* opened once for the whole group, by the same rules */
		probe->binary_fd = probe->group->binary_fd;
	else
		probe->binary_fd = open_binary_as(&engine->who, request->binary, probe->binary, sizeof(probe->binary),
						  failure);
	if (probe->binary_fd < 0)
		return -1;
	if (request->symbol) {
		if (elf_find_function(probe->binary_fd, request->binary, request->symbol, &loc, failure))
			return -1;
		probe->by_symbol = true;
		snprintf(probe->symbol, sizeof(probe->symbol), "%s", request->symbol);
		probe->address = loc.address;
		probe->offset = loc.file_offset;
	} else {
		if (engine->who.uid != 0 ? elf_check_probe_site(probe->binary_fd, request->binary, request->offset, failure)
					 : elf_check_offset(probe->binary_fd, request->binary, request->offset, failure))
			return -1;
		probe->offset = request->offset;
	}
	/* The probe lands on the instruction after it instead: the arguments are still where they
	 * are at entry, and that instruction is often one the kernel emulates or optimizes. */
	probe->past_endbr64 = starts_with_endbr64(probe->binary_fd, probe->offset);
	if (probe->past_endbr64)
		probe->offset += 4;
	if (request->stacks)
		prepare_stacks(engine, probe, cfg, probe->by_symbol ||
			       elf_starts_function(probe->binary_fd, probe->offset - 4 * probe->past_endbr64));
	probe->nargs = request->nargs;
	memcpy(probe->args, request->args, sizeof(probe->args));
	probe->capture_ret = request->capture_ret;
	probe->ret_type = request->ret_type;
	probe->ret_struct = request->ret_struct;
	if (cfg->ret.location != ARG_REG_PAIR)	/* a struct in rax:rdx was placed by parse_capture */
		cfg->ret.location = ARG_RETURN_REG;
	if (engine->who.uid != 0) {
		cfg->filter_uid = engine->who.uid;	/* never a process the user may not trace */
		cfg->filter_gid = engine->who.gid;
	}
	return 0;
}

/* Strings and memory may need a page faulted in: only a sleepable program can. */
static bool reads_memory(const struct probe *probe)
{
	for (int i = 0; i < probe->nargs; i++)
		if (probe->args[i].type == VALUE_STRING || probe->args[i].deref)
			return true;
	return false;
}

/* A rebuild unlinks or rewrites the file: either ends the probe (engine_on_inotify). Watched
 * through our descriptor: the path may lead elsewhere by now. */
static int watch_binary(struct engine *engine, int binary_fd)
{
	char fd_path[64];

	snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", binary_fd);
	return inotify_add_watch(engine->inotify_fd, fd_path, IN_ATTRIB | IN_MODIFY);
}

/* One uprobe_multi link for the functions' entries and, with retprobe, one for their returns;
 * each function's slot is its cookie. */
static int attach_multi_links(struct engine *engine, int binary_fd, const unsigned long *offsets, const __u64 *cookies,
			      int count, bool sleepable, bool retprobe, pid_t pid, struct bpf_link **entry_link,
			      struct bpf_link **return_link)
{
	LIBBPF_OPTS(bpf_uprobe_multi_opts, opts, .offsets = offsets, .cookies = cookies, .cnt = count);
	char fd_path[64];

	snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", binary_fd);
	*entry_link = bpf_program__attach_uprobe_multi(sleepable ? engine->skel->progs.probe_entry_multi_sleepable
							: engine->skel->progs.probe_entry_multi,
							pid, fd_path, NULL, &opts);
	if (*entry_link && retprobe) {
		opts.retprobe = true;
		*return_link = bpf_program__attach_uprobe_multi(engine->skel->progs.probe_return_multi, pid, fd_path,
								NULL, &opts);
	}
	return *entry_link && (!retprobe || *return_link) ? 0 : -errno;
}

static int attach_user_function(struct engine *engine, struct probe *probe, __u32 slot, struct rpc_failure *failure)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = slot);
	pid_t pid = probe_perf_pid(probe);
	char fd_path[64], what[PATH_MAX + 64];
	int err;

	/* A link of its own on the one function, uprobe_multi where the kernel has those and they
	 * keep to the process as a perf event's uprobe does: then a hit costs less (no trace event
	 * and no filter lock on its way to the program). */
	if (engine->uprobe_multi.available && (pid == -1 || engine->uprobe_multi_filters_process)) {
		unsigned long offset = probe->offset;
		__u64 cookie = slot;

		err = attach_multi_links(engine, probe->binary_fd, &offset, &cookie, 1, reads_memory(probe), probe->retprobe,
					 pid, &probe->entry_link, &probe->return_link);
	} else {
		snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", probe->binary_fd);
		probe->entry_link = bpf_program__attach_uprobe_opts(reads_memory(probe)
								    ? engine->skel->progs.probe_entry_sleepable
								    : engine->skel->progs.probe_entry,
								    pid, fd_path, probe->offset, &opts);
		if (probe->entry_link && probe->retprobe) {
			opts.retprobe = true;
			probe->return_link = bpf_program__attach_uprobe_opts(engine->skel->progs.probe_return, pid,
									     fd_path, probe->offset, &opts);
		}
		err = probe->entry_link && (!probe->retprobe || probe->return_link) ? 0 : -errno;
	}
	if (!err) {
		probe->binary_watch = watch_binary(engine, probe->binary_fd);
		return 0;
	}
	snprintf(what, sizeof(what), "the uprobe on %s at offset 0x%lx", probe->binary, (unsigned long)probe->offset);
	return attach_failure(err, what, failure);
}

/* Members share the binary, the filter and whether returns are probed (one request). */
static int attach_uprobe_multi(struct engine *engine, struct probe_group *group, struct probe **members, int count,
			       struct rpc_failure *failure)
{
	unsigned long offsets[count];
	__u64 cookies[count];
	bool sleepable = false;
	pid_t pid = engine->uprobe_multi_filters_process ? probe_perf_pid(members[0]) : -1;
	char what[PATH_MAX + 64];
	int err;

	for (int i = 0; i < count; i++) {
		offsets[i] = members[i]->offset;
		cookies[i] = members[i] - engine->probes;
		sleepable |= reads_memory(members[i]);
	}
	err = attach_multi_links(engine, group->binary_fd, offsets, cookies, count, sleepable, members[0]->retprobe, pid,
				 &group->entry_link, &group->return_link);
	if (!err) {
		int watch = watch_binary(engine, group->binary_fd);

		for (int i = 0; i < count; i++)
			members[i]->binary_watch = watch;
		return 0;
	}
	snprintf(what, sizeof(what), "the uprobe_multi link on %d functions of %s", count, members[0]->binary);
	return attach_failure(err, what, failure);
}

int attach_user_group(struct engine *engine, struct probe_group *group, struct probe **members, int count,
		      struct rpc_failure *failure)
{
	if (engine->uprobe_multi.available)
		return attach_uprobe_multi(engine, group, members, count, failure);
	for (int i = 0; i < count; i++)
		if (attach_user_function(engine, members[i], members[i] - engine->probes, failure))
			return -1;
	return 0;
}

static void describe_user_function(const struct probe *probe, json_t *result)
{
	json_object_set_new(result, "binary", json_text(probe->binary));
	json_object_set_new(result, "symbol", probe->by_symbol ? json_string(probe->symbol) : json_null());
	json_object_set_new(result, "offset", json_integer(probe->offset));
	json_object_set_new(result, "address", probe->by_symbol ? json_integer(probe->address) : json_null());
	json_object_set_new(result, "pastEndbr64", json_boolean(probe->past_endbr64));
	if (probe->stacks)
		json_object_set_new(result, "stacks", json_pack("{s:i, s:b, s:s}", "depth", probe->stack_depth,
				    "framePointers", probe->stack_depth == MAX_STACK_FRAMES,
				    "caller", probe->stack_reads_caller ? "stack pointer" : probe->stack_depth > 1 ? "kernel" : "none"));
}

/* inotify gives one watch per inode: probes on the same file share it. */
static bool watch_shared(const struct engine *engine, const struct probe *probe)
{
	for (int slot = 0; slot < MAX_PROBES; slot++) {
		const struct probe *other = &engine->probes[slot];

		if (other != probe && other->used && other->binary_watch == probe->binary_watch)
			return true;
	}
	return false;
}

static void release_user_function(struct engine *engine, struct probe *probe)
{
	if (probe->binary_watch >= 0 && !watch_shared(engine, probe))
		inotify_rm_watch(engine->inotify_fd, probe->binary_watch);
	if (probe->binary_fd >= 0 && !probe->group)
		close(probe->binary_fd);
}

const struct target_ops user_function_target = {
	.prepare = prepare_user_function,
	.attach = attach_user_function,
	.describe = describe_user_function,
	.release = release_user_function,
};
