/* Kernel BTF lookups with libbpf: the function's prototype gives each parameter a name and a
 * type, so kernel probes show `prepare_kernel_cred(daemon=0x0)` rather than raw registers.
 * vmlinux BTF is parsed once, on first use. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include "kernel_btf.h"
#include "nearest.h"

static struct btf *vmlinux_btf(struct rpc_failure *failure)
{
	static struct btf *btf;
	static int load_error;

	if (!btf && !load_error) {
		btf = btf__load_vmlinux_btf();
		if (!btf)
			load_error = errno ? errno : ENOENT;
	}
	if (!btf)
		rpc_fail(failure, RPC_FEATURE_UNAVAILABLE, "kernel BTF could not be read (%s): kernel probes "
			 "need /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF)", strerror(load_error));
	return btf;
}

/* Skips typedefs and const/volatile/restrict; id 0 is void. */
static const struct btf_type *resolved(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t && (btf_is_typedef(t) || btf_is_mod(t)))
		t = btf__type_by_id(btf, t->type);
	return t;
}

/* The capture type for a BTF type, or false when BPF cannot read it (floats, structs). */
static bool value_type_of(const struct btf *btf, __u32 id, bool is_return, enum value_type *type)
{
	const struct btf_type *t = resolved(btf, id);

	if (!t)
		return false;
	if (btf_is_int(t)) {
		__u8 encoding = btf_int_encoding(t);
		bool is_signed = encoding & BTF_INT_SIGNED;

		if (encoding & BTF_INT_BOOL) {
			*type = VALUE_BOOL;
			return true;
		}
		switch (t->size) {
		case 1: *type = encoding & BTF_INT_CHAR ? VALUE_CHAR : is_signed ? VALUE_S8 : VALUE_U8; return true;
		case 2: *type = is_signed ? VALUE_S16 : VALUE_U16; return true;
		case 4: *type = is_signed ? VALUE_S32 : VALUE_U32; return true;
		case 8: *type = is_signed ? VALUE_S64 : VALUE_U64; return true;
		}
		return false;
	}
	if (btf_is_enum(t)) {
		*type = t->size == 8 ? VALUE_S64 : VALUE_S32;
		return true;
	}
	if (btf_kind(t) == BTF_KIND_ENUM64) {
		*type = VALUE_S64;
		return true;
	}
	if (btf_is_ptr(t)) {
		const struct btf_type *pointee = resolved(btf, t->type);

		/* A returned char * may already be freed or reused: show where it points. */
		*type = !is_return && pointee && btf_is_int(pointee) && pointee->size == 1
			? VALUE_STRING : VALUE_POINTER;
		return true;
	}
	return false;
}

struct text {
	char *buf;
	size_t size, len;
};

static void append_text(void *ctx, const char *fmt, va_list args)
{
	struct text *text = ctx;
	int n;

	if (text->len >= text->size)
		return;
	n = vsnprintf(text->buf + text->len, text->size - text->len, fmt, args);
	if (n > 0)
		text->len += n;
}

static void append(struct text *text, const char *s)
{
	if (text->len < text->size) {
		snprintf(text->buf + text->len, text->size - text->len, "%s", s);
		text->len += strlen(text->buf + text->len);
	}
}

/* One btf_dump for every signature: making one sizes tables by the whole of kernel BTF, so a
 * dump per function would make listing 50,000 of them quadratic. */
static struct btf_dump *signature_dump(const struct btf *btf, struct text **sink)
{
	static struct btf_dump *dump;
	static struct text text;

	if (!dump)
		dump = btf_dump__new(btf, (btf_dump_printf_fn_t)append_text, &text, NULL);
	*sink = &text;
	return dump;
}

static void format_signature(const struct btf *btf, const struct btf_type *func, const char *name,
			     char *buf, size_t size)
{
	const struct btf_type *proto = btf__type_by_id(btf, func->type);
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, decl);
	const struct btf_param *params = btf_params(proto);
	int vlen = btf_vlen(proto);
	struct text *text;
	struct btf_dump *dump = signature_dump(btf, &text);

	buf[0] = '\0';
	if (!dump)
		return;
	*text = (struct text){ buf, size, 0 };
	decl.field_name = name;
	btf_dump__emit_type_decl(dump, proto->type, &decl);
	append(text, "(");
	for (int i = 0; i < vlen; i++) {
		if (i)
			append(text, ", ");
		if (!params[i].type) {
			append(text, "...");
			continue;
		}
		decl.field_name = btf__name_by_offset(btf, params[i].name_off);
		btf_dump__emit_type_decl(dump, params[i].type, &decl);
	}
	append(text, vlen ? ")" : "void)");
}

int kernel_function_find(const char *name, struct kernel_function *fn, struct rpc_failure *failure)
{
	const struct btf *btf = vmlinux_btf(failure);
	const struct btf_type *func, *proto;
	const struct btf_param *params;
	__s32 id;
	int vlen;

	if (!btf)
		return -1;
	memset(fn, 0, sizeof(*fn));
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	if (id < 0) {
		struct nearest nearest;

		nearest_init(&nearest, name);
		for (__u32 i = 1; i < btf__type_cnt(btf); i++) {
			const struct btf_type *t = btf__type_by_id(btf, i);

			if (btf_is_func(t))
				nearest_consider(&nearest, btf__name_by_offset(btf, t->name_off));
		}
		return rpc_fail(failure, RPC_SYMBOL_NOT_FOUND, "the kernel has no function '%s'%s%s%s", name,
				nearest.best[0] ? ". Did you mean '" : "", nearest.best, nearest.best[0] ? "'?" : "");
	}
	func = btf__type_by_id(btf, id);
	proto = btf__type_by_id(btf, func->type);
	snprintf(fn->name, sizeof(fn->name), "%s", name);
	format_signature(btf, func, name, fn->signature, sizeof(fn->signature));
	params = btf_params(proto);
	vlen = btf_vlen(proto);
	for (int i = 0; i < vlen && !fn->not_captured[0]; i++) {
		const char *param_name = btf__name_by_offset(btf, params[i].name_off);

		if (i == MAX_ARGS) {
			snprintf(fn->not_captured, sizeof(fn->not_captured),
				 "parameters after the %dth are not captured", MAX_ARGS);
		} else if (!params[i].type || !value_type_of(btf, params[i].type, false, &fn->args[i].type)) {
			/* After a struct by value the register sequence is unknown: stop there. */
			snprintf(fn->not_captured, sizeof(fn->not_captured),
				 "'%s' and later parameters are not captured: BPF cannot read %s", param_name,
				 params[i].type ? "a struct or float passed by value" : "variadic arguments");
		} else {
			snprintf(fn->args[i].name, sizeof(fn->args[i].name), "%s",
				 param_name && *param_name ? param_name : "arg");
			fn->nargs++;
		}
	}
	fn->has_ret = proto->type && value_type_of(btf, proto->type, true, &fn->ret_type);
	return 0;
}

void kernel_function_configure(const struct kernel_function *fn, bool fentry, struct probe_config *cfg)
{
	cfg->nargs = fn->nargs;
	for (int i = 0; i < fn->nargs; i++) {
		struct arg_config *arg = &cfg->args[i];

		arg->location = fentry ? ARG_FUNC_ARG : ARG_REG_RDI + i;
		arg->offset = fentry ? i : 0;
		arg->string = fn->args[i].type == VALUE_STRING ? STRING_KERNEL : STRING_NONE;
		cfg->has_strings |= arg->string != STRING_NONE;
	}
	cfg->ret.location = fentry ? ARG_FUNC_RET : ARG_RETURN_REG;
}

json_t *kernel_function_list(const char *filter, size_t limit, size_t *total)
{
	struct rpc_failure ignored;
	const struct btf *btf = vmlinux_btf(&ignored);
	json_t *list = json_array();

	*total = 0;
	for (__u32 i = 1; btf && i < btf__type_cnt(btf); i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const char *name;
		char signature[512];

		if (!btf_is_func(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (filter && !strstr(name, filter))
			continue;
		if ((*total)++ >= limit)
			continue;
		format_signature(btf, t, name, signature, sizeof(signature));
		json_array_append_new(list, json_pack("{s:s, s:s}", "name", name, "signature", signature));
	}
	return list;
}
