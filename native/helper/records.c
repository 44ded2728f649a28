/* Encodes records as JSON text by hand: the formats are fixed, numbers are printed with
 * snprintf, and every string from the kernel (comm, captured strings) or the client (argument
 * names) is escaped, with bytes that are not UTF-8 replaced by U+FFFD. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "records.h"
#include "rpc.h"
#include "utf8.h"

#define SAFE_INTEGER_MAX ((1LL << 53) - 1)

static bool reserve(struct record_batch *b, size_t more)
{
	char *text;
	size_t cap;

	if (b->len + more <= b->cap)
		return true;
	cap = b->cap ? b->cap : 1 << 16;
	while (cap < b->len + more)
		cap *= 2;
	text = realloc(b->text, cap);
	if (!text) {
		b->out_of_memory = true;
		return false;
	}
	b->text = text;
	b->cap = cap;
	return true;
}

static void put(struct record_batch *b, const char *s, size_t n)
{
	if (reserve(b, n)) {
		memcpy(b->text + b->len, s, n);
		b->len += n;
	}
}

#define PUT_LITERAL(b, s) put(b, s, sizeof(s) - 1)

__attribute__((format(printf, 2, 3)))
static void put_format(struct record_batch *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (size_t room = 128;; room = n + 1) {
		if (!reserve(b, room))
			return;
		va_start(ap, fmt);
		n = vsnprintf(b->text + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < b->cap - b->len) {
			b->len += n;
			return;
		}
		/* It did not fit: grow to what it needs and write it again. */
	}
}

static void put_string(struct record_batch *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	PUT_LITERAL(b, "\"");
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t seq;

		if (c == '"' || c == '\\') {
			char escaped[2] = { '\\', (char)c };

			put(b, escaped, 2);
			i++;
		} else if (c < 0x20) {
			put_format(b, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			put(b, (const char *)&p[i], 1);
			i++;
		} else if ((seq = utf8_sequence(&p[i], n - i))) {
			put(b, (const char *)&p[i], seq);
			i += seq;
		} else {
			PUT_LITERAL(b, "\xEF\xBF\xBD");
			i++;
		}
	}
	PUT_LITERAL(b, "\"");
}

static void put_integer(struct record_batch *b, int64_t v, bool is_signed)
{
	bool exact = is_signed ? (v >= -SAFE_INTEGER_MAX && v <= SAFE_INTEGER_MAX) : (uint64_t)v <= SAFE_INTEGER_MAX;

	/* Beyond 2^53 a JSON reader's double would round it: send the digits as a string. */
	if (is_signed)
		put_format(b, exact ? "%" PRId64 : "\"%" PRId64 "\"", v);
	else
		put_format(b, exact ? "%" PRIu64 : "\"%" PRIu64 "\"", (uint64_t)v);
}

static void put_value(struct record_batch *b, enum value_type type, uint64_t raw, const char *string)
{
	switch (type) {
	case VALUE_U8: put_integer(b, (uint8_t)raw, false); return;
	case VALUE_U16: put_integer(b, (uint16_t)raw, false); return;
	case VALUE_U32: put_integer(b, (uint32_t)raw, false); return;
	case VALUE_U64: put_integer(b, raw, false); return;
	case VALUE_S8: put_integer(b, (int8_t)raw, true); return;
	case VALUE_S16: put_integer(b, (int16_t)raw, true); return;
	case VALUE_S32: put_integer(b, (int32_t)raw, true); return;
	case VALUE_S64: put_integer(b, (int64_t)raw, true); return;
	case VALUE_BOOL:
		if ((uint8_t)raw)
			PUT_LITERAL(b, "true");
		else
			PUT_LITERAL(b, "false");
		return;
	case VALUE_CHAR: put_integer(b, (int8_t)raw, true); return;
	case VALUE_STRING:
		if (!raw) {
			PUT_LITERAL(b, "null");
			return;
		}
		if (string) {
			put_string(b, string, strnlen(string, MAX_STRING));
			return;
		}
		/* its bytes were not captured: show where it was */
		/* fall through */
	case VALUE_POINTER:
		put_format(b, "\"0x%" PRIx64 "\"", raw);
		return;
	case VALUE_TYPE_COUNT:
		break;
	}
	PUT_LITERAL(b, "null");
}

static void put_hex(struct record_batch *b, const __u8 *bytes, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	PUT_LITERAL(b, "\"");
	for (size_t i = 0; i < n; i++) {
		char pair[2] = { digits[bytes[i] >> 4], digits[bytes[i] & 15] };

		put(b, pair, 2);
	}
	PUT_LITERAL(b, "\"");
}

/* A pointer argument with the memory it points to: {"address", "bytes" (hex), "text"} — with
 * "data" (hex) instead of "text" when exactly so many bytes were read — or {"address",
 * "unreadable": true}; null for NULL. */
static void put_pointee(struct record_batch *b, const struct captured_arg *arg, int i, uint64_t address,
			const struct event_with_strings *big)
{
	if (arg->by_value) {
		PUT_LITERAL(b, "{\"address\":null");
	} else if (!address) {
		PUT_LITERAL(b, "null");
		return;
	} else {
		put_format(b, "{\"address\":\"0x%" PRIx64 "\"", address);
	}
	if (big->unreadable & (1u << i)) {
		PUT_LITERAL(b, ",\"unreadable\":true}");
		return;
	}
	PUT_LITERAL(b, ",\"bytes\":");
	put_hex(b, big->memory[i], arg->deref < MAX_DEREF ? arg->deref : MAX_DEREF);
	if (big->data_len[i]) {
		PUT_LITERAL(b, ",\"data\":");
		put_hex(b, (const __u8 *)big->strings[i], big->data_len[i] < MAX_STRING ? big->data_len[i] : MAX_STRING);
	} else {
		PUT_LITERAL(b, ",\"text\":");
		put_string(b, big->strings[i], strnlen(big->strings[i], MAX_STRING));
	}
	PUT_LITERAL(b, "}");
}

bool record_batch_append(struct record_batch *b, const struct record_format *format,
			 const struct event *e, const struct event_with_strings *big, const char *stack)
{
	size_t start = b->len;

	if (b->count)
		PUT_LITERAL(b, ",");
	put_format(b, "{\"type\":\"%s\",\"probe\":%u,\"pid\":%u,\"tid\":%u,\"uid\":%u,\"comm\":",
		   e->type == EVENT_CALL ? "call" : "return", format->id, e->pid, e->tid, e->uid);
	put_string(b, e->comm, strnlen(e->comm, sizeof(e->comm)));
	put_format(b, ",\"tsNs\":%" PRIu64, (uint64_t)e->ts_ns);
	if (e->type == EVENT_CALL) {
		PUT_LITERAL(b, ",\"args\":{");
		for (int i = 0; i < format->nargs && i < MAX_ARGS; i++) {
			if (i)
				PUT_LITERAL(b, ",");
			put_string(b, format->args[i].name, strlen(format->args[i].name));
			PUT_LITERAL(b, ":");
			if (format->args[i].deref && big)
				put_pointee(b, &format->args[i], i, e->values[i], big);
			else
				put_value(b, format->args[i].type, e->values[i], big ? big->strings[i] : NULL);
		}
		PUT_LITERAL(b, "}");
		if (stack) {
			PUT_LITERAL(b, ",\"stack\":");
			put(b, stack, strlen(stack));
		}
		PUT_LITERAL(b, "}");
	} else {
		PUT_LITERAL(b, ",\"ret\":");
		if (format->capture_ret && format->ret_struct && format->ret_struct->deref && big)
			put_pointee(b, format->ret_struct, 0, e->values[0], big);
		else if (format->capture_ret)
			put_value(b, format->ret_type, e->values[0], NULL);
		else
			PUT_LITERAL(b, "null");
		if (e->flags & EVENT_LATENCY_KNOWN)
			put_format(b, ",\"latencyNs\":%" PRIu64 "}", (uint64_t)e->latency_ns);
		else
			PUT_LITERAL(b, ",\"latencyNs\":null}");
	}
	if (b->out_of_memory) {
		b->len = start;
		b->out_of_memory = false;
		return false;
	}
	b->count++;
	return true;
}

bool record_batch_append_written(struct record_batch *b, const char *record, size_t len)
{
	if (!reserve(b, len + 1))
		return false;
	if (b->count)
		PUT_LITERAL(b, ",");
	put(b, record, len);
	b->count++;
	return true;
}

void record_batch_send(struct record_batch *b)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"method\":\"probe/events\",\"params\":{\"events\":[";
	static const char tail[] = "]}}";

	if (!b->count)
		return;
	rpc_send_framed(head, b->text, b->len, tail);
	b->len = 0;
	b->count = 0;
}

void record_batch_free(struct record_batch *b)
{
	free(b->text);
	memset(b, 0, sizeof(*b));
}

json_t *record_value_json(enum value_type type, uint64_t raw)
{
	struct record_batch b = { 0 };
	json_t *value;

	put_value(&b, type, raw, NULL);
	value = b.out_of_memory ? NULL : json_loadb(b.text, b.len, JSON_DECODE_ANY, NULL);
	record_batch_free(&b);
	return value ? value : json_null();
}
