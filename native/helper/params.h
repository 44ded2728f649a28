/* Strict readers for request parameters: a wrong type or an unknown field is an error that
 * names the field, never a guess. */
#ifndef PROBE_LENS_PARAMS_H
#define PROBE_LENS_PARAMS_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "rpc.h"

/* Fails on any member of obj not named in allowed (NULL-terminated); where names the object. */
int params_only(json_t *obj, const char *where, const char *const allowed[], struct rpc_failure *failure);

/* Each returns 0 with the value, 1 when the field is absent (value untouched), -1 on error. */
int params_string(json_t *obj, const char *key, size_t max_len, const char **value, struct rpc_failure *failure);
int params_integer(json_t *obj, const char *key, int64_t min, int64_t max, int64_t *value, struct rpc_failure *failure);
int params_bool(json_t *obj, const char *key, bool *value, struct rpc_failure *failure);
int params_object(json_t *obj, const char *key, json_t **value, struct rpc_failure *failure);
int params_array(json_t *obj, const char *key, size_t max_len, json_t **value, struct rpc_failure *failure);

#endif
