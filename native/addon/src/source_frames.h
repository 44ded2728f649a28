// Source frames at a code address, as addr2line -i gives them: the innermost inlined copy's
// function at the address's own line, each copy it was inlined into at the line of that call,
// and last the out-of-line function that holds them all.
#pragma once

#include <cstdint>
#include <libelf.h>
#include <string>
#include <vector>

#include "binary_index.h"

namespace probelens {

/**
 * The frames at each address (innermost first), from the DWARF in `dwarf_elf`; an address no
 * function's DWARF covers gets none. Throws SymbolError("corrupt") when the DWARF cannot be opened.
 */
std::vector<std::vector<SourceFrame>> read_source_frames(Elf *dwarf_elf, const std::string &dwarf_path,
							 const std::vector<uint64_t> &addresses);

} // namespace probelens
