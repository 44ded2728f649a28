#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/limits.h>
#include "attach_request.h"
#include "params.h"
#include "probes.h"

#define DEFAULT_STRING_LEN 64
#define MAX_STACK_OFFSET 4096

static const char *const value_type_names[VALUE_TYPE_COUNT] = {
	"u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "bool", "char", "pointer", "string",
};

unsigned int value_type_bytes(enum value_type type)
{
	switch (type) {
	case VALUE_U8: case VALUE_S8: case VALUE_BOOL: case VALUE_CHAR: return 1;
	case VALUE_U16: case VALUE_S16: return 2;
	case VALUE_U32: case VALUE_S32: return 4;
	case VALUE_U64: case VALUE_S64: case VALUE_POINTER: return 8;
	case VALUE_STRING: case VALUE_TYPE_COUNT: break;
	}
	return 0;
}

bool value_type_signed(enum value_type type)
{
	return type == VALUE_S8 || type == VALUE_S16 || type == VALUE_S32 || type == VALUE_S64 || type == VALUE_CHAR;
}

const char *value_type_name(enum value_type type)
{
	return type < VALUE_TYPE_COUNT ? value_type_names[type] : "unknown";
}

static const char *const register_names[] = { "rdi", "rsi", "rdx", "rcx", "r8", "r9" };
/* Every general register, by DWARF number: where a local may be at a line. */
static const char *const dwarf_register_names[] = { "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
						    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
#define MAX_MEMORY_OFFSET (1 << 20)

static int parse_value_type(json_t *field, const char *what, enum value_type *type, struct rpc_failure *failure)
{
	const char *name = json_string_value(field);

	for (int t = 0; name && t < VALUE_TYPE_COUNT; t++) {
		if (!strcmp(name, value_type_names[t])) {
			*type = t;
			return 0;
		}
	}
	return rpc_fail(failure, RPC_BAD_PARAMS, "%s must be one of u8, u16, u32, u64, s8, s16, s32, "
			"s64, bool, char, pointer, string", what);
}

/* An argument register by name: its enum arg_location, or -1. */
static int argument_register(const char *reg)
{
	for (size_t r = 0; r < sizeof(register_names) / sizeof(register_names[0]); r++)
		if (reg && !strcmp(reg, register_names[r]))
			return (int)r;
	return -1;
}

static int register_index(const char *reg, struct rpc_failure *failure)
{
	int r = argument_register(reg);

	return r >= 0 ? r : rpc_fail(failure, RPC_BAD_PARAMS, "register must be one of rdi, rsi, rdx, rcx, r8, r9, not '%s'",
				      reg ? reg : "(not a string)");
}

static int dwarf_register_number(const char *reg)
{
	for (size_t r = 0; r < sizeof(dwarf_register_names) / sizeof(dwarf_register_names[0]); r++)
		if (reg && !strcmp(reg, dwarf_register_names[r]))
			return (int)r;
	return -1;
}

/* {"memory": {"register": R, "offset": N}}: the value at R + N (a local in its frame slot). */
static int parse_memory(json_t *memory, struct arg_config *arg, struct rpc_failure *failure)
{
	static const char *const fields[] = { "register", "offset", NULL };
	const char *reg = NULL;
	int64_t offset = 0;
	int number;

	if (!json_is_object(memory) || params_only(memory, "location.memory", fields, failure) ||
	    params_string(memory, "register", 8, &reg, failure) < 0 ||
	    params_integer(memory, "offset", -MAX_MEMORY_OFFSET, MAX_MEMORY_OFFSET, &offset, failure) < 0)
		return json_is_object(memory) ? -1 : rpc_fail(failure, RPC_BAD_PARAMS, "location.memory is {register, offset}");
	if ((number = dwarf_register_number(reg)) < 0)
		return rpc_fail(failure, RPC_BAD_PARAMS, "location.memory.register must be a general register "
				"(rax .. r15), not '%s'", reg ? reg : "(none)");
	arg->location = ARG_REG_MEMORY;
	arg->reg = number;
	arg->offset = offset;
	return 0;
}

/* {"registers": [R1, R2?]}: a struct passed by value in one or two registers. */
static int parse_register_pair(json_t *registers, struct arg_config *arg, struct rpc_failure *failure)
{
	int first, second = REG_PAIR_NONE;

	if (!json_is_array(registers) || json_array_size(registers) < 1 || json_array_size(registers) > 2)
		return rpc_fail(failure, RPC_BAD_PARAMS, "location.registers is one or two argument registers");
	first = register_index(json_string_value(json_array_get(registers, 0)), failure);
	if (first < 0 || (json_array_size(registers) == 2 &&
			  (second = register_index(json_string_value(json_array_get(registers, 1)), failure)) < 0))
		return -1;
	arg->location = ARG_REG_PAIR;
	arg->offset = first | second << 8;
	return 0;
}

/* {register}, {stackOffset}, {memory} (a line's local), or for a struct by value {registers} or
 * {stackCopy}. An argument register is named as such; any other general register by DWARF number. */
static int parse_location(json_t *location, struct arg_config *arg, struct rpc_failure *failure)
{
	static const char *const fields[] = { "register", "stackOffset", "registers", "stackCopy", "memory", NULL };
	const char *reg = NULL;
	int64_t stack_offset = -1, stack_copy = -1;
	json_t *registers = NULL, *memory = NULL;
	int r;

	if (!json_is_object(location))
		return rpc_fail(failure, RPC_BAD_PARAMS, "an argument's 'location' must be an object");
	if (params_only(location, "location", fields, failure) ||
	    params_string(location, "register", 8, &reg, failure) < 0 ||
	    params_integer(location, "stackOffset", 0, MAX_STACK_OFFSET, &stack_offset, failure) < 0 ||
	    params_integer(location, "stackCopy", 8, MAX_STACK_OFFSET, &stack_copy, failure) < 0)
		return -1;
	registers = json_object_get(location, "registers");
	memory = json_object_get(location, "memory");
	if ((reg != NULL) + (stack_offset >= 0) + (stack_copy >= 0) + (registers != NULL) + (memory != NULL) != 1)
		return rpc_fail(failure, RPC_BAD_PARAMS, "a location is one of {register}, {stackOffset}, {memory}, "
				"{registers}, {stackCopy}");
	if (registers)
		return parse_register_pair(registers, arg, failure);
	if (memory)
		return parse_memory(memory, arg, failure);
	if (!reg) {
		arg->location = stack_copy >= 0 ? ARG_STACK_COPY : ARG_STACK;
		arg->offset = stack_copy >= 0 ? stack_copy : stack_offset;
		return 0;
	}
	if ((r = argument_register(reg)) >= 0) {
		arg->location = r;
		return 0;
	}
	if ((r = dwarf_register_number(reg)) < 0)
		return rpc_fail(failure, RPC_BAD_PARAMS, "register must be a general register (rax .. r15), not '%s'", reg);
	arg->location = ARG_REG_ANY;
	arg->offset = r;
	return 0;
}

/* "deref": {"size": N, "stringAt": OFFSET, "lengthAt": OFFSET}: read N bytes where a pointer
 * argument points, and the string a pointer at stringAt among them points to — or, with
 * lengthAt, exactly as many bytes as the 8-byte length there says (NULs and all). */
static int parse_deref(json_t *deref, struct arg_config *arg, struct rpc_failure *failure)
{
	static const char *const fields[] = { "size", "stringAt", "lengthAt", NULL };
	int64_t size = 0, string_at = -1, length_at = -1;

	if (!json_is_object(deref))
		return rpc_fail(failure, RPC_BAD_PARAMS, "an argument's 'deref' must be an object");
	if (params_only(deref, "deref", fields, failure) ||
	    params_integer(deref, "size", 1, MAX_DEREF, &size, failure) < 0 ||
	    params_integer(deref, "stringAt", 0, MAX_DEREF - 8, &string_at, failure) < 0 ||
	    params_integer(deref, "lengthAt", 0, MAX_DEREF - 8, &length_at, failure) < 0)
		return -1;
	if (!size)
		return rpc_fail(failure, RPC_BAD_PARAMS, "'deref' needs a 'size' of 1 to %d bytes", MAX_DEREF);
	if (string_at >= 0 && (string_at % 8 || string_at + 8 > size))
		return rpc_fail(failure, RPC_BAD_PARAMS, "deref.stringAt must be a multiple of 8 with the "
				"pointer inside the %lld bytes read", (long long)size);
	if (length_at >= 0 && (string_at < 0 || length_at % 8 || length_at + 8 > size || length_at == string_at))
		return rpc_fail(failure, RPC_BAD_PARAMS, "deref.lengthAt goes with a stringAt: a multiple of 8, another "
				"slot, inside the %lld bytes read", (long long)size);
	arg->deref = size;
	arg->deref_string = string_at >= 0 ? string_at / 8 + 1 : 0;
	arg->deref_length = length_at >= 0 ? length_at / 8 + 1 : 0;
	return 0;
}

/* "retStruct": {"size", "stringAt", "lengthAt", "registers": 1|2}: a struct returned by value,
 * in rax (and rdx), or with no registers where rax points at the return. */
static int parse_ret_struct(json_t *spec, struct attach_request *request, struct rpc_failure *failure)
{
	struct arg_config *ret = &request->cfg.ret;
	int64_t registers = 0;
	json_t *deref;
	int err;

	if (!spec)
		return 0;
	if (!request->capture_ret || request->ret_type != VALUE_POINTER || !json_is_object(spec))
		return rpc_fail(failure, RPC_BAD_PARAMS, "capture.retStruct is an object, with 'ret': 'pointer'");
	if (params_integer(spec, "registers", 1, 2, &registers, failure) < 0)
		return -1;
	/* The rest is a deref's: size, stringAt, lengthAt. */
	deref = json_copy(spec);
	json_object_del(deref, "registers");
	err = parse_deref(deref, ret, failure);
	json_decref(deref);
	if (err)
		return -1;
	if (registers && ret->deref > 8 * registers)
		return rpc_fail(failure, RPC_BAD_PARAMS, "capture.retStruct: %lld registers hold at most %lld bytes",
				(long long)registers, (long long)(8 * registers));
	if (registers) {
		ret->location = ARG_REG_PAIR;
		ret->offset = ARG_RETURN_REG | (registers == 2 ? ARG_REG_RDX : REG_PAIR_NONE) << 8;
	}
	snprintf(request->ret_struct.name, sizeof(request->ret_struct.name), "ret");
	request->ret_struct.type = VALUE_POINTER;
	request->ret_struct.deref = ret->deref;
	request->ret_struct.by_value = registers != 0;
	return 0;
}

static int parse_capture(json_t *capture, struct attach_request *request, struct rpc_failure *failure)
{
	static const char *const fields[] = { "args", "ret", "stringLength", "retStruct", NULL };
	static const char *const arg_fields[] = { "name", "location", "type", "deref", NULL };
	int64_t string_len = DEFAULT_STRING_LEN;
	struct probe_config *cfg = &request->cfg;
	json_t *args = NULL, *ret, *arg;
	size_t i;

	cfg->string_len = DEFAULT_STRING_LEN;
	if (!capture)
		return 0;
	if (params_only(capture, "capture", fields, failure) ||
	    params_array(capture, "args", MAX_ARGS, &args, failure) < 0 ||
	    params_integer(capture, "stringLength", 1, MAX_STRING, &string_len, failure) < 0)
		return -1;
	cfg->string_len = string_len;
	json_array_foreach(args, i, arg) {
		struct captured_arg *captured = &request->args[i];
		const char *name = NULL;

		if (!json_is_object(arg))
			return rpc_fail(failure, RPC_BAD_PARAMS, "capture.args[%zu] must be an object", i);
		if (params_only(arg, "capture.args[]", arg_fields, failure) ||
		    params_string(arg, "name", MAX_ARG_NAME, &name, failure) < 0)
			return -1;
		if (!name || !*name)
			return rpc_fail(failure, RPC_BAD_PARAMS, "capture.args[%zu] needs a non-empty 'name'", i);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(request->args[j].name, name))
				return rpc_fail(failure, RPC_BAD_PARAMS, "argument name '%s' appears twice", name);
		snprintf(captured->name, sizeof(captured->name), "%s", name);
		if (parse_location(json_object_get(arg, "location"), &cfg->args[i], failure) ||
		    parse_value_type(json_object_get(arg, "type"), "an argument's 'type'", &captured->type, failure))
			return -1;
		cfg->args[i].string = captured->type == VALUE_STRING ? STRING_USER : STRING_NONE;
		if (cfg->args[i].location == ARG_REG_MEMORY)
			cfg->args[i].size = value_type_bytes(captured->type);
		captured->by_value = cfg->args[i].location == ARG_REG_PAIR || cfg->args[i].location == ARG_STACK_COPY;
		if (captured->by_value && (captured->type != VALUE_POINTER || !json_object_get(arg, "deref")))
			return rpc_fail(failure, RPC_BAD_PARAMS, "argument '%s': a struct by value ({registers} or "
					"{stackCopy}) is a 'pointer' with a 'deref' saying how many bytes", name);
		if (json_object_get(arg, "deref")) {
			if (captured->type != VALUE_POINTER)
				return rpc_fail(failure, RPC_BAD_PARAMS, "argument '%s': only a 'pointer' may have a 'deref'", name);
			if (parse_deref(json_object_get(arg, "deref"), &cfg->args[i], failure))
				return -1;
			if (cfg->args[i].location == ARG_REG_PAIR && cfg->args[i].deref > 16)
				return rpc_fail(failure, RPC_BAD_PARAMS, "argument '%s': two registers hold at most 16 bytes", name);
			captured->deref = cfg->args[i].deref;
		}
		cfg->has_strings |= captured->type == VALUE_STRING || captured->deref;
	}
	request->nargs = cfg->nargs = args ? json_array_size(args) : 0;
	ret = json_object_get(capture, "ret");
	if (ret && !json_is_null(ret)) {
		if (parse_value_type(ret, "capture.ret", &request->ret_type, failure))
			return -1;
		if (request->ret_type == VALUE_STRING)
			return rpc_fail(failure, RPC_BAD_PARAMS, "a returned string is not captured: "
					"the memory may be gone once the function returned; use 'pointer'");
		request->capture_ret = true;
	}
	return parse_ret_struct(json_object_get(capture, "retStruct"), request, failure);
}

/* The index of the captured number argument `name`, or -1 with a failure saying what `what` needs. */
static int numeric_argument(const struct attach_request *request, const char *name, const char *what,
			    struct rpc_failure *failure)
{
	for (int i = 0; name && i < request->nargs; i++) {
		if (strcmp(request->args[i].name, name))
			continue;
		if (request->args[i].type == VALUE_STRING || request->args[i].deref)
			return rpc_fail(failure, RPC_BAD_PARAMS, "%s '%s' is a %s: only numbers are compared and counted",
					what, name, request->args[i].type == VALUE_STRING ? "string" : "struct");
		return i;
	}
	return rpc_fail(failure, RPC_BAD_PARAMS, "%s must name a captured argument%s%s%s", what,
			name ? " ('" : "", name ? name : "", name ? "' is not one)" : "");
}

/* A whole decimal number, as the protocol writes integers beyond 2^53; 0, or -1 if it is not one. */
static int parse_decimal(const char *text, bool is_signed, __u64 *out)
{
	char *end;

	errno = 0;
	*out = is_signed ? (__u64)strtoll(text, &end, 10) : (__u64)strtoull(text, &end, 10);
	return errno || end == text || *end || (!is_signed && text[0] == '-') ? -1 : 0;
}

/* The index of the captured string argument `name`, or -1 with a failure. */
static int string_argument(const struct attach_request *request, const char *name, struct rpc_failure *failure)
{
	for (int i = 0; name && i < request->nargs; i++)
		if (!strcmp(request->args[i].name, name))
			return request->args[i].type == VALUE_STRING
				       ? i
				       : rpc_fail(failure, RPC_BAD_PARAMS, "condition.text compares a string, and '%s' is not one: "
						  "compare it with condition.value", name);
	return rpc_fail(failure, RPC_BAD_PARAMS, "condition.arg must name a captured argument%s%s%s",
			name ? " ('" : "", name ? name : "", name ? "' is not one)" : "");
}

static int parse_condition_op(const char *op, struct probe_config *cfg, struct rpc_failure *failure)
{
	static const char *const ops[] = { "eq", "ne", "lt", "le", "gt", "ge" };

	for (size_t i = 0; op && i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!strcmp(op, ops[i])) {
			cfg->cond_op = i;
			return 0;
		}
	}
	return rpc_fail(failure, RPC_BAD_PARAMS, "condition.op must be one of eq, ne, lt, le, gt, ge");
}

/* What a condition on the return value or the latency compares: decided at the return. */
static int parse_return_subject(const char *on, struct attach_request *request, enum value_type *type,
				struct rpc_failure *failure)
{
	if (!request->retprobe)
		return rpc_fail(failure, RPC_BAD_PARAMS, "a condition on the %s is decided at the return: it needs the return "
				"probed (retprobe)", on);
	if (!strcmp(on, "latency")) {
		request->cfg.cond_on = COND_ON_LATENCY;
		*type = VALUE_U64;	/* nanoseconds */
		return 0;
	}
	if (strcmp(on, "return"))
		return rpc_fail(failure, RPC_BAD_PARAMS, "condition.on must be 'return' or 'latency'");
	if (!request->capture_ret || request->ret_struct.deref || value_type_bytes(request->ret_type) == 0)
		return rpc_fail(failure, RPC_BAD_PARAMS, "a condition on the return value needs it captured as a number (capture.ret)");
	request->cfg.cond_on = COND_ON_RETURN;
	*type = request->ret_type;
	return 0;
}

/* "condition": what a call must meet to go further than being counted, compared by the
 * subject's width and sign: {"arg": NAME, "op", "value"} a number argument, {"arg": NAME,
 * "op": "eq"|"ne", "text"} a string argument's text, {"on": "return"|"latency", "op", "value"}
 * the return value or the latency in ns, decided at the return. */
static int parse_condition(json_t *spec, struct attach_request *request, struct rpc_failure *failure)
{
	static const char *const fields[] = { "arg", "on", "op", "value", "text", NULL };
	struct probe_config *cfg = &request->cfg;
	const char *name = NULL, *on = NULL, *op = NULL, *text = NULL;
	json_t *value = json_object_get(spec, "value");
	enum value_type type = VALUE_U64;
	int arg;

	if (params_only(spec, "condition", fields, failure) || params_string(spec, "arg", MAX_ARG_NAME, &name, failure) < 0 ||
	    params_string(spec, "on", 16, &on, failure) < 0 || params_string(spec, "op", 8, &op, failure) < 0 ||
	    params_string(spec, "text", MAX_COND_TEXT - 1, &text, failure) < 0 || parse_condition_op(op, cfg, failure))
		return -1;
	if (!on == !name)
		return rpc_fail(failure, RPC_BAD_PARAMS, "a condition names an argument (condition.arg) or is on the return "
				"value or latency (condition.on), one of them");
	if (!text == !value)
		return rpc_fail(failure, RPC_BAD_PARAMS, "a condition compares with a number (condition.value) or a string's "
				"text (condition.text), one of them");
	if (text) {
		if (on || (arg = string_argument(request, name, failure)) < 0)
			return on ? rpc_fail(failure, RPC_BAD_PARAMS, "condition.text compares a string argument") : -1;
		if (cfg->cond_op != COND_EQ && cfg->cond_op != COND_NE)
			return rpc_fail(failure, RPC_BAD_PARAMS, "a string's text is compared with eq or ne");
		cfg->cond_on = COND_ON_TEXT;
		cfg->cond_arg = arg + 1;
		cfg->cond_text_len = strlen(text);
		memcpy(cfg->cond_text, text, cfg->cond_text_len);
		return 0;
	}
	if (on) {
		if (parse_return_subject(on, request, &type, failure))
			return -1;
	} else {
		if ((arg = numeric_argument(request, name, "condition.arg", failure)) < 0)
			return -1;
		type = request->args[arg].type;
		cfg->cond_on = COND_ON_NUMBER;
		cfg->cond_arg = arg + 1;
	}
	cfg->cond_signed = value_type_signed(type);
	cfg->cond_bytes = value_type_bytes(type);
	if (json_is_integer(value)) {
		cfg->cond_value = (__u64)json_integer_value(value);
	} else if (json_is_string(value) && parse_decimal(json_string_value(value), cfg->cond_signed, &cfg->cond_value) == 0) {
		/* beyond 2^53, as the protocol writes big numbers */
	} else {
		return rpc_fail(failure, RPC_BAD_PARAMS, "condition.value must be an integer (or a decimal string)");
	}
	return 0;
}

static int parse_filter(json_t *spec, struct filter_request *filter, struct rpc_failure *failure)
{
	static const char *const fields[] = { "pid", "descendants", "fromExec", NULL };
	int64_t pid = 0;

	if (params_only(spec, "filter", fields, failure) ||
	    params_integer(spec, "pid", 1, INT32_MAX, &pid, failure) < 0 ||
	    params_bool(spec, "descendants", &filter->descendants, failure) < 0 ||
	    params_bool(spec, "fromExec", &filter->from_exec, failure) < 0)
		return -1;
	if (!json_object_get(spec, "pid"))
		return rpc_fail(failure, RPC_BAD_PARAMS, "filter needs a 'pid'");
	filter->pid = pid;
	return 0;
}

/* Exactly one target field names what to probe. */
static int parse_target(json_t *params, struct attach_request *request, struct rpc_failure *failure)
{
	const char *tracepoint = NULL, *mechanism = NULL, *colon;
	int given;

	if (params_string(params, "binary", PATH_MAX - 1, &request->binary, failure) < 0 ||
	    params_string(params, "symbol", MAX_SYMBOL_NAME, &request->symbol, failure) < 0 ||
	    params_integer(params, "offset", 0, INT64_MAX, &request->offset, failure) < 0 ||
	    params_string(params, "kernelFunction", MAX_SYMBOL_NAME, &request->kernel_function, failure) < 0 ||
	    params_string(params, "mechanism", 8, &mechanism, failure) < 0 ||
	    params_string(params, "tracepoint", 2 * MAX_SYMBOL_NAME, &tracepoint, failure) < 0 ||
	    params_string(params, "syscall", MAX_SYMBOL_NAME, &request->syscall, failure) < 0)
		return -1;
	given = !!request->binary + !!request->kernel_function + !!tracepoint + !!request->syscall;
	if (given != 1)
		return rpc_fail(failure, RPC_BAD_PARAMS, "probe/attach needs exactly one of 'binary', "
				"'kernelFunction', 'tracepoint' and 'syscall'");
	if (!request->binary && (request->symbol || request->offset >= 0))
		return rpc_fail(failure, RPC_BAD_PARAMS, "'symbol' and 'offset' go with 'binary'");
	if (!request->kernel_function && mechanism)
		return rpc_fail(failure, RPC_BAD_PARAMS, "'mechanism' goes with 'kernelFunction'");
	if (request->binary) {
		request->target = TARGET_USER_FUNCTION;
		if (!request->symbol == (request->offset < 0))
			return rpc_fail(failure, RPC_BAD_PARAMS, "probe/attach needs exactly one of 'symbol' and 'offset'");
	} else if (request->kernel_function) {
		request->target = TARGET_KERNEL_FUNCTION;
		if (!mechanism || !strcmp(mechanism, "auto"))
			request->mechanism = MECHANISM_AUTO;
		else if (!strcmp(mechanism, "fentry"))
			request->mechanism = MECHANISM_FENTRY;
		else if (!strcmp(mechanism, "kprobe"))
			request->mechanism = MECHANISM_KPROBE;
		else
			return rpc_fail(failure, RPC_BAD_PARAMS, "'mechanism' must be auto, fentry or kprobe");
	} else if (tracepoint) {
		request->target = TARGET_TRACEPOINT;
		colon = strchr(tracepoint, ':');
		if (!colon || colon == tracepoint || !colon[1] || colon - tracepoint > MAX_SYMBOL_NAME)
			return rpc_fail(failure, RPC_BAD_PARAMS, "'tracepoint' is CATEGORY:NAME, e.g. sched:sched_process_exec");
		snprintf(request->tracepoint_category, sizeof(request->tracepoint_category), "%.*s",
			 (int)(colon - tracepoint), tracepoint);
		request->tracepoint_name = colon + 1;
	} else {
		request->target = TARGET_SYSCALL;
	}
	return 0;
}

int attach_request_parse(json_t *params, struct attach_request *request, struct rpc_failure *failure)
{
	static const char *const fields[] = { "binary", "symbol", "offset", "kernelFunction", "mechanism",
					      "tracepoint", "syscall", "filter", "retprobe", "maxRecordsPerSecond", "start",
					      "capture", "condition", "valuesOf", "stacks", NULL };
	json_t *filter_spec = NULL, *capture = NULL, *condition = NULL;
	const char *values_of = NULL;

	memset(request, 0, sizeof(*request));
	request->offset = -1;
	request->retprobe = request->start = true;
	request->records_per_second = RECORDS_ALL;
	request->cfg.filter_uid = (__u32)-1;
	if (!json_is_object(params))
		return rpc_fail(failure, RPC_BAD_PARAMS, "probe/attach takes an object");
	if (params_only(params, "probe/attach", fields, failure) || parse_target(params, request, failure) ||
	    params_object(params, "filter", &filter_spec, failure) < 0 ||
	    params_bool(params, "retprobe", &request->retprobe, failure) < 0 ||
	    params_bool(params, "start", &request->start, failure) < 0 ||
	    params_bool(params, "stacks", &request->stacks, failure) < 0 ||
	    params_integer(params, "maxRecordsPerSecond", 0, MAX_EVENTS_PER_SECOND, &request->records_per_second, failure) < 0 ||
	    params_object(params, "capture", &capture, failure) < 0)
		return -1;
	/* Kernel types come from BTF and tracefs, not from the client. */
	if (request->target != TARGET_USER_FUNCTION && capture &&
	    (json_object_get(capture, "args") || json_object_get(capture, "ret")))
		return rpc_fail(failure, RPC_BAD_PARAMS, "kernel probes take their arguments from kernel BTF or "
				"tracefs: 'capture' may only set 'stringLength'");
	if (parse_capture(capture, request, failure) || params_object(params, "condition", &condition, failure) < 0)
		return -1;
	if ((condition || json_object_get(params, "valuesOf") || request->stacks) && request->target != TARGET_USER_FUNCTION)
		return rpc_fail(failure, RPC_BAD_PARAMS, "'condition', 'valuesOf' and 'stacks' are for user functions "
				"(kernel probes: not yet)");
	if (condition && parse_condition(condition, request, failure))
		return -1;
	if (request->stacks && (request->cfg.cond_on == COND_ON_RETURN || request->cfg.cond_on == COND_ON_LATENCY))
		return rpc_fail(failure, RPC_BAD_PARAMS, "'stacks' with a condition on the return value or latency: not yet "
				"(a stack is counted at the call, before the condition is decided)");
	if (params_string(params, "valuesOf", MAX_ARG_NAME, &values_of, failure) < 0)
		return -1;
	if (values_of) {
		int arg = numeric_argument(request, values_of, "valuesOf", failure);

		if (arg < 0)
			return -1;
		request->cfg.count_arg = arg + 1;
		request->cfg.count_arg_bytes = value_type_bytes(request->args[arg].type);
		request->cfg.count_arg_signed = value_type_signed(request->args[arg].type);
	}
	if (filter_spec) {
		if (parse_filter(filter_spec, &request->filter, failure))
			return -1;
		request->has_filter = true;
	}
	return 0;
}
