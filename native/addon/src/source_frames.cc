#include "source_frames.h"

#include <dwarf.h>

#include "dwarf_util.h"

namespace probelens {

namespace {

/** What a frame calls its function: C++'s demangled linkage name (with parameters), else DW_AT_name. */
std::string function_name(Dwarf_Die *die)
{
	if (const char *linkage = linkage_name(die))
		return demangle(linkage);
	const char *name = attr_string(die, DW_AT_name);
	return name ? name : "(anonymous)";
}

/** The line-table row at `address` (of rows at one address, the last: libdw's choice). */
void place_at_row(Dwarf_Die *cu, uint64_t address, SourceFrame &frame)
{
	Dwarf_Line *row = dwarf_getsrc_die(cu, address);
	int line = 0;
	const char *file = row ? dwarf_linesrc(row, nullptr, nullptr) : nullptr;
	if (!file || dwarf_lineno(row, &line) != 0 || line <= 0)
		return;
	frame.file = unit_file_path(cu, file);
	frame.line = uint32_t(line);
}

/** The call an inlined copy stands for: where the frame it was inlined into is. */
void place_at_call(Dwarf_Die *inlined, SourceFrame &frame)
{
	Dwarf_Word file_index, line;
	Dwarf_Die cu;
	Dwarf_Files *files;
	size_t count;
	if (!attr_udata(inlined, DW_AT_call_file, file_index) || !attr_udata(inlined, DW_AT_call_line, line) || line == 0)
		return;
	if (!dwarf_diecu(inlined, &cu, nullptr, nullptr) || dwarf_getsrcfiles(&cu, &files, &count) != 0 || file_index >= count)
		return;
	if (const char *file = dwarf_filesrc(files, file_index, nullptr, nullptr)) {
		frame.file = unit_file_path(&cu, file);
		frame.line = uint32_t(line);
	}
}

/** Nested scopes in real DWARF are few; corrupt DWARF may loop. */
constexpr int MAX_SCOPE_DEPTH = 256;

/**
 * Appends the DIEs under `parent` whose code holds `address`, outermost first, down to the
 * innermost. Not dwarf_getscopes: libdw 0.188 skips whatever has no code of its own, so it misses
 * a function inside its namespace (clang++ puts them there), and it stops at an inlined copy.
 */
void dies_holding(Dwarf_Die *parent, uint64_t address, std::vector<Dwarf_Die> &path, int depth = 0)
{
	Dwarf_Die child;
	if (depth > MAX_SCOPE_DEPTH || dwarf_child(parent, &child) != 0)
		return;
	do {
		if (dwarf_tag(&child) == DW_TAG_namespace) {
			size_t before = path.size();
			dies_holding(&child, address, path, depth + 1);
			if (path.size() > before)
				return;
		} else if (dwarf_haspc(&child, address) > 0) {
			path.push_back(child);
			dies_holding(&child, address, path, depth + 1);
			return;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

/** Innermost first: each inlined copy, then the out-of-line function that holds them. */
std::vector<SourceFrame> frames_at(Dwarf *dwarf, uint64_t address)
{
	std::vector<SourceFrame> frames;
	Dwarf_Die cu;
	std::vector<Dwarf_Die> path;
	if (!unit_holding(dwarf, address, cu))
		return frames;
	dies_holding(&cu, address, path);
	SourceFrame frame;
	place_at_row(&cu, address, frame);
	for (auto die = path.rbegin(); die != path.rend(); ++die) {
		int tag = dwarf_tag(&*die);
		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		frame.function = function_name(&*die);
		frame.inlined = tag == DW_TAG_inlined_subroutine;
		frames.push_back(std::move(frame));
		if (tag == DW_TAG_subprogram)
			break;
		frame = SourceFrame{};
		place_at_call(&*die, frame);
	}
	return frames;
}

} // namespace

std::vector<std::vector<SourceFrame>> read_source_frames(Elf *dwarf_elf, const std::string &dwarf_path,
							 const std::vector<uint64_t> &addresses)
{
	DwarfHandle handle(dwarf_elf, dwarf_path);
	std::vector<std::vector<SourceFrame>> frames;
	frames.reserve(addresses.size());
	for (uint64_t address : addresses)
		frames.push_back(frames_at(handle.dwarf, address));
	return frames;
}

} // namespace probelens
