// The libdw pieces every DWARF reader here needs: a Dwarf handle that ends with its scope, the
// attribute reads (through abstract origins and specifications), the unit whose code holds an
// address, and a unit's file names as the index spells them.
#pragma once

#include <cstdint>
#include <elfutils/libdw.h>
#include <string>

namespace probelens {

/** libdw's reader of one ELF file's DWARF; throws SymbolError("corrupt") when it cannot open one. */
struct DwarfHandle {
	Dwarf *dwarf = nullptr;
	DwarfHandle(Elf *elf, const std::string &path);
	DwarfHandle(const DwarfHandle &) = delete;
	DwarfHandle &operator=(const DwarfHandle &) = delete;
	~DwarfHandle();
};

[[noreturn]] void corrupt_dwarf(const std::string &path, const std::string &what);

bool attr_udata(Dwarf_Die *die, unsigned name, Dwarf_Word &value, bool integrate = false);

const char *attr_string(Dwarf_Die *die, unsigned name);

/** DW_AT_linkage_name (or the older DW_AT_MIPS_linkage_name): the symbol of a C++ function. */
const char *linkage_name(Dwarf_Die *die);

/** The unit whose code holds `address`: by .debug_aranges, else (clang emits none) by each unit's ranges. */
bool unit_holding(Dwarf *dwarf, uint64_t address, Dwarf_Die &cu);

/**
 * A file name from `cu`'s line table, normalized as BinaryIndex::files are: libdw has joined
 * the directory and comp_dir to it; one still relative stays so (the build directory is unknown).
 */
std::string unit_file_path(Dwarf_Die *cu, const char *name);

} // namespace probelens
