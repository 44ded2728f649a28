/* Reading a whole BPF hash map at once. */
#ifndef PROBE_LENS_MAP_READ_H
#define PROBE_LENS_MAP_READ_H

#include <stddef.h>

/* Reads the map in batches into keys and values (room for max of each); returns how many. */
size_t map_read_all(int fd, void *keys, size_t key_size, void *values, size_t value_size, size_t max);

#endif
