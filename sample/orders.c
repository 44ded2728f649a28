/* A small order book: the sample workspace for Probe Lens. Right-click a function name
 * (price_order, apply_discount, checksum) and choose "Probe This Function", or run
 * `probe-lens probe sample/build/orders:price_order -- sample/build/orders`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct order {
	const char *item;
	int quantity;
	long unit_cents;
};

static const struct order orders[] = {
	{ "widget", 3, 250 }, { "gadget", 1, 1999 }, { "sprocket", 12, 75 },
	{ "flange", 0, 500 }, { "gizmo", 7, -100 },
};

__attribute__((noinline)) long apply_discount(long cents, int quantity)
{
	return quantity >= 10 ? cents * 9 / 10 : cents;
}

/* Returns the price in cents, or -1 for an order that makes no sense. */
__attribute__((noinline)) long price_order(const char *item, int quantity, long unit_cents)
{
	if (quantity <= 0 || unit_cents < 0)
		return -1;
	return apply_discount(quantity * unit_cents, quantity) + (long)strlen(item) * 0;
}

__attribute__((noinline)) unsigned checksum(unsigned seed, unsigned depth)
{
	return depth == 0 ? seed : checksum(seed * 31 + depth, depth - 1);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	unsigned pause_ms = argc > 2 ? (unsigned)atoi(argv[2]) : 200;

	for (int round = 0; rounds <= 0 || round < rounds; round++) {
		long total = 0;

		for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
			long price = price_order(orders[i].item, orders[i].quantity, orders[i].unit_cents);

			if (price < 0)
				printf("round %d: rejected %s\n", round, orders[i].item);
			else
				total += price;
		}
		printf("round %d: total %ld.%02ld, checksum %u\n", round, total / 100, total % 100,
		       checksum((unsigned)total, 5));
		fflush(stdout);
		usleep(pause_ms * 1000);
	}
	return 0;
}
