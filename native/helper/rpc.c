/* Content-Length framing and JSON-RPC envelopes. The reader never trusts a length: a frame
 * over RPC_MAX_FRAME is answered with an error and skipped byte by byte, so one bad client
 * message cannot take the helper down or make it buffer without bound. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <poll.h>
#include "rpc.h"
#include "utf8.h"

#define HEADER_LIMIT 4096
#define READ_CHUNK 65536
#define BUFFER_LIMIT (RPC_MAX_FRAME + 2 * HEADER_LIMIT + READ_CHUNK)

static const struct {
	const char *name;
	int number;
} error_table[] = {
	[RPC_PARSE_ERROR] = { "parse-error", -32700 },
	[RPC_INVALID_REQUEST] = { "invalid-request", -32600 },
	[RPC_METHOD_NOT_FOUND] = { "method-not-found", -32601 },
	[RPC_BAD_PARAMS] = { "bad-params", -32602 },
	[RPC_NOT_INITIALIZED] = { "not-initialized", -32002 },
	[RPC_BINARY_NOT_FOUND] = { "binary-not-found", -32010 },
	[RPC_NOT_A_FILE] = { "not-a-file", -32011 },
	[RPC_NOT_ELF] = { "not-elf", -32012 },
	[RPC_STRIPPED] = { "stripped", -32013 },
	[RPC_SYMBOL_NOT_FOUND] = { "symbol-not-found", -32014 },
	[RPC_PERMISSION_DENIED] = { "permission-denied", -32015 },
	[RPC_NO_SUCH_PROCESS] = { "no-such-process", -32016 },
	[RPC_NO_PRIVILEGE] = { "no-privilege", -32017 },
	[RPC_FEATURE_UNAVAILABLE] = { "feature-unavailable", -32018 },
	[RPC_LIMIT_REACHED] = { "limit-reached", -32019 },
	[RPC_PROBE_NOT_FOUND] = { "probe-not-found", -32020 },
	[RPC_ATTACH_FAILED] = { "attach-failed", -32021 },
};

int rpc_fail(struct rpc_failure *failure, enum rpc_error error, const char *fmt, ...)
{
	va_list ap;

	failure->error = error;
	va_start(ap, fmt);
	if (vsnprintf(failure->message, sizeof(failure->message), fmt, ap) >= (int)sizeof(failure->message))
		utf8_trim_end(failure->message);	/* cut to fit, maybe inside a character */
	va_end(ap);
	return -1;
}

struct rpc_reader {
	int fd;
	rpc_message_fn on_message;
	void *ctx;
	char *buf;
	size_t len, cap;
	size_t skip;		/* bytes of a refused frame still to discard */
};

struct rpc_reader *rpc_reader_new(int fd, rpc_message_fn on_message, void *ctx)
{
	struct rpc_reader *reader = calloc(1, sizeof(*reader));

	if (!reader)
		return NULL;
	reader->fd = fd;
	reader->on_message = on_message;
	reader->ctx = ctx;
	return reader;
}

void rpc_reader_free(struct rpc_reader *reader)
{
	if (!reader)
		return;
	free(reader->buf);
	free(reader);
}

static void consume(struct rpc_reader *reader, size_t n)
{
	memmove(reader->buf, reader->buf + n, reader->len - n);
	reader->len -= n;
}

/* Reads the decimal value of a Content-Length header, between key and end of line; -1 if it is
 * not one. Never looks past the line: the buffer is not NUL-terminated. */
static long parse_length(const char *p, const char *eol)
{
	long value = 0;

	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	if (p == eol)
		return -1;
	for (; p < eol; p++) {
		if (*p < '0' || *p > '9' || value > (LONG_MAX - 9) / 10)
			return -1;
		value = value * 10 + (*p - '0');
	}
	return value;
}

/* Parses the header block; returns its length (through the blank line), 0 if incomplete,
 * -1 if it is malformed or longer than HEADER_LIMIT. */
static long parse_headers(const char *buf, size_t len, long *content_length)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	const char *line = buf;

	*content_length = -1;
	if (!end)
		return len > HEADER_LIMIT ? -1 : 0;
	if (end + 4 - buf > HEADER_LIMIT)
		return -1;
	while (line < end) {
		const char *eol = memmem(line, end + 2 - line, "\r\n", 2);
		static const char key[] = "Content-Length:";

		if (eol - line >= (long)sizeof(key) - 1 && !strncasecmp(line, key, sizeof(key) - 1)) {
			*content_length = parse_length(line + sizeof(key) - 1, eol);
			if (*content_length < 0)
				return -1;
		}
		line = eol + 2;
	}
	return *content_length < 0 ? -1 : end + 4 - buf;
}

/* Checks the JSON-RPC envelope; what is not a request or notification is answered here. */
static void dispatch_message(struct rpc_reader *reader, json_t *message)
{
	json_t *id, *method, *params, *version;

	if (!json_is_object(message)) {
		rpc_send_error(json_null(), RPC_INVALID_REQUEST, "a JSON-RPC message must be an object");
		return;
	}
	id = json_object_get(message, "id");
	method = json_object_get(message, "method");
	params = json_object_get(message, "params");
	version = json_object_get(message, "jsonrpc");
	if (json_is_null(params))
		params = NULL;	/* some clients send "params": null for no parameters */
	if (id && !json_is_integer(id) && !json_is_string(id) && !json_is_null(id)) {
		/* Not a notification: a request we cannot answer by its id (JSON-RPC 2.0, 5). */
		rpc_send_error(json_null(), RPC_INVALID_REQUEST, "a request's \"id\" must be an integer, a string or null");
		return;
	}
	if (!json_is_string(version) || strcmp(json_string_value(version), "2.0") ||
	    !json_is_string(method) || (params && !json_is_object(params) && !json_is_array(params))) {
		if (method || id)
			rpc_send_error(id ? json_incref(id) : json_null(), RPC_INVALID_REQUEST,
				       "not a JSON-RPC 2.0 request: needs \"jsonrpc\":\"2.0\", a string "
				       "\"method\", and object or array \"params\"");
		return;	/* a response to nothing we sent: ignore */
	}
	reader->on_message(id, json_string_value(method), params, reader->ctx);
}

static void dispatch_frame(struct rpc_reader *reader, const char *body, size_t len)
{
	json_error_t err;
	json_t *message = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);

	if (!message) {
		char text[300];

		snprintf(text, sizeof(text), "malformed JSON at byte %d: %s", err.position, err.text);
		rpc_send_error(json_null(), RPC_PARSE_ERROR, text);
		return;
	}
	dispatch_message(reader, message);
	json_decref(message);
}

/* Handles every complete frame in the buffer; -EPROTO when the stream cannot go on. */
static int drain_frames(struct rpc_reader *reader)
{
	for (;;) {
		long content_length, header_len;

		if (reader->skip) {
			size_t n = reader->skip < reader->len ? reader->skip : reader->len;

			consume(reader, n);
			reader->skip -= n;
			if (reader->skip)
				return 0;
		}
		header_len = parse_headers(reader->buf, reader->len, &content_length);
		if (header_len == 0)
			return 0;
		if (header_len < 0) {
			rpc_send_error(json_null(), RPC_INVALID_REQUEST,
				       "malformed frame header: expected 'Content-Length: N' and a blank line");
			reader->len = 0;	/* the stream is out of step: drop what we have */
			return 0;
		}
		if (content_length > RPC_MAX_FRAME) {
			char text[160];

			snprintf(text, sizeof(text), "frame of %ld bytes refused: the limit is %d bytes%s",
				 content_length, RPC_MAX_FRAME,
				 content_length > RPC_MAX_SKIP ? "; no client sends that much, closing" : "");
			rpc_send_error(json_null(), RPC_INVALID_REQUEST, text);
			/* Skipping a claimed 100 GB would wedge the session for good. */
			if (content_length > RPC_MAX_SKIP)
				return -EPROTO;
			consume(reader, header_len);
			reader->skip = content_length;
			continue;
		}
		if (reader->len < (size_t)(header_len + content_length))
			return 0;
		dispatch_frame(reader, reader->buf + header_len, content_length);
		consume(reader, header_len + content_length);
	}
}

/* Makes room for more bytes: the buffer grows up to BUFFER_LIMIT, which holds the largest
 * frame drain_frames keeps waiting for (HEADER_LIMIT + RPC_MAX_FRAME) with room to spare. */
static int reserve(struct rpc_reader *reader)
{
	if (reader->cap - reader->len < READ_CHUNK && reader->cap < BUFFER_LIMIT) {
		size_t cap = reader->cap ? reader->cap * 2 : 2 * READ_CHUNK;
		char *buf;

		if (cap > BUFFER_LIMIT)
			cap = BUFFER_LIMIT;
		buf = realloc(reader->buf, cap);
		if (!buf)
			return -ENOMEM;
		reader->buf = buf;
		reader->cap = cap;
	}
	return reader->len < reader->cap ? 0 : -ENOBUFS;
}

int rpc_reader_feed(struct rpc_reader *reader, const void *data, size_t len)
{
	const char *bytes = data;

	while (len) {
		int err = reserve(reader);
		size_t n;

		if (err)
			return err;
		n = reader->cap - reader->len < len ? reader->cap - reader->len : len;
		memcpy(reader->buf + reader->len, bytes, n);
		reader->len += n;
		bytes += n;
		len -= n;
		err = drain_frames(reader);
		if (err)
			return err;
	}
	return 0;
}

int rpc_reader_pump(struct rpc_reader *reader)
{
	char chunk[READ_CHUNK];
	ssize_t n = read(reader->fd, chunk, sizeof(chunk));

	if (n == 0)
		return -EPIPE;
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	return rpc_reader_feed(reader, chunk, n);
}

static int output_fd = STDOUT_FILENO;

void rpc_set_output_fd(int fd)
{
	output_fd = fd;
}

static void write_all(const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(output_fd, data, len);

		if (n < 0) {
			struct pollfd out = { .fd = output_fd, .events = POLLOUT };

			if (errno == EINTR)
				continue;
			/* A launcher may hand us a non-blocking pipe: wait, never cut a frame short. */
			if (errno == EAGAIN && poll(&out, 1, -1) >= 0)
				continue;
			return;	/* the client is gone; stdin EOF will end us */
		}
		data += n;
		len -= n;
	}
}

static void send_message(json_t *message)
{
	char *body = json_dumps(message, JSON_COMPACT);
	char header[64];
	int header_len;

	json_decref(message);
	if (!body)
		return;
	header_len = snprintf(header, sizeof(header), "Content-Length: %zu\r\n\r\n", strlen(body));
	write_all(header, header_len);
	write_all(body, strlen(body));
	free(body);
}

void rpc_send_result(json_t *id, json_t *result)
{
	send_message(json_pack("{s:s, s:o, s:o}", "jsonrpc", "2.0", "id", id,
			       "result", result ? result : json_null()));
}

const char *rpc_error_name(enum rpc_error error)
{
	return error_table[error].name;
}

void rpc_send_error(json_t *id, enum rpc_error error, const char *message)
{
	/* The message may quote what a client sent or a path: never valid UTF-8 by itself. */
	send_message(json_pack("{s:s, s:o, s:{s:i, s:o, s:{s:s}}}", "jsonrpc", "2.0", "id", id,
			       "error", "code", error_table[error].number, "message", json_text(message),
			       "data", "code", error_table[error].name));
}

void rpc_send_notification(const char *method, json_t *params)
{
	send_message(json_pack("{s:s, s:s, s:o}", "jsonrpc", "2.0", "method", method, "params", params));
}

void rpc_send_framed(const char *head, const char *body, size_t body_len, const char *tail)
{
	char header[64];
	int header_len = snprintf(header, sizeof(header), "Content-Length: %zu\r\n\r\n",
				  strlen(head) + body_len + strlen(tail));

	write_all(header, header_len);
	write_all(head, strlen(head));
	write_all(body, body_len);
	write_all(tail, strlen(tail));
}
