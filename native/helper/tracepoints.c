/* Tracepoint records are described by tracefs (events/CATEGORY/NAME/format): each field's C
 * type, offset, size and signedness. Strings come three ways: a `char *` into the process
 * (syscall arguments), an inline `char x[N]` array, or a `__data_loc char[]` locator. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "capabilities.h"
#include "nearest.h"
#include "tracepoints.h"

struct field {
	char type[96];
	char name[64];
	int offset, size;
	bool is_signed, is_array;
};

static bool valid_event_name(const char *name)
{
	if (!*name || strlen(name) >= TRACEPOINT_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return true;
}

/* Parses "field:TYPE NAME[N];\toffset:N;\tsize:N;\tsigned:N;" */
static bool parse_field(const char *line, struct field *field)
{
	const char *start = strstr(line, "field:"), *semi, *name, *end;
	int is_signed = 0;

	if (!start)
		return false;
	start += 6;
	semi = strchr(start, ';');
	if (!semi || sscanf(semi, "; offset:%d; size:%d; signed:%d;", &field->offset, &field->size, &is_signed) < 2)
		return false;
	field->is_signed = is_signed;
	end = memchr(start, '[', semi - start);
	field->is_array = end != NULL;
	if (!end)
		end = semi;
	/* A __data_loc field's brackets belong to its type: "__data_loc char[] name". */
	if (field->is_array && end[1] == ']' && end + 2 < semi && end[2] == ' ') {
		field->is_array = false;
		end = semi;
	}
	name = end;
	while (name > start && (isalnum((unsigned char)name[-1]) || name[-1] == '_'))
		name--;
	snprintf(field->name, sizeof(field->name), "%.*s", (int)(end - name), name);
	while (name > start && name[-1] == ' ')
		name--;
	snprintf(field->type, sizeof(field->type), "%.*s", (int)(name - start), start);
	return field->name[0] != '\0';
}

static bool type_is(const char *type, const char *word)
{
	const char *p = strstr(type, word);
	size_t n = strlen(word);

	return p && (p == type || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[n]) && p[n] != '_';
}

/* The capture for one field; false when it cannot be shown as a value (a struct). */
static bool configure_field(const struct field *f, bool user_pointers, struct captured_arg *arg,
			    struct arg_config *cfg)
{
	bool is_unsigned = type_is(f->type, "unsigned") || f->type[0] == 'u' || type_is(f->type, "size_t");
	int width = f->size;

	memset(cfg, 0, sizeof(*cfg));
	cfg->offset = f->offset;
	cfg->size = f->size;
	cfg->location = ARG_CTX_FIELD;
	snprintf(arg->name, sizeof(arg->name), "%s", f->name);
	if (strstr(f->type, "__data_loc")) {
		cfg->location = ARG_CTX_DATA_LOC;
		cfg->string = STRING_KERNEL;
		arg->type = VALUE_STRING;
		return true;
	}
	if (f->is_array) {
		if (!type_is(f->type, "char"))
			return false;
		cfg->location = ARG_CTX_INLINE;
		cfg->string = STRING_KERNEL;
		arg->type = VALUE_STRING;
		return true;
	}
	if (strchr(f->type, '*')) {
		bool char_pointer = type_is(f->type, "char");

		arg->type = char_pointer ? VALUE_STRING : VALUE_POINTER;
		cfg->string = char_pointer ? (user_pointers ? STRING_USER : STRING_KERNEL) : STRING_NONE;
		return true;
	}
	/* Syscall records widen every argument to 8 bytes: the C type tells the real width. */
	if (type_is(f->type, "int"))
		width = type_is(f->type, "long") ? 8 : type_is(f->type, "short") ? 2 : 4;
	else if (type_is(f->type, "short"))
		width = 2;
	else if (type_is(f->type, "char"))
		width = 1;
	if (type_is(f->type, "bool")) {
		arg->type = VALUE_BOOL;
		return true;
	}
	if (width != 1 && width != 2 && width != 4 && width != 8)
		return false;
	if (!is_unsigned && (f->is_signed || type_is(f->type, "int") || type_is(f->type, "long") ||
			     type_is(f->type, "pid_t") || type_is(f->type, "short")))
		arg->type = width == 1 ? VALUE_S8 : width == 2 ? VALUE_S16 : width == 4 ? VALUE_S32 : VALUE_S64;
	else
		arg->type = width == 1 ? VALUE_U8 : width == 2 ? VALUE_U16 : width == 4 ? VALUE_U32 : VALUE_U64;
	return true;
}

static int read_format(const char *category, const char *name, struct tracepoint_capture *tp,
		       bool user_pointers)
{
	char path[512], line[512];
	size_t sig_len;
	FILE *format;

	memset(tp, 0, sizeof(*tp));
	snprintf(tp->category, sizeof(tp->category), "%s", category);
	snprintf(tp->name, sizeof(tp->name), "%s", name);
	snprintf(path, sizeof(path), TRACEFS_PATH "/events/%s/%s/format", category, name);
	format = fopen(path, "re");
	if (!format)
		return -errno;
	sig_len = snprintf(tp->signature, sizeof(tp->signature), "%s(", name);
	while (fgets(line, sizeof(line), format)) {
		struct field f;

		if (!parse_field(line, &f) || !strncmp(f.name, "common_", 7) || !strcmp(f.name, "__syscall_nr"))
			continue;
		if (!strcmp(f.name, "ret") && !strncmp(name, "sys_exit_", 9)) {
			struct captured_arg unused;

			tp->has_ret = configure_field(&f, false, &unused, &tp->ret_config);
			continue;
		}
		if (sig_len < sizeof(tp->signature))
			sig_len += snprintf(tp->signature + sig_len, sizeof(tp->signature) - sig_len, "%s%s %s",
					    tp->nargs || tp->not_captured[0] ? ", " : "", f.type, f.name);
		if (tp->not_captured[0])
			continue;
		if (tp->nargs == MAX_ARGS)
			snprintf(tp->not_captured, sizeof(tp->not_captured),
				 "fields after the %dth are not captured", MAX_ARGS);
		else if (!configure_field(&f, user_pointers, &tp->args[tp->nargs], &tp->arg_configs[tp->nargs]))
			snprintf(tp->not_captured, sizeof(tp->not_captured),
				 "'%.40s' and later fields are not captured: its type (%.40s) is not a number or string",
				 f.name, f.type);
		else
			tp->nargs++;
	}
	fclose(format);
	if (sig_len < sizeof(tp->signature))
		snprintf(tp->signature + sig_len, sizeof(tp->signature) - sig_len, ")");
	return 0;
}

/* Fills nearest with the closest entry of directory dir (names with prefix, compared without it). */
static void nearest_in_directory(const char *dir, const char *prefix, struct nearest *nearest)
{
	size_t prefix_len = strlen(prefix);
	DIR *d = opendir(dir);
	struct dirent *entry;

	while (d && (entry = readdir(d)))
		if (!strncmp(entry->d_name, prefix, prefix_len) && entry->d_name[0] != '.')
			nearest_consider(nearest, entry->d_name + prefix_len);
	if (d)
		closedir(d);
}

static int tracefs_missing(struct rpc_failure *failure)
{
	return rpc_fail(failure, RPC_FEATURE_UNAVAILABLE, "tracefs is not mounted: run "
			"'mount -t tracefs nodev " TRACEFS_PATH "' as root");
}

int tracepoint_describe(const char *category, const char *name, struct tracepoint_capture *tp,
			struct rpc_failure *failure)
{
	struct nearest nearest;
	char dir[512];
	int err;

	if (!valid_event_name(category) || !valid_event_name(name))
		return rpc_fail(failure, RPC_BAD_PARAMS, "a tracepoint is CATEGORY:NAME of letters, digits, '_' and '-'");
	err = read_format(category, name, tp, false);
	if (!err)
		return 0;
	if (access(TRACEFS_PATH "/events", F_OK))
		return tracefs_missing(failure);
	snprintf(dir, sizeof(dir), TRACEFS_PATH "/events/%s", category);
	if (access(dir, F_OK)) {
		nearest_init(&nearest, category);
		nearest_in_directory(TRACEFS_PATH "/events", "", &nearest);
		return rpc_fail(failure, RPC_SYMBOL_NOT_FOUND, "no tracepoint category '%s'%s%s%s", category,
				nearest.best[0] ? ". Did you mean '" : "", nearest.best, nearest.best[0] ? "'?" : "");
	}
	nearest_init(&nearest, name);
	nearest_in_directory(dir, "", &nearest);
	return rpc_fail(failure, RPC_SYMBOL_NOT_FOUND, "no tracepoint '%s:%s'%s%s:%s%s", category, name,
			nearest.best[0] ? ". Did you mean '" : "", nearest.best[0] ? category : "",
			nearest.best, nearest.best[0] ? "'?" : "");
}

int syscall_describe(const char *syscall, struct tracepoint_capture *enter,
		     struct tracepoint_capture *exit, struct rpc_failure *failure)
{
	char enter_name[TRACEPOINT_NAME_MAX + 16], exit_name[TRACEPOINT_NAME_MAX + 16];
	struct nearest nearest;

	if (!valid_event_name(syscall) || strlen(syscall) > TRACEPOINT_NAME_MAX - 16)
		return rpc_fail(failure, RPC_BAD_PARAMS, "a syscall name is letters, digits and '_'");
	snprintf(enter_name, sizeof(enter_name), "sys_enter_%s", syscall);
	snprintf(exit_name, sizeof(exit_name), "sys_exit_%s", syscall);
	if (!read_format("syscalls", enter_name, enter, true) &&
	    !read_format("syscalls", exit_name, exit, true)) {
		memmove(enter->signature, enter->signature + strlen("sys_enter_"),
			strlen(enter->signature) - strlen("sys_enter_") + 1);
		return 0;
	}
	if (access(TRACEFS_PATH "/events", F_OK))
		return tracefs_missing(failure);
	if (access(TRACEFS_PATH "/events/syscalls", F_OK))
		return rpc_fail(failure, RPC_FEATURE_UNAVAILABLE, "this kernel has no syscall tracepoints "
				"(CONFIG_FTRACE_SYSCALLS is off)");
	nearest_init(&nearest, syscall);
	nearest_in_directory(TRACEFS_PATH "/events/syscalls", "sys_enter_", &nearest);
	return rpc_fail(failure, RPC_SYMBOL_NOT_FOUND, "no syscall '%s'%s%s%s", syscall,
			nearest.best[0] ? ". Did you mean '" : "", nearest.best, nearest.best[0] ? "'?" : "");
}

static void list_directory(const char *dir, const char *prefix, const char *label, const char *filter,
			   size_t limit, size_t *total, json_t *list)
{
	size_t prefix_len = strlen(prefix);
	DIR *d = opendir(dir);
	struct dirent *entry;

	while (d && (entry = readdir(d))) {
		const char *name = entry->d_name + prefix_len;
		char text[2 * TRACEPOINT_NAME_MAX + 2];

		if (entry->d_name[0] == '.' || strncmp(entry->d_name, prefix, prefix_len))
			continue;
		snprintf(text, sizeof(text), "%s%s%s", label ? label : "", label ? ":" : "", name);
		if (filter && !strstr(text, filter))
			continue;
		if ((*total)++ < limit)
			json_array_append_new(list, json_string(text));
	}
	if (d)
		closedir(d);
}

json_t *tracepoint_list(const char *filter, size_t limit, size_t *total)
{
	json_t *list = json_array();
	DIR *events = opendir(TRACEFS_PATH "/events");
	struct dirent *category;

	*total = 0;
	while (events && (category = readdir(events))) {
		char dir[512];

		if (category->d_name[0] == '.' || category->d_type != DT_DIR)
			continue;
		snprintf(dir, sizeof(dir), TRACEFS_PATH "/events/%s", category->d_name);
		list_directory(dir, "", category->d_name, filter, limit, total, list);
	}
	if (events)
		closedir(events);
	return list;
}

json_t *syscall_list(const char *filter, size_t limit, size_t *total)
{
	json_t *list = json_array();

	*total = 0;
	list_directory(TRACEFS_PATH "/events/syscalls", "sys_enter_", NULL, filter, limit, total, list);
	return list;
}
