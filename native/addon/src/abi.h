// Where each argument of a function is at its entry address on x86-64 (System V ABI), and how
// the helper may read it: integer and pointer classes by register (rdi, rsi, rdx, rcx, r8, r9)
// or stack slot, `char *` as a bounded string; what BPF cannot read (vector registers, structs
// by value, x87) is "not captured" with the reason. DWARF's own entry locations win where the
// compiler changed the calling convention (clones, DW_CC_nocall).
#pragma once

#include <string>
#include <vector>

#include "binary_index.h"

namespace probelens {

/**
 * What a pointer argument points to, for the helper to read at entry (at most kMaxPointeeBytes)
 * and the client to show field by field: a struct's scalar members, and the text one of them
 * points to (a C++ string, a {data, size} pair), cut to its length field when it has one.
 */
struct PointeeField {
	std::string name;
	uint64_t offset;
	std::string value_type; // the helper's ValueType: "u64", "pointer", "string", ...
};

struct Pointee {
	std::string type_name;
	uint64_t size = 0;          // bytes to read
	int64_t text_at = -1;       // offset of the pointer to the text, -1: none
	int64_t length_at = -1;     // offset of the text's length (8 bytes), -1: NUL-terminated
	bool text_only = false;     // a string type: show the text, not the fields
	/** libc++'s std::string: when bit 0 of byte 0 is clear, the text is inline from byte 1, its
	 * length byte 0 >> 1; else at text_at, length_at. */
	bool inline_when_short = false;
	std::vector<PointeeField> fields;
};

constexpr uint64_t kMaxPointeeBytes = 64; // MAX_DEREF in bpf/probe.h

struct ArgCapture {
	/** The helper's ValueType ("s32", "string", ...), empty when not captured. */
	std::string value_type;
	/** "rdi".."r9" or empty for a stack slot. */
	std::string register_name;
	int64_t stack_offset = -1;
	/** A struct by value: the registers holding its bytes (1 or 2), or its copy at stack_offset. */
	std::vector<std::string> by_value_registers;
	bool by_value_on_stack = false;
	/** Plain words on where it is passed, e.g. "rdi", "xmm0", "stack sp+8", "rdi:rsi". */
	std::string passed_in;
	/** Why it is not captured, or a caveat when it is. */
	std::string note;
	/** For a pointer to a struct: what to read where it points (type_name empty: nothing). */
	Pointee pointee;
	bool captured() const { return !value_type.empty(); }
};

struct SignatureCapture {
	std::vector<ArgCapture> args; // one per Signature::params
	std::string return_type;      // ValueType, empty when not captured
	/** A struct returned by value: how to show its bytes, found in 1 or 2 registers (rax, rdx)
	 * or, with return_registers 0, where rax points at the return (the caller's buffer). */
	Pointee return_pointee;
	int return_registers = 0;
	std::string return_note;
	std::vector<std::string> notes;
};

/**
 * `symbol_name` spots renamed clones (foo.isra.0) whose convention is the compiler's own;
 * `local` (a static function) means its callers, all known to the compiler, may skip arguments
 * DWARF calls optimized out.
 */
SignatureCapture capture_for(const BinaryIndex &index, const Signature &signature, const std::string &symbol_name, bool local);

/** What a pointer to a struct points to, to read at entry; type_name empty when nothing. */
Pointee pointee_of(const BinaryIndex &index, const TypeInfo &pointer);

/** How to show a struct's bytes (by value, or where a pointer points); type_name empty when nothing. */
Pointee layout_of(const BinaryIndex &index, const TypeInfo &target);

/** The helper's ValueType for a scalar type, empty when it has none. */
std::string value_type_of(const TypeInfo &type);

} // namespace probelens
