#include <stdio.h>
#include <string.h>
#include "nearest.h"

/* Levenshtein distance, giving up (returning give_up) once it cannot beat give_up. */
static unsigned edit_distance(const char *a, size_t la, const char *b, size_t lb, unsigned give_up)
{
	unsigned row[129];

	if (la > 128 || lb > 128)
		return give_up;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diagonal = row[0], best;

		row[0] = i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = diagonal + (a[i - 1] != b[j - 1]);

			row[j] = cost;
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diagonal = up;
			if (row[j] < best)
				best = row[j];
		}
		if (best >= give_up)
			return give_up;
	}
	return row[lb];
}

void nearest_init(struct nearest *nearest, const char *query)
{
	nearest->query = query;
	nearest->best[0] = '\0';
	nearest->distance = NEAREST_MAX_DISTANCE + 1;
}

void nearest_consider(struct nearest *nearest, const char *candidate)
{
	size_t len = strcspn(candidate, "@");
	unsigned d;

	if (nearest->distance <= 1 || !len)
		return;
	d = edit_distance(nearest->query, strlen(nearest->query), candidate, len, nearest->distance);
	if (d < nearest->distance && d > 0) {
		nearest->distance = d;
		snprintf(nearest->best, sizeof(nearest->best), "%.*s", (int)len, candidate);
	}
}
