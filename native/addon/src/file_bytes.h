// Reads a whole file through one descriptor into memory. libelf then parses the copy, so a file
// truncated or replaced while we read it yields an error, never a SIGBUS from a shrinking mmap.
#pragma once

#include <cstdint>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace probelens {

/** What identifies one version of a file: a rebuilt binary gets a new key. */
struct FileKey {
	uint64_t dev = 0, ino = 0, size = 0;
	int64_t mtime_ns = 0, ctime_ns = 0;
	bool operator==(const FileKey &o) const
	{
		return dev == o.dev && ino == o.ino && size == o.size && mtime_ns == o.mtime_ns && ctime_ns == o.ctime_ns;
	}
	bool operator!=(const FileKey &o) const { return !(*this == o); }
};

FileKey file_key(const struct stat &st);

/** stat(2) of a path; false when it does not exist (or cannot be reached). */
bool stat_key(const std::string &path, FileKey &key);

struct FileBytes {
	std::string path;
	FileKey key;
	std::vector<char> bytes;
};

/** Opens `path`, checks it is a regular file, and reads it all; throws SymbolError. */
FileBytes read_file(const std::string &path);

/** Only the key, through a descriptor opened the same way read_file opens one. */
FileKey open_key(const std::string &path);

} // namespace probelens
