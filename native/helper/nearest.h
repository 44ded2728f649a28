/* "Did you mean …?": the closest name to a misspelt one, by edit distance. */
#ifndef PROBE_LENS_NEAREST_H
#define PROBE_LENS_NEAREST_H

#define NEAREST_MAX_DISTANCE 3

struct nearest {
	const char *query;
	char best[128];		/* empty: nothing within NEAREST_MAX_DISTANCE */
	unsigned distance;
};

void nearest_init(struct nearest *nearest, const char *query);
/* Keeps candidate if it is closer than anything so far; candidate may carry a version
 * suffix (name@VERSION), which is left out. */
void nearest_consider(struct nearest *nearest, const char *candidate);

#endif
