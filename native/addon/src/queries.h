// Questions asked of one index: which of its source files a path means, the function whose body
// holds a line, the functions a name means, the addresses of a line. Plain C++ over the
// immutable index; each failure is a SymbolError with the code the CLI reports.
#pragma once

#include <string>
#include <vector>

#include "binary_index.h"

namespace probelens {

/** The index's file a user's path means: exact, else the longest matching tail of components. */
uint32_t match_source_file(const BinaryIndex &index, const std::string &source_file, size_t *matching_components = nullptr);

struct FunctionAtResult {
	uint32_t file = 0;
	/** Every entry for the innermost source function(s): the function, clones, template copies. */
	std::vector<int32_t> functions;
};

FunctionAtResult function_at(const BinaryIndex &index, const std::string &source_file, uint32_t line);

/**
 * Entries a name means: symbol, demangled name, demangled without parameters, the tail of a
 * qualified name at a "::" (Store::Put for kv::Store::Put), or DWARF name.
 */
std::vector<int32_t> lookup_function(const BinaryIndex &index, const std::string &name);

/** One entry: by address when given (>= 0), else the name must mean exactly one function. */
int32_t pick_function(const BinaryIndex &index, const std::string &name, int64_t address);

struct LineAddressesResult {
	uint32_t file = 0;
	std::vector<uint64_t> addresses;
	uint32_t previous_line = 0, next_line = 0; // the nearest lines with code, when none here
};

LineAddressesResult line_addresses(const BinaryIndex &index, const std::string &source_file, uint32_t line);

/** The functions called directly on a line, by linkage name (else DWARF name), from DW_TAG_call_site. */
std::vector<std::string> callees_at(const BinaryIndex &index, const std::string &source_file, uint32_t line);

/** The entry whose code holds `address` (the innermost by address range), or -1. */
int32_t function_containing(const BinaryIndex &index, uint64_t address);

/**
 * The source frames at each file offset, innermost first: DWARF's (inlined copies expanded),
 * else the symbol that holds it (no file or line), else none. An offset outside the loaded
 * parts of the file has none.
 */
std::vector<std::vector<SourceFrame>> symbolize(const BinaryIndex &index, const std::vector<uint64_t> &file_offsets);

std::string describe_binary_without_dwarf(const BinaryIndex &index);

} // namespace probelens
