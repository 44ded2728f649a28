#include <string.h>
#include "params.h"

int params_only(json_t *obj, const char *where, const char *const allowed[], struct rpc_failure *failure)
{
	const char *key;
	json_t *value;

	json_object_foreach(obj, key, value) {
		bool known = false;

		for (size_t i = 0; allowed[i] && !known; i++)
			known = !strcmp(key, allowed[i]);
		if (!known)
			return rpc_fail(failure, RPC_BAD_PARAMS, "unknown field '%s' in %s", key, where);
	}
	return 0;
}

int params_string(json_t *obj, const char *key, size_t max_len, const char **value, struct rpc_failure *failure)
{
	json_t *field = json_object_get(obj, key);

	if (!field)
		return 1;
	if (!json_is_string(field))
		return rpc_fail(failure, RPC_BAD_PARAMS, "'%s' must be a string", key);
	if (json_string_length(field) > max_len)
		return rpc_fail(failure, RPC_BAD_PARAMS, "'%s' is longer than %zu bytes", key, max_len);
	if (strlen(json_string_value(field)) != json_string_length(field))
		return rpc_fail(failure, RPC_BAD_PARAMS, "'%s' must not contain NUL characters", key);
	*value = json_string_value(field);
	return 0;
}

int params_integer(json_t *obj, const char *key, int64_t min, int64_t max, int64_t *value, struct rpc_failure *failure)
{
	json_t *field = json_object_get(obj, key);
	int64_t v;

	if (!field)
		return 1;
	if (!json_is_integer(field))
		return rpc_fail(failure, RPC_BAD_PARAMS, "'%s' must be an integer", key);
	v = json_integer_value(field);
	if (v < min || v > max)
		return rpc_fail(failure, RPC_BAD_PARAMS, "'%s' must be between %lld and %lld, not %lld", key,
				(long long)min, (long long)max, (long long)v);
	*value = v;
	return 0;
}

int params_bool(json_t *obj, const char *key, bool *value, struct rpc_failure *failure)
{
	json_t *field = json_object_get(obj, key);

	if (!field)
		return 1;
	if (!json_is_boolean(field))
		return rpc_fail(failure, RPC_BAD_PARAMS, "'%s' must be true or false", key);
	*value = json_is_true(field);
	return 0;
}

int params_object(json_t *obj, const char *key, json_t **value, struct rpc_failure *failure)
{
	json_t *field = json_object_get(obj, key);

	if (!field || json_is_null(field))
		return 1;
	if (!json_is_object(field))
		return rpc_fail(failure, RPC_BAD_PARAMS, "'%s' must be an object", key);
	*value = field;
	return 0;
}

int params_array(json_t *obj, const char *key, size_t max_len, json_t **value, struct rpc_failure *failure)
{
	json_t *field = json_object_get(obj, key);

	if (!field)
		return 1;
	if (!json_is_array(field))
		return rpc_fail(failure, RPC_BAD_PARAMS, "'%s' must be an array", key);
	if (json_array_size(field) > max_len)
		return rpc_fail(failure, RPC_BAD_PARAMS, "'%s' has more than %zu entries", key, max_len);
	*value = field;
	return 0;
}
