#include "index_cache.h"

#include <climits>
#include <cstdlib>
#include <unistd.h>

namespace probelens {

std::string canonical_path(const std::string &path)
{
	char resolved[PATH_MAX];
	if (realpath(path.c_str(), resolved))
		return resolved;
	char cwd[PATH_MAX];
	return normalize_path(path, getcwd(cwd, sizeof cwd) ? cwd : "/");
}

std::shared_ptr<const BinaryIndex> IndexCache::get(const std::string &path)
{
	std::string key = canonical_path(path);
	std::unique_lock<std::mutex> lock(mutex_);
	auto found = entries_.find(key);
	if (found != entries_.end()) {
		Future existing = found->second.future;
		bool ready = existing.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
		bool fresh = !ready;
		if (ready) {
			try {
				fresh = !index_is_stale(*existing.get());
			} catch (...) {
				fresh = false; // a failed build is retried
			}
		}
		if (fresh) {
			recent_.splice(recent_.begin(), recent_, found->second.recent);
			stats_.hits++;
			lock.unlock();
			return existing.get(); // waits for a build under way
		}
		recent_.erase(found->second.recent);
		entries_.erase(found);
	}

	std::promise<std::shared_ptr<const BinaryIndex>> promise;
	Future future = promise.get_future().share();
	recent_.push_front(key);
	entries_.emplace(key, Entry{ future, recent_.begin() });
	stats_.builds++;
	while (entries_.size() > capacity_) {
		entries_.erase(recent_.back()); // waiters keep their shared_future alive
		recent_.pop_back();
	}
	lock.unlock();
	try {
		promise.set_value(build_index(key));
	} catch (...) {
		promise.set_exception(std::current_exception());
	}
	return future.get(); // rethrows a build failure
}

CacheStats IndexCache::stats()
{
	std::lock_guard<std::mutex> lock(mutex_);
	stats_.entries = entries_.size();
	return stats_;
}

void IndexCache::clear()
{
	std::lock_guard<std::mutex> lock(mutex_);
	entries_.clear();
	recent_.clear();
}

} // namespace probelens
