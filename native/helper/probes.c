/* The probe table. Each probe owns a slot of the BPF maps (the slot is its attach cookie),
 * its BPF links, and the open file it was attached through. Records from the ring buffer are
 * decoded by the probe's capture spec and sent in batches; counters are read from the
 * per-CPU map and are exact. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <linux/limits.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "engine.h"
#include "map_read.h"
#include "params.h"
#include "records.h"
#include "utf8.h"
#include "probe.skel.h"

#define BATCH_LIMIT 4096
#define BATCH_FULL (-E2BIG)	/* handle_record's "stop consuming": the batch is full */
#define BATCH_KEEP_BYTES (4 << 20)	/* a batch buffer grown past this is freed once sent */
#define STATS_EVERY_TICKS 2	/* ~100 ms: counters at most 10 times a second */
#define TEARDOWN_THREADS 32	/* links destroyed side by side (destroy_links) */

static int handle_record(void *ctx, void *data, size_t size);
static void forget_pending(struct engine *engine, size_t at);

struct engine *engine_new(const struct requester *who, struct rpc_failure *failure)
{
	struct engine *engine = calloc(1, sizeof(*engine));
	int err;

	if (!engine) {
		rpc_fail(failure, RPC_ATTACH_FAILED, "out of memory");
		return NULL;
	}
	engine->who = *who;
	engine->inotify_fd = -1;
	engine->next_id = 1;
	engine->events_per_second = DEFAULT_EVENTS_PER_SECOND;
	engine->ncpus = libbpf_num_possible_cpus();
	engine->percpu = calloc(engine->ncpus > 0 ? engine->ncpus : 1, sizeof(struct probe_stats));
	engine->value_keys = calloc(MAX_COUNTED_VALUES, sizeof(*engine->value_keys));
	engine->value_counts = calloc(MAX_COUNTED_VALUES, sizeof(*engine->value_counts));
	engine->stacks = stack_tally_new();
	engine->walk_has_caller = -1;
	engine->skel = probe_bpf__open();
	if (!engine->skel) {
		rpc_fail(failure, RPC_ATTACH_FAILED, "cannot open the embedded BPF object: %s", strerror(errno));
		goto fail;
	}
	/* Programs for uprobe_multi links fail to load where the kernel lacks them. */
	capabilities_check_uprobe_multi(&engine->uprobe_multi, &engine->uprobe_multi_filters_process);
	bpf_program__set_autoload(engine->skel->progs.probe_entry_multi, engine->uprobe_multi.available);
	bpf_program__set_autoload(engine->skel->progs.probe_entry_multi_sleepable, engine->uprobe_multi.available);
	bpf_program__set_autoload(engine->skel->progs.probe_return_multi, engine->uprobe_multi.available);
	err = probe_bpf__load(engine->skel);
	if (err) {
		/* EACCES from a load is the verifier saying no, not a missing privilege. */
		if (err == -EPERM)
			rpc_fail(failure, RPC_NO_PRIVILEGE, "the kernel refused to load our BPF programs (%s): "
				 "the helper needs root, or CAP_BPF and CAP_PERFMON", strerror(-err));
		else
			rpc_fail(failure, RPC_FEATURE_UNAVAILABLE, "this kernel's BPF verifier rejected our programs "
				 "(%s): please report it with the log PROBE_LENS_HELPER_DEBUG=1 prints", strerror(-err));
		goto fail;
	}
	engine->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (engine->inotify_fd < 0) {
		rpc_fail(failure, RPC_ATTACH_FAILED, "cannot watch binaries for rebuilds: %s", strerror(errno));
		goto fail;
	}
	engine->ring = ring_buffer__new(bpf_map__fd(engine->skel->maps.events), handle_record, engine, NULL);
	if (!engine->ring) {
		rpc_fail(failure, RPC_ATTACH_FAILED, "cannot set up the BPF ring buffer: %s", strerror(errno));
		goto fail;
	}
	return engine;
fail:
	engine_free(engine);
	return NULL;
}

static void release_probe(struct engine *engine, struct probe *probe);
static void collect(struct engine *engine, bool all);

void engine_free(struct engine *engine)
{
	if (!engine)
		return;
	collect(engine, true);
	ring_buffer__free(engine->ring);
	if (engine->inotify_fd >= 0)
		close(engine->inotify_fd);
	probe_bpf__destroy(engine->skel);
	record_batch_free(&engine->batch);
	record_batch_free(&engine->pending_scratch);
	while (engine->npending)
		forget_pending(engine, engine->npending - 1);
	free(engine->pending);
	free(engine->percpu);
	free(engine->value_keys);
	free(engine->value_counts);
	stack_tally_free(engine->stacks);
	free(engine);
}

void engine_set_capabilities(struct engine *engine, const struct capability_report *capabilities)
{
	engine->capabilities = *capabilities;
}

void engine_set_event_limit(struct engine *engine, long events_per_second)
{
	engine->events_per_second = events_per_second;
}

void engine_set_fd_watcher(struct engine *engine, watch_fd_fn watcher, void *ctx)
{
	engine->watch_fd = watcher;
	engine->watch_ctx = ctx;
}

int engine_ring_fd(const struct engine *engine)
{
	return ring_buffer__epoll_fd(engine->ring);
}

int engine_inotify_fd(const struct engine *engine)
{
	return engine->inotify_fd;
}

/* ---- sampling ---- */

/* The BPF gate for the probe's records: all, none, or a call at most every 1/rate seconds. */
static void set_records_per_second(struct engine *engine, struct probe *probe, int64_t rate)
{
	__u32 slot = probe - engine->probes;
	struct probe_gate gate = { .interval_ns = rate == RECORDS_ALL ? GATE_OPEN : rate == 0 ? GATE_CLOSED
						  : 1000000000ULL / (uint64_t)rate };

	probe->records_per_second = rate;
	bpf_map_update_elem(bpf_map__fd(engine->skel->maps.probe_gates), &slot, &gate, BPF_ANY);
}

static json_t *records_per_second_json(const struct probe *probe)
{
	return probe->records_per_second == RECORDS_ALL ? json_null() : json_integer(probe->records_per_second);
}

/* ---- counters ---- */

struct totals {
	uint64_t calls, returns, dropped, sampled_out, values_uncounted, matched, arg_values_uncounted, stacks_uncounted;
	uint64_t arg_buckets_uncounted;
	uint64_t latency_sum_ns;
	uint64_t latency_hist[LATENCY_BUCKETS];
};

static void read_totals(struct engine *engine, const struct probe *probe, struct totals *totals)
{
	__u32 slot = probe - engine->probes;

	memset(totals, 0, sizeof(*totals));
	totals->dropped = probe->helper_dropped;
	if (bpf_map_lookup_elem(bpf_map__fd(engine->skel->maps.probe_stats), &slot, engine->percpu))
		return;
	for (int cpu = 0; cpu < engine->ncpus; cpu++) {
		const struct probe_stats *s = &engine->percpu[cpu];

		totals->calls += s->calls;
		totals->returns += s->returns;
		totals->dropped += s->dropped;
		totals->sampled_out += s->sampled_out;
		totals->values_uncounted += s->values_uncounted;
		totals->matched += s->matched;
		totals->arg_values_uncounted += s->arg_values_uncounted;
		totals->stacks_uncounted += s->stacks_uncounted;
		totals->arg_buckets_uncounted += s->arg_buckets_uncounted;
		for (int b = 0; b < LATENCY_BUCKETS; b++)
			totals->latency_hist[b] += s->latency_hist[b];
		totals->latency_sum_ns += s->latency_sum_ns;
	}
}

/* ---- return values ---- */

/* value_counts as it is now; returns how many entries were read. */
static size_t read_value_counts(struct engine *engine)
{
	if (!engine->value_keys || !engine->value_counts)
		return 0;
	return map_read_all(bpf_map__fd(engine->skel->maps.value_counts), engine->value_keys, sizeof(*engine->value_keys),
			    engine->value_counts, sizeof(*engine->value_counts), MAX_COUNTED_VALUES);
}

/* Places a value among a field's most frequent ones. */
static void rank_value(struct top_values *top, struct value_count seen)
{
	int at;

	top->seen += seen.count;
	for (at = top->n; at > 0; at--) {
		const struct value_count *above = &top->top[at - 1];

		if (above->count > seen.count || (above->count == seen.count && above->value < seen.value))
			break;
	}
	if (at >= TOP_VALUES)
		return;
	memmove(&top->top[at + 1], &top->top[at], (TOP_VALUES - at - 1) * sizeof(top->top[0]));
	top->top[at] = seen;
	if (top->n < TOP_VALUES)
		top->n++;
}

/* Each counting probe's most frequent return values and argument values, most first. */
static void read_top_values(struct engine *engine)
{
	size_t n = read_value_counts(engine);

	for (int slot = 0; slot < MAX_PROBES; slot++) {
		memset(&engine->probes[slot].top_returns, 0, sizeof(engine->probes[slot].top_returns));
		memset(&engine->probes[slot].top_arg_values, 0, sizeof(engine->probes[slot].top_arg_values));
		memset(engine->probes[slot].arg_buckets, 0, sizeof(engine->probes[slot].arg_buckets));
	}
	for (size_t i = 0; i < n; i++) {
		const struct value_key *key = &engine->value_keys[i];
		int64_t bucket = (int64_t)key->value;
		struct probe *probe;

		if (key->slot >= MAX_PROBES)
			continue;
		probe = &engine->probes[key->slot];
		if (key->field == VALUE_FIELD_ARG_LOG2 && bucket >= -LOG2_BUCKETS && bucket <= LOG2_BUCKETS)
			probe->arg_buckets[bucket + LOG2_BUCKETS] = engine->value_counts[i];
		else if (key->field == VALUE_FIELD_RETURN || key->field == VALUE_FIELD_ARG)
			rank_value(key->field == VALUE_FIELD_RETURN ? &probe->top_returns : &probe->top_arg_values,
				   (struct value_count){ key->value, engine->value_counts[i] });
	}
}

/* A released slot's values go, so that the next probe in it starts from none. */
static void forget_values(struct engine *engine, __u32 slot)
{
	int fd = bpf_map__fd(engine->skel->maps.value_counts);
	size_t n = read_value_counts(engine);
	struct value_set none = { 0 };

	for (size_t i = 0; i < n; i++)
		if (engine->value_keys[i].slot == slot)
			bpf_map_delete_elem(fd, &engine->value_keys[i]);
	for (__u32 field = 0; field < VALUE_FIELDS; field++) {
		__u32 key = slot * VALUE_FIELDS + field;

		bpf_map_update_elem(bpf_map__fd(engine->skel->maps.values_counted), &key, &none, BPF_ANY);
	}
}

/* ---- stacks ---- */

#define TOP_STACKS 20

/* The stack tally, read again; each probe's stacks counted there. */
static void read_stacks(struct engine *engine)
{
	bool counts_stacks[MAX_PROBES];

	if (!engine->stacks)
		return;
	for (int slot = 0; slot < MAX_PROBES; slot++)
		counts_stacks[slot] = engine->probes[slot].used && engine->probes[slot].stacks;
	stack_tally_read(engine->stacks, bpf_map__fd(engine->skel->maps.stack_counts), counts_stacks);
}

/* The calls whose stacks a probe counts: those that meet its condition. */
static uint64_t stacked_calls(const struct probe *probe, const struct totals *totals)
{
	return probe->has_condition ? totals->matched : totals->calls;
}

static json_t *stacks_json(struct engine *engine, struct probe *probe, const struct totals *totals)
{
	__u32 slot = probe - engine->probes;
	json_t *stacks = engine->stacks ? stack_tally_json(engine->stacks, slot, TOP_STACKS) : json_object();

	probe->stacks_seen = json_integer_value(json_object_get(stacks, "counted")) +
			     json_integer_value(json_object_get(stacks, "untallied"));
	json_object_set_new(stacks, "uncounted", json_integer((json_int_t)totals->stacks_uncounted));
	return stacks;
}

static json_t *top_values_json(const struct top_values *top, enum value_type type)
{
	json_t *list = json_array();

	for (int i = 0; i < top->n; i++)
		json_array_append_new(list, json_pack("{s:o, s:I}", "value", record_value_json(type, top->top[i].value),
						      "count", (json_int_t)top->top[i].count));
	return list;
}

/* [{bucket, count}] of the buckets counted, lowest first. */
static json_t *log2_buckets_json(const uint64_t *buckets)
{
	json_t *list = json_array();

	for (int at = 0; at <= 2 * LOG2_BUCKETS; at++)
		if (buckets[at])
			json_array_append_new(list, json_pack("{s:i, s:I}", "bucket", at - LOG2_BUCKETS, "count", (json_int_t)buckets[at]));
	return list;
}

static json_t *stats_to_json(const struct probe *probe, const struct totals *totals)
{
	json_t *hist = json_array();
	int last = LATENCY_BUCKETS - 1;

	while (last >= 0 && !totals->latency_hist[last])
		last--;
	for (int b = 0; b <= last; b++)
		json_array_append_new(hist, json_integer(totals->latency_hist[b]));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:I}", "probe", (json_int_t)probe->id,
			 "calls", (json_int_t)totals->calls, "returns", (json_int_t)totals->returns,
			 "dropped", (json_int_t)totals->dropped, "sampledOut", (json_int_t)totals->sampled_out,
			 "maxRecordsPerSecond", records_per_second_json(probe), "latencyHistogram", hist,
			 "latencySumNs", (json_int_t)totals->latency_sum_ns);
}

static json_t *stats_with_values_json(struct engine *engine, struct probe *probe, const struct totals *totals)
{
	json_t *stats = stats_to_json(probe, totals);

	if (probe->has_condition)
		json_object_set_new(stats, "matched", json_integer((json_int_t)totals->matched));
	if (probe->counts_returns) {
		json_object_set_new(stats, "topReturns", top_values_json(&probe->top_returns, probe->ret_type));
		json_object_set_new(stats, "returnsUncounted", json_integer((json_int_t)totals->values_uncounted));
	}
	if (probe->values_of)
		json_object_set_new(stats, "argValues", json_pack("{s:s, s:o, s:I, s:o, s:I}", "arg", probe->args[probe->values_of - 1].name,
				    "top", top_values_json(&probe->top_arg_values, probe->args[probe->values_of - 1].type),
				    "uncounted", (json_int_t)totals->arg_values_uncounted,
				    "log2", log2_buckets_json(probe->arg_buckets),
				    "log2Uncounted", (json_int_t)totals->arg_buckets_uncounted));
	if (probe->stacks)
		json_object_set_new(stats, "stacks", stacks_json(engine, probe, totals));
	return stats;
}

/* The counters, remembered as sent, with the top values as last read. */
static json_t *sent_stats_json(struct engine *engine, struct probe *probe, const struct totals *totals)
{
	probe->last_sent_calls = totals->calls;
	probe->last_sent_returns = totals->returns;
	probe->last_sent_dropped = totals->dropped;
	probe->last_sent_sampled_out = totals->sampled_out;
	probe->last_sent_values_seen = probe->top_returns.seen;
	return stats_with_values_json(engine, probe, totals);
}

/* One probe's counters and top values, read now. */
static json_t *probe_stats_json(struct engine *engine, struct probe *probe)
{
	struct totals totals;

	read_totals(engine, probe, &totals);
	if (probe->counts_returns || probe->values_of)
		read_top_values(engine);
	if (probe->stacks)
		read_stacks(engine);
	return sent_stats_json(engine, probe, &totals);
}

/* ---- records ---- */

static bool over_event_limit(struct engine *engine)
{
	time_t now = time(NULL);

	if (now != engine->current_second) {
		engine->current_second = now;
		engine->events_this_second = 0;
	}
	return ++engine->events_this_second > engine->events_per_second;
}

#define MAX_PENDING_CALLS 4096

/* The newest pending call of a probe on a thread, or -1. */
static long find_pending(const struct engine *engine, __u32 slot, __u32 tid)
{
	for (size_t i = engine->npending; i-- > 0;)
		if (engine->pending[i].slot == slot && engine->pending[i].tid == tid)
			return (long)i;
	return -1;
}

static void forget_pending(struct engine *engine, size_t at)
{
	free(engine->pending[at].record);
	memmove(&engine->pending[at], &engine->pending[at + 1], (engine->npending - at - 1) * sizeof(engine->pending[0]));
	engine->npending--;
}

/* A probe's pending calls go (detached, released): none of them will be decided. */
static void forget_pending_of(struct engine *engine, __u32 slot)
{
	for (size_t i = engine->npending; i-- > 0;)
		if (engine->pending[i].slot == slot)
			forget_pending(engine, i);
}

/* Keeps a call's record until its return decides whether it met the condition; the oldest
 * goes (counted as dropped) when too many wait. */
static bool hold_pending(struct engine *engine, const struct record_format *format, const struct event *e,
			 const struct event_with_strings *big, const char *stack)
{
	struct record_batch *scratch = &engine->pending_scratch;
	struct pending_call *grown, *call;

	if (engine->npending >= MAX_PENDING_CALLS) {
		engine->probes[engine->pending[0].slot].helper_dropped++;
		forget_pending(engine, 0);
	}
	scratch->len = scratch->count = 0;
	if (!record_batch_append(scratch, format, e, big, stack) ||
	    !(grown = realloc(engine->pending, (engine->npending + 1) * sizeof(*grown))))
		return false;
	engine->pending = grown;
	call = &engine->pending[engine->npending];
	*call = (struct pending_call){ .slot = e->slot, .tid = e->tid, .record = malloc(scratch->len), .len = scratch->len };
	if (!call->record)
		return false;
	memcpy(call->record, scratch->text, scratch->len);
	engine->npending++;
	return true;
}

/* A return of a probe with pending calls: its call's record (the newest pending on its thread,
 * if it was kept) goes first, or with `send` false, goes. */
static bool release_pending(struct engine *engine, const struct event *e, bool send)
{
	long at = find_pending(engine, e->slot, e->tid);
	bool sent;

	if (at < 0)
		return send;
	sent = send && record_batch_append_written(&engine->batch, engine->pending[at].record, engine->pending[at].len);
	forget_pending(engine, at);
	return sent;
}

static int handle_record(void *ctx, void *data, size_t size)
{
	struct engine *engine = ctx;
	const struct event *e = data;
	const struct event_with_strings *big = data;
	struct probe *probe;
	struct record_format format;
	char *stack = NULL;
	bool kept;
	long at;

	if (size < sizeof(*e) || e->slot >= MAX_PROBES)
		return 0;
	probe = &engine->probes[e->slot];
	if (!probe->used || probe->detached)
		return 0;	/* a straggler of a detached probe */
	if (e->type == EVENT_DISCARD) {
		if ((at = find_pending(engine, e->slot, e->tid)) >= 0)
			forget_pending(engine, at);
		return 0;
	}
	format = (struct record_format){ .id = probe->id, .nargs = probe->nargs, .args = probe->args,
					 .capture_ret = probe->capture_ret, .ret_type = probe->ret_type,
					 .ret_struct = &probe->ret_struct };
	if ((e->flags & EVENT_HAS_STACK) && size >= sizeof(*big) && probe->stacks && engine->stacks)
		stack = stack_frames_text(engine->stacks, bpf_map__fd(engine->skel->maps.stack_counts), e->slot, e->pid,
					  big->frames, big->nframes);
	if (!((e->flags & EVENT_HAS_STRINGS) && size >= sizeof(*big)))
		big = NULL;
	if (e->flags & EVENT_PENDING)
		kept = hold_pending(engine, &format, e, big, stack);
	else if (e->type == EVENT_RETURN && probe->pending_calls)
		kept = release_pending(engine, e, !over_event_limit(engine)) && record_batch_append(&engine->batch, &format, e, big, stack);
	else
		kept = !over_event_limit(engine) && record_batch_append(&engine->batch, &format, e, big, stack);
	if (!kept)
		probe->helper_dropped++;
	free(stack);
	/* Stop the ring's consume loop: it would go on as long as the traced program writes. */
	return ++engine->consumed >= BATCH_LIMIT ? BATCH_FULL : 0;
}

static void flush_batch(struct engine *engine)
{
	record_batch_send(&engine->batch);
	if (engine->batch.cap > BATCH_KEEP_BYTES)
		record_batch_free(&engine->batch);
}

/* Reads the ring buffer, BATCH_LIMIT records a round, sending the batch as it fills, until the
 * ring is empty or max_rounds are done. Bounded, so that under a flood requests on stdin are
 * still read between drains (the ring's fd stays readable and brings us back) and the batch
 * never outgrows twice BATCH_LIMIT records. */
static void drain_ring(struct engine *engine, int max_rounds)
{
	for (int round = 0; round < max_rounds; round++) {
		int n;

		engine->consumed = 0;
		n = ring_buffer__consume(engine->ring);
		if (engine->batch.count >= BATCH_LIMIT)
			flush_batch(engine);
		if (n != BATCH_FULL)
			break;
	}
}

/* What the ring holds now (at most RING_BYTES of the smallest records), sent: before an
 * answer that must follow its probe's records. Bounded: other probes may keep writing. */
static void drain_ring_fully(struct engine *engine)
{
	drain_ring(engine, RING_BYTES / (sizeof(struct event) + 8) / BATCH_LIMIT + 1);
	flush_batch(engine);
}

void engine_on_ring_ready(struct engine *engine)
{
	drain_ring(engine, 1);
}

/* Counters that moved since last sent. */
static void send_changed_stats(struct engine *engine)
{
	json_t *changed = json_array();
	bool values_read = false, stacks_read = false;

	for (int slot = 0; slot < MAX_PROBES; slot++) {
		struct probe *probe = &engine->probes[slot];
		struct totals totals;
		bool stacks_behind;

		if (!probe->used || !probe->live)
			continue;
		read_totals(engine, probe, &totals);
		/* Returns made since the values were last read: read them again (one map for all
		 * probes, so once a tick), so that what is sent agrees with the counts. */
		if (!values_read && ((probe->counts_returns && probe->top_returns.seen + totals.values_uncounted < totals.returns) ||
				     (probe->values_of && totals.calls != probe->last_sent_calls))) {
			read_top_values(engine);
			values_read = true;
		}
		/* Likewise the stacks, counted a moment after their calls. */
		stacks_behind = probe->stacks && probe->stacks_seen + totals.stacks_uncounted < stacked_calls(probe, &totals);
		if (!stacks_read && probe->stacks && (totals.calls != probe->last_sent_calls || stacks_behind)) {
			read_stacks(engine);
			stacks_read = true;
		}
		if (totals.calls == probe->last_sent_calls && totals.returns == probe->last_sent_returns &&
		    totals.dropped == probe->last_sent_dropped && totals.sampled_out == probe->last_sent_sampled_out &&
		    probe->top_returns.seen == probe->last_sent_values_seen && !(stacks_read && stacks_behind))
			continue;
		json_array_append_new(changed, sent_stats_json(engine, probe, &totals));
	}
	if (json_array_size(changed))
		rpc_send_notification("probe/stats", json_pack("{s:o}", "probes", changed));
	else
		json_decref(changed);
}

void engine_on_tick(struct engine *engine)
{
	drain_ring(engine, 1);
	flush_batch(engine);
	if (++engine->ticks % STATS_EVERY_TICKS == 0)
		send_changed_stats(engine);
}

/* ---- process filters ---- */

static int follow_processes(struct engine *engine, struct rpc_failure *failure)
{
	int err;

	if (engine->following_processes)
		return 0;
	engine->skel->links.follow_fork = bpf_program__attach(engine->skel->progs.follow_fork);
	engine->skel->links.follow_exec = bpf_program__attach(engine->skel->progs.follow_exec);
	engine->skel->links.forget_exit = bpf_program__attach(engine->skel->progs.forget_exit);
	if (!engine->skel->links.follow_fork || !engine->skel->links.follow_exec ||
	    !engine->skel->links.forget_exit) {
		err = -errno;
		return rpc_fail(failure, RPC_FEATURE_UNAVAILABLE,
				"cannot follow forks and execs on this kernel (sched tp_btf tracepoints): %s",
				strerror(-err));
	}
	engine->following_processes = true;
	return 0;
}

static struct process_filter *acquire_filter(struct engine *engine, const struct filter_request *spec,
					     struct rpc_failure *failure)
{
	struct process_filter wanted = { .pid = spec->pid, .descendants = spec->descendants,
					 .from_exec = spec->from_exec }, *free_filter = NULL;
	int filter_id;

	for (int i = 0; i < MAX_FILTERS; i++) {
		struct process_filter *f = &engine->filters[i];

		if (f->refs && f->pid == wanted.pid && f->descendants == wanted.descendants &&
		    f->from_exec == wanted.from_exec && !f->exited) {
			f->refs++;
			return f;
		}
		if (!f->refs && !free_filter)
			free_filter = f;
	}
	if (!free_filter) {
		rpc_fail(failure, RPC_LIMIT_REACHED, "at most %d different process filters at once", MAX_FILTERS);
		return NULL;
	}
	wanted.pidfd = open_process_as(&engine->who, wanted.pid, failure);
	if (wanted.pidfd < 0)
		return NULL;
	filter_id = free_filter - engine->filters + 1;
	if (wanted.descendants || wanted.from_exec) {
		struct traced_process traced = { 0 };
		__u32 tgid = wanted.pid;
		__u64 bit = 1ULL << (filter_id - 1);
		int map_fd = bpf_map__fd(engine->skel->maps.traced_processes);

		if (follow_processes(engine, failure)) {
			close(wanted.pidfd);
			return NULL;
		}
		bpf_map_lookup_elem(map_fd, &tgid, &traced);
		traced.member_of |= bit;
		if (!wanted.from_exec)
			traced.active_for |= bit;
		if (wanted.descendants)
			engine->skel->bss->descendant_filters |= bit;
		bpf_map_update_elem(map_fd, &tgid, &traced, BPF_ANY);
	}
	wanted.refs = 1;
	*free_filter = wanted;
	if (engine->watch_fd)
		engine->watch_fd(wanted.pidfd, true, engine->watch_ctx);
	return free_filter;
}

static void release_filter(struct engine *engine, struct process_filter *f)
{
	int filter_id = f - engine->filters + 1;
	__u64 bit = 1ULL << (filter_id - 1);

	if (--f->refs)
		return;
	if (f->descendants || f->from_exec) {
		int map_fd = bpf_map__fd(engine->skel->maps.traced_processes);
		__u32 key, next;
		bool first = true;

		/* Clear our bit in every traced process, removing entries left with none. */
		engine->skel->bss->descendant_filters &= ~bit;
		while (!bpf_map_get_next_key(map_fd, first ? NULL : &key, &next)) {
			struct traced_process traced;

			first = false;
			key = next;
			if (bpf_map_lookup_elem(map_fd, &key, &traced))
				continue;
			traced.member_of &= ~bit;
			traced.active_for &= ~bit;
			if (traced.member_of)
				bpf_map_update_elem(map_fd, &key, &traced, BPF_EXIST);
			else
				bpf_map_delete_elem(map_fd, &key);
		}
	}
	if (!f->exited && engine->watch_fd)
		engine->watch_fd(f->pidfd, false, engine->watch_ctx);
	close(f->pidfd);
	memset(f, 0, sizeof(*f));
}

/* ---- attach ---- */

static int free_slot(struct engine *engine)
{
	int live = 0, found = -1;

	for (int slot = 0; slot < MAX_PROBES; slot++) {
		if (engine->probes[slot].used)
			live++;
		else if (found < 0)
			found = slot;
	}
	return live >= MAX_LIVE_PROBES ? -1 : found;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

pid_t probe_perf_pid(const struct probe *probe)
{
	return probe->filter && !probe->filter->descendants ? probe->filter->pid : -1;
}

int attach_failure(int err, const char *what, struct rpc_failure *failure)
{
	if (err == -EPERM || err == -EACCES)
		return rpc_fail(failure, RPC_NO_PRIVILEGE, "the kernel refused %s (%s): the helper needs root, "
				"or CAP_BPF and CAP_PERFMON, and a kernel not in lockdown", what, strerror(-err));
	if (err == -ESRCH)
		return rpc_fail(failure, RPC_NO_SUCH_PROCESS, "the process exited before %s was attached", what);
	return rpc_fail(failure, RPC_ATTACH_FAILED, "the kernel refused %s: %s", what, strerror(-err));
}

static const struct target_ops *target_ops_for(enum target_kind target)
{
	switch (target) {
	case TARGET_USER_FUNCTION: return &user_function_target;
	case TARGET_KERNEL_FUNCTION: return &kernel_function_target;
	case TARGET_TRACEPOINT: return &tracepoint_target;
	case TARGET_SYSCALL: return &syscall_target;
	}
	return NULL;
}

static json_t *attach_result(const struct probe *probe)
{
	json_t *result = json_pack("{s:I, s:s, s:b, s:f}", "probe", (json_int_t)probe->id, "kind", probe->kind,
				   "retprobe", probe->retprobe, "attachMs", probe->attach_ms);

	probe->ops->describe(probe, result);
	return result;
}

static void stop_counting(struct probe *probe)
{
	if (probe->live && probe->group)
		probe->group->live--;
	probe->live = false;
}

static void unlink_probe(struct probe *probe)
{
	bpf_link__destroy(probe->entry_link);
	bpf_link__destroy(probe->return_link);
	probe->entry_link = probe->return_link = NULL;
	stop_counting(probe);
}

static bool group_linked(const struct probe_group *group)
{
	return group && (group->entry_link || group->return_link);
}

static void unlink_group(struct probe_group *group)
{
	bpf_link__destroy(group->entry_link);
	bpf_link__destroy(group->return_link);
	group->entry_link = group->return_link = NULL;
}

static void put_group(struct probe_group *group)
{
	if (--group->members > 0)
		return;
	unlink_group(group);
	if (group->binary_fd >= 0)
		close(group->binary_fd);
	free(group);
}

/* One map write stops entry and return counting together, at once; the links go later. */
static void deactivate_probe(struct engine *engine, struct probe *probe)
{
	int configs = bpf_map__fd(engine->skel->maps.probe_configs);
	__u32 slot = probe - engine->probes;
	struct probe_config cfg;

	if (!bpf_map_lookup_elem(configs, &slot, &cfg)) {
		cfg.active = 0;
		bpf_map_update_elem(configs, &slot, &cfg, BPF_ANY);
	}
	stop_counting(probe);
}

static void release_probe(struct engine *engine, struct probe *probe)
{
	static const struct probe_config disabled;
	__u32 slot = probe - engine->probes;

	unlink_probe(probe);
	bpf_map_update_elem(bpf_map__fd(engine->skel->maps.probe_configs), &slot, &disabled, BPF_ANY);
	if (probe->counts_returns || probe->values_of)
		forget_values(engine, slot);
	forget_pending_of(engine, slot);
	if (probe->stacks && engine->stacks)
		stack_tally_forget(engine->stacks, bpf_map__fd(engine->skel->maps.stack_counts), slot);
	if (probe->ops)
		probe->ops->release(engine, probe);
	if (probe->filter)
		release_filter(engine, probe->filter);
	if (probe->group)
		put_group(probe->group);
	memset(probe, 0, sizeof(*probe));
}

/* Takes a free slot for the request and configures it up to the links: a group's member gets
 * the group's binary; NULL with failure filled. */
static struct probe *prepare_probe(struct engine *engine, const struct attach_request *request,
				   struct probe_group *group, const char *group_binary, struct rpc_failure *failure)
{
	int free = free_slot(engine);
	__u32 slot = free;
	struct probe *probe;
	struct probe_config cfg;

	if (free < 0)
		return rpc_fail(failure, RPC_LIMIT_REACHED, "at most %d probes at once: detach some first",
				MAX_LIVE_PROBES), NULL;
	probe = &engine->probes[slot];
	*probe = (struct probe){ .used = true, .binary_fd = -1, .binary_watch = -1, .ops = target_ops_for(request->target),
				 .retprobe = request->retprobe, .group = group };
	if (group) {
		group->members++;
		snprintf(probe->binary, sizeof(probe->binary), "%s", group_binary);
	}
	cfg = request->cfg;
	if (probe->ops->prepare(engine, probe, request, &cfg, failure) ||
	    (request->has_filter && !(probe->filter = acquire_filter(engine, &request->filter, failure))))
		goto fail;
	if (probe->filter) {
		if (probe->filter->descendants || probe->filter->from_exec)
			cfg.filter_id = probe->filter - engine->filters + 1;
		else
			cfg.filter_tgid = probe->filter->pid;
	}
	{
		struct probe_stats zero[engine->ncpus > 0 ? engine->ncpus : 1];

		memset(zero, 0, sizeof(zero));
		bpf_map_update_elem(bpf_map__fd(engine->skel->maps.probe_stats), &slot, zero, BPF_ANY);
	}
	cfg.active = request->start;
	/* A struct's address or registers are no value to count. */
	cfg.count_returns = probe->capture_ret && !probe->ret_struct.deref ? value_type_bytes(probe->ret_type) : 0;
	cfg.has_return = probe->retprobe;
	probe->counts_returns = cfg.count_returns != 0;
	probe->has_condition = cfg.cond_on != COND_NONE;
	probe->pending_calls = cfg.cond_on == COND_ON_RETURN || cfg.cond_on == COND_ON_LATENCY;
	probe->values_of = cfg.count_arg;
	set_records_per_second(engine, probe, request->records_per_second);
	bpf_map_update_elem(bpf_map__fd(engine->skel->maps.probe_configs), &slot, &cfg, BPF_ANY);
	return probe;
fail:
	release_probe(engine, probe);
	return NULL;
}

static void mark_attached(struct engine *engine, struct probe *probe, double started)
{
	probe->id = engine->next_id++;
	probe->live = true;
	if (probe->group)
		probe->group->live++;
	probe->attach_ms = now_ms() - started;
}

json_t *engine_attach(struct engine *engine, json_t *params, struct rpc_failure *failure)
{
	struct attach_request request;
	struct probe *probe;
	double started = now_ms();

	if (attach_request_parse(params, &request, failure) ||
	    !(probe = prepare_probe(engine, &request, NULL, NULL, failure)))
		return NULL;
	if (probe->ops->attach(engine, probe, probe - engine->probes, failure)) {
		release_probe(engine, probe);
		return NULL;
	}
	mark_attached(engine, probe, started);
	return attach_result(probe);
}

/* One function of a probe/attachFunctions request as a probe/attach request: the shared
 * fields with the function's own; validated by the same parser. */
static json_t *function_request(json_t *params, json_t *function, struct rpc_failure *failure)
{
	static const char *const function_fields[] = { "symbol", "offset", "capture", "condition", "valuesOf", "stacks", NULL };
	json_t *request;

	if (!json_is_object(function))
		return rpc_fail(failure, RPC_BAD_PARAMS, "each of 'functions' is {\"symbol\"} or {\"offset\"}, "
				"with an optional \"capture\""), NULL;
	if (params_only(function, "a function", function_fields, failure))
		return NULL;
	request = json_copy(params);
	json_object_del(request, "functions");
	json_object_update(request, function);
	return request;
}

static json_t *failed_function(size_t index, json_t *function, const struct rpc_failure *why)
{
	json_t *entry = json_pack("{s:I, s:s, s:o}", "index", (json_int_t)index, "code", rpc_error_name(why->error),
				  "message", json_text(why->message));

	/* Named as the client named it; nothing else of what it sent is echoed. */
	if (json_is_string(json_object_get(function, "symbol")))
		json_object_set_new(entry, "symbol", json_text(json_string_value(json_object_get(function, "symbol"))));
	if (json_is_integer(json_object_get(function, "offset")))
		json_object_set(entry, "offset", json_object_get(function, "offset"));
	return entry;
}

/* probe/attachFunctions {binary, functions: [{symbol|offset, capture?, condition?, valuesOf?, stacks?}], filter, retprobe, start,
 * maxRecordsPerSecond}: a probe per function, attached together (one uprobe_multi link each
 * for entries and returns where the kernel has them). A function that cannot be probed is
 * listed under "failed" with why; the request fails only when none can be, or the kernel
 * refuses the links. */
json_t *engine_attach_functions(struct engine *engine, json_t *params, struct rpc_failure *failure)
{
	static const char *const fields[] = { "binary", "functions", "filter", "retprobe", "maxRecordsPerSecond",
					      "start", NULL };
	double started = now_ms();
	const char *binary = NULL;
	json_t *functions = NULL, *function, *probes, *failed;
	struct probe_group *group;
	struct probe **members;
	struct rpc_failure first_failure = { 0 };
	char canonical[PATH_MAX];
	size_t index;
	int count = 0;

	if (!json_is_object(params))
		return rpc_fail(failure, RPC_BAD_PARAMS, "probe/attachFunctions takes an object"), NULL;
	if (params_only(params, "probe/attachFunctions", fields, failure) ||
	    params_string(params, "binary", PATH_MAX - 1, &binary, failure) < 0 ||
	    params_array(params, "functions", MAX_LIVE_PROBES, &functions, failure) < 0)
		return NULL;
	if (!binary || !functions || !json_array_size(functions))
		return rpc_fail(failure, RPC_BAD_PARAMS, "probe/attachFunctions needs 'binary' and 'functions', "
				"a list of 1 to %d functions", MAX_LIVE_PROBES), NULL;
	if (!engine->capabilities.uprobe.available)
		return rpc_fail(failure, RPC_FEATURE_UNAVAILABLE, "uprobes: %s", engine->capabilities.uprobe.reason), NULL;
	group = calloc(1, sizeof(*group));
	members = calloc(json_array_size(functions), sizeof(*members));
	if (!group || !members) {
		free(group);
		free(members);
		return rpc_fail(failure, RPC_ATTACH_FAILED, "out of memory"), NULL;
	}
	group->binary_fd = open_binary_as(&engine->who, binary, canonical, sizeof(canonical), failure);
	if (group->binary_fd < 0) {
		free(group);
		free(members);
		return NULL;
	}
	group->members = 1;	/* held by this request until its members are attached */
	failed = json_array();
	json_array_foreach(functions, index, function) {
		struct rpc_failure why = { 0 };
		struct attach_request request;
		json_t *one = function_request(params, function, &why);

		if (one && !attach_request_parse(one, &request, &why) &&
		    (members[count] = prepare_probe(engine, &request, group, canonical, &why)))
			count++;
		else if (why.error == RPC_LIMIT_REACHED || why.error == RPC_PERMISSION_DENIED ||
			 why.error == RPC_NO_SUCH_PROCESS || why.error == RPC_FEATURE_UNAVAILABLE) {
			*failure = why;	/* the same for every function */
			json_decref(one);
			goto fail;
		} else {
			if (!first_failure.message[0])
				first_failure = why;
			json_array_append_new(failed, failed_function(index, function, &why));
		}
		json_decref(one);
	}
	if (!count) {
		*failure = first_failure;
		goto fail;
	}
	if (attach_user_group(engine, group, members, count, failure))
		goto fail;
	probes = json_array();
	for (int i = 0; i < count; i++) {
		mark_attached(engine, members[i], started);
		json_array_append_new(probes, attach_result(members[i]));
	}
	free(members);
	put_group(group);
	return json_pack("{s:o, s:o, s:s, s:o, s:f}", "probes", probes, "failed", failed,
			 "links", engine->uprobe_multi.available ? "uprobe_multi" : "per-function",
			 "linksReason", engine->uprobe_multi.available ? json_null() : json_string(engine->uprobe_multi.reason),
			 "attachMs", now_ms() - started);
fail:
	for (int i = 0; i < count; i++)
		release_probe(engine, members[i]);
	free(members);
	json_decref(failed);
	put_group(group);
	return NULL;
}

/* The probe a request names by its "probe" id; `fields` are all the request may have. */
static struct probe *find_probe(struct engine *engine, json_t *params, const char *const *fields,
				struct rpc_failure *failure)
{
	int64_t id = -1;

	if (!json_is_object(params) || params_only(params, "the request", fields, failure) ||
	    params_integer(params, "probe", 1, UINT32_MAX, &id, failure) < 0)
		return NULL;
	if (id < 0) {
		rpc_fail(failure, RPC_BAD_PARAMS, "a 'probe' id is needed");
		return NULL;
	}
	for (int slot = 0; slot < MAX_PROBES; slot++)
		if (engine->probes[slot].used && !engine->probes[slot].detached && engine->probes[slot].id == id)
			return &engine->probes[slot];
	rpc_fail(failure, RPC_PROBE_NOT_FOUND, "no probe %lld (it may have been detached already)", (long long)id);
	return NULL;
}

static const char *const probe_only[] = { "probe", NULL };

json_t *engine_detach(struct engine *engine, json_t *params, struct rpc_failure *failure)
{
	struct probe *probe = find_probe(engine, params, probe_only, failure);
	json_t *stats;

	if (!probe)
		return NULL;
	/* Counting stops first; then every record already written goes out before the answer,
	 * and the final counters are read last. */
	deactivate_probe(engine, probe);
	drain_ring_fully(engine);
	stats = probe_stats_json(engine, probe);
	probe->detached = true;
	return stats;
}

/* The probes a probe/start or probe/stop names: 0 when every one was found. */
static int probes_named(struct engine *engine, json_t *params, const char *method, struct probe **found,
			size_t *count, struct rpc_failure *failure)
{
	static const char *const fields[] = { "probes", NULL };
	json_t *ids = NULL, *id;
	size_t index;

	if (!json_is_object(params))
		return rpc_fail(failure, RPC_BAD_PARAMS, "%s takes {\"probes\": [ids]}", method);
	if (params_only(params, method, fields, failure) || params_array(params, "probes", MAX_PROBES, &ids, failure) < 0)
		return -1;
	if (!ids)
		return rpc_fail(failure, RPC_BAD_PARAMS, "%s needs 'probes', a list of probe ids", method);
	json_array_foreach(ids, index, id) {
		json_t *one = json_pack("{s:O}", "probe", id);

		found[index] = find_probe(engine, one, probe_only, failure);
		json_decref(one);
		if (!found[index])
			return -1;
	}
	*count = json_array_size(ids);
	return 0;
}

/* probe/start {probes}: probes attached with "start": false count from now on, all in one go
 * (a few map writes apart), so that their counts cover the same moments. */
json_t *engine_start(struct engine *engine, json_t *params, struct rpc_failure *failure)
{
	int configs = bpf_map__fd(engine->skel->maps.probe_configs);
	struct probe *found[MAX_PROBES];
	size_t count;

	if (probes_named(engine, params, "probe/start", found, &count, failure))
		return NULL;
	for (size_t i = 0; i < count; i++) {
		__u32 slot = found[i] - engine->probes;
		struct probe_config cfg;

		if (found[i]->live && !bpf_map_lookup_elem(configs, &slot, &cfg)) {
			cfg.active = 1;
			bpf_map_update_elem(configs, &slot, &cfg, BPF_ANY);
		}
	}
	return json_pack("{s:O}", "probes", json_object_get(params, "probes"));
}

/* probe/stop {probes}: they all stop counting now; probe/detach then gives each its final
 * counters, over the same moments. */
json_t *engine_stop(struct engine *engine, json_t *params, struct rpc_failure *failure)
{
	struct probe *found[MAX_PROBES];
	size_t count;

	if (probes_named(engine, params, "probe/stop", found, &count, failure))
		return NULL;
	for (size_t i = 0; i < count; i++)
		deactivate_probe(engine, found[i]);
	return json_pack("{s:O}", "probes", json_object_get(params, "probes"));
}

/* probe/detachMany {probes}: probe/detach for each, as one: they stop counting together, and
 * their links (one pair, for a group) go in one teardown. */
json_t *engine_detach_many(struct engine *engine, json_t *params, struct rpc_failure *failure)
{
	struct probe *found[MAX_PROBES];
	json_t *all = json_array();
	bool any_values = false, any_stacks = false;
	size_t count;

	if (probes_named(engine, params, "probe/detachMany", found, &count, failure)) {
		json_decref(all);
		return NULL;
	}
	for (size_t i = 0; i < count; i++) {
		deactivate_probe(engine, found[i]);
		any_values |= found[i]->counts_returns || found[i]->values_of;
		any_stacks |= found[i]->stacks;
	}
	drain_ring_fully(engine);
	if (any_values)
		read_top_values(engine);
	if (any_stacks)
		read_stacks(engine);
	for (size_t i = 0; i < count; i++) {
		struct totals totals;

		read_totals(engine, found[i], &totals);
		json_array_append_new(all, sent_stats_json(engine, found[i], &totals));
		found[i]->detached = true;
	}
	return json_pack("{s:o}", "probes", all);
}

/* probe/subscribe: records from now on, all or at most maxRecordsPerSecond calls, sampled evenly. */
json_t *engine_subscribe(struct engine *engine, json_t *params, struct rpc_failure *failure)
{
	static const char *const fields[] = { "probe", "maxRecordsPerSecond", NULL };
	struct probe *probe = find_probe(engine, params, fields, failure);
	int64_t rate = RECORDS_ALL;

	if (!probe || params_integer(params, "maxRecordsPerSecond", 1, MAX_EVENTS_PER_SECOND, &rate, failure) < 0)
		return NULL;
	set_records_per_second(engine, probe, rate);
	return json_pack("{s:I, s:o}", "probe", (json_int_t)probe->id, "maxRecordsPerSecond", records_per_second_json(probe));
}

/* probe/unsubscribe: counters only; the records already written still come. */
json_t *engine_unsubscribe(struct engine *engine, json_t *params, struct rpc_failure *failure)
{
	struct probe *probe = find_probe(engine, params, probe_only, failure);

	if (!probe)
		return NULL;
	set_records_per_second(engine, probe, 0);
	return json_pack("{s:I, s:o}", "probe", (json_int_t)probe->id, "maxRecordsPerSecond", records_per_second_json(probe));
}

static size_t take_link_pair(struct bpf_link **entry, struct bpf_link **ret, struct bpf_link **out)
{
	size_t count = 0;

	if (*entry)
		out[count++] = *entry;
	if (*ret)
		out[count++] = *ret;
	*entry = *ret = NULL;
	return count;
}

/* The links of probes that stopped counting (every probe's, with `all`), taken off them. */
static size_t take_links(struct engine *engine, bool all, struct bpf_link **links)
{
	size_t count = 0;

	for (int slot = 0; slot < MAX_PROBES; slot++) {
		struct probe *probe = &engine->probes[slot];
		struct probe_group *group = probe->group;

		if (!probe->used || (probe->live && !all))
			continue;
		stop_counting(probe);
		count += take_link_pair(&probe->entry_link, &probe->return_link, links + count);
		if (group && !group->live)
			count += take_link_pair(&group->entry_link, &group->return_link, links + count);
	}
	return count;
}

struct teardown {
	struct bpf_link **links;
	size_t count, next;
};

static void *teardown_worker(void *arg)
{
	struct teardown *work = arg;

	for (size_t i; (i = __atomic_fetch_add(&work->next, 1, __ATOMIC_RELAXED)) < work->count;)
		bpf_link__destroy(work->links[i]);
	return NULL;
}

/* Each perf-event link's teardown waits out kernel grace periods (~0.17 s a link on 6.18):
 * side by side, the waits are shared, so hundreds of per-function links go in seconds, not
 * minutes. A uprobe_multi link is one teardown for all its functions. */
static void destroy_links(struct bpf_link **links, size_t count)
{
	struct teardown work = { .links = links, .count = count };
	pthread_t threads[TEARDOWN_THREADS];
	int started = 0;

	while (started < TEARDOWN_THREADS && (size_t)started * 2 < count &&
	       !pthread_create(&threads[started], NULL, teardown_worker, &work))
		started++;
	teardown_worker(&work);
	while (started > 0)
		pthread_join(threads[--started], NULL);
}

static void collect(struct engine *engine, bool all)
{
	static struct bpf_link *links[4 * MAX_PROBES];

	destroy_links(links, take_links(engine, all, links));
	for (int slot = 0; slot < MAX_PROBES; slot++) {
		struct probe *probe = &engine->probes[slot];

		/* A slot is its cookie in a group's links: it is free only once they are gone. */
		if (probe->used && (all || (probe->detached && !group_linked(probe->group))))
			release_probe(engine, probe);
	}
}

void engine_collect(struct engine *engine)
{
	collect(engine, false);
}

/* Stops a probe for good and tells the client why; its counters stay for probe/detach. */
static void end_probe(struct engine *engine, struct probe *probe, const char *reason, const char *message)
{
	deactivate_probe(engine, probe);
	rpc_send_notification("probe/ended", json_pack("{s:I, s:s, s:s, s:o}",
			      "probe", (json_int_t)probe->id, "reason", reason,
			      "message", message, "stats", probe_stats_json(engine, probe)));
}

void engine_on_process_exit(struct engine *engine, int pidfd)
{
	struct process_filter *f = NULL;

	for (int i = 0; i < MAX_FILTERS && !f; i++)
		if (engine->filters[i].refs && engine->filters[i].pidfd == pidfd)
			f = &engine->filters[i];
	if (!f)
		return;
	f->exited = true;
	if (engine->watch_fd)
		engine->watch_fd(pidfd, false, engine->watch_ctx);
	drain_ring_fully(engine);
	for (int slot = 0; slot < MAX_PROBES; slot++) {
		struct probe *probe = &engine->probes[slot];
		char message[128];

		if (!probe->used || probe->filter != f || !probe->live)
			continue;
		snprintf(message, sizeof(message), "process %d exited", f->pid);
		end_probe(engine, probe, "process-exited", message);
	}
}

void engine_on_inotify(struct engine *engine)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;

	while ((len = read(engine->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len; p += sizeof(struct inotify_event) + ((struct inotify_event *)p)->len) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			for (int slot = 0; slot < MAX_PROBES; slot++) {
				struct probe *probe = &engine->probes[slot];
				struct stat st;
				char message[PATH_MAX + 128];

				if (!probe->used || !probe->live || probe->binary_watch != ev->wd)
					continue;
				/* chmod or touch also raise IN_ATTRIB: only a lost last link means replaced. */
				if (!(ev->mask & IN_MODIFY) && fstat(probe->binary_fd, &st) == 0 && st.st_nlink > 0)
					continue;
				snprintf(message, sizeof(message), "%s was %s: attach again to probe the new build",
					 probe->binary, ev->mask & IN_MODIFY ? "rewritten" : "replaced or deleted");
				drain_ring_fully(engine);
				end_probe(engine, probe, "binary-replaced", message);
			}
		}
	}
}

json_t *engine_list(struct engine *engine, json_t *params, struct rpc_failure *failure)
{
	static const char *const no_fields[] = { NULL };
	json_t *list = json_array();

	if (params && !json_is_null(params) &&
	    (!json_is_object(params) || params_only(params, "probe/list", no_fields, failure))) {
		json_decref(list);
		if (!json_is_object(params))
			rpc_fail(failure, RPC_BAD_PARAMS, "probe/list takes no parameters");
		return NULL;
	}
	for (int slot = 0; slot < MAX_PROBES; slot++) {
		struct probe *probe = &engine->probes[slot];
		json_t *info;

		if (!probe->used || probe->detached)
			continue;
		info = attach_result(probe);
		json_object_set_new(info, "state", json_string(probe->live ? "live" : "ended"));
		json_object_set_new(info, "filter", probe->filter
				    ? json_pack("{s:i, s:b, s:b}", "pid", probe->filter->pid,
						"descendants", probe->filter->descendants,
						"fromExec", probe->filter->from_exec)
				    : json_null());
		json_object_set_new(info, "stats", probe_stats_json(engine, probe));
		json_array_append_new(list, info);
	}
	return json_pack("{s:o}", "probes", list);
}
