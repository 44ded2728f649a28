/* The probe table: attach, detach, list, and the flow of records and counters to the client. */
#ifndef PROBE_LENS_PROBES_H
#define PROBE_LENS_PROBES_H

#include <stdbool.h>
#include <jansson.h>
#include "access.h"
#include "capabilities.h"
#include "rpc.h"

#define MAX_LIVE_PROBES 1000
#define DEFAULT_EVENTS_PER_SECOND 1000000
#define MAX_EVENTS_PER_SECOND 5000000

struct engine;

/* Loads the BPF programs; fails with the reason when the kernel or our privileges say no. */
struct engine *engine_new(const struct requester *who, struct rpc_failure *failure);
/* What the kernel allows, measured while the engine loaded; needed before the first attach. */
void engine_set_capabilities(struct engine *engine, const struct capability_report *capabilities);
void engine_free(struct engine *engine);

void engine_set_event_limit(struct engine *engine, long events_per_second);

/* File descriptors the main loop polls, and what to call when they are ready. */
int engine_ring_fd(const struct engine *engine);
void engine_on_ring_ready(struct engine *engine);
int engine_inotify_fd(const struct engine *engine);
void engine_on_inotify(struct engine *engine);
/* Called every ~50 ms: sends batched records, and counters when they changed. */
void engine_on_tick(struct engine *engine);
/* A pidfd the engine registered through its watch callback became readable. */
void engine_on_process_exit(struct engine *engine, int pidfd);

/* Tears down links of probes that stopped: slow in the kernel (RCU grace periods), so it
 * runs after the answers and notifications that the stop produced have been sent. */
void engine_collect(struct engine *engine);

/* The main loop's side of pidfd watching. */
typedef void (*watch_fd_fn)(int fd, bool watch, void *ctx);
void engine_set_fd_watcher(struct engine *engine, watch_fd_fn watcher, void *ctx);

/* Request handlers: return a result or NULL with failure filled. */
json_t *engine_attach(struct engine *engine, json_t *params, struct rpc_failure *failure);
json_t *engine_attach_functions(struct engine *engine, json_t *params, struct rpc_failure *failure);
json_t *engine_detach(struct engine *engine, json_t *params, struct rpc_failure *failure);
json_t *engine_detach_many(struct engine *engine, json_t *params, struct rpc_failure *failure);
json_t *engine_list(struct engine *engine, json_t *params, struct rpc_failure *failure);
json_t *engine_start(struct engine *engine, json_t *params, struct rpc_failure *failure);
json_t *engine_stop(struct engine *engine, json_t *params, struct rpc_failure *failure);
json_t *engine_subscribe(struct engine *engine, json_t *params, struct rpc_failure *failure);
json_t *engine_unsubscribe(struct engine *engine, json_t *params, struct rpc_failure *failure);

#endif
