/* User stacks of probes that asked for them: stack_counts read, and stacks that are the same in
 * files (each frame a file and an offset in it, placed by the BPF side when the stack was first
 * counted) counted together across processes. Entries of processes that ended leave the BPF map;
 * their counts stay here. */
#ifndef PROBE_LENS_STACKS_H
#define PROBE_LENS_STACKS_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "probe.h"

struct stack_tally;

struct stack_tally *stack_tally_new(void);
void stack_tally_free(struct stack_tally *tally);

/* A file frames may be in, by the name the requester gave it (a probed binary). */
void stack_tally_name_file(struct stack_tally *tally, int fd, const char *path);

/* Reads stack_counts (map_fd) into the tally, for the slots whose probes count stacks. */
void stack_tally_read(struct stack_tally *tally, int map_fd, const bool counts_stacks[MAX_PROBES]);

/* A slot's stacks are gone (its probe released): from the tally and the map. */
void stack_tally_forget(struct stack_tally *tally, int map_fd, __u32 slot);

/* {"counted", "distinct", "untallied", "top": [{count, frames}] most first, "callers": [{count,
 * frame}] most first}: frames are {"object", "offset"}, or {"address": null} in no file. */
json_t *stack_tally_json(struct stack_tally *tally, __u32 slot, int top);

/* A record's stack as JSON text, frames as above (an address where the stack was not counted);
 * the caller frees it. */
char *stack_frames_text(struct stack_tally *tally, int map_fd, __u32 slot, __u32 tgid, const __u64 *frames,
			__u32 nframes);

#endif
