/* Symbol-table lookups with libelf. A whole scan per attach is fine here: attaches are rare,
 * and the client's symbol index (the addon) does the heavy, cached work. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <libelf.h>
#include "elf_symbols.h"
#include "nearest.h"

struct lookup {
	const char *name;
	size_t name_len;
	struct function_location found;
	int matches;		/* distinct addresses */
	uint64_t other_address;
	bool saw_symtab, saw_functions;
	struct nearest nearest;
};

/* Symbol names may carry a version (printf@@GLIBC_2.2.5) in .symtab. */
static bool name_matches(const struct lookup *lk, const char *sym)
{
	return !strncmp(sym, lk->name, lk->name_len) && (sym[lk->name_len] == '\0' || sym[lk->name_len] == '@');
}

/* The executable PT_LOAD segment holding `at`: a virtual address, or with by_offset a file
 * offset. */
static bool executable_segment(Elf *elf, uint64_t at, bool by_offset, GElf_Phdr *phdr)
{
	size_t count;

	if (elf_getphdrnum(elf, &count))
		return false;
	for (size_t i = 0; i < count; i++) {
		uint64_t start;

		if (!gelf_getphdr(elf, i, phdr) || phdr->p_type != PT_LOAD || !(phdr->p_flags & PF_X))
			continue;
		start = by_offset ? phdr->p_offset : phdr->p_vaddr;
		if (at >= start && at < start + phdr->p_filesz)
			return true;
	}
	return false;
}

static int file_offset_of(Elf *elf, uint64_t address, uint64_t *offset)
{
	GElf_Phdr phdr;

	if (!executable_segment(elf, address, false, &phdr))
		return -ENOENT;
	*offset = address - phdr.p_vaddr + phdr.p_offset;
	return 0;
}

static int address_of(Elf *elf, uint64_t offset, uint64_t *address)
{
	GElf_Phdr phdr;

	if (!executable_segment(elf, offset, true, &phdr))
		return -ENOENT;
	*address = offset - phdr.p_offset + phdr.p_vaddr;
	return 0;
}

/* Calls visit for every defined function symbol of a symbol table section. */
static void scan_functions(Elf *elf, Elf_Scn *scn, const GElf_Shdr *shdr,
			   void (*visit)(const char *name, const GElf_Sym *sym, void *ctx), void *ctx)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count = shdr->sh_entsize ? shdr->sh_size / shdr->sh_entsize : 0;

	for (size_t i = 0; data && i < count; i++) {
		GElf_Sym sym;
		const char *name;
		int type;

		if (!gelf_getsym(data, i, &sym))
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(elf, shdr->sh_link, sym.st_name);
		if (name && *name)
			visit(name, &sym, ctx);
	}
}

static void visit_lookup(const char *name, const GElf_Sym *sym, void *ctx)
{
	struct lookup *lk = ctx;

	lk->saw_functions = true;
	if (name_matches(lk, name)) {
		if (lk->matches == 0) {
			lk->found.address = sym->st_value;
			lk->found.size = sym->st_size;
			lk->matches = 1;
		} else if (sym->st_value != lk->found.address && sym->st_value != lk->other_address) {
			lk->other_address = sym->st_value;
			lk->matches++;
		}
	}
}

static void visit_nearest(const char *name, const GElf_Sym *sym, void *ctx)
{
	(void)sym;
	nearest_consider(&((struct lookup *)ctx)->nearest, name);
}

/* Calls visit for every function of .symtab and .dynsym. */
static void scan_symbol_tables(Elf *elf, bool *saw_symtab,
			       void (*visit)(const char *name, const GElf_Sym *sym, void *ctx), void *ctx)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;

		if (!gelf_getshdr(scn, &shdr) || (shdr.sh_type != SHT_SYMTAB && shdr.sh_type != SHT_DYNSYM))
			continue;
		*saw_symtab |= shdr.sh_type == SHT_SYMTAB;
		scan_functions(elf, scn, &shdr, visit, ctx);
	}
}

static Elf *elf_open(int fd, const char *path, struct rpc_failure *failure)
{
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		rpc_fail(failure, RPC_ATTACH_FAILED, "libelf: %s", elf_errmsg(-1));
		return NULL;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		rpc_fail(failure, RPC_NOT_ELF, "%s is not a readable ELF file: %s", path, elf_errmsg(-1));
		if (elf)
			elf_end(elf);
		return NULL;
	}
	return elf;
}

int elf_find_function(int fd, const char *path, const char *name, struct function_location *loc,
		      struct rpc_failure *failure)
{
	struct lookup lk = { .name = name, .name_len = strlen(name) };
	Elf *elf = elf_open(fd, path, failure);
	int err = -1;

	if (!elf)
		return -1;
	scan_symbol_tables(elf, &lk.saw_symtab, visit_lookup, &lk);
	/* Only a name not found needs the nearest one: comparing costs far more than matching. */
	nearest_init(&lk.nearest, name);
	if (!lk.matches)
		scan_symbol_tables(elf, &lk.saw_symtab, visit_nearest, &lk);
	if (lk.matches > 1) {
		rpc_fail(failure, RPC_BAD_PARAMS,
			 "%s has %d different functions named '%s' (e.g. at 0x%lx and 0x%lx): "
			 "name one by its file offset", path, lk.matches, name,
			 (unsigned long)lk.found.address, (unsigned long)lk.other_address);
	} else if (lk.matches == 1) {
		*loc = lk.found;
		if (file_offset_of(elf, loc->address, &loc->file_offset))
			rpc_fail(failure, RPC_ATTACH_FAILED,
				 "'%s' in %s is at 0x%lx, outside every executable segment", name, path,
				 (unsigned long)loc->address);
		else
			err = 0;
	} else if (!lk.saw_symtab && !lk.saw_functions) {
		rpc_fail(failure, RPC_STRIPPED,
			 "%s is stripped: it has no symbol table, so '%s' cannot be found by name. "
			 "Rebuild it without -s/strip, or install its debug symbols", path, name);
	} else if (!lk.saw_symtab) {
		rpc_fail(failure, RPC_SYMBOL_NOT_FOUND,
			 "'%s' is not among the exported functions of %s, and the file is stripped "
			 "(no .symtab), so its internal functions cannot be found%s%s%s", name, path,
			 lk.nearest.best[0] ? ". Did you mean '" : "", lk.nearest.best, lk.nearest.best[0] ? "'?" : "");
	} else {
		rpc_fail(failure, RPC_SYMBOL_NOT_FOUND, "no function '%s' in %s%s%s%s", name, path,
			 lk.nearest.best[0] ? ". Did you mean '" : "", lk.nearest.best, lk.nearest.best[0] ? "'?" : "");
	}
	elf_end(elf);
	return err;
}

int elf_check_offset(int fd, const char *path, uint64_t offset, struct rpc_failure *failure)
{
	Elf *elf = elf_open(fd, path, failure);
	GElf_Phdr phdr;
	bool found;

	if (!elf)
		return -1;
	found = executable_segment(elf, offset, true, &phdr);
	elf_end(elf);
	if (found)
		return 0;
	return rpc_fail(failure, RPC_BAD_PARAMS, "offset 0x%lx is not in an executable segment of %s",
			(unsigned long)offset, path);
}

struct entry_lookup {
	Elf *elf;
	uint64_t offset;
	bool found;
};

static void visit_entry(const char *name, const GElf_Sym *sym, void *ctx)
{
	struct entry_lookup *lk = ctx;
	uint64_t offset;

	(void)name;
	if (!lk->found && !file_offset_of(lk->elf, sym->st_value, &offset))
		lk->found = offset == lk->offset;
}

static bool starts_function(Elf *elf, uint64_t offset)
{
	struct entry_lookup lk = { .elf = elf, .offset = offset };
	bool saw_symtab = false;

	scan_symbol_tables(elf, &saw_symtab, visit_entry, &lk);
	return lk.found;
}

/* Whether a row of the line table (DWARF) of the unit holding the address starts there. */
static bool starts_line(Elf *elf, uint64_t offset)
{
	Dwarf *dwarf = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	Dwarf_Lines *lines;
	Dwarf_Die unit;
	uint64_t address;
	size_t count;
	bool found = false;

	if (!dwarf)
		return false;
	if (!address_of(elf, offset, &address) && dwarf_addrdie(dwarf, address, &unit) &&
	    !dwarf_getsrclines(&unit, &lines, &count)) {
		for (size_t i = 0; i < count && !found; i++) {
			Dwarf_Line *line = dwarf_onesrcline(lines, i);
			Dwarf_Addr row;
			bool end;

			found = line && !dwarf_lineaddr(line, &row) && !dwarf_lineendsequence(line, &end) &&
				!end && row == address;
		}
	}
	dwarf_end(dwarf);
	return found;
}

int elf_check_probe_site(int fd, const char *path, uint64_t offset, struct rpc_failure *failure)
{
	Elf *elf = elf_open(fd, path, failure);
	bool found;

	if (!elf)
		return -1;
	found = starts_function(elf, offset) || starts_line(elf, offset);
	elf_end(elf);
	if (found)
		return 0;
	return rpc_fail(failure, RPC_PERMISSION_DENIED,
			"offset 0x%lx of %s starts neither a function of its symbol table nor a line of its "
			"line table (DWARF): a user who is not root may probe only where the helper itself "
			"found one", (unsigned long)offset, path);
}

bool elf_starts_function(int fd, uint64_t offset)
{
	struct rpc_failure ignored;
	Elf *elf = elf_open(fd, "", &ignored);
	bool found;

	if (!elf)
		return false;
	found = starts_function(elf, offset);
	elf_end(elf);
	return found;
}

#define PROLOGUES_SAMPLED 256

struct prologue_count {
	int fd;
	Elf *elf;
	int sampled, with_frame_pointer;
};

/* push %rbp; mov %rsp,%rbp, after an endbr64 and a patchable 5-byte nop if there are: the
 * function keeps the frame-pointer chain. */
static void visit_prologue(const char *name, const GElf_Sym *sym, void *ctx)
{
	static const unsigned char endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	/* nopl disp8(%rax,%rax,1): gcc's displacement is 0, clang's 8 */
	static const unsigned char nop5[4] = { 0x0f, 0x1f, 0x44, 0x00 };
	static const unsigned char frame_setup[4] = { 0x55, 0x48, 0x89, 0xe5 };
	struct prologue_count *count = ctx;
	unsigned char bytes[16];
	size_t at = 0;
	uint64_t offset;

	(void)name;
	if (count->sampled >= PROLOGUES_SAMPLED || sym->st_size < sizeof(frame_setup) ||
	    file_offset_of(count->elf, sym->st_value, &offset) ||
	    pread(count->fd, bytes, sizeof(bytes), (off_t)offset) != (ssize_t)sizeof(bytes))
		return;
	count->sampled++;
	if (!memcmp(bytes + at, endbr64, sizeof(endbr64)))
		at += sizeof(endbr64);
	if (!memcmp(bytes + at, nop5, sizeof(nop5)))
		at += sizeof(nop5) + 1;
	count->with_frame_pointer += !memcmp(bytes + at, frame_setup, sizeof(frame_setup));
}

bool elf_keeps_frame_pointers(int fd)
{
	struct rpc_failure ignored;
	struct prologue_count count = { .fd = fd };
	bool saw_symtab = false;

	count.elf = elf_open(fd, "", &ignored);
	if (!count.elf)
		return false;
	scan_symbol_tables(count.elf, &saw_symtab, visit_prologue, &count);
	elf_end(count.elf);
	/* Leaf functions and hand-written ones may do without: most is the sign. */
	return count.sampled > 0 && count.with_frame_pointer * 2 >= count.sampled;
}
