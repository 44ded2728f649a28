#include <stdlib.h>
#include <string.h>
#include "utf8.h"

size_t utf8_sequence(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
		     : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
		     : s[0] >= 0xC2 && s[0] <= 0xDF ? 2
		     : 0;

	if (!len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((len == 3 && s[0] == 0xE0 && s[1] < 0xA0) || (len == 3 && s[0] == 0xED && s[1] >= 0xA0) ||
	    (len == 4 && s[0] == 0xF0 && s[1] < 0x90) || (len == 4 && s[0] == 0xF4 && s[1] >= 0x90))
		return 0;	/* overlong, surrogate, or past U+10FFFF */
	return len;
}

json_t *json_text(const char *s)
{
	static const char replacement[] = "\xEF\xBF\xBD";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), len = 0;
	char *clean = malloc(3 * n + 1);
	json_t *text;

	if (!clean)
		return json_string("");
	for (size_t i = 0; i < n;) {
		size_t seq = p[i] < 0x80 ? 1 : utf8_sequence(&p[i], n - i);

		if (seq) {
			memcpy(clean + len, &p[i], seq);
			len += seq;
			i += seq;
		} else {
			memcpy(clean + len, replacement, 3);
			len += 3;
			i++;
		}
	}
	text = json_stringn(clean, len);
	free(clean);
	return text;
}

void utf8_trim_end(char *s)
{
	size_t n = strlen(s), start = n;

	/* Back to the lead byte of the last sequence (at most 3 continuation bytes). */
	while (start > 0 && n - start < 4 && ((unsigned char)s[start - 1] & 0xC0) == 0x80)
		start--;
	if (start > 0 && (unsigned char)s[start - 1] >= 0xC0) {
		start--;
		if (!utf8_sequence((const unsigned char *)s + start, n - start))
			s[start] = '\0';
	}
}
