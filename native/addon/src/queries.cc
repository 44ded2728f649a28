#include "queries.h"

#include <algorithm>
#include <cstdio>
#include <unistd.h>
#include <climits>

#include "errors.h"

namespace probelens {

namespace {

std::vector<std::string> components(const std::string &path)
{
	std::vector<std::string> parts;
	size_t start = 0;
	while (start <= path.size()) {
		size_t slash = path.find('/', start);
		std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
		if (!part.empty())
			parts.push_back(part);
		if (slash == std::string::npos)
			break;
		start = slash + 1;
	}
	return parts;
}

std::string hex(uint64_t value)
{
	char buf[32];
	snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)value);
	return buf;
}

std::string where(const BinaryIndex &index, const Function &f)
{
	std::string text = f.demangled;
	if (f.source >= 0) {
		const SourceFunction &s = index.source_functions[size_t(f.source)];
		if (s.file < index.files.size())
			text += " (" + index.files[s.file] + ":" + std::to_string(s.line) + ")";
	}
	text += f.has_address ? " at " + hex(f.address) : " (inlined only)";
	return text;
}

/** "add(int, int)" → "add"; "ns::S<int>::get() const" → "ns::S<int>::get". */
std::string without_parameters(const std::string &demangled)
{
	if (demangled.empty() || demangled.back() == ']') // "[clone .constprop.0]"
		return without_parameters(demangled.substr(0, demangled.rfind(" [clone")));
	int depth = 0;
	std::string name = demangled;
	for (size_t i = demangled.size(); i-- > 0;) {
		char c = demangled[i];
		if (c == ')')
			depth++;
		else if (c == '(' && --depth == 0) {
			name = demangled.substr(0, i);
			break;
		}
	}
	// A template instance starts with its return type: "long geo::biggest<long>".
	if (name.find("operator") != std::string::npos)
		return name;
	int angle = 0;
	for (size_t i = name.size(); i-- > 0;) {
		char c = name[i];
		if (c == '>')
			angle++;
		else if (c == '<')
			angle--;
		else if (c == ' ' && angle == 0)
			return name.substr(i + 1);
	}
	return name;
}

/** Without DWARF for it: the function whose symbol holds the address, as one frame. */
std::vector<SourceFrame> symbol_frames(const BinaryIndex &index, uint64_t address)
{
	int32_t id = function_containing(index, address);
	if (id < 0)
		return {};
	SourceFrame frame;
	frame.function = index.functions[size_t(id)].demangled;
	return { frame };
}

} // namespace

std::string describe_binary_without_dwarf(const BinaryIndex &index)
{
	if (index.has_dwarf)
		return "";
	std::string how = "install its debug symbols (a -dbgsym or -dbg package puts them under /usr/lib/debug), or rebuild it with -g";
	if (!index.has_symtab)
		return index.path + " is stripped: it has no symbol table and no DWARF, so only its exported functions are visible. To probe by name, source line and argument, " + how + " and without strip";
	return index.path + " has no DWARF debug info, so there are no parameter names, types or source lines: " + how;
}

uint32_t match_source_file(const BinaryIndex &index, const std::string &source_file, size_t *matching_components)
{
	if (matching_components)
		*matching_components = SIZE_MAX; // an exact match
	if (!index.has_dwarf)
		throw SymbolError("no-dwarf", describe_binary_without_dwarf(index) + " — without DWARF, source lines cannot be mapped to code");
	char cwd[PATH_MAX];
	std::string wanted = normalize_path(source_file, getcwd(cwd, sizeof cwd) ? cwd : "/");
	auto exact = index.file_ids.find(wanted);
	if (exact != index.file_ids.end())
		return exact->second;
	char resolved[PATH_MAX];
	if (realpath(wanted.c_str(), resolved)) {
		auto real = index.file_ids.find(resolved);
		if (real != index.file_ids.end())
			return real->second;
	}

	// Built elsewhere (a container, another checkout): the longest common tail of path components.
	std::vector<std::string> want = components(wanted);
	size_t best = 0;
	std::vector<uint32_t> best_files;
	for (uint32_t id = 0; id < index.files.size(); id++) {
		std::vector<std::string> have = components(index.files[id]);
		size_t common = 0;
		while (common < want.size() && common < have.size() && want[want.size() - 1 - common] == have[have.size() - 1 - common])
			common++;
		if (common == 0)
			continue;
		if (common > best) {
			best = common;
			best_files.assign(1, id);
		} else if (common == best) {
			best_files.push_back(id);
		}
	}
	if (best_files.size() == 1) {
		if (matching_components)
			*matching_components = best;
		return best_files.front();
	}
	if (best_files.size() > 1) {
		std::string list;
		for (size_t i = 0; i < best_files.size() && i < 8; i++)
			list += (i ? ", " : "") + index.files[best_files[i]];
		throw SymbolError("ambiguous", index.path + " was built from several files named like " + source_file + ": " + list +
							 "; give a longer path");
	}
	throw SymbolError("file-not-in-binary", index.path + " was not built from " + wanted + ": its DWARF names no such source file (" +
							std::to_string(index.files.size()) + " files)");
}

FunctionAtResult function_at(const BinaryIndex &index, const std::string &source_file, uint32_t line)
{
	FunctionAtResult result;
	result.file = match_source_file(index, source_file);
	int32_t best = -1;
	uint32_t best_line = 0, best_span = UINT32_MAX;
	for (size_t i = 0; i < index.source_functions.size(); i++) {
		const SourceFunction &s = index.source_functions[i];
		if (s.file != result.file || s.line == 0 || line < s.line)
			continue;
		uint32_t last = std::max(s.last_line, s.line);
		if (line > last)
			continue;
		uint32_t span = last - s.line;
		if (s.line > best_line || (s.line == best_line && span < best_span)) {
			best = int32_t(i);
			best_line = s.line;
			best_span = span;
		}
	}
	if (best >= 0) {
		// Every function declared at that line with that span: clones, template instances.
		for (size_t i = 0; i < index.functions.size(); i++) {
			const Function &f = index.functions[i];
			if (f.source < 0)
				continue;
			const SourceFunction &s = index.source_functions[size_t(f.source)];
			if (s.file == result.file && s.line == best_line && std::max(s.last_line, s.line) - s.line == best_span)
				result.functions.push_back(int32_t(i));
		}
	}
	if (result.functions.empty()) {
		std::string message = "no function in " + index.path + " holds " + index.files[result.file] + ":" + std::to_string(line);
		// The nearest functions around the line help the user see what is there.
		const SourceFunction *before = nullptr, *after = nullptr;
		for (const SourceFunction &s : index.source_functions) {
			if (s.file != result.file || s.line == 0)
				continue;
			if (s.line <= line && (!before || s.line > before->line))
				before = &s;
			if (s.line > line && (!after || s.line < after->line))
				after = &s;
		}
		if (before)
			message += "; " + before->name + " is at lines " + std::to_string(before->line) + "-" +
				   std::to_string(std::max(before->last_line, before->line));
		if (after)
			message += "; " + after->name + " starts at line " + std::to_string(after->line);
		message += " (a line outside any function, or one whose code the compiler removed)";
		throw SymbolError("no-function-at-line", message);
	}
	return result;
}

static bool ends_with(const std::string &text, const std::string &end)
{
	return text.size() > end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

std::vector<int32_t> lookup_function(const BinaryIndex &index, const std::string &name)
{
	std::vector<int32_t> exact, by_demangled, by_short, by_tail, by_dwarf_name, clones;
	// Store::Put: the tail of a qualified name (kv::Store::Put), at a "::".
	const std::string tail = name.find("::") != std::string::npos ? "::" + name : "";
	for (size_t i = 0; i < index.functions.size(); i++) {
		const Function &f = index.functions[i];
		if (f.name == name)
			exact.push_back(int32_t(i));
		else if (f.demangled == name)
			by_demangled.push_back(int32_t(i));
		else if (f.demangled != f.name && without_parameters(f.demangled) == name && !f.is_fragment)
			by_short.push_back(int32_t(i));
		else if (!tail.empty() && !f.is_fragment && ends_with(without_parameters(f.demangled), tail))
			by_tail.push_back(int32_t(i));
		else if (f.source >= 0 && !f.is_fragment && index.source_functions[size_t(f.source)].name == name)
			(f.name.find('.') == std::string::npos ? by_dwarf_name : clones).push_back(int32_t(i));
	}
	// The compiler's specialized copies (scale.constprop.0) stand for a function only when it
	// has no copy of its own name left.
	for (auto *list : { &exact, &by_demangled, &by_short, &by_tail, &by_dwarf_name, &clones }) {
		if (!list->empty())
			return *list;
	}
	return {};
}

int32_t pick_function(const BinaryIndex &index, const std::string &name, int64_t address)
{
	std::vector<int32_t> found = lookup_function(index, name);
	if (address >= 0) {
		for (int32_t i : found) {
			if (index.functions[size_t(i)].has_address && index.functions[size_t(i)].address == uint64_t(address))
				return i;
		}
		for (size_t i = 0; i < index.functions.size(); i++) {
			if (index.functions[i].has_address && index.functions[i].address == uint64_t(address) && (name.empty() || found.empty()))
				return int32_t(i);
		}
		throw SymbolError("symbol-not-found", "no function " + name + " at " + hex(uint64_t(address)) + " in " + index.path);
	}
	if (found.empty()) {
		std::string message = "no function '" + name + "' in " + index.path;
		if (!index.has_symtab && !index.has_dwarf)
			message += ": " + describe_binary_without_dwarf(index);
		throw SymbolError("symbol-not-found", message);
	}
	if (found.size() > 1) {
		std::string list;
		for (size_t i = 0; i < found.size() && i < 12; i++)
			list += (i ? "; " : "") + where(index, index.functions[size_t(found[i])]);
		throw SymbolError("ambiguous", "'" + name + "' names " + std::to_string(found.size()) + " functions in " + index.path + ": " +
						       list + ". Choose one by its address, or by FILE:LINE");
	}
	return found.front();
}

LineAddressesResult line_addresses(const BinaryIndex &index, const std::string &source_file, uint32_t line)
{
	LineAddressesResult result;
	result.file = match_source_file(index, source_file);
	auto lower = std::lower_bound(index.lines.begin(), index.lines.end(), std::make_pair(result.file, line),
				      [](const LineRow &row, const std::pair<uint32_t, uint32_t> &key) {
					      return row.file != key.first ? row.file < key.first : row.line < key.second;
				      });
	auto it = lower;
	for (; it != index.lines.end() && it->file == result.file && it->line == line; ++it)
		result.addresses.push_back(it->address);
	if (result.addresses.empty()) {
		if (it != index.lines.end() && it->file == result.file)
			result.next_line = it->line;
		if (lower != index.lines.begin() && std::prev(lower)->file == result.file)
			result.previous_line = std::prev(lower)->line;
	}
	return result;
}

std::vector<std::string> callees_at(const BinaryIndex &index, const std::string &source_file, uint32_t line)
{
	uint32_t file = match_source_file(index, source_file);
	std::vector<std::string> callees;
	for (const CallSite &site : index.call_sites) {
		if (site.file == file && site.line == line && std::find(callees.begin(), callees.end(), site.callee) == callees.end())
			callees.push_back(site.callee);
	}
	return callees;
}

int32_t function_containing(const BinaryIndex &index, uint64_t address)
{
	int32_t best = -1;
	for (size_t i = 0; i < index.functions.size(); i++) {
		const Function &f = index.functions[i];
		if (!f.has_address || address < f.address || address >= f.address + std::max<uint64_t>(f.size, 1))
			continue;
		if (best < 0 || f.size < index.functions[size_t(best)].size)
			best = int32_t(i);
	}
	return best;
}

std::vector<std::vector<SourceFrame>> symbolize(const BinaryIndex &index, const std::vector<uint64_t> &file_offsets)
{
	std::vector<uint64_t> addresses;
	std::vector<size_t> asked; // the offset each address is for
	for (size_t i = 0; i < file_offsets.size(); i++) {
		uint64_t address;
		if (index.vaddr_of(file_offsets[i], address)) {
			addresses.push_back(address);
			asked.push_back(i);
		}
	}
	std::vector<std::vector<SourceFrame>> found(addresses.size());
	if (index.has_dwarf && !addresses.empty())
		found = source_frames(index, addresses);
	std::vector<std::vector<SourceFrame>> frames(file_offsets.size());
	for (size_t k = 0; k < addresses.size(); k++)
		frames[asked[k]] = found[k].empty() ? symbol_frames(index, addresses[k]) : std::move(found[k]);
	return frames;
}

} // namespace probelens
