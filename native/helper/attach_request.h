/* The probe/attach request, read strictly and completely before any file is opened or anything
 * attached: every field typed and bounded, the capture spec turned into the BPF config. The
 * helper and its fuzzer (native/fuzz/rpc_fuzz.c) share this code, so what is fuzzed is what runs. */
#ifndef PROBE_LENS_ATTACH_REQUEST_H
#define PROBE_LENS_ATTACH_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include <jansson.h>
#include "probe.h"
#include "rpc.h"

#define MAX_ARG_NAME 64
#define MAX_SYMBOL_NAME 255

enum value_type {
	VALUE_U8, VALUE_U16, VALUE_U32, VALUE_U64,
	VALUE_S8, VALUE_S16, VALUE_S32, VALUE_S64,
	VALUE_BOOL, VALUE_CHAR, VALUE_POINTER, VALUE_STRING,
	VALUE_TYPE_COUNT,
};

struct captured_arg {
	char name[MAX_ARG_NAME + 1];
	enum value_type type;
	unsigned int deref;	/* bytes read where the pointer points; 0: none */
	bool by_value;		/* a struct passed by value: its bytes, at no address of the caller's */
};

struct filter_request {
	pid_t pid;
	bool descendants, from_exec;
};

enum target_kind {
	TARGET_USER_FUNCTION,		/* binary + symbol or offset: uprobe/uretprobe */
	TARGET_KERNEL_FUNCTION,		/* fentry/fexit, else kprobe/kretprobe */
	TARGET_TRACEPOINT,
	TARGET_SYSCALL,			/* sys_enter_NAME + sys_exit_NAME */
};

/* Which mechanism a kernel function probe may use. */
enum kernel_mechanism {
	MECHANISM_AUTO,			/* fentry where the kernel allows it, else kprobe */
	MECHANISM_FENTRY,
	MECHANISM_KPROBE,
};

#define RECORDS_ALL (-1)

struct attach_request {
	enum target_kind target;
	/* All strings are borrowed from the request's JSON. */
	const char *binary;
	const char *symbol;		/* NULL: attach at offset */
	int64_t offset;			/* -1: attach at symbol */
	const char *kernel_function;
	enum kernel_mechanism mechanism;
	char tracepoint_category[MAX_SYMBOL_NAME + 1];
	const char *tracepoint_name;	/* points into the request's "CATEGORY:NAME" */
	const char *syscall;
	bool retprobe;
	bool start;			/* count from the attach on; false: from probe/start */
	bool stacks;			/* count the calls' user stacks and send them with records */
	int64_t records_per_second;	/* RECORDS_ALL, 0 (none), or at most this many a second */
	bool has_filter;
	struct filter_request filter;
	int nargs;
	struct captured_arg args[MAX_ARGS];
	bool capture_ret;
	enum value_type ret_type;
	/* A struct returned by value (deref != 0): its bytes, shown like a deref'd argument. */
	struct captured_arg ret_struct;
	/* What the BPF side needs for this request; the process and user filters are the
	 * engine's to add. */
	struct probe_config cfg;
};

/* "u8", "s64", "string", … as the protocol spells them. */
const char *value_type_name(enum value_type type);
/* Bytes of a value of the type in a register; 0 for a string (its address is no value to count). */
unsigned int value_type_bytes(enum value_type type);
/* Whether a value of the type is compared and bucketed as a signed number. */
bool value_type_signed(enum value_type type);

/* 0 with request filled, or -1 with failure saying which field is wrong and why. */
int attach_request_parse(json_t *params, struct attach_request *request, struct rpc_failure *failure);

#endif
