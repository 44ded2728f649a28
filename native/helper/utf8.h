/* UTF-8 for what the helper sends: JSON text must be valid UTF-8, and what it carries (a
 * process's comm, a captured string, a path, a message cut to fit) need not be. */
#ifndef PROBE_LENS_UTF8_H
#define PROBE_LENS_UTF8_H

#include <stddef.h>
#include <jansson.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if it is not one. */
size_t utf8_sequence(const unsigned char *s, size_t n);

/* A JSON string of s, each byte that is not valid UTF-8 replaced by U+FFFD. */
json_t *json_text(const char *s);

/* Cuts a sequence left incomplete at the end of s (a message truncated to fit). */
void utf8_trim_end(char *s);

#endif
