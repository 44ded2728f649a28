/* SPDX-License-Identifier: GPL-2.0 */
/* What every probe kind shares: the maps, the process filter, the per-thread entry stacks
 * that pair returns with calls (recursion included), exact counters, and the records.
 * Included by probe.bpf.c (uprobes, kprobes, tracepoints) and kfunc.bpf.c (fentry/fexit,
 * loaded once per kernel function; the helper points its maps at probe.bpf.c's). */
#ifndef PROBE_LENS_PROBE_COMMON_BPF_H
#define PROBE_LENS_PROBE_COMMON_BPF_H

#include "probe.h"

/* How a program's context is laid out; a constant at every call, so the compiler keeps only
 * the reads that are valid for the program type. */
enum ctx_kind {
	CTX_PT_REGS,		/* uprobe, kprobe */
	CTX_FUNC_ARGS,		/* fentry, fexit */
	CTX_TRACEPOINT,		/* raw record of a tracepoint */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_PROBES);
	__type(key, __u32);
	__type(value, struct probe_config);
} probe_configs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_PROBES);
	__type(key, __u32);
	__type(value, struct probe_stats);
} probe_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_PROBES);
	__type(key, __u32);
	__type(value, struct probe_gate);
} probe_gates SEC(".maps");

/* How often each value was seen, exactly, up to VALUES_PER_PROBE values per probe. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_COUNTED_VALUES);
	__type(key, struct value_key);
	__type(value, __u64);
} value_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_PROBES * VALUE_FIELDS);
	__type(key, __u32);	/* slot * VALUE_FIELDS + field */
	__type(value, struct value_set);	/* the probe's field's values in value_counts */
} values_counted SEC(".maps");

/* How often each user stack was seen, exactly. The helper takes out those of ended processes,
 * keeping their counts. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_COUNTED_STACKS);
	__type(key, struct stack_key);
	__type(value, struct stack_count);
} stack_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);	/* tgid */
	__type(value, struct traced_process);
} traced_processes SEC(".maps");

struct frame {
	__u64 ts_ns;
	__u32 slot;
	__u16 sampled;		/* the call's record was sent: its return's is too */
	__u16 unmatched;	/* the call failed the probe's condition: its return counts for nothing */
	__u64 arg_value;	/* the counted argument's, when the condition is decided at the return */
};

struct thread_stack {
	__u32 depth;		/* frames in use */
	__u32 overflow;		/* entries past MAX_DEPTH, popped first */
	struct frame frames[MAX_DEPTH];
	/* Where a call's user stack is put together: the thread's own, so a sleepable program
	 * preempted on its CPU cannot have it overwritten. */
	struct stack_key user_stack;
	struct stack_count new_stack;	/* a stack counted the first time, its frames placed */
};

/* Each thread's calls awaiting their returns, kept on the thread itself: found without a hash
 * lookup, and gone when the thread ends. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_stack);
} thread_stacks SEC(".maps");

/* The same calls awaiting their returns, for the thread whose tid picks the entry, found with no
 * helper call at all (thread_stacks costs one with its locking, at every call and return): a thread takes a free entry (no calls awaiting) with one compare-and-swap
 * of its state, keeps it while calls await, and frees it when the last returns. A thread whose
 * entry another thread holds keeps its calls in thread_stacks; its returns look there after. An
 * entry held by a thread that has exited (its tid reused by a new thread) is told by the task's
 * start time. */
#define THREAD_CACHE 1024
struct cached_frames {
	__u64 state;		/* tid << 32 | depth: whose frames, and how many */
	__u64 start_time;	/* the task's: a later thread with the same tid is another one */
	__u32 overflow;		/* as thread_stack's */
	__u32 pad;
	struct frame frames[MAX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, THREAD_CACHE);
	__type(key, __u32);
	__type(value, struct cached_frames);
} thread_frames SEC(".maps");

/* None for tid 0: every CPU's idle task has it (a kernel probe can fire in one). */
static __always_inline struct cached_frames *cached_frames_of(__u32 tid)
{
	__u32 key = tid & (THREAD_CACHE - 1);

	return tid ? bpf_map_lookup_elem(&thread_frames, &key) : NULL;
}

/* Whether the entry holds calls of this thread (then `depth` of them). */
static __always_inline bool holds_frames(const struct cached_frames *cached, __u32 tid, __u64 start_time, __u32 *depth)
{
	__u64 state = cached->state;

	*depth = (__u32)state;
	return state >> 32 == tid && *depth && cached->start_time == start_time;
}

/* Pushes a call's frame on the thread's entry; false when another thread holds it. */
static __always_inline bool push_cached(struct cached_frames *cached, __u32 tid, __u64 start_time, const struct frame *frame)
{
	__u64 state = cached->state;
	__u32 depth = (__u32)state;

	if (state >> 32 == tid && depth && cached->start_time == start_time) {
		if (depth < MAX_DEPTH) {
			cached->frames[depth & (MAX_DEPTH - 1)] = *frame;
			cached->state = state + 1;
		} else {
			cached->overflow++;
		}
		return true;
	}
	/* Free, or held by a thread gone (its tid now another's): taken, unless another thread
	 * takes it first. */
	if (depth && !(state >> 32 == tid))
		return false;
	if (__sync_val_compare_and_swap(&cached->state, state, (__u64)tid << 32 | 1) != state)
		return false;
	cached->start_time = start_time;
	cached->overflow = 0;
	cached->frames[0] = *frame;
	return true;
}

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RING_BYTES);
} events SEC(".maps");

/* Waking the helper for every record would cost the traced program a context switch per
 * call. Records go in quietly; the helper is woken once a batch is worth reading or the last
 * wake-up is old, and its 50 ms timer collects whatever is left. */
#define WAKEUP_BYTES (256 << 10)
#define WAKEUP_AFTER_NS (10 * 1000 * 1000ULL)

__u64 last_wakeup_ns;

static __always_inline __u64 submit_flags(__u64 now)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < WAKEUP_BYTES && now - last_wakeup_ns < WAKEUP_AFTER_NS)
		return BPF_RB_NO_WAKEUP;
	last_wakeup_ns = now;
	return BPF_RB_FORCE_WAKEUP;
}

/* Whether a call's record (or an unpaired return's) goes to the ring; what does not is
 * counted, never silent. The gate is shared by all CPUs: two may both pass at once, which only
 * sends one record more. */
static __always_inline bool sampled_in(__u32 slot, __u64 now, struct probe_stats *stats)
{
	struct probe_gate *gate = bpf_map_lookup_elem(&probe_gates, &slot);

	if (gate && gate->interval_ns == GATE_OPEN)
		return true;
	if (gate && gate->interval_ns != GATE_CLOSED && now >= gate->next_ns) {
		__u64 earliest = now > GATE_BURST_NS ? now - GATE_BURST_NS : 0;

		gate->next_ns = (gate->next_ns > earliest ? gate->next_ns : earliest) + gate->interval_ns;
		return true;
	}
	__sync_fetch_and_add(&stats->sampled_out, 1);
	return false;
}

/* A value's two bits in its field's filter: word and bit of each, from one 64-bit mix. */
struct filter_bits {
	__u64 word[2];
	__u64 mask[2];
};

static __always_inline struct filter_bits value_filter_bits(__u64 value)
{
	__u64 hash = (value ^ (value >> 31)) * 0x9e3779b97f4a7c15ULL;
	struct filter_bits bits;

	hash ^= hash >> 29;
	bits.word[0] = (hash >> 6) & (VALUE_FILTER_WORDS - 1);
	bits.mask[0] = 1ULL << (hash & 63);
	bits.word[1] = (hash >> 38) & (VALUE_FILTER_WORDS - 1);
	bits.mask[1] = 1ULL << ((hash >> 32) & 63);
	/* Bounded as they are used: clang must not narrow them into checks older verifiers miss. */
	barrier_var(bits.word[0]);
	barrier_var(bits.word[1]);
	return bits;
}

/* Counts one more of the value in value_counts. A value new to a probe's field that has
 * VALUES_PER_PROBE already, or finds no room left in the map, is counted in `uncounted` instead,
 * so the counts kept stay exact. The field's filter says at no cost which values surely are not
 * there (most returns of a function that returns ever new values: pointers, sizes, times). */
static __always_inline void count_value(__u32 slot, __u32 field, __u64 value, __u64 *uncounted)
{
	struct value_key key = { .slot = slot, .field = field, .value = value };
	__u32 set_key = slot * VALUE_FIELDS + field;
	struct value_set *set = bpf_map_lookup_elem(&values_counted, &set_key);
	struct filter_bits bits = value_filter_bits(value);
	__u64 one = 1, *count;

	if (!set) {
		__sync_fetch_and_add(uncounted, 1);
		return;
	}
	if ((set->filter[bits.word[0]] & bits.mask[0]) && (set->filter[bits.word[1]] & bits.mask[1])) {
		count = bpf_map_lookup_elem(&value_counts, &key);
		if (count) {
			__sync_fetch_and_add(count, 1);
			return;
		}
	}
	if (set->distinct < VALUES_PER_PROBE) {
		/* Marked first: a value in value_counts always has its bits set. */
		__sync_fetch_and_or(&set->filter[bits.word[0]], bits.mask[0]);
		__sync_fetch_and_or(&set->filter[bits.word[1]], bits.mask[1]);
		if (!bpf_map_update_elem(&value_counts, &key, &one, BPF_NOEXIST)) {
			__sync_fetch_and_add(&set->distinct, 1);
			return;
		}
		/* Another CPU added it meanwhile (or the map is full). */
		count = bpf_map_lookup_elem(&value_counts, &key);
		if (count) {
			__sync_fetch_and_add(count, 1);
			return;
		}
	}
	__sync_fetch_and_add(uncounted, 1);
}

struct vma_place {
	__u64 address;
	struct frame_file file;
};

static long place_in_vma(struct task_struct *task, struct vm_area_struct *vma, struct vma_place *place)
{
	struct file *file = vma->vm_file;

	if (!file)
		return 0;
	place->file.inode = BPF_CORE_READ(file, f_inode, i_ino);
	place->file.dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	place->file.offset = place->address - vma->vm_start + (vma->vm_pgoff << 12);
	return 0;
}

/* Counts a stack; one seen the first time has its frames placed in their files first. */
static __always_inline void count_stack(const struct stack_key *key, struct stack_count *fresh, struct probe_stats *stats)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct stack_count *counted = bpf_map_lookup_elem(&stack_counts, key);

	if (counted) {
		__sync_fetch_and_add(&counted->count, 1);
		return;
	}
	for (int i = 0; i < MAX_STACK_FRAMES; i++) {
		struct vma_place place = { .address = key->frames[i] };

		if (i >= key->nframes)
			break;
		bpf_find_vma(task, place.address, place_in_vma, &place, 0);
		fresh->files[i] = place.file;
	}
	fresh->count = 1;
	if (!bpf_map_update_elem(&stack_counts, key, fresh, BPF_NOEXIST))
		return;
	/* Another CPU added it meanwhile (or the map is full). */
	counted = bpf_map_lookup_elem(&stack_counts, key);
	if (counted)
		__sync_fetch_and_add(&counted->count, 1);
	else
		__sync_fetch_and_add(&stats->stacks_uncounted, 1);
}

/* The call's user stack, counted: the kernel's frame-pointer walk, with the caller put in
 * second where the walk leaves it out. NULL when none could be read (counted as uncounted). */
static __always_inline struct stack_key *count_user_stack(struct pt_regs *regs, const struct probe_config *cfg,
							  __u32 slot, __u32 tgid, struct thread_stack *thread,
							  struct probe_stats *stats)
{
	struct stack_key *key = &thread->user_stack;
	__u64 caller = 0;
	long bytes;
	__u32 walked;

	__builtin_memset(key, 0, sizeof(*key));
	bytes = bpf_get_stack(regs, key->frames, sizeof(key->frames), BPF_F_USER_STACK);
	if (bytes < (long)sizeof(__u64)) {
		__sync_fetch_and_add(&stats->stacks_uncounted, 1);
		return NULL;
	}
	walked = bytes / sizeof(__u64);
	if (cfg->stack_reads_caller && !bpf_probe_read_user(&caller, sizeof(caller), (void *)PT_REGS_SP(regs))) {
		/* Room for the caller: the walk's frames past the first move up one. */
		for (int i = MAX_STACK_FRAMES - 1; i > 1; i--)
			key->frames[i] = key->frames[i - 1];
		key->frames[1] = caller;
		walked = walked < MAX_STACK_FRAMES ? walked + 1 : MAX_STACK_FRAMES;
	}
	key->nframes = walked < cfg->stack_depth ? walked : cfg->stack_depth;
	for (int i = 0; i < MAX_STACK_FRAMES; i++)
		if (i >= key->nframes)
			key->frames[i] = 0;
	key->slot = slot;
	key->tgid = tgid;
	__builtin_memset(&thread->new_stack, 0, sizeof(thread->new_stack));
	count_stack(key, &thread->new_stack, stats);
	return key;
}

/* The low `bytes` of a register: what a narrower return type leaves above is not its value. */
static __always_inline __u64 low_bytes(__u64 value, __u8 bytes)
{
	return bytes >= 8 ? value : value & ((1ULL << (bytes * 8)) - 1);
}

/* The low `bytes` of a value as a signed number of that width. */
static __always_inline __s64 sign_extend(__u64 raw, __u8 bytes)
{
	return bytes >= 8 ? (__s64)raw : (__s64)(raw << (64 - 8 * (bytes & 7))) >> (64 - 8 * (bytes & 7));
}

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFF) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

/* include/linux/sched/coredump.h: the dumpable bits of mm->flags, and "dumpable by its user". */
#define MMF_DUMPABLE_MASK 3
#define SUID_DUMP_USER 1

/* mm->flags was an unsigned long until Linux 6.18 made it mm_flags_t, a bitmap: the same first
 * word, a different type, so CO-RE needs this older flavour to find it on older kernels. */
struct mm_struct___flags_word {
	unsigned long flags;
} __attribute__((preserve_access_index));

static __always_inline __u64 mm_flags_word(struct mm_struct *mm)
{
	__u64 flags = 0;
	__u32 offset;

	if (bpf_core_field_exists(((struct mm_struct___flags_word *)0)->flags))
		offset = bpf_core_field_offset(struct mm_struct___flags_word, flags);
	else
		offset = bpf_core_field_offset(struct mm_struct, flags);
	bpf_probe_read_kernel(&flags, sizeof(flags), (void *)mm + offset);
	return flags;
}

/* The ptrace rule, checked at every event of a probe made for a user who is not root: the
 * process's real, effective and saved uids and gids are all that user's, and it is dumpable.
 * A set-uid program the user runs (su, passwd) is never seen, nor one that was. */
static __always_inline bool traceable_by(const struct probe_config *cfg)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	const struct cred *cred = BPF_CORE_READ(task, cred);
	struct mm_struct *mm = BPF_CORE_READ(task, mm);

	if (BPF_CORE_READ(cred, uid.val) != cfg->filter_uid || BPF_CORE_READ(cred, euid.val) != cfg->filter_uid ||
	    BPF_CORE_READ(cred, suid.val) != cfg->filter_uid || BPF_CORE_READ(cred, gid.val) != cfg->filter_gid ||
	    BPF_CORE_READ(cred, egid.val) != cfg->filter_gid || BPF_CORE_READ(cred, sgid.val) != cfg->filter_gid ||
	    !mm)
		return false;
	return (mm_flags_word(mm) & MMF_DUMPABLE_MASK) == SUID_DUMP_USER;
}

static __always_inline bool process_selected(const struct probe_config *cfg, __u32 tgid)
{
	if (cfg->filter_uid != (__u32)-1 && !traceable_by(cfg))
		return false;
	if (cfg->filter_id) {
		struct traced_process *traced = bpf_map_lookup_elem(&traced_processes, &tgid);
		__u64 bit = 1ULL << ((cfg->filter_id - 1) & (MAX_FILTERS - 1));

		return traced && (traced->member_of & traced->active_for & bit);
	}
	return !cfg->filter_tgid || cfg->filter_tgid == tgid;
}

/* A general register by its DWARF number (x86-64: rax rdx rcx rbx rsi rdi rbp rsp r8..r15). Read
 * through a helper: a load at a computed offset into the context is refused by the verifier. */
static __always_inline __u64 dwarf_register(struct pt_regs *regs, __u8 number)
{
	__u64 value = 0;
	__u32 offset;

	switch (number & 15) {
	case 0: offset = offsetof(struct pt_regs, ax); break;
	case 1: offset = offsetof(struct pt_regs, dx); break;
	case 2: offset = offsetof(struct pt_regs, cx); break;
	case 3: offset = offsetof(struct pt_regs, bx); break;
	case 4: offset = offsetof(struct pt_regs, si); break;
	case 5: offset = offsetof(struct pt_regs, di); break;
	case 6: offset = offsetof(struct pt_regs, bp); break;
	case 7: offset = offsetof(struct pt_regs, sp); break;
	case 8: offset = offsetof(struct pt_regs, r8); break;
	case 9: offset = offsetof(struct pt_regs, r9); break;
	case 10: offset = offsetof(struct pt_regs, r10); break;
	case 11: offset = offsetof(struct pt_regs, r11); break;
	case 12: offset = offsetof(struct pt_regs, r12); break;
	case 13: offset = offsetof(struct pt_regs, r13); break;
	case 14: offset = offsetof(struct pt_regs, r14); break;
	default: offset = offsetof(struct pt_regs, r15); break;
	}
	bpf_probe_read_kernel(&value, sizeof(value), (void *)regs + offset);
	return value;
}

/* The argument registers' DWARF numbers, in argument order (ARG_REG_RDI .. ARG_REG_R9). */
static __always_inline __u8 argument_register(__u8 location)
{
	switch (location) {
	case ARG_REG_RDI: return 5;
	case ARG_REG_RSI: return 4;
	case ARG_REG_RDX: return 1;
	case ARG_REG_RCX: return 2;
	case ARG_REG_R8: return 8;
	default: return 9;
	}
}

/* `size` bytes of the process's memory, zero-extended (the client reads them by their type). */
static __always_inline __u64 read_user_bytes(__u64 address, __u8 size)
{
	__u64 value = 0;

	switch (size) {
	case 1: bpf_probe_read_user(&value, 1, (void *)address); break;
	case 2: bpf_probe_read_user(&value, 2, (void *)address); break;
	case 4: bpf_probe_read_user(&value, 4, (void *)address); break;
	default: bpf_probe_read_user(&value, 8, (void *)address); break;
	}
	return value;
}

static __always_inline __u64 read_regs_value(struct pt_regs *regs, const struct arg_config *arg)
{
	__u64 value = 0;

	switch (arg->location) {
	case ARG_REG_RDI: case ARG_REG_RSI: case ARG_REG_RDX: case ARG_REG_RCX: case ARG_REG_R8: case ARG_REG_R9:
		return dwarf_register(regs, argument_register(arg->location));
	case ARG_REG_ANY:
		return dwarf_register(regs, arg->offset);
	case ARG_REG_MEMORY:
		return read_user_bytes(dwarf_register(regs, arg->reg) + (__s64)arg->offset, arg->size);
	case ARG_RETURN_REG:
		return PT_REGS_RC(regs);
	case ARG_STACK:
		bpf_probe_read_user(&value, sizeof(value), (void *)(PT_REGS_SP(regs) + arg->offset));
		return value;
	case ARG_STACK_COPY:
		return PT_REGS_SP(regs) + arg->offset;
	}
	return 0;
}

static __always_inline __u64 read_func_value(void *ctx, const struct arg_config *arg)
{
	__u64 value = 0;

	if (arg->location == ARG_FUNC_RET)
		bpf_get_func_ret(ctx, &value);
	else
		bpf_get_func_arg(ctx, arg->offset & 15, &value);
	return value;
}

/* A number in a tracepoint's record. */
static __always_inline __u64 read_tracepoint_field(void *ctx, const struct arg_config *arg)
{
	__u64 value = 0;

	switch (arg->size) {
	case 1: bpf_probe_read_kernel(&value, 1, ctx + (arg->offset & 0xffff)); return (__s8)value;
	case 2: bpf_probe_read_kernel(&value, 2, ctx + (arg->offset & 0xffff)); return (__s16)value;
	case 4: bpf_probe_read_kernel(&value, 4, ctx + (arg->offset & 0xffff)); return (__s32)value;
	default: bpf_probe_read_kernel(&value, 8, ctx + (arg->offset & 0xffff)); return value;
	}
}

static __always_inline __u64 read_tracepoint_value(void *ctx, const struct arg_config *arg)
{
	__u32 locator = 0;

	if (arg->location == ARG_CTX_INLINE)
		return (__u64)ctx + (arg->offset & 0xffff);
	if (arg->location == ARG_CTX_DATA_LOC) {
		/* low 16 bits: offset of the string in the record */
		bpf_probe_read_kernel(&locator, sizeof(locator), ctx + (arg->offset & 0xffff));
		return (__u64)ctx + (locator & 0xffff);
	}
	return read_tracepoint_field(ctx, arg);
}

static __always_inline __u64 read_value(void *ctx, enum ctx_kind kind, const struct arg_config *arg)
{
	if (kind == CTX_PT_REGS)
		return read_regs_value(ctx, arg);
	if (kind == CTX_FUNC_ARGS)
		return read_func_value(ctx, arg);
	return read_tracepoint_value(ctx, arg);
}

/* A string the process has not touched yet (a literal on a page never faulted in) cannot be
 * read without faulting; only a sleepable program may fault, so it touches the page first.
 * The length is bounded by a mask (identity for 1..MAX_STRING): clang may check a copy of
 * it and pass the original, which older verifiers then see unbounded. */
static __always_inline void read_string(char *dst, __u32 len, __u64 ptr, __u8 source, bool sleepable)
{
	char byte;

	dst[0] = '\0';
	len = ((len - 1) & (MAX_STRING - 1)) + 1;
	if (source == STRING_KERNEL) {
		bpf_probe_read_kernel_str(dst, len, (void *)ptr);
		return;
	}
	if (sleepable)
		bpf_copy_from_user(&byte, 1, (void *)ptr);
	bpf_probe_read_user_str(dst, len, (void *)ptr);
}

/* The bytes a pointer argument points to, and a string a pointer among them points to. A read
 * that fails is marked, never shown as zeroes. */
/* The text a pointer among a struct's bytes points to (deref_string), by its length beside it
 * (deref_length) or to its NUL. */
static __always_inline void read_text_of(struct event_with_strings *big, int i, const struct arg_config *arg,
					 __u32 string_len, bool sleepable)
{
	__u64 inner;

	if (!arg->deref_string)
		return;
	inner = *(__u64 *)&big->memory[i][((arg->deref_string - 1) * 8) & (MAX_DEREF - 8)];
	if (!inner)
		return;
	if (arg->deref_length) {
		/* Bytes with a length beside them ({size, data}): exactly that many, NULs and all. */
		__u64 length = *(__u64 *)&big->memory[i][((arg->deref_length - 1) * 8) & (MAX_DEREF - 8)];
		__u32 n = length < string_len ? length : string_len;

		if (n == 0)
			return;
		/* string_len ≤ MAX_STRING: the mask changes nothing, but bounds the length read with. */
		n = ((n - 1) & (MAX_STRING - 1)) + 1;
		if (!(sleepable ? bpf_copy_from_user(big->strings[i], n, (void *)inner)
				: bpf_probe_read_user(big->strings[i], n, (void *)inner)))
			big->data_len[i] = n;
		return;
	}
	read_string(big->strings[i], string_len, inner, STRING_USER, sleepable);
}

static __always_inline void read_memory(struct event_with_strings *big, int i, const struct arg_config *arg,
					__u32 string_len, __u64 ptr, bool sleepable)
{
	__u32 size = ((arg->deref - 1) & (MAX_DEREF - 1)) + 1;

	/* Sleepable, it may fault the page in (memory the process has not touched yet). */
	if (!ptr || (sleepable ? bpf_copy_from_user(big->memory[i], size, (void *)ptr)
			       : bpf_probe_read_user(big->memory[i], size, (void *)ptr))) {
		big->unreadable |= 1 << i;
		return;
	}
	read_text_of(big, i, arg, string_len, sleepable);
}

/* What a deref'd argument (or returned struct) is: the bytes of the registers that hold a
 * struct by value, low eightbyte first, else those where its value points. */
static __always_inline void read_struct(void *ctx, enum ctx_kind kind, struct event_with_strings *big, int i,
					const struct arg_config *arg, __u32 string_len, __u64 value, bool sleepable)
{
	if (kind == CTX_PT_REGS && arg->location == ARG_REG_PAIR) {
		struct arg_config first = { .location = arg->offset & 0xff };
		struct arg_config second = { .location = (arg->offset >> 8) & 0xff };
		__u64 halves[2] = { read_regs_value(ctx, &first),
				    second.location == REG_PAIR_NONE ? 0 : read_regs_value(ctx, &second) };

		__builtin_memcpy(big->memory[i], halves, sizeof(halves));
		read_text_of(big, i, arg, string_len, sleepable);
		return;
	}
	read_memory(big, i, arg, string_len, value, sleepable);
}

static __always_inline void fill_header(struct event *e, __u8 type, __u32 slot, __u64 id, __u64 now)
{
	e->type = type;
	e->flags = 0;
	e->slot = slot;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ts_ns = now;
	e->latency_ns = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

static __always_inline void emit_call(void *ctx, enum ctx_kind kind, const struct probe_config *cfg,
				      struct probe_stats *stats, __u32 slot, __u64 id, __u64 now,
				      const struct stack_key *stack, bool pending, bool sleepable)
{
	struct event_with_strings *big = NULL;
	struct event *e;

	if (cfg->has_strings || stack) {
		big = bpf_ringbuf_reserve(&events, sizeof(*big), 0);
		e = big ? &big->base : NULL;
	} else {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	}
	if (!e) {
		__sync_fetch_and_add(&stats->dropped, 1);
		return;
	}
	fill_header(e, EVENT_CALL, slot, id, now);
	if (pending)
		e->flags |= EVENT_PENDING;
	if (big) {
		big->unreadable = 0;
		__builtin_memset(big->data_len, 0, sizeof(big->data_len));
	}
	for (int i = 0; i < MAX_ARGS; i++) {
		if (i >= cfg->nargs)
			break;
		e->values[i] = read_value(ctx, kind, &cfg->args[i]);
		if (!big)
			continue;
		big->strings[i][0] = '\0';
		if (cfg->args[i].string)
			read_string(big->strings[i], cfg->string_len, e->values[i], cfg->args[i].string, sleepable);
		else if (cfg->args[i].deref)
			read_struct(ctx, kind, big, i, &cfg->args[i], cfg->string_len, e->values[i], sleepable);
	}
	if (big)
		e->flags |= EVENT_HAS_STRINGS;
	if (big && stack) {
		big->nframes = stack->nframes;
		__builtin_memcpy(big->frames, stack->frames, sizeof(big->frames));
		e->flags |= EVENT_HAS_STACK;
	}
	bpf_ringbuf_submit(e, submit_flags(now));
}

/* Whether a number compares with the condition's value as it says, by its width and sign. */
static __always_inline bool compares(__u64 raw, const struct probe_config *cfg)
{
	__s64 value, limit = (__s64)cfg->cond_value;

	raw = low_bytes(raw, cfg->cond_bytes);
	if (!cfg->cond_signed) {
		switch (cfg->cond_op) {
		case COND_EQ: return raw == cfg->cond_value;
		case COND_NE: return raw != cfg->cond_value;
		case COND_LT: return raw < cfg->cond_value;
		case COND_LE: return raw <= cfg->cond_value;
		case COND_GT: return raw > cfg->cond_value;
		default: return raw >= cfg->cond_value;
		}
	}
	value = sign_extend(raw, cfg->cond_bytes);
	switch (cfg->cond_op) {
	case COND_EQ: return value == limit;
	case COND_NE: return value != limit;
	case COND_LT: return value < limit;
	case COND_LE: return value <= limit;
	case COND_GT: return value > limit;
	default: return value >= limit;
	}
}

/* Whether the string at `address` is the condition's text (then, with COND_NE, it fails). */
static __always_inline bool text_compares(__u64 address, const struct probe_config *cfg, bool sleepable)
{
	char text[MAX_COND_TEXT];
	long length;
	bool equal;

	/* As read_string: a page the process has not touched yet is faulted in first. */
	if (sleepable)
		bpf_copy_from_user(text, 1, (void *)address);
	length = bpf_probe_read_user_str(text, sizeof(text), (void *)address);
	equal = length == cfg->cond_text_len + 1;

	for (int i = 0; i < MAX_COND_TEXT && equal; i++) {
		if (i >= cfg->cond_text_len)
			break;
		equal = text[i] == cfg->cond_text[i];
	}
	return cfg->cond_op == COND_NE ? !equal : equal;
}

/* Whether the call meets the probe's condition, as far as the call decides it: one on an
 * argument; one decided at the return is met so far (none: met). */
static __always_inline bool condition_met_at_call(void *ctx, enum ctx_kind kind, const struct probe_config *cfg,
						  bool sleepable)
{
	/* 64-bit (no 32-bit copy of it is what gets checked), and hidden from clang, which would
	 * check cond_arg for 0 and > MAX_ARGS instead: older verifiers do not bound it from that. */
	__u64 index = (__u64)cfg->cond_arg - 1;

	/* Conditions are for user functions: other kinds never carry one. */
	if (kind != CTX_PT_REGS || (cfg->cond_on != COND_ON_NUMBER && cfg->cond_on != COND_ON_TEXT))
		return true;
	barrier_var(index);
	if (index >= MAX_ARGS)
		return true;
	if (cfg->cond_on == COND_ON_TEXT)
		return text_compares(read_value(ctx, kind, &cfg->args[index]), cfg, sleepable);
	return compares(read_value(ctx, kind, &cfg->args[index]), cfg);
}

static __always_inline bool decided_at_return(const struct probe_config *cfg)
{
	return cfg->cond_on == COND_ON_RETURN || cfg->cond_on == COND_ON_LATENCY;
}

/* A value's log2 bucket (VALUE_FIELD_ARG_LOG2). */
static __always_inline __s64 log2_bucket(__u64 raw, __u8 bytes, bool is_signed)
{
	__s64 value = is_signed ? sign_extend(raw, bytes) : 0;

	if (!is_signed || value >= 0)
		return raw ? 1 + log2_u64(is_signed ? (__u64)value : raw) : 0;
	return -(1 + (__s64)log2_u64(-(__u64)value));
}

/* The value of the argument the probe counts the values of (valuesOf). */
static __always_inline __u64 counted_arg(void *ctx, enum ctx_kind kind, const struct probe_config *cfg)
{
	__u32 index = cfg->count_arg - 1;

	/* The bound checked must be the index used: hide it from clang, or it checks a copy. */
	barrier_var(index);
	if (index >= MAX_ARGS)
		return 0;
	return low_bytes(read_value(ctx, kind, &cfg->args[index]), cfg->count_arg_bytes);
}

/* That value counted, and its log2 bucket. */
static __always_inline void count_arg_value(__u32 slot, const struct probe_config *cfg, __u64 value, struct probe_stats *stats)
{
	count_value(slot, VALUE_FIELD_ARG, value, &stats->arg_values_uncounted);
	count_value(slot, VALUE_FIELD_ARG_LOG2, log2_bucket(value, cfg->count_arg_bytes, cfg->count_arg_signed),
		    &stats->arg_buckets_uncounted);
}

/* The current thread's pid_tgid, read from its task: one helper call fewer than
 * bpf_get_current_pid_tgid() when the task is needed anyway. */
static __always_inline __u64 task_pid_tgid(struct task_struct *task)
{
	return (__u64)task->tgid << 32 | (__u32)task->pid;
}

/* Takes out of `frames` (`depth` of them) the call a return of `slot` pairs with: the newest
 * frame of its probe among the top few (probes on one function return in either order); the
 * frames above it move down one. */
static __always_inline bool pair_frame(struct frame *frames, __u32 *depth, __u32 slot, struct frame *call)
{
	__u32 n = *depth;

	/* n never exceeds MAX_DEPTH, so the masks (for the verifier) change nothing. */
	for (int up = 1; up <= PAIR_SEARCH; up++) {
		__u32 at = (n - up) & (MAX_DEPTH - 1);

		if (up > n || n > MAX_DEPTH)
			break;
		if (frames[at].slot != slot)
			continue;
		*call = frames[at];
		for (int above = 1; above < up; above++)
			frames[(at + above - 1) & (MAX_DEPTH - 1)] = frames[(at + above) & (MAX_DEPTH - 1)];
		*depth = n - 1;
		return true;
	}
	return false;
}

static __always_inline int record_entry(void *ctx, enum ctx_kind kind, __u32 slot, bool sleepable)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = task_pid_tgid(task);
	struct probe_config *cfg = bpf_map_lookup_elem(&probe_configs, &slot);
	struct probe_stats *stats = bpf_map_lookup_elem(&probe_stats, &slot);
	struct thread_stack *stack;
	struct stack_key *user_stack = NULL;
	__u64 now, arg_value = 0;
	bool pushed = false;
	bool sampled, matched, at_return = decided_at_return(cfg ? cfg : &(struct probe_config){});

	if (!cfg || !stats || !cfg->active || !process_selected(cfg, id >> 32))
		return 0;
	now = bpf_ktime_get_ns();
	__sync_fetch_and_add(&stats->calls, 1);
	matched = condition_met_at_call(ctx, kind, cfg, sleepable);
	if (cfg->cond_on && !at_return && matched)
		__sync_fetch_and_add(&stats->matched, 1);
	/* Argument values are for user functions: other kinds never count one. */
	if (matched && cfg->count_arg && kind == CTX_PT_REGS) {
		arg_value = counted_arg(ctx, kind, cfg);
		if (!at_return)	/* else at the return, if the call meets the condition */
			count_arg_value(slot, cfg, arg_value, stats);
	}
	sampled = matched && sampled_in(slot, now, stats);

	/* Only a call whose return is probed is pushed: nothing would pop the others. */
	if (cfg->has_return) {
		struct frame call = { .ts_ns = now, .slot = slot, .sampled = sampled, .unmatched = !matched,
				      .arg_value = arg_value };
		struct cached_frames *cached = cached_frames_of((__u32)id);

		pushed = cached && push_cached(cached, (__u32)id, task->start_time, &call);
	}
	stack = (cfg->has_return && !pushed) || cfg->stack_depth ? bpf_task_storage_get(&thread_stacks, task, NULL,
									       BPF_LOCAL_STORAGE_GET_F_CREATE) : NULL;
	/* Stacks are for user functions: other kinds never ask for one. */
	if (matched && cfg->stack_depth && kind == CTX_PT_REGS) {
		if (stack)
			user_stack = count_user_stack(ctx, cfg, slot, id >> 32, stack, stats);
		else
			__sync_fetch_and_add(&stats->stacks_uncounted, 1);
	}
	if (stack && cfg->has_return && !pushed) {
		__u32 depth = stack->depth;

		if (depth < MAX_DEPTH) {
			stack->frames[depth].ts_ns = now;
			stack->frames[depth].slot = slot;
			stack->frames[depth].sampled = sampled;
			stack->frames[depth].unmatched = !matched;
			stack->frames[depth].arg_value = arg_value;
			stack->depth = depth + 1;
		} else {
			stack->overflow++;
		}
	}

	if (sampled)
		emit_call(ctx, kind, cfg, stats, slot, id, now, user_stack, at_return, sleepable);
	return 0;
}

/* A return: count it, pair it with the newest entry of the same probe on this thread for its
 * latency, and send its record. */
static __always_inline int record_return(void *ctx, enum ctx_kind kind, __u32 slot)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = task_pid_tgid(task);
	struct probe_config *cfg = bpf_map_lookup_elem(&probe_configs, &slot);
	struct probe_stats *stats = bpf_map_lookup_elem(&probe_stats, &slot);
	struct thread_stack *stack = NULL;
	struct cached_frames *cached;
	struct frame call;
	__u64 now, latency = 0, ret = 0, arg_value = 0;
	__u32 depth;
	bool paired = false, sampled = false, unmatched = false, overflowed = false;
	struct event_with_strings *big = NULL;
	struct event *e;

	if (!cfg || !stats || !cfg->active || !process_selected(cfg, id >> 32))
		return 0;
	now = bpf_ktime_get_ns();
	cached = cached_frames_of((__u32)id);
	if (cached && holds_frames(cached, (__u32)id, task->start_time, &depth)) {
		if (cached->overflow) {
			cached->overflow--;
			overflowed = true;
		} else if (pair_frame(cached->frames, &depth, slot, &call)) {
			/* Depth 0 frees the entry for any thread. */
			cached->state = (__u64)(__u32)id << 32 | depth;
			paired = true;
		}
	}
	/* Calls made while another thread held the entry are older: in thread_stacks. */
	if (!paired && !overflowed)
		stack = bpf_task_storage_get(&thread_stacks, task, NULL, 0);
	if (stack && stack->overflow) {
		stack->overflow--;
	} else if (stack) {
		depth = stack->depth;
		paired = pair_frame(stack->frames, &depth, slot, &call);
		stack->depth = depth;
	}
	if (paired) {
		latency = now - call.ts_ns;
		sampled = call.sampled;
		unmatched = call.unmatched;
		arg_value = call.arg_value;
	}
	/* With a condition, only the return of a call known to meet it counts. */
	if (cfg->cond_on && (!paired || unmatched))
		return 0;
	if (decided_at_return(cfg) && kind == CTX_PT_REGS) {
		if (!compares(cfg->cond_on == COND_ON_LATENCY ? latency : PT_REGS_RC((struct pt_regs *)ctx), cfg)) {
			/* Its call's record went out pending: say it is not to be shown. */
			if (sampled && (e = bpf_ringbuf_reserve(&events, sizeof(*e), 0))) {
				fill_header(e, EVENT_DISCARD, slot, id, now);
				bpf_ringbuf_submit(e, submit_flags(now));
			}
			return 0;
		}
		__sync_fetch_and_add(&stats->matched, 1);
		if (cfg->count_arg)
			count_arg_value(slot, cfg, arg_value, stats);
	}
	/* The value first: whoever reads this many returns finds their values counted. */
	if (cfg->count_returns) {
		/* A return value is a number: a tracepoint's (sys_exit's ret) is never a string. */
		ret = kind == CTX_TRACEPOINT ? read_tracepoint_field(ctx, &cfg->ret) : read_value(ctx, kind, &cfg->ret);
		count_value(slot, VALUE_FIELD_RETURN, low_bytes(ret, cfg->count_returns), &stats->values_uncounted);
	}
	__sync_fetch_and_add(&stats->returns, 1);

	if (paired) {
		__u32 bucket = log2_u64(latency);

		/* Hide the bucket's range from clang, or it drops the mask older verifiers need. */
		barrier_var(bucket);
		__sync_fetch_and_add(&stats->latency_hist[bucket & (LATENCY_BUCKETS - 1)], 1);
		__sync_fetch_and_add(&stats->latency_sum_ns, latency);
	}

	/* A return goes with its call's record; one whose call was not seen decides alone. */
	if (!paired)
		sampled = sampled_in(slot, now, stats);	/* its call was not seen: it decides alone */
	else if (!sampled)
		__sync_fetch_and_add(&stats->sampled_out, 1);
	if (!sampled)
		return 0;
	if (cfg->ret.deref) {
		/* A struct returned by value: its bytes, in a record with room for them. */
		big = bpf_ringbuf_reserve(&events, sizeof(*big), 0);
		e = big ? &big->base : NULL;
	} else {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	}
	if (!e) {
		__sync_fetch_and_add(&stats->dropped, 1);
		return 0;
	}
	fill_header(e, EVENT_RETURN, slot, id, now);
	e->values[0] = cfg->count_returns ? ret : read_value(ctx, kind, &cfg->ret);
	if (big) {
		big->unreadable = 0;
		__builtin_memset(big->data_len, 0, sizeof(big->data_len));
		big->strings[0][0] = '\0';
		read_struct(ctx, kind, big, 0, &cfg->ret, cfg->string_len, e->values[0], false);
		e->flags |= EVENT_HAS_STRINGS;
	}
	if (paired) {
		e->flags |= EVENT_LATENCY_KNOWN;
		e->latency_ns = latency;
	}
	bpf_ringbuf_submit(e, submit_flags(now));
	return 0;
}

#endif
