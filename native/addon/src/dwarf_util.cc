#include "dwarf_util.h"

#include <dwarf.h>

#include "binary_index.h"
#include "errors.h"

namespace probelens {

DwarfHandle::DwarfHandle(Elf *elf, const std::string &path) : dwarf(dwarf_begin_elf(elf, DWARF_C_READ, nullptr))
{
	if (dwarf == nullptr)
		corrupt_dwarf(path, "cannot open the DWARF sections");
}

DwarfHandle::~DwarfHandle()
{
	if (dwarf)
		dwarf_end(dwarf);
}

[[noreturn]] void corrupt_dwarf(const std::string &path, const std::string &what)
{
	throw SymbolError("corrupt", path + ": corrupt DWARF (" + what + ": " + dwarf_errmsg(-1) +
					     "). Rebuild the binary, or remove its debug info (strip -g) to probe it by symbol only");
}

bool attr_udata(Dwarf_Die *die, unsigned name, Dwarf_Word &value, bool integrate)
{
	Dwarf_Attribute attr;
	Dwarf_Attribute *a = integrate ? dwarf_attr_integrate(die, name, &attr) : dwarf_attr(die, name, &attr);
	return a && dwarf_formudata(a, &value) == 0;
}

const char *attr_string(Dwarf_Die *die, unsigned name)
{
	Dwarf_Attribute attr;
	return dwarf_attr_integrate(die, name, &attr) ? dwarf_formstring(&attr) : nullptr;
}

const char *linkage_name(Dwarf_Die *die)
{
	const char *name = attr_string(die, DW_AT_linkage_name);
	return name ? name : attr_string(die, DW_AT_MIPS_linkage_name);
}

bool unit_holding(Dwarf *dwarf, uint64_t address, Dwarf_Die &cu)
{
	if (dwarf_addrdie(dwarf, address, &cu) != nullptr)
		return true;
	Dwarf_Off offset = 0, next;
	size_t header_size;
	while (dwarf_nextcu(dwarf, offset, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
		if (dwarf_offdie(dwarf, offset + header_size, &cu) != nullptr && dwarf_haspc(&cu, address) > 0)
			return true;
		offset = next;
	}
	return false;
}

std::string unit_file_path(Dwarf_Die *cu, const char *name)
{
	const char *dir = attr_string(cu, DW_AT_comp_dir);
	return normalize_path(name, dir && dir[0] == '/' ? dir : "");
}

} // namespace probelens
