#include "file_bytes.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "errors.h"

namespace probelens {

FileKey file_key(const struct stat &st)
{
	FileKey key;
	key.dev = st.st_dev;
	key.ino = st.st_ino;
	key.size = st.st_size;
	key.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
	key.ctime_ns = int64_t(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
	return key;
}

bool stat_key(const std::string &path, FileKey &key)
{
	struct stat st;
	if (stat(path.c_str(), &st) != 0)
		return false;
	key = file_key(st);
	return true;
}

namespace {

class Descriptor {
public:
	explicit Descriptor(int fd) : fd_(fd) {}
	~Descriptor()
	{
		if (fd_ >= 0)
			close(fd_);
	}
	Descriptor(const Descriptor &) = delete;
	Descriptor &operator=(const Descriptor &) = delete;
	int get() const { return fd_; }

private:
	int fd_;
};

int open_regular(const std::string &path, struct stat &st)
{
	int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		if (err == ENOENT || err == ENOTDIR)
			throw SymbolError("binary-not-found", path + ": no such file");
		if (err == EACCES || err == EPERM)
			throw SymbolError("permission-denied", path + ": permission denied (the symbol reader runs as you, not as root)");
		throw SymbolError("binary-not-found", path + ": cannot open: " + strerror(err));
	}
	if (fstat(fd, &st) != 0) {
		int err = errno;
		close(fd);
		throw SymbolError("binary-not-found", path + ": cannot stat: " + strerror(err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		throw SymbolError("not-a-file", path + (S_ISDIR(st.st_mode) ? ": is a directory, not an ELF file" : ": is not a regular file"));
	}
	return fd;
}

} // namespace

FileKey open_key(const std::string &path)
{
	struct stat st;
	Descriptor fd(open_regular(path, st));
	return file_key(st);
}

FileBytes read_file(const std::string &path)
{
	struct stat st;
	Descriptor fd(open_regular(path, st));
	FileBytes file;
	file.path = path;
	file.key = file_key(st);
	file.bytes.resize(size_t(st.st_size));
	size_t done = 0;
	while (done < file.bytes.size()) {
		ssize_t n = pread(fd.get(), file.bytes.data() + done, file.bytes.size() - done, off_t(done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			throw SymbolError("corrupt", path + ": read failed: " + strerror(errno));
		}
		if (n == 0)
			throw SymbolError("corrupt", path + ": the file shrank while it was being read (rebuilt?); try again");
		done += size_t(n);
	}
	return file;
}

} // namespace probelens
