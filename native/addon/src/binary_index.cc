#include "binary_index.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <map>
#include <zlib.h>

#include "dwarf_reader.h"
#include "errors.h"
#include "source_frames.h"

namespace probelens {

namespace {

struct ElfLibrary {
	ElfLibrary() { elf_version(EV_CURRENT); }
};
const ElfLibrary elf_library;

struct ElfHandle {
	Elf *elf = nullptr;
	ElfHandle() = default;
	ElfHandle(const ElfHandle &) = delete;
	ElfHandle &operator=(const ElfHandle &) = delete;
	~ElfHandle()
	{
		if (elf)
			elf_end(elf);
	}
};

/** An opened ELF file: the bytes stay alive as long as libelf reads them. */
struct OpenElf {
	FileBytes file;
	ElfHandle handle;
	size_t shstrndx = 0;
};

[[noreturn]] void corrupt_elf(const std::string &path, const std::string &what)
{
	throw SymbolError("corrupt", path + ": corrupt or truncated ELF file (" + what + ": " + elf_errmsg(-1) + ")");
}

void open_elf(const std::string &path, OpenElf &out)
{
	out.file = read_file(path);
	if (out.file.bytes.size() < 4 || memcmp(out.file.bytes.data(), ELFMAG, SELFMAG) != 0)
		throw SymbolError("not-elf", path + ": not an ELF file (no ELF magic); give a compiled program or shared library");
	out.handle.elf = elf_memory(out.file.bytes.data(), out.file.bytes.size());
	if (!out.handle.elf || elf_kind(out.handle.elf) != ELF_K_ELF)
		corrupt_elf(path, "elf_memory");
	GElf_Ehdr ehdr;
	if (!gelf_getehdr(out.handle.elf, &ehdr))
		corrupt_elf(path, "ELF header");
	if (elf_getshdrstrndx(out.handle.elf, &out.shstrndx) != 0)
		corrupt_elf(path, "section name table");
}

Elf_Scn *find_section(const OpenElf &elf, const char *name, GElf_Shdr &shdr)
{
	Elf_Scn *scn = nullptr;
	while ((scn = elf_nextscn(elf.handle.elf, scn)) != nullptr) {
		if (!gelf_getshdr(scn, &shdr))
			corrupt_elf(elf.file.path, "section header");
		const char *scn_name = elf_strptr(elf.handle.elf, elf.shstrndx, shdr.sh_name);
		if (scn_name && strcmp(scn_name, name) == 0)
			return scn;
	}
	return nullptr;
}

bool has_dwarf(const OpenElf &elf)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = find_section(elf, ".debug_info", shdr);
	if (!scn)
		scn = find_section(elf, ".zdebug_info", shdr);
	return scn && shdr.sh_type != SHT_NOBITS && shdr.sh_size > 0;
}

std::string hex(const unsigned char *bytes, size_t size)
{
	static const char digits[] = "0123456789abcdef";
	std::string text;
	for (size_t i = 0; i < size; i++) {
		text += digits[bytes[i] >> 4];
		text += digits[bytes[i] & 15];
	}
	return text;
}

std::string read_build_id(const OpenElf &elf)
{
	Elf_Scn *scn = nullptr;
	GElf_Shdr shdr;
	while ((scn = elf_nextscn(elf.handle.elf, scn)) != nullptr) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE)
			continue;
		Elf_Data *data = elf_getdata(scn, nullptr);
		if (!data)
			continue;
		size_t offset = 0, name_offset, desc_offset;
		GElf_Nhdr note;
		while ((offset = gelf_getnote(data, offset, &note, &name_offset, &desc_offset)) > 0) {
			const char *name = static_cast<const char *>(data->d_buf) + name_offset;
			if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && memcmp(name, "GNU", 4) == 0)
				return hex(static_cast<const unsigned char *>(data->d_buf) + desc_offset, note.n_descsz);
		}
	}
	return "";
}

/** .gnu_debuglink: a file name, padding to 4 bytes, and the debug file's CRC-32. */
bool read_debuglink(const OpenElf &elf, std::string &name, uint32_t &crc)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = find_section(elf, ".gnu_debuglink", shdr);
	if (!scn)
		return false;
	Elf_Data *data = elf_getdata(scn, nullptr);
	if (!data || data->d_size < 8)
		return false;
	const char *bytes = static_cast<const char *>(data->d_buf);
	size_t len = strnlen(bytes, data->d_size);
	size_t crc_at = (len + 4) & ~size_t(3);
	if (len == 0 || crc_at + 4 > data->d_size)
		return false;
	name.assign(bytes, len);
	memcpy(&crc, bytes + crc_at, 4);
	return true;
}

std::vector<std::string> debug_roots()
{
	std::vector<std::string> roots;
	const char *env = getenv("PROBE_LENS_DEBUG_DIRS");
	std::string list = env && *env ? env : "/usr/lib/debug";
	size_t start = 0;
	while (start <= list.size()) {
		size_t colon = list.find(':', start);
		std::string root = list.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
		if (!root.empty())
			roots.push_back(root);
		if (colon == std::string::npos)
			break;
		start = colon + 1;
	}
	return roots;
}

std::string dirname_of(const std::string &path)
{
	size_t slash = path.rfind('/');
	if (slash == std::string::npos)
		return ".";
	return slash == 0 ? "/" : path.substr(0, slash);
}

struct Symbol {
	std::string name;
	uint64_t value, size;
	Binding binding;
};

void read_symbols(const OpenElf &elf, Elf64_Word type, std::vector<Symbol> &out, bool &found)
{
	Elf_Scn *scn = nullptr;
	GElf_Shdr shdr;
	while ((scn = elf_nextscn(elf.handle.elf, scn)) != nullptr) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != type)
			continue;
		found = true;
		Elf_Data *data = elf_getdata(scn, nullptr);
		if (!data)
			corrupt_elf(elf.file.path, "symbol table");
		size_t count = shdr.sh_entsize ? shdr.sh_size / shdr.sh_entsize : 0;
		for (size_t i = 0; i < count; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, int(i), &sym))
				corrupt_elf(elf.file.path, "symbol " + std::to_string(i));
			int stt = GELF_ST_TYPE(sym.st_info);
			if ((stt != STT_FUNC && stt != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
				continue;
			const char *name = elf_strptr(elf.handle.elf, shdr.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			int bind = GELF_ST_BIND(sym.st_info);
			Binding binding = bind == STB_GLOBAL || bind == STB_GNU_UNIQUE ? Binding::Global :
					  bind == STB_LOCAL ? Binding::Local : bind == STB_WEAK ? Binding::Weak : Binding::Unknown;
			out.push_back(Symbol{ name, sym.st_value, sym.st_size, binding });
		}
	}
}

uint32_t crc32_of(const std::vector<char> &bytes)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	size_t done = 0;
	while (done < bytes.size()) {
		uInt chunk = uInt(std::min<size_t>(bytes.size() - done, 1u << 30));
		crc = crc32(crc, reinterpret_cast<const Bytef *>(bytes.data() + done), chunk);
		done += chunk;
	}
	return uint32_t(crc);
}

/** The cost class of the instruction at `p` (n bytes readable). */
EntryCost entry_cost_of(const unsigned char *p, size_t n)
{
	if (n >= 5 && p[0] == 0x0f && p[1] == 0x1f && p[2] == 0x44 && p[3] == 0x00)
		return EntryCost::Optimized; // nopl 0x0(%rax,%rax,1)
	if (n >= 1 && (p[0] == 0x90 || (p[0] >= 0x50 && p[0] <= 0x57)))
		return EntryCost::Emulated; // nop, push %rax..%rdi
	if (n >= 2 && p[0] == 0x41 && p[1] >= 0x50 && p[1] <= 0x57)
		return EntryCost::Emulated; // push %r8..%r15
	return n > 0 ? EntryCost::SingleStepped : EntryCost::Unknown;
}

bool is_endbr64(const unsigned char *p, size_t n)
{
	return n >= 4 && p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && p[3] == 0xfa;
}

class IndexBuilder {
public:
	explicit IndexBuilder(const std::string &path) : path_(path) {}

	std::shared_ptr<const BinaryIndex> build()
	{
		auto index = std::make_shared<BinaryIndex>();
		index_ = index.get();
		open_elf(path_, binary_);
		index_->path = path_;
		index_->key = binary_.file.key;
		read_elf_facts();

		const OpenElf *dwarf_source = nullptr;
		if (has_dwarf(binary_)) {
			dwarf_source = &binary_;
		} else if (find_debug_file()) {
			dwarf_source = &debug_;
			index_->debug_file = debug_.file.path;
		}

		std::vector<Symbol> symbols;
		read_symbols(binary_, SHT_SYMTAB, symbols, index_->has_symtab);
		read_symbols(binary_, SHT_DYNSYM, symbols, index_->has_dynsym);
		if (dwarf_source == &debug_) {
			bool debug_symtab = false;
			read_symbols(debug_, SHT_SYMTAB, symbols, debug_symtab);
			index_->has_symtab = index_->has_symtab || debug_symtab;
		}

		DwarfFacts facts;
		if (dwarf_source && index_->kind == ElfKind::Relocatable) {
			index_->warnings.push_back("an object file (.o): its DWARF addresses are not final; link it to read functions by source");
		} else if (dwarf_source) {
			index_->has_dwarf = true;
			read_dwarf(dwarf_source->handle.elf, dwarf_source->file.path, *index_, facts);
		}
		merge(symbols, facts);
		index_ = nullptr;
		return index;
	}

private:
	std::string path_;
	OpenElf binary_, debug_;
	BinaryIndex *index_ = nullptr;

	void read_elf_facts()
	{
		GElf_Ehdr ehdr;
		gelf_getehdr(binary_.handle.elf, &ehdr);
		index_->machine = ehdr.e_machine;
		size_t phnum = 0;
		if (elf_getphdrnum(binary_.handle.elf, &phnum) != 0)
			corrupt_elf(path_, "program headers");
		bool interp = false;
		for (size_t i = 0; i < phnum; i++) {
			GElf_Phdr phdr;
			if (!gelf_getphdr(binary_.handle.elf, int(i), &phdr))
				corrupt_elf(path_, "program header " + std::to_string(i));
			if (phdr.p_type == PT_LOAD)
				index_->segments.push_back(LoadSegment{ phdr.p_vaddr, phdr.p_memsz, phdr.p_offset, phdr.p_filesz });
			if (phdr.p_type == PT_INTERP)
				interp = true;
		}
		switch (ehdr.e_type) {
		case ET_EXEC: index_->kind = ElfKind::Executable; break;
		case ET_DYN: index_->kind = is_pie(interp) ? ElfKind::PieExecutable : ElfKind::SharedLibrary; break;
		case ET_REL: index_->kind = ElfKind::Relocatable; break;
		case ET_CORE: index_->kind = ElfKind::Core; break;
		default: index_->kind = ElfKind::Other; break;
		}
		index_->build_id = read_build_id(binary_);
		uint32_t crc;
		read_debuglink(binary_, index_->debuglink, crc);
	}

	/** DF_1_PIE; else (older linkers) an interpreter and no soname. libc.so.6 has both, and a soname. */
	bool is_pie(bool interp)
	{
		GElf_Shdr shdr;
		Elf_Scn *scn = find_section(binary_, ".dynamic", shdr);
		if (!scn)
			return interp;
		Elf_Data *data = elf_getdata(scn, nullptr);
		size_t count = data && shdr.sh_entsize ? shdr.sh_size / shdr.sh_entsize : 0;
		bool soname = false;
		for (size_t i = 0; i < count; i++) {
			GElf_Dyn dyn;
			if (!gelf_getdyn(data, int(i), &dyn))
				continue;
			if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE))
				return true;
			if (dyn.d_tag == DT_SONAME)
				soname = true;
		}
		return interp && !soname;
	}

	/** Records a candidate's state, so that a debug file appearing later makes the index stale. */
	bool try_debug_file(const std::string &candidate, const uint32_t *crc)
	{
		FileKey key;
		if (!stat_key(candidate, key)) {
			index_->debug_candidates_absent.push_back(candidate);
			return false;
		}
		index_->debug_candidates.emplace_back(candidate, key);
		try {
			OpenElf debug;
			open_elf(candidate, debug);
			if (crc && crc32_of(debug.file.bytes) != *crc) {
				index_->warnings.push_back(candidate + ": its CRC does not match the binary's .gnu_debuglink (from another build?); not used");
				return false;
			}
			if (!index_->build_id.empty() && read_build_id(debug) != index_->build_id) {
				index_->warnings.push_back(candidate + ": its build-id differs from the binary's; not used");
				return false;
			}
			if (!has_dwarf(debug))
				return false;
			debug_.file = std::move(debug.file);
			// The Elf points into the bytes, which moved with their vector: re-open it on them.
			debug_.handle.elf = elf_memory(debug_.file.bytes.data(), debug_.file.bytes.size());
			if (!debug_.handle.elf || elf_getshdrstrndx(debug_.handle.elf, &debug_.shstrndx) != 0)
				return false;
			return true;
		} catch (const SymbolError &error) {
			index_->warnings.push_back(candidate + ": " + error.what());
			return false;
		}
	}

	bool find_debug_file()
	{
		std::vector<std::string> roots = debug_roots();
		const std::string &id = index_->build_id;
		if (id.size() > 2) {
			for (const std::string &root : roots) {
				if (try_debug_file(root + "/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug", nullptr))
					return true;
			}
		}
		std::string name;
		uint32_t crc;
		if (read_debuglink(binary_, name, crc)) {
			std::string dir = dirname_of(path_);
			std::vector<std::string> candidates = { dir + "/" + name, dir + "/.debug/" + name };
			for (const std::string &root : roots)
				candidates.push_back(root + dir + "/" + name);
			for (const std::string &candidate : candidates) {
				if (candidate != path_ && try_debug_file(candidate, &crc))
					return true;
			}
		}
		return false;
	}

	void merge(std::vector<Symbol> &symbols, const DwarfFacts &facts)
	{
		std::sort(symbols.begin(), symbols.end(), [](const Symbol &a, const Symbol &b) {
			return a.value != b.value ? a.value < b.value : a.name < b.name;
		});
		symbols.erase(std::unique(symbols.begin(), symbols.end(),
					  [](const Symbol &a, const Symbol &b) { return a.value == b.value && a.name == b.name; }),
			      symbols.end());

		std::unordered_map<uint64_t, int32_t> concrete_at_entry, concrete_at_part;
		for (size_t i = 0; i < facts.concrete.size(); i++) {
			const ConcreteInstance &c = facts.concrete[i];
			concrete_at_entry.emplace(c.entry, int32_t(i));
			for (auto &range : c.ranges) {
				if (range.first != c.entry)
					concrete_at_part.emplace(range.first, int32_t(i));
			}
		}

		std::vector<Function> &functions = index_->functions;
		std::vector<int32_t> function_of_concrete(facts.concrete.size(), -1);
		std::vector<bool> source_has_body(index_->source_functions.size(), false);
		for (const Symbol &sym : symbols) {
			Function f;
			f.name = sym.name;
			f.demangled = demangle(sym.name);
			f.address = sym.value;
			f.size = sym.size;
			f.has_address = true;
			f.from_symbol_table = true;
			f.binding = sym.binding;
			auto entry = concrete_at_entry.find(sym.value);
			if (entry != concrete_at_entry.end()) {
				const ConcreteInstance &c = facts.concrete[size_t(entry->second)];
				f.source = c.source;
				f.signature = c.signature;
				if (f.size == 0 && !c.ranges.empty())
					f.size = c.ranges.front().second - c.ranges.front().first;
				if (function_of_concrete[size_t(entry->second)] < 0)
					function_of_concrete[size_t(entry->second)] = int32_t(functions.size());
				source_has_body[size_t(c.source)] = true;
			} else {
				auto part = concrete_at_part.find(sym.value);
				if (part != concrete_at_part.end()) {
					f.source = facts.concrete[size_t(part->second)].source;
					f.is_fragment = true;
				}
			}
			functions.push_back(std::move(f));
		}
		for (size_t i = 0; i < facts.concrete.size(); i++) {
			if (function_of_concrete[i] >= 0)
				continue;
			const ConcreteInstance &c = facts.concrete[i];
			const SourceFunction &source = index_->source_functions[size_t(c.source)];
			Function f;
			f.name = !source.linkage_name.empty() ? source.linkage_name : source.name.empty() ? "(anonymous)" : source.name;
			f.demangled = demangle(f.name);
			f.address = c.entry;
			f.size = c.ranges.front().second - c.ranges.front().first;
			f.has_address = true;
			f.binding = source.external ? Binding::Global : Binding::Local;
			f.source = c.source;
			f.signature = c.signature;
			function_of_concrete[i] = int32_t(functions.size());
			source_has_body[size_t(c.source)] = true;
			functions.push_back(std::move(f));
		}

		// Functions that exist only inlined: one entry per source function (a static inline in a
		// header has one abstract DIE per unit that includes it: same name, file and line).
		std::map<std::tuple<std::string, uint32_t, uint32_t>, int32_t> inlined_only;
		std::vector<int32_t> inline_owner(index_->source_functions.size(), -1);
		for (const InlineInstance &site : facts.inlined) {
			size_t s = size_t(site.source);
			if (inline_owner[s] >= 0)
				continue;
			const SourceFunction &source = index_->source_functions[s];
			if (source_has_body[s])
				continue;
			auto key = std::make_tuple(source.linkage_name.empty() ? source.name : source.linkage_name, source.file, source.line);
			auto found = inlined_only.find(key);
			if (found != inlined_only.end()) {
				inline_owner[s] = found->second;
				continue;
			}
			Function f;
			f.name = std::get<0>(key).empty() ? "(anonymous)" : std::get<0>(key);
			f.demangled = demangle(f.name);
			f.inlined_only = true;
			f.binding = source.external ? Binding::Global : Binding::Local;
			f.source = site.source;
			f.signature = source.signature;
			inline_owner[s] = int32_t(functions.size());
			inlined_only.emplace(key, inline_owner[s]);
			functions.push_back(std::move(f));
		}

		// Sort by address (inlined-only last, by name), keeping the indexes that point in.
		std::vector<size_t> order(functions.size());
		for (size_t i = 0; i < order.size(); i++)
			order[i] = i;
		std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
			const Function &fa = functions[a], &fb = functions[b];
			if (fa.inlined_only != fb.inlined_only)
				return !fa.inlined_only;
			if (fa.inlined_only)
				return fa.demangled < fb.demangled;
			if (fa.address != fb.address)
				return fa.address < fb.address;
			return fa.from_symbol_table && !fb.from_symbol_table;
		});
		std::vector<int32_t> new_position(functions.size());
		std::vector<Function> sorted;
		sorted.reserve(functions.size());
		for (size_t i = 0; i < order.size(); i++) {
			new_position[order[i]] = int32_t(i);
			sorted.push_back(std::move(functions[order[i]]));
		}
		functions = std::move(sorted);
		for (int32_t &f : function_of_concrete)
			f = f < 0 ? f : new_position[size_t(f)];

		// Each out-of-line function (or inlined-only entry) lists where it was inlined.
		std::vector<int32_t> owner_by_source(index_->source_functions.size(), -1);
		for (size_t i = 0; i < functions.size(); i++) {
			const Function &f = functions[i];
			if (f.source >= 0 && !f.is_fragment && owner_by_source[size_t(f.source)] < 0)
				owner_by_source[size_t(f.source)] = int32_t(i);
		}
		for (const InlineInstance &site : facts.inlined) {
			int32_t owner = owner_by_source[size_t(site.source)];
			if (owner < 0 && inline_owner[size_t(site.source)] >= 0)
				owner = new_position[size_t(inline_owner[size_t(site.source)])];
			if (owner < 0)
				continue;
			InlineSite out;
			out.address = site.entry;
			out.has_offset = index_->file_offset_of(site.entry, out.file_offset);
			out.call_file = site.call_file;
			out.call_line = site.call_line;
			out.caller = site.enclosing >= 0 ? function_of_concrete[size_t(site.enclosing)] : -1;
			functions[size_t(owner)].inline_sites.push_back(out);
		}
		const auto *bytes = reinterpret_cast<const unsigned char *>(binary_.file.bytes.data());
		const size_t size = binary_.file.bytes.size();
		for (Function &f : functions) {
			if (f.has_address)
				f.has_offset = index_->file_offset_of(f.address, f.file_offset);
			if (f.has_offset && f.file_offset < size) {
				const unsigned char *entry = bytes + f.file_offset;
				size_t left = std::min<size_t>(size - f.file_offset, f.size > 0 ? f.size : 16);
				f.starts_with_endbr64 = is_endbr64(entry, left);
				f.entry_cost = f.starts_with_endbr64 ? entry_cost_of(entry + 4, left - 4) : entry_cost_of(entry, left);
			}
			std::sort(f.inline_sites.begin(), f.inline_sites.end(),
				  [](const InlineSite &a, const InlineSite &b) { return a.address < b.address; });
		}
	}
};

} // namespace

bool BinaryIndex::file_offset_of(uint64_t vaddr, uint64_t &offset) const
{
	for (const LoadSegment &seg : segments) {
		if (vaddr >= seg.vaddr && vaddr < seg.vaddr + seg.filesz) {
			offset = vaddr - seg.vaddr + seg.offset;
			return true;
		}
	}
	return false;
}

bool BinaryIndex::vaddr_of(uint64_t offset, uint64_t &vaddr) const
{
	for (const LoadSegment &seg : segments) {
		if (offset >= seg.offset && offset < seg.offset + seg.filesz) {
			vaddr = offset - seg.offset + seg.vaddr;
			return true;
		}
	}
	return false;
}

std::shared_ptr<const BinaryIndex> build_index(const std::string &path)
{
	IndexBuilder builder(path);
	return builder.build();
}

std::vector<LineSite> line_sites(const BinaryIndex &index, const std::vector<uint64_t> &addresses, BinaryIndex &scratch)
{
	OpenElf binary, debug;
	open_elf(index.path, binary);
	if (!index.debug_file.empty())
		open_elf(index.debug_file, debug);
	const OpenElf &dwarf = index.debug_file.empty() ? binary : debug;
	return read_line_sites(dwarf.handle.elf, binary.handle.elf, dwarf.file.path, addresses, scratch);
}

std::vector<std::vector<SourceFrame>> source_frames(const BinaryIndex &index, const std::vector<uint64_t> &addresses)
{
	OpenElf dwarf;
	open_elf(index.debug_file.empty() ? index.path : index.debug_file, dwarf);
	return read_source_frames(dwarf.handle.elf, dwarf.file.path, addresses);
}

bool index_is_stale(const BinaryIndex &index)
{
	FileKey key;
	if (!stat_key(index.path, key) || key != index.key)
		return true;
	for (const auto &candidate : index.debug_candidates) {
		if (!stat_key(candidate.first, key) || key != candidate.second)
			return true;
	}
	for (const std::string &absent : index.debug_candidates_absent) {
		if (stat_key(absent, key))
			return true;
	}
	return false;
}

std::string demangle(const std::string &name)
{
	if (name.size() < 2 || name[0] != '_' || name[1] != 'Z')
		return name;
	int status = 0;
	char *text = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
	if (status != 0 || !text)
		return name;
	std::string out(text);
	free(text);
	return out;
}

const char *machine_name(uint16_t machine)
{
	switch (machine) {
	case EM_X86_64: return "x86-64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_RISCV: return "riscv";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390";
	default: return "unknown";
	}
}

std::string normalize_path(const std::string &path, const std::string &base)
{
	bool absolute = (!path.empty() && path[0] == '/') || (!base.empty() && base[0] == '/');
	std::string joined = !path.empty() && path[0] == '/' ? path : base.empty() ? path : base + "/" + path;
	std::vector<std::string> parts;
	size_t start = 0;
	while (start <= joined.size()) {
		size_t slash = joined.find('/', start);
		std::string part = joined.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
		if (part == "..") {
			if (!parts.empty())
				parts.pop_back();
		} else if (!part.empty() && part != ".") {
			parts.push_back(part);
		}
		if (slash == std::string::npos)
			break;
		start = slash + 1;
	}
	std::string out;
	for (const std::string &part : parts)
		out += (out.empty() && !absolute ? "" : "/") + part;
	return out.empty() ? (absolute ? "/" : ".") : out;
}

} // namespace probelens
