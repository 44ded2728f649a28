// One binary, read once: its ELF facts, every function (symbol table and DWARF merged), the
// source lines, and each function's parameters. Built off the main thread and immutable after,
// so any number of threads may read one index at once without locks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "file_bytes.h"

namespace probelens {

enum class TypeKind { Void, Integer, Bool, Char, Enum, Pointer, Float, Struct, Union, Class, Array, Function, Unknown };

/** How the x86-64 SysV ABI passes a value of this type, with what it needs to decide. */
enum class AbiClass { None, Integer, Sse, X87, Memory };

struct TypeInfo {
	std::string name;
	TypeKind kind = TypeKind::Unknown;
	uint64_t size = 0;
	uint64_t align = 0;
	bool is_signed = false;
	/** A pointer whose target is char, signed char or unsigned char (a C string, probably). */
	bool points_to_char = false;
	/** C++ DW_CC_pass_by_reference: passed as the address of a caller-made copy. */
	bool pass_by_reference = false;
	/** Per eightbyte, for values of at most 16 bytes; Memory when it goes on the stack. */
	AbiClass classes[2] = { AbiClass::None, AbiClass::None };
	std::vector<std::pair<std::string, int64_t>> enumerators;
	/** Pointers and references: the type pointed to (an index into BinaryIndex::types; 0: void). */
	uint32_t target = 0;
	/** Structs, classes and unions: the named data members that take room, in order. */
	struct Member {
		std::string name;
		uint64_t offset;
		uint32_t type;
	};
	std::vector<Member> members;
};

/** What DWARF says about a parameter's place at the function's entry address. */
struct EntryLocation {
	enum Kind {
		Unknown,       // no DWARF for this parameter
		Register,      // DW_OP_regN, valid at entry
		Stack,         // at sp + offset at entry (a caller-pushed argument)
		NotAtEntry,    // a location that only holds after the prologue (a frame slot)
		OptimizedOut,  // no location (or none covering the entry address)
		Constant,      // DW_AT_const_value: the compiler knows it, nothing is passed
		Expression,    // a computed location we do not read (pieces, entry values, ...)
	} kind = Unknown;
	int dwarf_register = -1;
	int64_t stack_offset = 0;
	/** Plain words: "DW_OP_reg5 (rdi)", "location list", "DW_OP_fbreg -20", ... */
	std::string text;
};

struct Parameter {
	std::string name;
	uint32_t type = 0; // index into BinaryIndex::types
	bool artificial = false;
	EntryLocation location;
};

struct Signature {
	std::vector<Parameter> params;
	uint32_t return_type = 0;
	bool variadic = false;
	/** DW_CC_nocall, or a renamed clone (foo.isra.0): not called with the standard convention. */
	bool nonstandard_convention = false;
	std::string nonstandard_reason;
};

/** A function as written in the source: one per abstract/defining DIE. */
struct SourceFunction {
	std::string name;         // DW_AT_name
	std::string linkage_name; // DW_AT_linkage_name, if any
	uint32_t file = UINT32_MAX;  // index into BinaryIndex::files
	uint32_t line = 0;
	uint32_t last_line = 0;   // the last line with code attributed to it (0: unknown)
	bool external = false;
	int32_t signature = -1;   // from a defining DIE, when no concrete one was better
};

struct InlineSite {
	uint64_t address = 0;
	uint64_t file_offset = 0;
	bool has_offset = false;
	uint32_t call_file = UINT32_MAX;
	uint32_t call_line = 0;
	int32_t caller = -1; // index of the Function it sits in
};

/** A direct call the compiler described (DW_TAG_call_site, at -O1 and up): its line, its callee. */
struct CallSite {
	uint32_t file = UINT32_MAX;
	uint32_t line = 0;
	std::string callee; // the callee's linkage name (a C++ symbol), else its DWARF name
};

enum class Binding { Global, Local, Weak, Unknown };

/**
 * What the kernel does with the first instruction a uprobe replaces (../shared/KERNEL.md): a
 * 5-byte nop it rewrites into a call (Linux 6.18: ~1.5 µs a hit), a nop or push it emulates
 * (~5 µs), anything else it single-steps (~20-30 µs). endbr64 is single-stepped: a probe goes
 * past it, where the next instruction decides.
 */
enum class EntryCost { Unknown, Optimized, Emulated, SingleStepped };

struct Function {
	std::string name;      // the symbol (mangled for C++), or the DWARF name without one
	std::string demangled; // == name for C
	uint64_t address = 0;
	uint64_t size = 0;
	uint64_t file_offset = 0;
	bool has_address = false;
	bool has_offset = false;
	bool from_symbol_table = false;
	bool inlined_only = false;
	Binding binding = Binding::Unknown;
	int32_t source = -1;    // index into source_functions
	int32_t signature = -1; // index into signatures
	/** This symbol is not the entry of its source function (foo.cold, a split-off part). */
	bool is_fragment = false;
	/** The function starts with endbr64 (CET): probes land on the next instruction, 4 bytes in. */
	bool starts_with_endbr64 = false;
	/** The cost class of the instruction the probe replaces (past an endbr64). */
	EntryCost entry_cost = EntryCost::Unknown;
	std::vector<InlineSite> inline_sites;
};

struct LineRow {
	uint64_t address;
	uint32_t file;
	uint32_t line;
};

/** Where a variable is at one address: what a line probe reads there. */
struct VariableLocation {
	enum Kind {
		Register,      // DW_OP_regN
		Memory,        // at register + offset (a frame slot: DW_OP_fbreg, DW_OP_bregN)
		OptimizedOut,  // no location covers the address
		Constant,      // DW_AT_const_value
		Unsupported,   // a computed location (pieces, DW_OP_stack_value, entry values, ...)
	} kind = Unsupported;
	int dwarf_register = -1; // Register; Memory: the base register
	int64_t offset = 0;      // Memory: from the base register's value
	int64_t constant = 0;
	std::string text; // DWARF's expression, in words
};

struct LocalVariable {
	std::string name;
	uint32_t type = 0; // into the types of the index the sites were read with
	bool parameter = false;
	VariableLocation location;
};

/** One place a source line's code starts: in a function, or in one inlined copy of one. */
struct LineSite {
	uint64_t address = 0;
	std::string function; // the source function whose code this is
	bool inlined = false;
	std::vector<LocalVariable> variables; // innermost scope first
};

/** One source frame at an address: a function, and the line in it that the address is at. */
struct SourceFrame {
	std::string function; // DWARF's name (C++: the demangled linkage name); without DWARF, the symbol's
	std::string file;     // normalized like BinaryIndex::files; empty when unknown
	uint32_t line = 0;    // 0 when unknown
	bool inlined = false; // an inlined copy: the next frame is at its call's line
};

enum class ElfKind { Executable, PieExecutable, SharedLibrary, Relocatable, Core, Other };

struct LoadSegment {
	uint64_t vaddr, memsz, offset, filesz;
};

struct BinaryIndex {
	std::string path;
	FileKey key;
	ElfKind kind = ElfKind::Other;
	uint16_t machine = 0;
	std::string build_id;     // hex, empty when none
	std::string debuglink;    // .gnu_debuglink's file name, empty when none
	std::string debug_file;   // where the DWARF came from when not the binary itself
	/** Debug files that were looked for (to notice one appearing or changing), with their keys. */
	std::vector<std::pair<std::string, FileKey>> debug_candidates;
	std::vector<std::string> debug_candidates_absent;
	bool has_symtab = false, has_dynsym = false, has_dwarf = false;
	std::vector<std::string> warnings;

	std::vector<LoadSegment> segments;
	std::vector<std::string> files; // normalized absolute source paths
	std::vector<TypeInfo> types;    // types[0] is void
	std::vector<Signature> signatures;
	std::vector<SourceFunction> source_functions;
	std::vector<Function> functions; // by address, inlined-only ones last
	/** is_stmt rows sorted by (file, line, address). */
	std::vector<LineRow> lines;
	std::vector<CallSite> call_sites;

	std::unordered_map<std::string, uint32_t> file_ids;

	bool file_offset_of(uint64_t vaddr, uint64_t &offset) const;
	/** The reverse: the address a file offset is loaded at (false outside every PT_LOAD's file bytes). */
	bool vaddr_of(uint64_t offset, uint64_t &vaddr) const;
};

/** Reads and indexes a binary (and its separate debug file, if any); throws SymbolError. */
std::shared_ptr<const BinaryIndex> build_index(const std::string &path);

/**
 * The sites of a line's addresses (read_line_sites), from the binary's DWARF read again: the
 * index keeps no local variables. Types go to `scratch`.
 */
std::vector<LineSite> line_sites(const BinaryIndex &index, const std::vector<uint64_t> &addresses, BinaryIndex &scratch);

/**
 * The source frames at each address (read_source_frames), innermost first, from the binary's
 * DWARF read again: the index keeps no scopes.
 */
std::vector<std::vector<SourceFrame>> source_frames(const BinaryIndex &index, const std::vector<uint64_t> &addresses);

/** Whether anything the index was built from changed since (the binary or a debug file). */
bool index_is_stale(const BinaryIndex &index);

/** A C++ symbol's demangled form ("geo::area(int, int)"); any other name as it is. */
std::string demangle(const std::string &name);

/** "x86-64"-style name of an ELF machine. */
const char *machine_name(uint16_t machine);

/**
 * Removes ".", ".." and "//", joining a relative path to `base` first. Stays relative when both
 * are (a reproducible build's comp_dir "./csu": the real build directory is unknown).
 */
std::string normalize_path(const std::string &path, const std::string &base);

} // namespace probelens
