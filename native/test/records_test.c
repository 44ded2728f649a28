/* Checks the hand-written JSON of probe/events against jansson: every batch, whatever its
 * size and wherever the buffer happens to fill, must parse back to exactly what went in —
 * strings with quotes, control characters and invalid UTF-8 included. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "records.h"
#include "rpc.h"

static int failures;

#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); failures++; } } while (0)

static const struct captured_arg args[] = {
	{ .name = "count", .type = VALUE_S32 }, { .name = "name \"quoted\"", .type = VALUE_STRING },
	{ .name = "big", .type = VALUE_U64 }, { .name = "flag", .type = VALUE_BOOL },
	{ .name = "where", .type = VALUE_POINTER, .deref = 16 }, { .name = "neg", .type = VALUE_S64 },
};

static struct event_with_strings big;

/* Reads one framed message back from fd. */
static json_t *read_message(FILE *in)
{
	size_t length;
	char *body;
	json_error_t err;
	json_t *message;

	if (fscanf(in, "Content-Length: %zu\r\n\r\n", &length) != 1)
		return NULL;
	body = malloc(length);
	if (fread(body, 1, length, in) != length) {
		free(body);
		return NULL;
	}
	message = json_loadb(body, length, 0, &err);
	if (!message)
		fprintf(stderr, "bad JSON at %d: %s\n", err.position, err.text);
	free(body);
	return message;
}

int main(void)
{
	struct record_format format = { .id = 7, .nargs = MAX_ARGS, .args = args, .capture_ret = true, .ret_type = VALUE_S32 };
	struct record_batch batch = { 0 };
	FILE *out = tmpfile();
	size_t sent = 0, received = 0, errors_received = 0;

	rpc_set_output_fd(fileno(out));
	/* \xf8\x80\x80: a lead byte past U+10FFFF's, then two continuation bytes. */
	for (int i = 0; i < 16; i++)
		big.memory[4][i] = i * 17;	/* 00 11 22 … ff */
	snprintf(big.strings[4], MAX_STRING, "pointed-to text");
	snprintf(big.strings[1], MAX_STRING, "tab\there \"q\" \\ \x01 caf\xc3\xa9 bad\xff lead\xf8\x80\x80 end");
	for (int round = 0; round < 40; round++) {
		/* A fresh buffer each round, batches of every size and records of every length, so
		 * records end at every distance from the buffer's end as it grows. */
		for (int i = 0; i < round * 97 + 1; i++) {
			struct event e = { .type = i % 2 ? EVENT_RETURN : EVENT_CALL, .pid = 4000000000u, .tid = i,
					   .uid = 65534, .ts_ns = 9223372036854775807ull - i, .latency_ns = i,
					   .flags = EVENT_LATENCY_KNOWN | EVENT_HAS_STRINGS,
					   .values = { -5, 1, 18446744073709551615ull, 1, 0xdeadbeef, -9007199254740993ll } };

			snprintf(e.comm, sizeof(e.comm), "comm%.*s\"\\", i % 10, "0123456789");
			big.unreadable = i % 3 == 0 ? 1 << 4 : 0;	/* now and then the pointee was unreadable */
			e.values[1] = i % 7 ? 1 : 0;	/* now and then a NULL string */
			CHECK(record_batch_append(&batch, &format, &e, &big, NULL), "append %d", i);
			sent++;
		}
		record_batch_send(&batch);
		record_batch_free(&batch);
	}
	/* An error message cut to fit inside a character, and one quoting bytes that are not
	 * UTF-8: both must still be sent as valid JSON. */
	{
		struct rpc_failure failure;
		char long_path[600];

		memset(long_path, 'a', 510);
		strcpy(long_path + 510, "\xc3\xa9\xc3\xa9");
		rpc_fail(&failure, RPC_BINARY_NOT_FOUND, "%s", long_path);
		rpc_send_error(json_integer(1), failure.error, failure.message);
		rpc_fail(&failure, RPC_BINARY_NOT_FOUND, "no such file: /tmp/\xff\xfe");
		rpc_send_error(json_integer(2), failure.error, failure.message);
	}
	fflush(out);
	rewind(out);
	for (json_t *message; (message = read_message(out)); json_decref(message)) {
		json_t *events = json_object_get(json_object_get(message, "params"), "events");
		json_t *error = json_object_get(message, "error");
		size_t i;
		json_t *e;

		if (error) {
			const char *text = json_string_value(json_object_get(error, "message"));

			CHECK(json_integer_value(json_object_get(message, "id")) != 1 || strlen(text) == 510,
			      "cut message keeps whole characters: %zu bytes", strlen(text));
			CHECK(json_integer_value(json_object_get(message, "id")) != 2 ||
			      !strcmp(text, "no such file: /tmp/\xef\xbf\xbd\xef\xbf\xbd"), "message: %s", text);
			errors_received++;
			continue;
		}

		json_array_foreach(events, i, e) {
			json_t *call_args = json_object_get(e, "args");

			received++;
			CHECK(json_integer_value(json_object_get(e, "pid")) == 4000000000ll, "pid");
			CHECK(!strncmp(json_string_value(json_object_get(e, "comm")), "comm", 4), "comm");
			if (!call_args) {
				CHECK(json_integer_value(json_object_get(e, "ret")) == -5, "ret");
				continue;
			}
			CHECK(json_integer_value(json_object_get(call_args, "count")) == -5, "count");
			CHECK(json_is_null(json_object_get(call_args, "name \"quoted\"")) ||
			      !strcmp(json_string_value(json_object_get(call_args, "name \"quoted\"")),
				      "tab\there \"q\" \\ \x01 caf\xc3\xa9 bad\xef\xbf\xbd lead\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end"), "string");
			CHECK(!strcmp(json_string_value(json_object_get(call_args, "big")), "18446744073709551615"), "big");
			CHECK(json_is_true(json_object_get(call_args, "flag")), "flag");
			{
				json_t *where = json_object_get(call_args, "where");

				CHECK(!strcmp(json_string_value(json_object_get(where, "address")), "0xdeadbeef"), "pointer");
				CHECK(json_is_true(json_object_get(where, "unreadable")) ||
				      (!strcmp(json_string_value(json_object_get(where, "bytes")), "00112233445566778899aabbccddeeff") &&
				       !strcmp(json_string_value(json_object_get(where, "text")), "pointed-to text")), "pointee");
			}
			CHECK(!strcmp(json_string_value(json_object_get(call_args, "neg")), "-9007199254740993"), "neg");
		}
	}
	CHECK(received == sent, "sent %zu records, read back %zu", sent, received);
	CHECK(errors_received == 2, "read back %zu of 2 error answers", errors_received);
	printf("records_test: %zu records in 40 batches, %d failures\n", received, failures);
	return failures != 0;
}
