/* probe-lens-helper: the privileged side of Probe Lens. It speaks JSON-RPC on stdio (see
 * extension/core/protocol.ts), loads only the BPF programs built into it, and attaches them
 * where a validated request says. Everything is detached when the client goes away: stdin
 * closing, our parent dying, or a signal. Nothing but protocol goes to stdout. */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <bpf/libbpf.h>
#include "access.h"
#include "capabilities.h"
#include "entry_costs.h"
#include "kernel_baseline.h"
#include "kernel_catalog.h"
#include "params.h"
#include "probe.h"
#include "probes.h"
#include "rpc.h"
#include "sessions.h"

#define HELPER_VERSION "0.1.0"
#define PROTOCOL_VERSION 4
#define TICK_MS 50

enum source { SOURCE_STDIN, SOURCE_RING, SOURCE_TIMER, SOURCE_SIGNAL, SOURCE_PIDFD, SOURCE_INOTIFY };

struct helper {
	int epoll_fd;
	struct requester who;
	struct engine *engine;
	struct rpc_failure engine_failure;	/* why there is no engine */
	struct capability_report capabilities;
	pthread_t measuring;		/* measures capabilities while the engine loads */
	bool measuring_started;
	bool initialized, shutting_down, done;
	int exit_code;
	long events_per_second;
};

static bool debug_logging;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG || (!debug_logging && level == LIBBPF_INFO))
		return 0;
	if (!debug_logging && level == LIBBPF_WARN)
		return 0;	/* try-loads fail on purpose; their reasons reach the client */
	fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, args);
}

static void epoll_watch(struct helper *helper, int fd, enum source source, bool watch)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = ((__u64)source << 32) | (__u32)fd };

	epoll_ctl(helper->epoll_fd, watch ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev);
}

static void watch_pidfd(int fd, bool watch, void *ctx)
{
	epoll_watch(ctx, fd, SOURCE_PIDFD, watch);
}

static json_t *limits_json(const struct helper *helper)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:I}", "maxProbes", MAX_LIVE_PROBES, "maxSessionsPerUser",
			 MAX_SESSIONS_PER_USER, "maxArgs", MAX_ARGS,
			 "maxStringLength", MAX_STRING, "maxEventsPerSecond", (json_int_t)helper->events_per_second);
}

static void *measure_capabilities(void *report)
{
	capabilities_measure(report);
	return NULL;
}

static json_t *handle_initialize(struct helper *helper, json_t *params, struct rpc_failure *failure)
{
	json_t *options = NULL, *result;
	int64_t rate = DEFAULT_EVENTS_PER_SECOND;

	if (helper->initialized)
		return rpc_fail(failure, RPC_INVALID_REQUEST, "initialize was already called"), NULL;
	if (!json_is_object(params))
		return rpc_fail(failure, RPC_BAD_PARAMS, "initialize takes an object"), NULL;
	/* LSP fields a LanguageClient adds are accepted; only ours are checked. */
	if (params_object(params, "initializationOptions", &options, failure) < 0 ||
	    (options && params_integer(options, "maxEventsPerSecond", 1, MAX_EVENTS_PER_SECOND, &rate, failure) < 0))
		return NULL;
	helper->events_per_second = rate;
	if (helper->measuring_started)
		pthread_join(helper->measuring, NULL);
	else
		capabilities_measure(&helper->capabilities);
	helper->measuring_started = false;
	if (!helper->capabilities.privileged) {
		engine_free(helper->engine);
		helper->engine = NULL;
		rpc_fail(&helper->engine_failure, RPC_NO_PRIVILEGE,
			 "the helper is not privileged (uid %u, no CAP_BPF/CAP_PERFMON): run it as root, "
			 "through sudo or pkexec, or install it with file capabilities "
			 "(setcap cap_bpf,cap_perfmon+ep probe-lens-helper)", (unsigned)geteuid());
	} else if (helper->engine) {
		engine_set_capabilities(helper->engine, &helper->capabilities);
		engine_set_event_limit(helper->engine, rate);
		engine_set_fd_watcher(helper->engine, watch_pidfd, helper);
		epoll_watch(helper, engine_ring_fd(helper->engine), SOURCE_RING, true);
		epoll_watch(helper, engine_inotify_fd(helper->engine), SOURCE_INOTIFY, true);
	} else {
		capabilities_withdraw(&helper->capabilities, helper->engine_failure.message);
	}
	helper->initialized = true;
	result = json_pack("{s:{}, s:{s:s, s:s}, s:i, s:o, s:o, s:{s:o}, s:b, s:{s:b, s:s}, s:o}",
			   "capabilities", "serverInfo", "name", "probe-lens-helper", "version", HELPER_VERSION,
			   "protocolVersion", PROTOCOL_VERSION,
			   "probeKinds", capabilities_to_json(&helper->capabilities),
			   "mechanisms", capabilities_mechanisms_json(&helper->capabilities),
			   "requestingUser", "uid", helper->who.uid == (uid_t)-1 ? json_null() : json_integer(helper->who.uid),
			   "privileged", helper->capabilities.privileged,
			   "tracefs", "mounted", helper->capabilities.tracefs_mounted, "path", TRACEFS_PATH,
			   "limits", limits_json(helper));
	return result;
}

/* Every probe/ request needs an initialized helper with a working engine. */
static bool ready_for_probes(struct helper *helper, struct rpc_failure *failure)
{
	if (!helper->initialized)
		return rpc_fail(failure, RPC_NOT_INITIALIZED, "send initialize first"), false;
	if (helper->shutting_down)
		return rpc_fail(failure, RPC_INVALID_REQUEST, "the helper is shutting down"), false;
	if (!helper->engine) {
		*failure = helper->engine_failure;
		return false;
	}
	return true;
}

static json_t *handle_request(struct helper *helper, const char *method, json_t *params,
			      struct rpc_failure *failure)
{
	if (!strcmp(method, "initialize"))
		return handle_initialize(helper, params, failure);
	if (!strcmp(method, "shutdown")) {
		helper->shutting_down = true;
		engine_free(helper->engine);
		helper->engine = NULL;
		rpc_fail(&helper->engine_failure, RPC_INVALID_REQUEST, "the helper is shutting down");
		return json_null();
	}
	if (!strcmp(method, "probe/attach"))
		return ready_for_probes(helper, failure) ? engine_attach(helper->engine, params, failure) : NULL;
	if (!strcmp(method, "probe/attachFunctions"))
		return ready_for_probes(helper, failure) ? engine_attach_functions(helper->engine, params, failure) : NULL;
	if (!strcmp(method, "probe/detach"))
		return ready_for_probes(helper, failure) ? engine_detach(helper->engine, params, failure) : NULL;
	if (!strcmp(method, "probe/detachMany"))
		return ready_for_probes(helper, failure) ? engine_detach_many(helper->engine, params, failure) : NULL;
	if (!strcmp(method, "probe/kernelCatalog"))
		return ready_for_probes(helper, failure) && !check_kernel_probes_allowed(&helper->who, failure)
		       ? kernel_catalog(&helper->capabilities, params, failure) : NULL;
	if (!strcmp(method, "probe/entryCosts"))
		return ready_for_probes(helper, failure) ? entry_costs_measure(&helper->capabilities, params, failure) : NULL;
	if (!strcmp(method, "probe/start"))
		return ready_for_probes(helper, failure) ? engine_start(helper->engine, params, failure) : NULL;
	if (!strcmp(method, "probe/stop"))
		return ready_for_probes(helper, failure) ? engine_stop(helper->engine, params, failure) : NULL;
	if (!strcmp(method, "probe/subscribe"))
		return ready_for_probes(helper, failure) ? engine_subscribe(helper->engine, params, failure) : NULL;
	if (!strcmp(method, "probe/unsubscribe"))
		return ready_for_probes(helper, failure) ? engine_unsubscribe(helper->engine, params, failure) : NULL;
	if (!strcmp(method, "probe/list"))
		return ready_for_probes(helper, failure) ? engine_list(helper->engine, params, failure) : NULL;
	rpc_fail(failure, RPC_METHOD_NOT_FOUND, "unknown method '%s'", method);
	return NULL;
}

static void handle_notification(struct helper *helper, const char *method)
{
	if (!strcmp(method, "exit")) {
		helper->done = true;
		helper->exit_code = helper->shutting_down ? 0 : 1;
	}
	/* initialized, $/setTrace, $/cancelRequest and other notifications need no answer. */
}

static void on_message(json_t *id, const char *method, json_t *params, void *ctx)
{
	struct helper *helper = ctx;
	struct rpc_failure failure = { 0 };
	json_t *result;

	if (!id) {
		handle_notification(helper, method);
		return;
	}
	result = handle_request(helper, method, params, &failure);
	if (result)
		rpc_send_result(json_incref(id), result);
	else
		rpc_send_error(json_incref(id), failure.error, failure.message);
}

static int setup_signals(void)
{
	sigset_t mask;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* Our client dying must detach everything, even if it never closes our stdin. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		return -1;
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

int main(int argc, char **argv)
{
	struct helper helper = { .exit_code = 1, .events_per_second = DEFAULT_EVENTS_PER_SECOND,
				 .who = { .uid = (uid_t)-1, .gid = (gid_t)-1 } };
	struct itimerspec tick = { .it_interval = { 0, TICK_MS * 1000000L }, .it_value = { 0, TICK_MS * 1000000L } };
	struct rpc_reader *reader;
	int signal_fd, timer_fd;

	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("probe-lens-helper %s (protocol %d)\n", HELPER_VERSION, PROTOCOL_VERSION);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: %s  (speaks JSON-RPC on stdin/stdout; started by Probe Lens)\n", argv[0]);
		return 2;
	}
	debug_logging = getenv("PROBE_LENS_HELPER_DEBUG") != NULL;
	libbpf_set_print(print_libbpf);
	/* Both take tens of milliseconds (kernel BTF is parsed for each): do them side by side,
	 * before the client's initialize arrives, so the first probe attaches sooner. */
	helper.measuring_started = !pthread_create(&helper.measuring, NULL, measure_capabilities, &helper.capabilities);
	if (requester_identify(&helper.who, &helper.engine_failure) == 0 &&
	    session_claim(&helper.who, &helper.engine_failure) == 0) {
		helper.engine = engine_new(&helper.who, &helper.engine_failure);
		/* A kernel too old for our programs is said as such, not as the verifier's refusal. */
		if (!helper.engine && helper.engine_failure.error == RPC_FEATURE_UNAVAILABLE)
			kernel_baseline_check(&helper.engine_failure);
	} else {
		fprintf(stderr, "probe-lens-helper: %s\n", helper.engine_failure.message);
	}

	signal_fd = setup_signals();
	if (signal_fd < 0) {
		fprintf(stderr, "probe-lens-helper: parent already gone, exiting\n");
		return 1;
	}
	helper.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	reader = rpc_reader_new(STDIN_FILENO, on_message, &helper);
	if (helper.epoll_fd < 0 || timer_fd < 0 || !reader || timerfd_settime(timer_fd, 0, &tick, NULL)) {
		fprintf(stderr, "probe-lens-helper: cannot set up: %s\n", strerror(errno));
		return 1;
	}
	epoll_watch(&helper, STDIN_FILENO, SOURCE_STDIN, true);
	epoll_watch(&helper, timer_fd, SOURCE_TIMER, true);
	epoll_watch(&helper, signal_fd, SOURCE_SIGNAL, true);

	while (!helper.done) {
		struct epoll_event events[16];
		int n = epoll_wait(helper.epoll_fd, events, 16, -1);

		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n && !helper.done; i++) {
			int fd = (__u32)events[i].data.u64;
			uint64_t expirations;

			switch ((enum source)(events[i].data.u64 >> 32)) {
			case SOURCE_STDIN:
				if (rpc_reader_pump(reader) < 0)
					helper.done = true;	/* client gone: detach everything */
				break;
			case SOURCE_RING:
				if (helper.engine)	/* shutdown may have freed it earlier in this batch */
					engine_on_ring_ready(helper.engine);
				break;
			case SOURCE_TIMER:
				if (read(timer_fd, &expirations, sizeof(expirations)) > 0 && helper.engine)
					engine_on_tick(helper.engine);
				break;
			case SOURCE_SIGNAL:
				helper.done = true;
				break;
			case SOURCE_INOTIFY:
				if (helper.engine)
					engine_on_inotify(helper.engine);
				break;
			case SOURCE_PIDFD:
				if (helper.engine)
					engine_on_process_exit(helper.engine, fd);
				break;
			}
		}
		if (helper.engine)
			engine_collect(helper.engine);
	}
	if (helper.measuring_started)
		pthread_join(helper.measuring, NULL);
	engine_free(helper.engine);
	rpc_reader_free(reader);
	return helper.exit_code;
}
