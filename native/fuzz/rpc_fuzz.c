/* libFuzzer target for the helper's input side. Arbitrary bytes go through the real
 * Content-Length framing (fed in pieces of fuzzer-chosen sizes, so partial headers and bodies
 * are exercised), the real JSON-RPC envelope checks (rpc.c), and, for probe/attach, the same
 * request validation the helper runs (attach_request.c, params.c). The seam is the reader's
 * callback: where main.c hands a request to the engine, this one stops after validation, so
 * nothing is opened, loaded or attached. Answers are written to /dev/null.
 *
 * Input layout: byte 0 picks how the rest is split into feeds (0: all at once; else pieces of
 * 1..2^(b % 12) bytes from a small generator seeded by b); the rest is the stream. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attach_request.h"
#include "rpc.h"

static void on_message(json_t *id, const char *method, json_t *params, void *ctx)
{
	struct rpc_failure failure = { 0 };
	struct attach_request request;
	json_t *args;

	(void)ctx;
	if (!id)
		return;	/* notifications only set flags in the helper */
	if (strcmp(method, "probe/attach")) {
		rpc_fail(&failure, RPC_METHOD_NOT_FOUND, "unknown method '%s'", method);
		rpc_send_error(json_incref(id), failure.error, failure.message);
		return;
	}
	if (attach_request_parse(params, &request, &failure)) {
		rpc_send_error(json_incref(id), failure.error, failure.message);
		return;
	}
	/* Touch everything the engine would read, so a bad pointer or length shows here. */
	args = json_array();
	for (int i = 0; i < request.nargs; i++)
		json_array_append_new(args, json_pack("{s:s, s:i, s:i, s:i, s:b}", "name", request.args[i].name,
						      "type", request.args[i].type,
						      "location", request.cfg.args[i].location,
						      "stackOffset", request.cfg.args[i].offset,
						      "string", request.cfg.args[i].string));
	rpc_send_result(json_incref(id),
			json_pack("{s:s, s:s?, s:I, s:b, s:I, s:i, s:o}", "binary", request.binary,
				  "symbol", request.symbol, "offset", (json_int_t)request.offset,
				  "retprobe", request.retprobe, "records", (json_int_t)request.records_per_second,
				  "stringLength", (int)request.cfg.string_len, "args", args));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	(void)argc;
	(void)argv;
	if (fd < 0) {
		perror("rpc_fuzz: /dev/null");
		exit(1);
	}
	rpc_set_output_fd(fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_reader *reader;
	uint32_t state;
	size_t max_piece;
	int err;

	if (size < 1)
		return 0;
	state = data[0] * 2654435761u + 1;
	max_piece = data[0] ? (size_t)1 << (data[0] % 12) : SIZE_MAX;
	data++;
	size--;
	reader = rpc_reader_new(-1, on_message, NULL);
	if (!reader)
		return 0;
	while (size) {
		size_t piece;

		state ^= state << 13;
		state ^= state >> 17;
		state ^= state << 5;
		piece = max_piece == SIZE_MAX ? size : 1 + state % max_piece;
		if (piece > size)
			piece = size;
		/* The reader always has room for what drain_frames waits for: refusing input
		 * (-ENOBUFS) would end the helper, so it is a bug, not a bad client. */
		err = rpc_reader_feed(reader, data, piece);
		if (err == -ENOBUFS)
			__builtin_trap();
		if (err)
			break;	/* the helper ends the session here */
		data += piece;
		size -= piece;
	}
	rpc_reader_free(reader);
	return 0;
}
