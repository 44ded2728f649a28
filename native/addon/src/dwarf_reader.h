// Reads a binary's DWARF with libdw into the plain structures of binary_index.h: source
// functions, their out-of-line (concrete) and inlined instances, parameter types and entry
// locations, and the line table, with each function's last source line.
#pragma once

#include <cstdint>
#include <libelf.h>
#include <utility>
#include <vector>

#include "binary_index.h"

namespace probelens {

struct ConcreteInstance {
	uint64_t entry = 0;
	std::vector<std::pair<uint64_t, uint64_t>> ranges; // [low, high)
	int32_t source = -1;
	int32_t signature = -1;
};

struct InlineInstance {
	uint64_t entry = 0;
	int32_t source = -1;
	uint32_t call_file = UINT32_MAX;
	uint32_t call_line = 0;
	int32_t enclosing = -1; // index into DwarfFacts::concrete
};

struct DwarfFacts {
	std::vector<ConcreteInstance> concrete;
	std::vector<InlineInstance> inlined;
};

/** Fills index.files/types/signatures/source_functions/lines; throws SymbolError("corrupt"). */
void read_dwarf(Elf *elf, const std::string &dwarf_path, BinaryIndex &index, DwarfFacts &facts);

/**
 * For addresses of one source line (ascending): a site per function or inlined copy the line's
 * code is in (its lowest address), with every variable in scope there and where it is. Frame
 * bases come from `cfi_elf`'s call frame information (.eh_frame, else .debug_frame); variable
 * types go to `scratch`. Throws SymbolError("corrupt").
 */
std::vector<LineSite> read_line_sites(Elf *dwarf_elf, Elf *cfi_elf, const std::string &dwarf_path,
				      const std::vector<uint64_t> &addresses, BinaryIndex &scratch);

/** The file index for a source path, adding it if new. */
uint32_t intern_file(BinaryIndex &index, const std::string &normalized);

} // namespace probelens
