#include <stdbool.h>
#include <bpf/bpf.h>
#include "map_read.h"

size_t map_read_all(int fd, void *keys, size_t key_size, void *values, size_t value_size, size_t max)
{
	/* Opaque batch tokens: a hash map's is smaller than any key. */
	unsigned long long token_in, token_out;
	size_t total = 0;

	for (bool first = true; total < max; first = false) {
		__u32 count = max - total;
		int err = bpf_map_lookup_batch(fd, first ? NULL : &token_in, &token_out, (char *)keys + total * key_size,
					       (char *)values + total * value_size, &count, NULL);

		total += count;
		if (err)
			break;	/* ENOENT: all read */
		token_in = token_out;
	}
	return total;
}
