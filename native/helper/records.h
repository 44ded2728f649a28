/* The probe/events stream: ring-buffer records written straight into one reused JSON text.
 * It is the helper's hot path (every call and return), so it builds no JSON objects. */
#ifndef PROBE_LENS_RECORDS_H
#define PROBE_LENS_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "attach_request.h"
#include "probe.h"

struct record_batch {
	char *text;		/* the events, comma-separated, without the enclosing [ ] */
	size_t len, cap;
	size_t count;
	bool out_of_memory;
};

/* What a probe's records need to be written: its id and capture spec. */
struct record_format {
	unsigned int id;
	int nargs;
	const struct captured_arg *args;
	bool capture_ret;
	enum value_type ret_type;
	const struct captured_arg *ret_struct;	/* deref != 0: a struct returned by value */
};

/* Appends one record (big: its strings and memory, for an event_with_strings; stack: a call's
 * frames as JSON text, or NULL); false when memory ran out (the record is then to be counted
 * dropped). */
bool record_batch_append(struct record_batch *batch, const struct record_format *format,
			 const struct event *e, const struct event_with_strings *big, const char *stack);
/* Appends a record written earlier (one record_batch_append made alone in a batch of its own). */
bool record_batch_append_written(struct record_batch *batch, const char *record, size_t len);
/* Sends the batch as one probe/events notification and empties it. */
void record_batch_send(struct record_batch *batch);
void record_batch_free(struct record_batch *batch);
/* One value as a record would carry it (a number, a decimal string beyond 2^53, "0x…"). */
json_t *record_value_json(enum value_type type, uint64_t raw);

#endif
