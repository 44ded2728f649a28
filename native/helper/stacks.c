/* The stack tally (stacks.h). A stack is kept by where its frames are in files, not by their
 * addresses: those differ in every run of a position-independent program. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include "map_read.h"
#include "stacks.h"

#define MAX_TALLIED 65536	/* distinct stacks kept; past it, calls are counted in `untallied` */
#define MAX_CALLERS 64		/* callers listed per probe */
#define FRAMES_TEXT (MAX_STACK_FRAMES * 48)
#define MAX_BINARY_DIRS 16

/* The kernel's device numbers (MKDEV: 12 bits major, 20 minor), as frame_file has them. */
#define KERNEL_DEV(major, minor) (((uint32_t)(major) << 20) | (uint32_t)(minor))

struct file_name {
	uint64_t inode;
	uint32_t dev;
	char *path;	/* "" when it was looked for and not found */
};

/* Where the loader finds shared libraries (Debian and Ubuntu, Fedora and the like). */
static const char *const library_dirs[] = { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64",
					    "/lib64", "/usr/local/lib", "/usr/lib", "/lib" };

struct tallied_stack {
	__u32 slot;
	int nframes;
	struct frame_file frames[MAX_STACK_FRAMES];
	uint64_t folded;	/* from ended processes, whose entries left the map */
	uint64_t live;		/* in the map at the last read */
};

struct stack_tally {
	struct file_name *names;
	size_t nnames;
	bool own_maps_read;	/* the helper's own (the C library, the loader) */
	char *binary_dirs[MAX_BINARY_DIRS];	/* of the probed binaries: private libraries sit beside them */
	size_t nbinary_dirs;
	struct tallied_stack *stacks;
	size_t nstacks, capacity;
	json_t *by_frames;	/* slot and frames as text -> index in stacks */
	uint64_t untallied[MAX_PROBES];		/* of ended processes */
	uint64_t untallied_live[MAX_PROBES];	/* of live ones, at the last read */
	struct stack_key *keys;			/* scratch for map reads */
	struct stack_count *counts;
};

struct stack_tally *stack_tally_new(void)
{
	struct stack_tally *tally = calloc(1, sizeof(*tally));

	if (!tally)
		return NULL;
	tally->by_frames = json_object();
	tally->keys = calloc(MAX_COUNTED_STACKS, sizeof(*tally->keys));
	tally->counts = calloc(MAX_COUNTED_STACKS, sizeof(*tally->counts));
	if (!tally->by_frames || !tally->keys || !tally->counts) {
		stack_tally_free(tally);
		return NULL;
	}
	return tally;
}

void stack_tally_free(struct stack_tally *tally)
{
	if (!tally)
		return;
	for (size_t i = 0; i < tally->nnames; i++)
		free(tally->names[i].path);
	free(tally->names);
	for (size_t i = 0; i < tally->nbinary_dirs; i++)
		free(tally->binary_dirs[i]);
	json_decref(tally->by_frames);
	free(tally->stacks);
	free(tally->keys);
	free(tally->counts);
	free(tally);
}

/* ---- file names ---- */

static const char *file_name(const struct stack_tally *tally, uint32_t dev, uint64_t inode)
{
	for (size_t i = 0; i < tally->nnames; i++)
		if (tally->names[i].inode == inode && tally->names[i].dev == dev)
			return tally->names[i].path;
	return NULL;
}

static void add_name(struct stack_tally *tally, uint32_t dev, uint64_t inode, const char *path)
{
	struct file_name *grown;
	char *copy;

	if (file_name(tally, dev, inode) || !(copy = strdup(path)))
		return;
	if (!(grown = realloc(tally->names, (tally->nnames + 1) * sizeof(*grown)))) {
		free(copy);
		return;
	}
	tally->names = grown;
	tally->names[tally->nnames++] = (struct file_name){ .inode = inode, .dev = dev, .path = copy };
}

void stack_tally_name_file(struct stack_tally *tally, int fd, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;

	if (!fstat(fd, &st))
		add_name(tally, KERNEL_DEV(major(st.st_dev), minor(st.st_dev)), st.st_ino, path);
	if (!slash || tally->nbinary_dirs == MAX_BINARY_DIRS)
		return;
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	for (size_t i = 0; i < tally->nbinary_dirs; i++)
		if (!strcmp(tally->binary_dirs[i], dir))
			return;
	if ((tally->binary_dirs[tally->nbinary_dirs] = strdup(dir)))
		tally->nbinary_dirs++;
}

/* The files a process has mapped: "start-end perms offset major:minor inode path". */
static void read_names_of(struct stack_tally *tally, const char *maps_path)
{
	char line[PATH_MAX + 128];
	FILE *maps = fopen(maps_path, "re");

	while (maps && fgets(line, sizeof(line), maps)) {
		unsigned int major, minor;
		unsigned long inode;
		int path_at = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%*x-%*x %*s %*x %x:%x %lu %n", &major, &minor, &inode, &path_at) == 3 && path_at &&
		    inode && line[path_at] == '/')
			add_name(tally, KERNEL_DEV(major, minor), inode, line + path_at);
	}
	if (maps)
		fclose(maps);
}

/* The shared object in dir with that device and inode, named in the tally; whether found. */
static bool name_from_dir(struct stack_tally *tally, const char *dir, uint32_t dev, uint64_t inode)
{
	DIR *listing = opendir(dir);
	struct dirent *entry;
	bool found = false;

	while (listing && !found && (entry = readdir(listing))) {
		char path[PATH_MAX];
		struct stat st;

		if (!strstr(entry->d_name, ".so") || snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name) >= (int)sizeof(path))
			continue;
		found = !lstat(path, &st) && S_ISREG(st.st_mode) && st.st_ino == inode &&
			KERNEL_DEV(major(st.st_dev), minor(st.st_dev)) == dev;
		if (found)
			add_name(tally, dev, inode, path);
	}
	if (listing)
		closedir(listing);
	return found;
}

/* A file a process that has ended had mapped: looked for among the shared libraries beside the
 * probed binaries and where the loader finds them, once. */
static void name_from_library_dirs(struct stack_tally *tally, uint32_t dev, uint64_t inode)
{
	for (size_t i = 0; i < tally->nbinary_dirs; i++)
		if (name_from_dir(tally, tally->binary_dirs[i], dev, inode))
			return;
	for (size_t i = 0; i < sizeof(library_dirs) / sizeof(library_dirs[0]); i++)
		if (name_from_dir(tally, library_dirs[i], dev, inode))
			return;
	add_name(tally, dev, inode, "");
}

/* Names the files of a stack's frames not named yet: from the helper's own mappings (the C
 * library is everyone's), else from the process's while it lives, else from the library
 * directories. */
static void name_files(struct stack_tally *tally, __u32 tgid, const struct frame_file *files, int n)
{
	char maps_path[64];
	bool process_read = false;

	for (int i = 0; i < n; i++) {
		if (!files[i].inode || file_name(tally, files[i].dev, files[i].inode))
			continue;
		if (!tally->own_maps_read) {
			tally->own_maps_read = true;
			read_names_of(tally, "/proc/self/maps");
		} else if (!process_read) {
			process_read = true;
			snprintf(maps_path, sizeof(maps_path), "/proc/%u/maps", tgid);
			read_names_of(tally, maps_path);
		} else {
			name_from_library_dirs(tally, files[i].dev, files[i].inode);
		}
		i--;	/* look again */
	}
}

/* ---- the tally ---- */

static void frames_text(char *text, size_t size, __u32 slot, const struct frame_file *frames, int n)
{
	size_t len = snprintf(text, size, "%u", slot);

	for (int i = 0; i < n && len < size; i++)
		len += snprintf(text + len, size - len, ",%x:%" PRIx64 ":%x", frames[i].dev, (uint64_t)frames[i].inode,
				frames[i].offset);
}

static int frame_count(__u32 nframes)
{
	return nframes < MAX_STACK_FRAMES ? (int)nframes : MAX_STACK_FRAMES;
}

/* The tallied stack a map entry counts toward, added when new; -1 when the tally is full. */
static long stack_for(struct stack_tally *tally, const struct stack_key *key, const struct stack_count *count)
{
	char text[FRAMES_TEXT];
	int n = frame_count(key->nframes);
	struct tallied_stack *stack;
	json_t *known;

	frames_text(text, sizeof(text), key->slot, count->files, n);
	if ((known = json_object_get(tally->by_frames, text)))
		return (long)json_integer_value(known);
	if (tally->nstacks == tally->capacity) {
		size_t capacity = tally->capacity ? 2 * tally->capacity : 64;
		struct tallied_stack *grown = capacity <= MAX_TALLIED ? realloc(tally->stacks, capacity * sizeof(*grown)) : NULL;

		if (!grown)
			return -1;
		tally->stacks = grown;
		tally->capacity = capacity;
	}
	name_files(tally, key->tgid, count->files, n);
	stack = &tally->stacks[tally->nstacks];
	*stack = (struct tallied_stack){ .slot = key->slot, .nframes = n };
	memcpy(stack->frames, count->files, n * sizeof(count->files[0]));
	json_object_set_new(tally->by_frames, text, json_integer((json_int_t)tally->nstacks));
	return (long)tally->nstacks++;
}

static size_t read_map(struct stack_tally *tally, int fd)
{
	return map_read_all(fd, tally->keys, sizeof(*tally->keys), tally->counts, sizeof(*tally->counts), MAX_COUNTED_STACKS);
}

static bool process_ended(__u32 tgid)
{
	return kill((pid_t)tgid, 0) && errno == ESRCH;
}

void stack_tally_read(struct stack_tally *tally, int map_fd, const bool counts_stacks[MAX_PROBES])
{
	size_t n = read_map(tally, map_fd);

	for (size_t i = 0; i < tally->nstacks; i++)
		tally->stacks[i].live = 0;
	memset(tally->untallied_live, 0, sizeof(tally->untallied_live));
	for (size_t i = 0; i < n; i++) {
		const struct stack_key *key = &tally->keys[i];
		struct stack_count *count = &tally->counts[i];
		bool ended;
		long at;

		if (key->slot >= MAX_PROBES || !counts_stacks[key->slot])
			continue;	/* a released slot's: stack_tally_forget takes them out */
		/* Ended, nothing adds to it any more: read again, it is final. */
		ended = process_ended(key->tgid);
		if (ended && bpf_map_lookup_elem(map_fd, key, count))
			continue;
		at = stack_for(tally, key, count);
		if (!ended) {
			*(at >= 0 ? &tally->stacks[at].live : &tally->untallied_live[key->slot]) += count->count;
			continue;
		}
		*(at >= 0 ? &tally->stacks[at].folded : &tally->untallied[key->slot]) += count->count;
		bpf_map_delete_elem(map_fd, key);
	}
}

void stack_tally_forget(struct stack_tally *tally, int map_fd, __u32 slot)
{
	size_t n = read_map(tally, map_fd), kept = 0;
	char text[FRAMES_TEXT];

	for (size_t i = 0; i < n; i++)
		if (tally->keys[i].slot == slot)
			bpf_map_delete_elem(map_fd, &tally->keys[i]);
	/* The slot's stacks go, the others move down: the index is made again. */
	json_object_clear(tally->by_frames);
	for (size_t i = 0; i < tally->nstacks; i++) {
		struct tallied_stack *stack = &tally->stacks[kept];

		if (tally->stacks[i].slot == slot)
			continue;
		*stack = tally->stacks[i];
		frames_text(text, sizeof(text), stack->slot, stack->frames, stack->nframes);
		json_object_set_new(tally->by_frames, text, json_integer((json_int_t)kept++));
	}
	tally->nstacks = kept;
	tally->untallied[slot] = tally->untallied_live[slot] = 0;
}

/* ---- JSON ---- */

/* {"object", "offset"}; in no file: {"address"}, the address given or null. */
static json_t *frame_json(const struct stack_tally *tally, struct frame_file frame, const char *address)
{
	const char *path = frame.inode ? file_name(tally, frame.dev, frame.inode) : NULL;
	char unnamed[96];

	if (!frame.inode)
		return address ? json_pack("{s:s}", "address", address) : json_pack("{s:n}", "address");
	if (!path || !*path) {
		snprintf(unnamed, sizeof(unnamed), "(inode %" PRIu64 " on device %u:%u)", (uint64_t)frame.inode,
			 frame.dev >> 20, frame.dev & 0xfffff);
		path = unnamed;
	}
	return json_pack("{s:s, s:I}", "object", path, "offset", (json_int_t)frame.offset);
}

static json_t *frames_json(const struct stack_tally *tally, const struct frame_file *frames, int n)
{
	json_t *list = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(list, frame_json(tally, frames[i], NULL));
	return list;
}

struct ranked {
	uint64_t count;
	size_t at;
};

static int most_first(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : (x->at > y->at) - (x->at < y->at);
}

static uint64_t stack_count(const struct tallied_stack *stack)
{
	return stack->folded + stack->live;
}

/* The slot's immediate callers (second frames), counted over its stacks, most first. */
static json_t *callers_json(const struct stack_tally *tally, __u32 slot, const struct ranked *stacks, size_t n)
{
	json_t *by_caller = json_object(), *list = json_array();
	struct ranked *callers = calloc(n ? n : 1, sizeof(*callers));
	size_t distinct = 0;

	for (size_t i = 0; callers && i < n; i++) {
		const struct tallied_stack *stack = &tally->stacks[stacks[i].at];
		char text[FRAMES_TEXT];
		json_t *known;

		if (stack->nframes < 2)
			continue;
		frames_text(text, sizeof(text), slot, &stack->frames[1], 1);
		if ((known = json_object_get(by_caller, text))) {
			callers[json_integer_value(known)].count += stacks[i].count;
			continue;
		}
		callers[distinct] = stacks[i];
		json_object_set_new(by_caller, text, json_integer((json_int_t)distinct++));
	}
	if (callers)
		qsort(callers, distinct, sizeof(*callers), most_first);
	for (size_t i = 0; i < distinct && i < MAX_CALLERS; i++)
		json_array_append_new(list, json_pack("{s:I, s:o}", "count", (json_int_t)callers[i].count, "frame",
						      frame_json(tally, tally->stacks[callers[i].at].frames[1], NULL)));
	free(callers);
	json_decref(by_caller);
	return list;
}

json_t *stack_tally_json(struct stack_tally *tally, __u32 slot, int top)
{
	struct ranked *stacks = calloc(tally->nstacks ? tally->nstacks : 1, sizeof(*stacks));
	json_t *list = json_array(), *result;
	uint64_t counted = 0;
	size_t n = 0;

	for (size_t i = 0; stacks && i < tally->nstacks; i++) {
		if (tally->stacks[i].slot != slot || !stack_count(&tally->stacks[i]))
			continue;
		stacks[n++] = (struct ranked){ stack_count(&tally->stacks[i]), i };
		counted += stack_count(&tally->stacks[i]);
	}
	if (stacks)
		qsort(stacks, n, sizeof(*stacks), most_first);
	for (size_t i = 0; i < n && i < (size_t)top; i++) {
		const struct tallied_stack *stack = &tally->stacks[stacks[i].at];

		json_array_append_new(list, json_pack("{s:I, s:o}", "count", (json_int_t)stacks[i].count, "frames",
						      frames_json(tally, stack->frames, stack->nframes)));
	}
	/* Calls whose stack found no room here are counted, never lost. */
	result = json_pack("{s:I, s:I, s:I, s:o, s:o}", "counted", (json_int_t)counted, "distinct", (json_int_t)n,
			   "untallied", (json_int_t)(tally->untallied[slot] + tally->untallied_live[slot]), "top", list,
			   "callers", callers_json(tally, slot, stacks, n));
	free(stacks);
	return result;
}

char *stack_frames_text(struct stack_tally *tally, int map_fd, __u32 slot, __u32 tgid, const __u64 *frames,
			__u32 nframes)
{
	struct stack_key key = { .slot = slot, .tgid = tgid, .nframes = nframes };
	struct stack_count count = { 0 };
	int n = frame_count(nframes);
	json_t *list = json_array();
	char *text;

	memcpy(key.frames, frames, n * sizeof(frames[0]));
	/* Counted stacks have their frames placed; one that found no room, only addresses. */
	if (!bpf_map_lookup_elem(map_fd, &key, &count))
		name_files(tally, tgid, count.files, n);
	for (int i = 0; i < n; i++) {
		char address[24];

		snprintf(address, sizeof(address), "0x%" PRIx64, (uint64_t)frames[i]);
		json_array_append_new(list, frame_json(tally, count.files[i], address));
	}
	text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	return text;
}
