/* JSON-RPC 2.0 over LSP base-protocol framing (Content-Length headers) on stdin/stdout. */
#ifndef PROBE_LENS_RPC_H
#define PROBE_LENS_RPC_H

#include <stddef.h>
#include <jansson.h>

/* Frames larger than this are refused (and skipped) without being buffered; a claimed length
 * past RPC_MAX_SKIP ends the session instead. */
#define RPC_MAX_FRAME (1 << 20)
#define RPC_MAX_SKIP (64 << 20)

/* Stable error names; their numbers are mirrored in extension/core/protocol.ts. */
enum rpc_error {
	RPC_PARSE_ERROR,
	RPC_INVALID_REQUEST,
	RPC_METHOD_NOT_FOUND,
	RPC_BAD_PARAMS,
	RPC_NOT_INITIALIZED,
	RPC_BINARY_NOT_FOUND,
	RPC_NOT_A_FILE,
	RPC_NOT_ELF,
	RPC_STRIPPED,
	RPC_SYMBOL_NOT_FOUND,
	RPC_PERMISSION_DENIED,
	RPC_NO_SUCH_PROCESS,
	RPC_NO_PRIVILEGE,
	RPC_FEATURE_UNAVAILABLE,
	RPC_LIMIT_REACHED,
	RPC_PROBE_NOT_FOUND,
	RPC_ATTACH_FAILED,
};

/* A failed request's answer: an error name and a message for a person. */
struct rpc_failure {
	enum rpc_error error;
	char message[512];
};

/* The error's name as the protocol spells it: "SymbolNotFound", … */
const char *rpc_error_name(enum rpc_error error);

__attribute__((format(printf, 3, 4)))
int rpc_fail(struct rpc_failure *failure, enum rpc_error error, const char *fmt, ...);

struct rpc_reader;

/* Called once per valid JSON-RPC 2.0 message: a request (id set) or a notification (id NULL).
 * params is an object, an array, or NULL. Anything else is answered by the reader itself. */
typedef void (*rpc_message_fn)(json_t *id, const char *method, json_t *params, void *ctx);

struct rpc_reader *rpc_reader_new(int fd, rpc_message_fn on_message, void *ctx);
void rpc_reader_free(struct rpc_reader *reader);
/* Reads what is available and dispatches complete frames; 0 on progress, -EPIPE at EOF. */
int rpc_reader_pump(struct rpc_reader *reader);
/* Takes bytes as if read from the stream, in pieces of any size; 0 or -errno (-EPROTO: the
 * client broke the framing beyond repair; end the session). */
int rpc_reader_feed(struct rpc_reader *reader, const void *data, size_t len);

/* Where the writers send frames; stdout unless told otherwise (the fuzzer uses /dev/null). */
void rpc_set_output_fd(int fd);
/* Writers; all take ownership of the json_t they are given. */
void rpc_send_result(json_t *id, json_t *result);
void rpc_send_error(json_t *id, enum rpc_error error, const char *message);
void rpc_send_notification(const char *method, json_t *params);
/* Sends one message whose JSON text is head + body + tail, already encoded by the caller. */
void rpc_send_framed(const char *head, const char *body, size_t body_len, const char *tail);

#endif
