// The indexes of recently used binaries, shared by every worker thread: one build per version of
// a file (path + device, inode, size, mtime, ctime, and its debug files), concurrent requests for
// the same file wait for that one build, and a rebuilt binary is noticed on the next request.
#pragma once

#include <cstdint>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "binary_index.h"

namespace probelens {

struct CacheStats {
	uint64_t hits = 0, builds = 0, entries = 0;
};

class IndexCache {
public:
	explicit IndexCache(size_t capacity) : capacity_(capacity) {}
	std::shared_ptr<const BinaryIndex> get(const std::string &path);
	CacheStats stats();
	void clear();

private:
	using Future = std::shared_future<std::shared_ptr<const BinaryIndex>>;
	struct Entry {
		Future future;
		std::list<std::string>::iterator recent;
	};
	std::mutex mutex_;
	size_t capacity_;
	std::unordered_map<std::string, Entry> entries_;
	std::list<std::string> recent_; // most recently used first
	CacheStats stats_;
};

/** The absolute, symlink-free path when it exists; else the absolute path as given. */
std::string canonical_path(const std::string &path);

} // namespace probelens
