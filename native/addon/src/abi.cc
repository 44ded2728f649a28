#include "abi.h"

#include <elf.h>

namespace probelens {

namespace {

const char *const GPR[6] = { "rdi", "rsi", "rdx", "rcx", "r8", "r9" };

/** DWARF x86-64 register number → argument register name, or nullptr for other registers. */
const char *argument_register(int dwarf_reg)
{
	switch (dwarf_reg) {
	case 5: return "rdi";
	case 4: return "rsi";
	case 1: return "rdx";
	case 2: return "rcx";
	case 8: return "r8";
	case 9: return "r9";
	default: return nullptr;
	}
}

const char *any_register(int dwarf_reg)
{
	static const char *const names[] = { "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
					     "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15" };
	if (dwarf_reg >= 0 && dwarf_reg < 16)
		return names[dwarf_reg];
	if (dwarf_reg >= 17 && dwarf_reg <= 32)
		return "an xmm register";
	return "a register";
}

uint64_t round_up(uint64_t value, uint64_t to) { return (value + to - 1) / to * to; }

/** Stack argument area: offset 8 at entry is 16-byte aligned (the return address is at 0). */
struct Placement {
	unsigned gpr = 0, sse = 0;
	uint64_t stack = 8;

	uint64_t on_stack(uint64_t size, uint64_t align)
	{
		if (align > 8)
			stack = 8 + round_up(stack - 8, align);
		uint64_t at = stack;
		stack += round_up(size ? size : 8, 8);
		return at;
	}
};

bool is_scalar(const TypeInfo &t)
{
	switch (t.kind) {
	case TypeKind::Integer:
	case TypeKind::Bool:
	case TypeKind::Char:
	case TypeKind::Enum:
	case TypeKind::Pointer: return t.size <= 8 && t.size > 0;
	default: return false;
	}
}

bool is_aggregate(const TypeInfo &t)
{
	return t.kind == TypeKind::Struct || t.kind == TypeKind::Union || t.kind == TypeKind::Class || t.kind == TypeKind::Array;
}

std::string sp(uint64_t offset) { return "stack sp+" + std::to_string(offset); }

} // namespace

namespace {

/** A type's name without the qualifiers in front (what `const std::string &` points to). */
std::string unqualified(std::string name)
{
	for (const char *qualifier : { "const ", "volatile " })
		while (name.rfind(qualifier, 0) == 0)
			name.erase(0, std::char_traits<char>::length(qualifier));
	return name;
}

/** A length member next to a text pointer: an 8-byte integer named like one (size_, mv_size, len). */
bool is_length(const TypeInfo::Member &member, const TypeInfo &type)
{
	return type.kind == TypeKind::Integer && type.size == 8 &&
	       (member.name == "n" || member.name == "count" || member.name.find("size") != std::string::npos ||
		member.name.find("len") != std::string::npos);
}

bool is_text_pointer(const TypeInfo &type, const BinaryIndex &index)
{
	if (type.kind != TypeKind::Pointer || type.size != 8)
		return false;
	const TypeInfo &target = index.types.at(type.target);
	return type.points_to_char || target.kind == TypeKind::Void;
}

} // namespace

/**
 * std::string whose members clang leaves out (-fno-standalone-debug): the library's layout is
 * fixed. libstdc++'s C++11 string is then only declared (size 0); libc++'s is known by its 24
 * bytes, {cap|long, size, data} when long, else {size << 1, chars…} inline.
 */
struct LibraryString {
	uint64_t described_size;
	const char *names[2]; // how DWARF names the template, besides the typedef "string"
	uint64_t size;
	int64_t text_at, length_at;
	bool inline_when_short;
};

const LibraryString kLibraryStrings[] = {
	{ 0, { "basic_string<char, std::char_traits<char>", "std::__cxx11::basic_string<char, std::char_traits<char>" }, 32, 0, 8, false },
	{ 24, { "basic_string<char, std::__1::char_traits<char>", "std::__1::basic_string<char, std::__1::char_traits<char>" }, 24, 16, 8, true },
};

Pointee pointee_of(const BinaryIndex &index, const TypeInfo &pointer)
{
	if (pointer.kind != TypeKind::Pointer || pointer.points_to_char)
		return Pointee{};
	return layout_of(index, index.types.at(pointer.target));
}

Pointee layout_of(const BinaryIndex &index, const TypeInfo &target)
{
	Pointee out;
	std::string name = unqualified(target.name);
	for (const LibraryString &known : kLibraryStrings) {
		if (target.size != known.described_size ||
		    (name != "string" && name.rfind(known.names[0], 0) != 0 && name.rfind(known.names[1], 0) != 0))
			continue;
		out.type_name = name;
		out.size = known.size;
		out.text_at = known.text_at;
		out.length_at = known.length_at;
		out.text_only = true;
		out.inline_when_short = known.inline_when_short;
		return out;
	}
	bool aggregate = target.kind == TypeKind::Struct || target.kind == TypeKind::Class || target.kind == TypeKind::Union;
	if (!aggregate || target.size == 0 || target.members.empty())
		return out;
	out.type_name = name;
	out.size = std::min(target.size, kMaxPointeeBytes);
	// libstdc++'s std::string {_M_dataplus {_M_p}, _M_string_length, …} and std::string_view
	// {_M_len, _M_str}, known by their members (DWARF names them "string", "basic_string<char, …>").
	auto member_at = [&](const char *name, uint64_t offset) {
		for (const TypeInfo::Member &member : target.members)
			if (member.name == name && member.offset == offset)
				return true;
		return false;
	};
	if (member_at("_M_dataplus", 0) && member_at("_M_string_length", 8) && target.size == 32) {
		out.text_at = 0;
		out.length_at = 8;
		out.text_only = true;
		return out;
	}
	if (member_at("_M_len", 0) && member_at("_M_str", 8) && target.size == 16) {
		out.text_at = 8;
		out.length_at = 0;
		out.text_only = true;
		return out;
	}
	bool text_is_void = false;
	for (const TypeInfo::Member &member : target.members) {
		const TypeInfo &type = index.types.at(member.type);
		std::string value_type = value_type_of(type);
		if (value_type.empty() || member.offset + type.size > out.size)
			continue;
		if (out.text_at < 0 && member.offset % 8 == 0 && is_text_pointer(type, index)) {
			out.text_at = int64_t(member.offset);
			text_is_void = !type.points_to_char;
			value_type = "string";
		} else if (value_type == "string") {
			value_type = "pointer"; // one text per argument is read: the others show their address
		}
		out.fields.push_back({ member.name, member.offset, value_type });
	}
	for (const TypeInfo::Member &member : target.members)
		if (out.text_at >= 0 && out.length_at < 0 && is_length(member, index.types.at(member.type)) &&
		    member.offset + 8 <= out.size)
			out.length_at = int64_t(member.offset);
	// A void * with no length beside it says nothing of what it points to: an address only.
	if (text_is_void && out.length_at < 0) {
		for (PointeeField &field : out.fields)
			if (int64_t(field.offset) == out.text_at)
				field.value_type = "pointer";
		out.text_at = -1;
	}
	if (out.fields.empty())
		out.type_name.clear();
	return out;
}

std::string value_type_of(const TypeInfo &type)
{
	switch (type.kind) {
	case TypeKind::Bool: return type.size == 1 ? "bool" : "";
	case TypeKind::Char:
		if (type.size != 1)
			return "";
		return type.is_signed ? "char" : "u8";
	case TypeKind::Integer:
	case TypeKind::Enum: {
		const char *prefix = type.is_signed ? "s" : "u";
		switch (type.size) {
		case 1: return std::string(prefix) + "8";
		case 2: return std::string(prefix) + "16";
		case 4: return std::string(prefix) + "32";
		case 8: return std::string(prefix) + "64";
		default: return "";
		}
	}
	case TypeKind::Pointer:
		if (type.size != 8)
			return "";
		return type.points_to_char ? "string" : "pointer";
	default: return "";
	}
}

SignatureCapture capture_for(const BinaryIndex &index, const Signature &signature, const std::string &symbol_name, bool local)
{
	SignatureCapture out;
	out.args.resize(signature.params.size());
	if (index.machine != EM_X86_64) {
		for (auto &arg : out.args)
			arg.note = std::string("not captured: argument locations are only worked out for x86-64, not ") + machine_name(index.machine);
		out.return_note = out.args.empty() ? "" : out.args.front().note;
		return out;
	}

	bool clone = symbol_name.find('.', 1) != std::string::npos;
	bool standard = !signature.nonstandard_convention && !clone;
	if (signature.nonstandard_convention)
		out.notes.push_back(signature.nonstandard_reason + ": arguments are read only where DWARF places them at entry");
	else if (clone)
		out.notes.push_back("'" + symbol_name + "' is a compiler-made copy whose arguments may differ from the source: they are read only where DWARF places them at entry");

	Placement place;
	const TypeInfo &ret = index.types.at(signature.return_type);
	if (ret.kind == TypeKind::Void) {
		out.return_note = "void";
	} else if (ret.pass_by_reference || (is_aggregate(ret) && ret.classes[0] == AbiClass::Memory)) {
		place.gpr = 1; // the caller's buffer address goes in rdi and shifts every argument
		// rax holds the buffer's address at the return: its bytes are read from there.
		out.return_pointee = layout_of(index, ret);
		if (out.return_pointee.type_name.empty())
			out.return_note = "not captured: " + ret.name + " is returned in memory (its address is passed in rdi)";
		else
			out.return_type = "pointer";
	} else if (ret.kind == TypeKind::Float) {
		out.return_note = ret.classes[0] == AbiClass::X87 ? "not captured: long double is returned in st(0)" :
								    "not captured: floating point is returned in xmm0, which BPF cannot read";
	} else if (is_aggregate(ret)) {
		bool in_gprs = ret.classes[0] == AbiClass::Integer && (ret.classes[1] == AbiClass::Integer || ret.classes[1] == AbiClass::None);
		Pointee layout = layout_of(index, ret);
		if (!in_gprs || layout.type_name.empty()) {
			out.return_note = "not captured: " + ret.name + " by value is returned in " +
					  (in_gprs ? "rax/rdx with no fields to show" : "xmm registers, which BPF cannot read");
		} else {
			out.return_type = "pointer";
			out.return_pointee = layout;
			out.return_registers = ret.classes[1] == AbiClass::Integer ? 2 : 1;
		}
	} else if (!value_type_of(ret).empty()) {
		out.return_type = value_type_of(ret);
		// A returned char * may point anywhere by the time of the return; show the address.
		if (out.return_type == "string")
			out.return_type = "pointer";
	} else {
		out.return_note = "not captured: " + ret.name + " has no value type the helper reads";
	}

	bool placement_lost = false;
	for (size_t i = 0; i < signature.params.size(); i++) {
		const Parameter &param = signature.params[i];
		const TypeInfo &type = index.types.at(param.type);
		ArgCapture &arg = out.args[i];
		std::string abi_register;
		int64_t abi_stack = -1;
		std::string abi_reason; // why the ABI place cannot be read, when it cannot

		if (placement_lost) {
			abi_reason = "its place is unknown: an earlier parameter has a type whose size is not known";
		} else if (is_scalar(type) || type.pass_by_reference) {
			if (place.gpr < 6) {
				abi_register = GPR[place.gpr++];
				arg.passed_in = abi_register;
			} else {
				abi_stack = int64_t(place.on_stack(8, 8));
				arg.passed_in = sp(uint64_t(abi_stack));
			}
		} else if ((type.kind == TypeKind::Integer || type.kind == TypeKind::Enum) && type.size == 16) {
			if (place.gpr <= 4) {
				arg.passed_in = std::string(GPR[place.gpr]) + ":" + GPR[place.gpr + 1];
				place.gpr += 2;
			} else {
				arg.passed_in = sp(place.on_stack(16, 16));
			}
			abi_reason = "128-bit integers are not captured (passed in " + arg.passed_in + ")";
		} else if (type.kind == TypeKind::Float) {
			if (type.classes[0] == AbiClass::X87 || type.classes[0] == AbiClass::Memory) {
				arg.passed_in = sp(place.on_stack(type.size, 16));
				abi_reason = type.name + " is passed on the stack (" + arg.passed_in + ") and has no value type the helper reads";
			} else {
				unsigned need = type.classes[1] == AbiClass::Sse ? 2 : 1;
				if (place.sse + need <= 8) {
					arg.passed_in = "xmm" + std::to_string(place.sse);
					if (need == 2)
						arg.passed_in += ":xmm" + std::to_string(place.sse + 1);
					place.sse += need;
					abi_reason = "floating point is passed in " + arg.passed_in + ", which BPF cannot read";
				} else {
					arg.passed_in = sp(place.on_stack(type.size, type.align));
					abi_reason = "floating point (on the " + arg.passed_in + ") has no value type the helper reads";
				}
			}
		} else if (is_aggregate(type) && type.size == 0 && type.kind != TypeKind::Array) {
			arg.passed_in = "nothing";
			abi_reason = "an empty " + type.name + " is not passed at all";
		} else if (is_aggregate(type)) {
			unsigned ints = 0, sses = 0;
			bool memory = type.classes[0] == AbiClass::Memory || type.classes[1] == AbiClass::Memory;
			for (int e = 0; e < 2 && !memory; e++) {
				if (type.classes[e] == AbiClass::Integer)
					ints++;
				else if (type.classes[e] == AbiClass::Sse)
					sses++;
			}
			Pointee layout = layout_of(index, type);
			if (!memory && place.gpr + ints <= 6 && place.sse + sses <= 8) {
				std::string regs;
				std::vector<std::string> gprs;
				for (int e = 0; e < 2; e++) {
					if (type.classes[e] == AbiClass::None)
						continue;
					if (!regs.empty())
						regs += ":";
					if (type.classes[e] == AbiClass::Integer)
						gprs.push_back(GPR[place.gpr++]);
					regs += type.classes[e] == AbiClass::Integer ? gprs.back() : "xmm" + std::to_string(place.sse++);
				}
				arg.passed_in = regs;
				// Its bytes are the registers' (BPF reads no xmm register): fields by name.
				if (sses > 0)
					abi_reason = type.name + " by value is passed in " + regs + ", partly in xmm registers, which BPF cannot read";
				else if (layout.type_name.empty())
					abi_reason = type.name + " by value is passed in " + regs + " (no fields to show)";
				else
					arg.by_value_registers = gprs;
			} else {
				abi_stack = int64_t(place.on_stack(type.size, type.align > 8 ? type.align : 8));
				arg.passed_in = sp(uint64_t(abi_stack));
				if (layout.type_name.empty())
					abi_reason = type.name + " by value (" + std::to_string(type.size) + " bytes) is copied onto the " + arg.passed_in + " (no fields to show)";
				else
					arg.by_value_on_stack = true;
			}
			if (abi_reason.empty())
				arg.pointee = layout;
		} else {
			placement_lost = true;
			abi_reason = "its type (" + type.name + ") is not one whose passing we know";
		}

		std::string value_type = value_type_of(type);
		if (type.pass_by_reference)
			value_type = "pointer";
		const EntryLocation &dwarf = param.location;

		if (standard && !placement_lost) {
			if (!abi_reason.empty()) {
				arg.note = "not captured: " + abi_reason;
				continue;
			}
			if (!arg.by_value_registers.empty() || arg.by_value_on_stack) {
				// A struct by value: read as the bytes of its registers or of its copy on the stack.
				arg.value_type = "pointer";
				arg.stack_offset = arg.by_value_on_stack ? abi_stack : -1;
				continue;
			}
			if (value_type.empty()) {
				arg.note = "not captured: " + type.name + " has no value type the helper reads";
				continue;
			}
			// A parameter the compiler turned into a constant is not passed (clang does this to
			// static functions without renaming them), and one it optimized out may not be.
			if (dwarf.kind == EntryLocation::Constant) {
				arg.note = "not captured: the compiler made it " + dwarf.text + "; callers do not pass it";
				continue;
			}
			if (dwarf.kind == EntryLocation::OptimizedOut) {
				arg.note = "not captured: " + dwarf.text +
					   (local ? ", and callers of a static function need not pass it" :
						    ": calls the compiler saw may leave it unset (clang does, for a dead argument)");
				continue;
			}
			arg.value_type = value_type;
			// Passed by reference, the value is the address of the caller's copy of the type itself.
			if (value_type == "pointer")
				arg.pointee = type.pass_by_reference ? layout_of(index, type) : pointee_of(index, type);
			arg.register_name = abi_register;
			arg.stack_offset = abi_register.empty() ? abi_stack : -1;
			if (dwarf.kind == EntryLocation::Register) {
				const char *reg = argument_register(dwarf.dwarf_register);
				if (reg && reg != abi_register) {
					// The compiler's own record of this code wins over our reading of the ABI.
					arg.note = std::string("DWARF places it in ") + reg + " at entry, not " + arg.passed_in;
					arg.register_name = reg;
					arg.stack_offset = -1;
					arg.passed_in = reg;
				}
			}
			if (type.pass_by_reference)
				arg.note = "passed by reference: the value is the address of the caller's copy";
			continue;
		}

		// The convention is the compiler's own: only DWARF knows where the argument is.
		switch (dwarf.kind) {
		case EntryLocation::Register: {
			const char *reg = argument_register(dwarf.dwarf_register);
			arg.passed_in = any_register(dwarf.dwarf_register);
			if (!reg) {
				arg.note = std::string("not captured: it is in ") + any_register(dwarf.dwarf_register) +
					   " at entry; the helper reads only the argument registers";
			} else if (value_type.empty()) {
				arg.note = "not captured: " + type.name + " has no value type the helper reads";
			} else {
				arg.value_type = value_type;
				arg.register_name = reg;
				arg.passed_in = reg;
			}
			break;
		}
		case EntryLocation::Stack:
			arg.passed_in = sp(uint64_t(dwarf.stack_offset));
			if (value_type.empty() || dwarf.stack_offset < 8) {
				arg.note = "not captured: " + type.name + " has no value type the helper reads";
			} else {
				arg.value_type = value_type;
				arg.stack_offset = dwarf.stack_offset;
			}
			break;
		case EntryLocation::OptimizedOut:
			arg.passed_in = "nowhere";
			arg.note = "not captured: " + dwarf.text;
			break;
		case EntryLocation::Constant:
			arg.passed_in = "nowhere";
			arg.note = "not captured: the compiler made it " + dwarf.text + "; callers do not pass it";
			break;
		case EntryLocation::Unknown:
			arg.passed_in = "unknown";
			arg.note = placement_lost ? "not captured: " + abi_reason : "not captured: DWARF gives no location for it";
			break;
		case EntryLocation::NotAtEntry:
		case EntryLocation::Expression:
			arg.passed_in = "unknown";
			arg.note = "not captured: its location at entry is not a register or stack slot (" + dwarf.text + ")";
			break;
		}
	}
	return out;
}

} // namespace probelens
