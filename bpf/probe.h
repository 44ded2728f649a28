/* Records and limits shared by probe.bpf.c and the helper. */
#ifndef PROBE_LENS_PROBE_H
#define PROBE_LENS_PROBE_H

#define MAX_PROBES 1024	/* slots; above MAX_LIVE_PROBES for those whose links are going */
#define MAX_ARGS 6
#define MAX_STRING 128
#define MAX_DEPTH 32
#define PAIR_SEARCH 4		/* frames a return looks down for its call (probes sharing a function) */
#define MAX_FILTERS 64
#define LATENCY_BUCKETS 64
#define TASK_COMM_LEN 16
#define RING_BYTES (8 << 20)	/* the records' ring buffer */
#define MAX_DEREF 64		/* bytes read at a pointer argument (a struct it points to) */
#define VALUES_PER_PROBE 256	/* distinct values counted per probe and field (return value, an argument) */
#define MAX_COUNTED_VALUES 16384	/* ... and in all */
#define MAX_STACK_FRAMES 32	/* of a user stack, the probed address first */
#define MAX_COND_TEXT 64	/* bytes of a text a string argument is compared with */
#define MAX_COUNTED_STACKS 4096	/* distinct (process, stack) pairs counted at once */

enum arg_location {
	ARG_REG_RDI,
	ARG_REG_RSI,
	ARG_REG_RDX,
	ARG_REG_RCX,
	ARG_REG_R8,
	ARG_REG_R9,
	ARG_STACK,		/* offset: bytes above the stack pointer at entry */
	ARG_RETURN_REG,		/* rax at a uretprobe or kretprobe */
	ARG_FUNC_ARG,		/* fentry/fexit: offset is the argument's index */
	ARG_FUNC_RET,		/* fexit: the return value */
	ARG_CTX_FIELD,		/* tracepoint: size bytes at offset in the record */
	ARG_CTX_DATA_LOC,	/* tracepoint __data_loc string: its u32 locator is at offset */
	ARG_CTX_INLINE,		/* tracepoint char array: the string is at offset in the record */
	ARG_REG_PAIR,		/* a struct passed by value in registers: offset's low byte names
				 * the first (ARG_REG_*), the next byte the second or 0xff for none;
				 * with deref, their 8 or 16 bytes are its bytes */
	ARG_STACK_COPY,		/* a struct passed by value on the stack: its address, the stack
				 * pointer at entry + offset; read with deref */
	ARG_REG_ANY,		/* any general register: offset is its DWARF number (0 rax .. 15 r15) */
	ARG_REG_MEMORY,		/* size bytes at a register (DWARF number in reg) + offset: a local's
				 * frame slot at a line */
};
#define REG_PAIR_NONE 0xff

enum string_source {
	STRING_NONE,
	STRING_USER,		/* the value points into the process */
	STRING_KERNEL,		/* the value points into the kernel */
};

struct arg_config {
	__u8 location;		/* enum arg_location */
	__u8 string;		/* enum string_source: read a NUL-terminated string at the value */
	__u8 size;		/* ARG_CTX_FIELD, ARG_REG_MEMORY: 1, 2, 4 or 8 */
	__u8 deref;		/* user pointers: bytes (1..MAX_DEREF) to read where it points; 0: none */
	__s32 offset;
	__u8 deref_string;	/* with deref: 1 + the 8-byte slot of those bytes holding a pointer
				 * whose NUL-terminated string is read too; 0: none */
	__u8 deref_length;	/* with deref_string: 1 + the slot holding its length in bytes: then
				 * exactly that many bytes are read (up to string_len), NULs and all */
	__u8 reg;		/* ARG_REG_MEMORY: the base register's DWARF number */
	__u8 pad;
};

/* One per probe slot; the slot is the attach cookie. */
struct probe_config {
	__u8 nargs;
	__u8 count_returns;	/* 0: no; else the return value's width in bytes: count each value */
	__u8 has_strings;	/* some argument reads a string or memory: records are event_with_strings */
	__u8 filter_id;		/* 0: none; else bit (filter_id - 1) of struct traced_process */
	__u8 active;		/* 0: count nothing (detaching: links are still being torn down) */
	__u8 has_return;	/* a return probe pairs with its calls: only then is an entry pushed */
	__u8 pad[2];
	__u32 string_len;	/* 1..MAX_STRING */
	__u32 filter_tgid;	/* 0: any process */
	__u32 filter_uid;	/* (__u32)-1: any user; else only processes this user may trace */
	__u32 filter_gid;	/* with filter_uid: the user's gid */
	struct arg_config args[MAX_ARGS];
	struct arg_config ret;
	/* A condition, on an argument (checked at the call) or on the return value or latency
	 * (checked at the return): calls that fail it are counted in `calls` and nothing else (no
	 * matched, record, return, latency or value). */
	__u8 cond_arg;		/* on an argument: 1 + its index; else 0 */
	__u8 cond_op;		/* enum condition_op */
	__u8 cond_bytes;	/* the argument's width: 1, 2, 4 or 8 */
	__u8 cond_signed;
	/* An argument whose values are counted, exactly, like the return value's (field 1). */
	__u8 count_arg;		/* 0: none; else 1 + the argument's index */
	__u8 count_arg_bytes;	/* its width */
	__u8 count_arg_signed;	/* its type is signed: its log2 histogram has negative buckets */
	__u8 cond_on;		/* enum condition_subject */
	__u8 cond_text_len;	/* COND_ON_TEXT: the text's length (no NUL) */
	__u8 pad2[5];
	/* Stacks: 0 none; else the user stack's frames counted (stack_counts) and sent with
	 * records, at most this many (2: the probed address and its caller). */
	__u8 stack_depth;
	/* The probe is at a function's entry and the kernel's walk, starting from the frame
	 * pointer, leaves out the caller: its return address is read at the stack pointer. */
	__u8 stack_reads_caller;
	__u64 cond_value;
	char cond_text[MAX_COND_TEXT];	/* COND_ON_TEXT: what the string argument must (not) be */
};

/* What a condition compares: nothing, a number argument, a string argument's text (eq, ne),
 * the return value, or the latency in ns (unsigned). The last two are decided at the return:
 * a call's record goes out as pending, and its return's says whether it met it (or a discard
 * record that it did not). */
enum condition_subject { COND_NONE, COND_ON_NUMBER, COND_ON_TEXT, COND_ON_RETURN, COND_ON_LATENCY };

enum condition_op { COND_EQ, COND_NE, COND_LT, COND_LE, COND_GT, COND_GE };

/* Exact per-probe counters, per CPU; the helper sums them. */
struct probe_stats {
	__u64 calls;
	__u64 returns;
	__u64 dropped;		/* records the ring had no room for */
	__u64 sampled_out;	/* records the sampling gate left out (probe_gates) */
	__u64 values_uncounted;	/* returns whose value found no room in value_counts */
	__u64 matched;		/* calls that met the probe's condition (with one) */
	__u64 arg_values_uncounted;	/* calls whose counted argument's value found no room */
	__u64 arg_buckets_uncounted;	/* ... whose log2 bucket found none */
	__u64 stacks_uncounted;	/* calls whose stack found no room in stack_counts, or none was read */
	__u64 latency_sum_ns;	/* of the returns timed (latency_hist's) */
	__u64 latency_hist[LATENCY_BUCKETS];	/* log2 of nanoseconds */
};

/* Which of a probe's records go to the ring: a call (with its return) at most every
 * interval_ns, and after a quiet spell up to half a second's worth at once (so a function called
 * now and then is seen whole); GATE_OPEN: every one, GATE_CLOSED: none. A rate in time: under a
 * steady flood the records sent are spread evenly over the calls. */
struct probe_gate {
	__u64 interval_ns;
	__u64 next_ns;		/* the earliest time the next call's record may go */
};
#define GATE_OPEN 0
#define GATE_CLOSED (~0ULL)
#define GATE_BURST_NS 500000000ULL	/* the records that may go at once: this long's worth */

/* A value seen by a probe, counted in value_counts: the return value (field 0). */
struct value_key {
	__u32 slot;
	__u32 field;
	__u64 value;
};
#define VALUE_FIELD_RETURN 0
#define VALUE_FIELD_ARG 1	/* the argument a probe counts the values of (count_arg) */
#define VALUE_FIELD_ARG_LOG2 2	/* ... by log2 bucket: 0 for 0, k for [2^(k-1), 2^k), -k for
				 * (-2^k, -2^(k-1)] */
#define VALUE_FIELDS 3		/* each with its own VALUES_PER_PROBE */
#define LOG2_BUCKETS 64		/* k in -64..64 */

/* The values of one probe's field in value_counts: how many, and a Bloom filter of them (two bits
 * a value), so that a value surely not among them costs no hash lookup: one that cannot be added
 * (the field has VALUES_PER_PROBE already) is counted as uncounted at once. */
#define VALUE_FILTER_WORDS 64	/* 4096 bits: about 1.4% false positives at 256 values */
struct value_set {
	__u32 distinct;
	__u32 pad;
	__u64 filter[VALUE_FILTER_WORDS];
};

/* A user stack seen by a probe, counted in stack_counts: addresses in the process, so the
 * process is part of it. Zero past nframes. */
struct stack_key {
	__u32 slot;
	__u32 tgid;
	__u32 nframes;
	__u32 pad;
	__u64 frames[MAX_STACK_FRAMES];
};

/* Where a frame is: the file mapped there (its inode and device, as the kernel numbers them;
 * inode 0: no file) and the offset in it. Found when a stack is first counted, while its
 * process surely lives: the helper names the files. */
struct frame_file {
	__u64 inode;
	__u32 dev;
	__u32 offset;		/* in the file: mapped code is well below 4 GiB into it */
};

struct stack_count {
	__u64 count;
	struct frame_file files[MAX_STACK_FRAMES];
};

/* Processes followed for a filter: a fork inherits membership, an execve activates it. */
struct traced_process {
	__u64 member_of;	/* bit i: in the tree of filter i + 1 */
	__u64 active_for;	/* bit i: counted for filter i + 1 */
};

enum event_type {
	EVENT_CALL = 1,
	EVENT_RETURN = 2,
	EVENT_DISCARD = 3,	/* a pending call (same probe and thread, the newest) failed the condition */
};

#define EVENT_LATENCY_KNOWN 0x1
#define EVENT_HAS_STRINGS 0x2	/* an event_with_strings */
#define EVENT_HAS_STACK 0x4	/* an event_with_strings whose stack is filled in */
#define EVENT_PENDING 0x8	/* a call whose probe's condition is decided at its return */

struct event {
	__u8 type;		/* enum event_type */
	__u8 flags;
	__u16 slot;
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u64 ts_ns;
	__u64 latency_ns;
	__u64 values[MAX_ARGS];	/* call: arguments; return: values[0] is the return value */
	char comm[TASK_COMM_LEN];
};

struct event_with_strings {
	struct event base;
	char strings[MAX_ARGS][MAX_STRING];
	__u8 memory[MAX_ARGS][MAX_DEREF];	/* what deref'd arguments point to */
	__u8 unreadable;	/* bit i: argument i's memory could not be read */
	__u8 data_len[MAX_ARGS];	/* deref_length: the bytes read into strings[i] */
	__u8 pad;
	__u32 nframes;		/* EVENT_HAS_STACK: the call's user stack */
	__u32 pad2;
	__u64 frames[MAX_STACK_FRAMES];
};

#endif
