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

struct ArgCapture {
	/** The helper's ValueType ("s32", "string", ...), empty when not captured. */
	std::string value_type;
	/** "rdi".."r9" or empty for a stack slot. */
	std::string register_name;
	int64_t stack_offset = -1;
	/** Plain words on where it is passed, e.g. "rdi", "xmm0", "stack sp+8", "rdi:rsi". */
	std::string passed_in;
	/** Why it is not captured, or a caveat when it is. */
	std::string note;
	bool captured() const { return !value_type.empty(); }
};

struct SignatureCapture {
	std::vector<ArgCapture> args; // one per Signature::params
	std::string return_type;      // ValueType, empty when not captured
	std::string return_note;
	std::vector<std::string> notes;
};

/**
 * `symbol_name` spots renamed clones (foo.isra.0) whose convention is the compiler's own;
 * `local` (a static function) means its callers, all known to the compiler, may skip arguments
 * DWARF calls optimized out.
 */
SignatureCapture capture_for(const BinaryIndex &index, const Signature &signature, const std::string &symbol_name, bool local);

/** The helper's ValueType for a scalar type, empty when it has none. */
std::string value_type_of(const TypeInfo &type);

} // namespace probelens
