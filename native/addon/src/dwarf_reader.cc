#include "dwarf_reader.h"

#include <algorithm>
#include <cstring>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <unordered_map>

#include "dwarf_util.h"
#include "errors.h"

namespace probelens {

namespace {

/** Type chains in real DWARF are short; corrupt DWARF may loop. */
constexpr int MAX_TYPE_DEPTH = 48;
constexpr int MAX_SCOPE_DEPTH = 256;

const char *register_name(int dwarf_reg)
{
	static const char *const names[] = { "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
					     "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip" };
	if (dwarf_reg >= 0 && dwarf_reg <= 16)
		return names[dwarf_reg];
	if (dwarf_reg >= 17 && dwarf_reg <= 32) {
		static const char *const xmm[] = { "xmm0", "xmm1", "xmm2",  "xmm3",  "xmm4",  "xmm5",  "xmm6",  "xmm7",
						   "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15" };
		return xmm[dwarf_reg - 17];
	}
	return nullptr;
}

std::string op_text(const Dwarf_Op &op)
{
	char buf[96];
	unsigned atom = op.atom;
	if (atom >= DW_OP_reg0 && atom <= DW_OP_reg31) {
		const char *r = register_name(int(atom - DW_OP_reg0));
		snprintf(buf, sizeof buf, "DW_OP_reg%u%s%s%s", atom - DW_OP_reg0, r ? " (" : "", r ? r : "", r ? ")" : "");
	} else if (atom >= DW_OP_breg0 && atom <= DW_OP_breg31) {
		snprintf(buf, sizeof buf, "DW_OP_breg%u %lld", atom - DW_OP_breg0, (long long)(int64_t)op.number);
	} else if (atom >= DW_OP_lit0 && atom <= DW_OP_lit31) {
		snprintf(buf, sizeof buf, "DW_OP_lit%u", atom - DW_OP_lit0);
	} else {
		switch (atom) {
		case DW_OP_fbreg: snprintf(buf, sizeof buf, "DW_OP_fbreg %lld", (long long)(int64_t)op.number); break;
		case DW_OP_regx: snprintf(buf, sizeof buf, "DW_OP_regx %llu", (unsigned long long)op.number); break;
		case DW_OP_piece: snprintf(buf, sizeof buf, "DW_OP_piece %llu", (unsigned long long)op.number); break;
		case DW_OP_stack_value: snprintf(buf, sizeof buf, "DW_OP_stack_value"); break;
		case DW_OP_entry_value:
		case DW_OP_GNU_entry_value: snprintf(buf, sizeof buf, "DW_OP_entry_value"); break;
		case DW_OP_call_frame_cfa: snprintf(buf, sizeof buf, "DW_OP_call_frame_cfa"); break;
		case DW_OP_addr: snprintf(buf, sizeof buf, "DW_OP_addr 0x%llx", (unsigned long long)op.number); break;
		case DW_OP_plus_uconst: snprintf(buf, sizeof buf, "DW_OP_plus_uconst %llu", (unsigned long long)op.number); break;
		case DW_OP_implicit_value: snprintf(buf, sizeof buf, "DW_OP_implicit_value"); break;
		case DW_OP_implicit_pointer:
		case DW_OP_GNU_implicit_pointer: snprintf(buf, sizeof buf, "DW_OP_implicit_pointer"); break;
		case DW_OP_GNU_parameter_ref: snprintf(buf, sizeof buf, "DW_OP_GNU_parameter_ref"); break;
		default: snprintf(buf, sizeof buf, "DW_OP 0x%x", atom); break;
		}
	}
	return buf;
}

std::string expr_text(const Dwarf_Op *ops, size_t len)
{
	std::string text;
	for (size_t i = 0; i < len; i++) {
		if (i)
			text += "; ";
		text += op_text(ops[i]);
	}
	return text;
}

bool attr_flag(Dwarf_Die *die, unsigned name)
{
	Dwarf_Attribute attr;
	bool flag = false;
	return dwarf_attr_integrate(die, name, &attr) && dwarf_formflag(&attr, &flag) == 0 && flag;
}

bool attr_ref(Dwarf_Die *die, unsigned name, Dwarf_Die &target, bool integrate = true)
{
	Dwarf_Attribute attr;
	Dwarf_Attribute *a = integrate ? dwarf_attr_integrate(die, name, &attr) : dwarf_attr(die, name, &attr);
	return a && dwarf_formref_die(a, &target) != nullptr;
}

/** The first address of a DIE's code: DW_AT_entry_pc, DW_AT_low_pc, else its first range. */
bool entry_address(Dwarf_Die *die, uint64_t &entry, std::vector<std::pair<uint64_t, uint64_t>> &ranges)
{
	ranges.clear();
	Dwarf_Addr base, start, end;
	ptrdiff_t offset = 0;
	int guard = 0;
	while ((offset = dwarf_ranges(die, offset, &base, &start, &end)) > 0 && guard++ < 4096) {
		if (end > start)
			ranges.emplace_back(start, end);
	}
	if (ranges.empty())
		return false;
	Dwarf_Addr pc;
	if (dwarf_entrypc(die, &pc) == 0 || dwarf_lowpc(die, &pc) == 0)
		entry = pc;
	else
		entry = ranges.front().first;
	return true;
}

struct CuFiles {
	Dwarf_Files *files = nullptr;
	size_t count = 0;
	std::vector<uint32_t> ids; // per file index, UINT32_MAX until interned
};

class Reader {
public:
	Reader(const std::string &path, BinaryIndex &index, DwarfFacts &facts) : path_(path), index_(index), facts_(facts) {}

	std::vector<LineSite> line_sites(Dwarf *dwarf, Dwarf_CFI *cfi, const std::vector<uint64_t> &addresses)
	{
		dwarf_ = dwarf;
		index_.types.push_back(void_type());
		std::vector<LineSite> sites;
		std::vector<Dwarf_Off> seen;
		for (uint64_t address : addresses) {
			Dwarf_Die cu, *scopes = nullptr;
			if (!unit_holding(dwarf, address, cu))
				continue;
			int n = dwarf_getscopes(&cu, address, &scopes);
			int function = -1; // the innermost subprogram or inlined copy: the code's own function
			for (int i = 0; i < n && function < 0; i++)
				if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram || dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine)
					function = i;
			if (function < 0 || std::find(seen.begin(), seen.end(), dwarf_dieoffset(&scopes[function])) != seen.end()) {
				free(scopes);
				continue;
			}
			seen.push_back(dwarf_dieoffset(&scopes[function]));
			LineSite site;
			site.address = address;
			site.inlined = dwarf_tag(&scopes[function]) == DW_TAG_inlined_subroutine;
			if (const char *name = attr_string(&scopes[function], DW_AT_name))
				site.function = name;
			// The frame base is the out-of-line function's, whose frame the copy runs in.
			Dwarf_Die *frame_owner = nullptr;
			for (int i = function; i < n && !frame_owner; i++)
				if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram)
					frame_owner = &scopes[i];
			for (int i = 0; i <= function; i++)
				add_variables(&scopes[i], address, frame_owner, cfi, site.variables);
			sites.push_back(std::move(site));
			free(scopes);
		}
		return sites;
	}

	void read(Dwarf *dwarf)
	{
		dwarf_ = dwarf;
		index_.types.push_back(void_type());
		Dwarf_Off offset = 0, next;
		size_t header_size;
		int guard = 0;
		for (;;) {
			int rc = dwarf_nextcu(dwarf, offset, &next, &header_size, nullptr, nullptr, nullptr);
			if (rc == 1)
				break;
			if (rc < 0)
				corrupt_dwarf(path_, "unit header at .debug_info+" + std::to_string(offset));
			Dwarf_Die cu;
			if (dwarf_offdie(dwarf, offset + header_size, &cu) == nullptr)
				corrupt_dwarf(path_, "unit DIE at .debug_info+" + std::to_string(offset + header_size));
			read_unit(&cu);
			if (next <= offset || ++guard > 10000000)
				corrupt_dwarf(path_, "unit chain does not advance");
			offset = next;
		}
		compute_spans();
	}

private:
	struct Scope {
		uint64_t lo, hi;
		int depth;
		int32_t source;
		/** For an inlined copy: the call's line, whose code mixes into the copy's range. */
		uint32_t call_file, call_line;
	};
	struct Row {
		uint64_t address;
		uint32_t file, line;
		bool is_stmt;
	};

	const std::string &path_;
	BinaryIndex &index_;
	DwarfFacts &facts_;
	Dwarf *dwarf_ = nullptr;
	std::string comp_dir_;
	CuFiles cu_files_;
	Dwarf_Off current_cu_ = ~Dwarf_Off(0);
	bool comp_dir_is_absolute_ = false;
	std::unordered_map<Dwarf_Off, int32_t> source_by_origin_;
	std::unordered_map<Dwarf_Off, uint32_t> type_by_offset_;
	std::unordered_map<const char *, uint32_t> file_by_name_;
	std::vector<Scope> scopes_;
	std::vector<Row> rows_;
	/** Call sites by an address in their call instruction, placed on a line once every line row is read. */
	std::vector<std::pair<uint64_t, CallSite>> pending_calls_;

	uint32_t file_id(const char *name)
	{
		if (name == nullptr)
			return UINT32_MAX;
		auto found = file_by_name_.find(name);
		if (found != file_by_name_.end())
			return found->second;
		// libdw has already joined the line table's directory and comp_dir to the name: a name
		// still relative is relative to a build directory we do not know (comp_dir was "./csu").
		uint32_t id = intern_file(index_, normalize_path(name, comp_dir_is_absolute_ ? comp_dir_ : ""));
		file_by_name_.emplace(name, id);
		return id;
	}

	uint32_t cu_file(Dwarf_Word index)
	{
		if (cu_files_.files == nullptr || index >= cu_files_.count)
			return UINT32_MAX;
		uint32_t &id = cu_files_.ids[index];
		if (id == UINT32_MAX)
			id = file_id(dwarf_filesrc(cu_files_.files, index, nullptr, nullptr));
		return id;
	}

	void read_unit(Dwarf_Die *cu)
	{
		int tag = dwarf_tag(cu);
		if (tag != DW_TAG_compile_unit && tag != DW_TAG_partial_unit)
			return; // type units carry no code
		const char *dir = attr_string(cu, DW_AT_comp_dir);
		comp_dir_ = dir ? dir : "";
		comp_dir_is_absolute_ = !comp_dir_.empty() && comp_dir_[0] == '/';
		current_cu_ = dwarf_dieoffset(cu);
		file_by_name_.clear();
		cu_files_ = CuFiles{};
		if (dwarf_getsrcfiles(cu, &cu_files_.files, &cu_files_.count) != 0) {
			cu_files_.files = nullptr;
			cu_files_.count = 0;
		}
		cu_files_.ids.assign(cu_files_.count, UINT32_MAX);
		read_lines(cu);
		walk(cu, -1, 0, 0);
	}

	void read_lines(Dwarf_Die *cu)
	{
		Dwarf_Lines *lines;
		size_t count;
		if (dwarf_getsrclines(cu, &lines, &count) != 0)
			return; // a unit without a line table (or an assembler one without code)
		for (size_t i = 0; i < count; i++) {
			Dwarf_Line *line = dwarf_onesrcline(lines, i);
			Dwarf_Addr address;
			int lineno;
			bool end = false, stmt = false;
			if (!line || dwarf_lineaddr(line, &address) != 0 || dwarf_lineno(line, &lineno) != 0)
				continue;
			dwarf_lineendsequence(line, &end);
			if (end || lineno <= 0)
				continue;
			dwarf_linebeginstatement(line, &stmt);
			rows_.push_back(Row{ address, file_id(dwarf_linesrc(line, nullptr, nullptr)), uint32_t(lineno), stmt });
		}
	}

	void walk(Dwarf_Die *parent, int32_t enclosing, int depth, int nesting)
	{
		if (nesting > MAX_SCOPE_DEPTH)
			return;
		Dwarf_Die child;
		if (dwarf_child(parent, &child) != 0)
			return;
		do {
			switch (dwarf_tag(&child)) {
			case DW_TAG_subprogram: subprogram(&child, nesting); break;
			case DW_TAG_inlined_subroutine: inlined(&child, enclosing, depth, nesting); break;
			case DW_TAG_call_site:
			case DW_TAG_GNU_call_site: call_site(&child); break;
			case DW_TAG_namespace:
			case DW_TAG_lexical_block:
			case DW_TAG_try_block:
			case DW_TAG_catch_block: walk(&child, enclosing, depth, nesting + 1); break;
			default: break;
			}
		} while (dwarf_siblingof(&child, &child) == 0);
	}

	/** The DIE a function instance stands for: its abstract origin, else itself. */
	Dwarf_Off origin_offset(Dwarf_Die *die)
	{
		Dwarf_Die origin = *die;
		for (int guard = 0; guard < 8; guard++) {
			Dwarf_Die next;
			if (!attr_ref(&origin, DW_AT_abstract_origin, next, false))
				break;
			origin = next;
		}
		return dwarf_dieoffset(&origin);
	}

	/**
	 * DW_AT_decl_file through the line table of the unit that holds the attribute (it may be
	 * another unit's DIE, by abstract origin). Not dwarf_decl_file: libdw 0.188 takes index 0 to
	 * mean "none", but in DWARF 5 it is the unit's primary source file (clang uses it).
	 */
	uint32_t decl_file(Dwarf_Die *die)
	{
		Dwarf_Attribute attr;
		Dwarf_Word index;
		if (!dwarf_attr_integrate(die, DW_AT_decl_file, &attr) || dwarf_formudata(&attr, &index) != 0)
			return UINT32_MAX;
		Dwarf_Die cu;
		if (dwarf_cu_die(attr.cu, &cu, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr) == nullptr)
			return UINT32_MAX;
		if (dwarf_dieoffset(&cu) == current_cu_) // the usual case: files of the unit being read
			return cu_file(index);
		Dwarf_Files *files;
		size_t count;
		if (dwarf_getsrcfiles(&cu, &files, &count) != 0 || index >= count)
			return UINT32_MAX;
		const char *name = dwarf_filesrc(files, index, nullptr, nullptr);
		return name ? intern_file(index_, unit_file_path(&cu, name)) : UINT32_MAX;
	}

	int32_t source_for(Dwarf_Die *die)
	{
		Dwarf_Off key = origin_offset(die);
		auto found = source_by_origin_.find(key);
		if (found != source_by_origin_.end())
			return found->second;
		SourceFunction fn;
		if (const char *name = attr_string(die, DW_AT_name))
			fn.name = name;
		if (const char *linkage = linkage_name(die))
			fn.linkage_name = linkage;
		fn.file = decl_file(die);
		int line = 0;
		if (dwarf_decl_line(die, &line) == 0 && line > 0)
			fn.line = uint32_t(line);
		fn.external = attr_flag(die, DW_AT_external);
		int32_t id = int32_t(index_.source_functions.size());
		index_.source_functions.push_back(std::move(fn));
		source_by_origin_.emplace(key, id);
		return id;
	}

	void subprogram(Dwarf_Die *die, int nesting)
	{
		bool declaration = false;
		Dwarf_Attribute attr;
		if (dwarf_attr(die, DW_AT_declaration, &attr) && dwarf_formflag(&attr, &declaration) == 0 && declaration)
			return; // a declaration only (a member function inside its class)
		int32_t source = source_for(die);
		ConcreteInstance instance;
		if (!entry_address(die, instance.entry, instance.ranges)) {
			// Abstract (inline) or never emitted: keep its parameters for inline sites.
			if (index_.source_functions[source].signature < 0 && dwarf_haschildren(die))
				index_.source_functions[source].signature = signature(die, 0, false);
			walk(die, -1, 0, nesting + 1);
			return;
		}
		instance.source = source;
		instance.signature = signature(die, instance.entry, true);
		int32_t id = int32_t(facts_.concrete.size());
		for (auto &range : instance.ranges)
			scopes_.push_back(Scope{ range.first, range.second, 0, source, UINT32_MAX, 0 });
		facts_.concrete.push_back(std::move(instance));
		walk(die, id, 0, nesting + 1);
	}

	void inlined(Dwarf_Die *die, int32_t enclosing, int depth, int nesting)
	{
		InlineInstance site;
		std::vector<std::pair<uint64_t, uint64_t>> ranges;
		site.source = source_for(die);
		site.enclosing = enclosing;
		Dwarf_Word value;
		if (attr_udata(die, DW_AT_call_file, value))
			site.call_file = cu_file(value);
		if (attr_udata(die, DW_AT_call_line, value))
			site.call_line = uint32_t(value);
		if (entry_address(die, site.entry, ranges)) {
			for (auto &range : ranges)
				scopes_.push_back(Scope{ range.first, range.second, depth + 1, site.source, site.call_file, site.call_line });
			facts_.inlined.push_back(site);
		}
		walk(die, enclosing, depth + 1, nesting + 1);
	}

	/**
	 * A direct call's callee and where its instruction is: DW_AT_call_pc (clang's tail calls) is
	 * the instruction; DW_AT_call_return_pc (DWARF 5) or GNU's low_pc follows it.
	 */
	void call_site(Dwarf_Die *die)
	{
		Dwarf_Die callee;
		// An indirect call (a function pointer, a virtual call) names no callee.
		if (!attr_ref(die, DW_AT_call_origin, callee) && !attr_ref(die, DW_AT_abstract_origin, callee))
			return;
		const char *name = linkage_name(&callee);
		if (!name)
			name = attr_string(&callee, DW_AT_name);
		Dwarf_Attribute attr;
		Dwarf_Addr pc;
		uint64_t instruction;
		if (!name)
			return;
		if (dwarf_attr(die, DW_AT_call_pc, &attr) && dwarf_formaddr(&attr, &pc) == 0)
			instruction = pc;
		else if ((dwarf_attr(die, DW_AT_call_return_pc, &attr) || dwarf_attr(die, DW_AT_low_pc, &attr)) &&
			 dwarf_formaddr(&attr, &pc) == 0 && pc > 0)
			instruction = pc - 1;
		else
			return;
		CallSite site;
		site.callee = name;
		pending_calls_.emplace_back(instruction, std::move(site));
	}

	/** Frame base at entry: DW_OP_call_frame_cfa means CFA = sp + 8 before the prologue. */
	bool frame_base_is_cfa(Dwarf_Die *function)
	{
		Dwarf_Attribute attr;
		Dwarf_Op *expr;
		size_t len;
		if (!dwarf_attr_integrate(function, DW_AT_frame_base, &attr))
			return false;
		if (dwarf_getlocation(&attr, &expr, &len) != 0)
			return false;
		return len == 1 && expr[0].atom == DW_OP_call_frame_cfa;
	}

	EntryLocation entry_location(Dwarf_Die *param, uint64_t entry, bool cfa_frame_base)
	{
		EntryLocation loc;
		Dwarf_Attribute attr;
		if (!dwarf_attr(param, DW_AT_location, &attr)) {
			if (dwarf_attr(param, DW_AT_const_value, &attr)) {
				loc.kind = EntryLocation::Constant;
				Dwarf_Sword value;
				loc.text = dwarf_formsdata(&attr, &value) == 0 ? "the constant " + std::to_string(value) + " (DW_AT_const_value)" :
										 "a constant (DW_AT_const_value)";
			} else {
				loc.kind = EntryLocation::OptimizedOut;
				loc.text = "optimized out (no location)";
			}
			return loc;
		}
		unsigned form = dwarf_whatform(&attr);
		bool is_list = form == DW_FORM_sec_offset || form == DW_FORM_loclistx || form == DW_FORM_data4 || form == DW_FORM_data8;
		Dwarf_Op *expr = nullptr;
		size_t len = 0;
		int n = dwarf_getlocation_addr(&attr, entry, &expr, &len, 1);
		if (n < 0) {
			loc.kind = EntryLocation::Expression;
			loc.text = std::string("unreadable location: ") + dwarf_errmsg(-1);
			return loc;
		}
		if (n == 0 || len == 0) {
			loc.kind = EntryLocation::OptimizedOut;
			loc.text = is_list ? "optimized out at entry (location list has no entry for it)" : "optimized out (empty location)";
			return loc;
		}
		std::string text = expr_text(expr, len);
		loc.text = is_list ? "location list, at entry: " + text : text;
		unsigned atom = expr[0].atom;
		if (len == 1 && atom >= DW_OP_reg0 && atom <= DW_OP_reg31) {
			loc.kind = EntryLocation::Register;
			loc.dwarf_register = int(atom - DW_OP_reg0);
		} else if (len == 1 && atom == DW_OP_regx) {
			loc.kind = EntryLocation::Register;
			loc.dwarf_register = int(expr[0].number);
		} else if (len == 1 && atom == DW_OP_breg7) {
			loc.kind = EntryLocation::Stack;
			loc.stack_offset = int64_t(expr[0].number);
		} else if (len == 1 && atom == DW_OP_fbreg) {
			int64_t offset = int64_t(expr[0].number);
			if (cfa_frame_base && offset >= 0) {
				loc.kind = EntryLocation::Stack; // the caller's argument area: CFA = sp + 8 at entry
				loc.stack_offset = 8 + offset;
			} else {
				loc.kind = EntryLocation::NotAtEntry;
			}
		} else {
			loc.kind = EntryLocation::Expression;
		}
		return loc;
	}

	static TypeInfo void_type()
	{
		TypeInfo t;
		t.name = "void";
		t.kind = TypeKind::Void;
		return t;
	}

	void add_variables(Dwarf_Die *scope, uint64_t address, Dwarf_Die *frame_owner, Dwarf_CFI *cfi, std::vector<LocalVariable> &out)
	{
		Dwarf_Die child;
		if (dwarf_child(scope, &child) != 0)
			return;
		do {
			int tag = dwarf_tag(&child);
			if (tag != DW_TAG_variable && tag != DW_TAG_formal_parameter)
				continue;
			const char *name = attr_string(&child, DW_AT_name);
			Dwarf_Attribute attr;
			// A static or global variable declared here has a fixed address: not a local.
			if (!name || attr_flag(&child, DW_AT_external) || (dwarf_attr(&child, DW_AT_location, &attr) && is_static_location(&attr)))
				continue;
			LocalVariable var;
			var.name = name;
			var.parameter = tag == DW_TAG_formal_parameter;
			Dwarf_Die type;
			var.type = attr_ref(&child, DW_AT_type, type) ? describe(&type, 0) : unknown_type();
			var.location = location_at(&child, address, frame_owner, cfi);
			out.push_back(std::move(var));
		} while (dwarf_siblingof(&child, &child) == 0);
	}

	static bool is_static_location(Dwarf_Attribute *attr)
	{
		Dwarf_Op *expr;
		size_t len;
		return dwarf_getlocation(attr, &expr, &len) == 0 && len >= 1 && expr[0].atom == DW_OP_addr;
	}

	/** Where a variable is at `address`. */
	VariableLocation location_at(Dwarf_Die *var, uint64_t address, Dwarf_Die *frame_owner, Dwarf_CFI *cfi)
	{
		VariableLocation loc;
		Dwarf_Attribute attr;
		if (!dwarf_attr(var, DW_AT_location, &attr)) {
			Dwarf_Sword value;
			if (dwarf_attr(var, DW_AT_const_value, &attr) && dwarf_formsdata(&attr, &value) == 0) {
				loc.kind = VariableLocation::Constant;
				loc.constant = value;
				loc.text = "the constant " + std::to_string(value);
			} else {
				loc.kind = VariableLocation::OptimizedOut;
				loc.text = "optimized out (no location)";
			}
			return loc;
		}
		Dwarf_Op *expr = nullptr;
		size_t len = 0;
		int n = dwarf_getlocation_addr(&attr, address, &expr, &len, 1);
		if (n <= 0 || len == 0) {
			loc.kind = VariableLocation::OptimizedOut;
			loc.text = n < 0 ? std::string("unreadable location: ") + dwarf_errmsg(-1) : "optimized out here";
			return loc;
		}
		loc.text = expr_text(expr, len);
		unsigned atom = expr[0].atom;
		if (len == 1 && atom >= DW_OP_reg0 && atom <= DW_OP_reg15) {
			loc.kind = VariableLocation::Register;
			loc.dwarf_register = int(atom - DW_OP_reg0);
		} else if (len == 1 && atom >= DW_OP_breg0 && atom <= DW_OP_breg15) {
			loc.kind = VariableLocation::Memory;
			loc.dwarf_register = int(atom - DW_OP_breg0);
			loc.offset = int64_t(expr[0].number);
		} else if (len == 1 && atom == DW_OP_fbreg && frame_base(frame_owner, address, cfi, loc)) {
			loc.kind = VariableLocation::Memory;
			loc.offset += int64_t(expr[0].number);
		}
		return loc;
	}

	/** The frame base at `address` as a register and offset (via the CFA where DWARF says so). */
	bool frame_base(Dwarf_Die *function, uint64_t address, Dwarf_CFI *cfi, VariableLocation &loc)
	{
		Dwarf_Attribute attr;
		Dwarf_Op *expr;
		size_t len;
		if (!function || !dwarf_attr_integrate(function, DW_AT_frame_base, &attr) ||
		    dwarf_getlocation_addr(&attr, address, &expr, &len, 1) <= 0 || len != 1)
			return false;
		if (expr[0].atom >= DW_OP_reg0 && expr[0].atom <= DW_OP_reg15) {
			loc.dwarf_register = int(expr[0].atom - DW_OP_reg0);
			loc.offset = 0;
			return true;
		}
		if (expr[0].atom >= DW_OP_breg0 && expr[0].atom <= DW_OP_breg15) {
			loc.dwarf_register = int(expr[0].atom - DW_OP_breg0);
			loc.offset = int64_t(expr[0].number);
			return true;
		}
		Dwarf_Frame *frame = nullptr;
		Dwarf_Op *cfa;
		size_t cfa_len;
		if (expr[0].atom != DW_OP_call_frame_cfa || !cfi || dwarf_cfi_addrframe(cfi, address, &frame) != 0)
			return false;
		// libdw gives a register-plus-offset CFA rule as DW_OP_bregx register, offset.
		bool simple = dwarf_frame_cfa(frame, &cfa, &cfa_len) == 0 && cfa_len == 1 && cfa[0].atom == DW_OP_bregx && cfa[0].number < 16;
		if (simple) {
			loc.dwarf_register = int(cfa[0].number);
			loc.offset = int64_t(cfa[0].number2);
		}
		free(frame);
		return simple;
	}

	int32_t signature(Dwarf_Die *function, uint64_t entry, bool with_locations)
	{
		Signature sig;
		Dwarf_Die type;
		if (attr_ref(function, DW_AT_type, type))
			sig.return_type = describe(&type, 0);
		Dwarf_Word cc;
		if (attr_udata(function, DW_AT_calling_convention, cc, true) && cc == DW_CC_nocall) {
			sig.nonstandard_convention = true;
			sig.nonstandard_reason = "the compiler changed how it is called (DW_CC_nocall)";
		}
		bool cfa = with_locations && frame_base_is_cfa(function);
		Dwarf_Die child;
		if (dwarf_child(function, &child) == 0) {
			do {
				int tag = dwarf_tag(&child);
				if (tag == DW_TAG_unspecified_parameters) {
					sig.variadic = true;
				} else if (tag == DW_TAG_formal_parameter) {
					Parameter param;
					if (const char *name = attr_string(&child, DW_AT_name))
						param.name = name;
					if (attr_ref(&child, DW_AT_type, type))
						param.type = describe(&type, 0);
					else
						param.type = unknown_type();
					param.artificial = attr_flag(&child, DW_AT_artificial);
					if (with_locations)
						param.location = entry_location(&child, entry, cfa);
					sig.params.push_back(std::move(param));
				}
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		int32_t id = int32_t(index_.signatures.size());
		index_.signatures.push_back(std::move(sig));
		return id;
	}

	uint32_t unknown_type()
	{
		static const Dwarf_Off key = ~Dwarf_Off(0);
		auto found = type_by_offset_.find(key);
		if (found != type_by_offset_.end())
			return found->second;
		TypeInfo t;
		t.name = "?";
		t.classes[0] = AbiClass::Memory;
		uint32_t id = uint32_t(index_.types.size());
		index_.types.push_back(t);
		type_by_offset_.emplace(key, id);
		return id;
	}

	static AbiClass merge(AbiClass a, AbiClass b)
	{
		if (a == b)
			return a;
		if (a == AbiClass::None)
			return b;
		if (b == AbiClass::None)
			return a;
		if (a == AbiClass::Memory || b == AbiClass::Memory)
			return AbiClass::Memory;
		if (a == AbiClass::Integer || b == AbiClass::Integer)
			return AbiClass::Integer;
		if (a == AbiClass::X87 || b == AbiClass::X87)
			return AbiClass::Memory;
		return AbiClass::Sse;
	}

	/** Classifies a member of `member` type at byte `offset` into an aggregate's eightbytes. */
	static void place(TypeInfo &aggregate, const TypeInfo &member, uint64_t offset, bool &memory)
	{
		if (member.size == 0)
			return;
		uint64_t align = member.align ? member.align : 1;
		if (offset % align != 0)
			memory = true; // an unaligned field sends the whole aggregate to memory
		if (member.classes[0] == AbiClass::Memory || member.classes[0] == AbiClass::X87) {
			memory = true;
			return;
		}
		uint64_t first = offset / 8, last = (offset + member.size - 1) / 8;
		if (last > 1) {
			memory = true;
			return;
		}
		bool aligned8 = offset % 8 == 0;
		for (uint64_t i = first; i <= last; i++) {
			// A member starting inside an eightbyte brings its first class there.
			AbiClass c = aligned8 ? member.classes[i - first] : member.classes[0];
			if (member.size > 8 && !aligned8)
				c = merge(member.classes[0], member.classes[1]);
			aggregate.classes[i] = merge(aggregate.classes[i], c);
		}
	}

	uint32_t describe(Dwarf_Die *die, int depth)
	{
		Dwarf_Off key = dwarf_dieoffset(die);
		auto found = type_by_offset_.find(key);
		if (found != type_by_offset_.end())
			return found->second;
		if (depth > MAX_TYPE_DEPTH)
			return unknown_type();
		// Reserve the slot first: a struct that points to itself finds its own name.
		uint32_t id = uint32_t(index_.types.size());
		index_.types.emplace_back();
		type_by_offset_.emplace(key, id);
		TypeInfo t = build_type(die, depth);
		index_.types[id] = std::move(t);
		return id;
	}

	TypeInfo target_of(Dwarf_Die *die, int depth)
	{
		Dwarf_Die target;
		if (!attr_ref(die, DW_AT_type, target, false))
			return index_.types[0];
		return index_.types[describe(&target, depth + 1)];
	}

	TypeInfo build_type(Dwarf_Die *die, int depth)
	{
		TypeInfo t;
		const char *name = dwarf_diename(die);
		Dwarf_Word size = 0;
		bool has_size = attr_udata(die, DW_AT_byte_size, size);
		switch (dwarf_tag(die)) {
		case DW_TAG_base_type: {
			Dwarf_Word encoding = 0;
			attr_udata(die, DW_AT_encoding, encoding);
			t.name = name ? name : "?";
			t.size = size;
			t.align = size > 16 ? 16 : size;
			switch (encoding) {
			case DW_ATE_boolean: t.kind = TypeKind::Bool; break;
			case DW_ATE_signed: t.kind = TypeKind::Integer; t.is_signed = true; break;
			case DW_ATE_unsigned:
			case DW_ATE_UTF: t.kind = TypeKind::Integer; break;
			case DW_ATE_signed_char: t.kind = TypeKind::Char; t.is_signed = true; break;
			case DW_ATE_unsigned_char: t.kind = TypeKind::Char; break;
			case DW_ATE_float:
			case DW_ATE_complex_float: t.kind = TypeKind::Float; break;
			default: t.kind = TypeKind::Unknown; break;
			}
			if (t.kind == TypeKind::Float) {
				if (encoding == DW_ATE_float && size == 16) {
					t.classes[0] = AbiClass::X87; // long double
				} else if (encoding == DW_ATE_complex_float && size == 32) {
					t.classes[0] = AbiClass::Memory; // complex long double
				} else {
					t.classes[0] = AbiClass::Sse;
					if (size > 8)
						t.classes[1] = AbiClass::Sse;
				}
				if (encoding == DW_ATE_complex_float)
					t.align = size / 2;
			} else if (t.kind == TypeKind::Unknown || size == 0) {
				t.classes[0] = AbiClass::Memory;
			} else {
				t.classes[0] = AbiClass::Integer;
				if (size > 8)
					t.classes[1] = AbiClass::Integer; // __int128
			}
			return t;
		}
		case DW_TAG_pointer_type:
		case DW_TAG_reference_type:
		case DW_TAG_rvalue_reference_type: {
			Dwarf_Die target_die;
			if (attr_ref(die, DW_AT_type, target_die, false))
				t.target = describe(&target_die, depth + 1);
			TypeInfo target = index_.types[t.target];
			const char *suffix = dwarf_tag(die) == DW_TAG_pointer_type ? "*" : dwarf_tag(die) == DW_TAG_reference_type ? "&" : "&&";
			if (target.kind == TypeKind::Function) {
				size_t paren = target.name.find('(');
				t.name = paren == std::string::npos ? target.name + " (*)" :
								      target.name.substr(0, paren) + "(" + suffix + ")" + target.name.substr(paren);
			} else {
				t.name = target.name + (target.kind == TypeKind::Pointer ? suffix : std::string(" ") + suffix);
			}
			t.kind = TypeKind::Pointer;
			t.size = has_size ? size : 8;
			t.align = 8;
			t.points_to_char = dwarf_tag(die) == DW_TAG_pointer_type && target.kind == TypeKind::Char && target.size == 1;
			t.classes[0] = AbiClass::Integer;
			return t;
		}
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type: {
			t = target_of(die, depth);
			const char *qualifier = dwarf_tag(die) == DW_TAG_const_type ? "const" :
						dwarf_tag(die) == DW_TAG_volatile_type ? "volatile" :
						dwarf_tag(die) == DW_TAG_restrict_type ? "restrict" : "_Atomic";
			t.name = t.kind == TypeKind::Pointer ? t.name + " " + qualifier : std::string(qualifier) + " " + t.name;
			return t;
		}
		case DW_TAG_typedef: {
			t = target_of(die, depth);
			if (name)
				t.name = name;
			return t;
		}
		case DW_TAG_enumeration_type: {
			t.kind = TypeKind::Enum;
			t.name = std::string(name ? "enum " : "enum ") + (name ? name : "(anonymous)");
			t.size = size;
			t.align = size;
			Dwarf_Die underlying;
			if (attr_ref(die, DW_AT_type, underlying, false))
				t.is_signed = index_.types[describe(&underlying, depth + 1)].is_signed;
			Dwarf_Die child;
			bool negative = false;
			if (dwarf_child(die, &child) == 0) {
				do {
					if (dwarf_tag(&child) != DW_TAG_enumerator)
						continue;
					Dwarf_Attribute attr;
					Dwarf_Sword value = 0;
					if (!dwarf_attr(&child, DW_AT_const_value, &attr) || dwarf_formsdata(&attr, &value) != 0)
						continue;
					if (value < 0)
						negative = true;
					const char *enumerator = dwarf_diename(&child);
					if (t.enumerators.size() < 1024)
						t.enumerators.emplace_back(enumerator ? enumerator : "?", int64_t(value));
				} while (dwarf_siblingof(&child, &child) == 0);
			}
			if (negative)
				t.is_signed = true;
			t.classes[0] = size ? AbiClass::Integer : AbiClass::Memory;
			return t;
		}
		case DW_TAG_structure_type:
		case DW_TAG_class_type:
		case DW_TAG_union_type: {
			int tag = dwarf_tag(die);
			t.kind = tag == DW_TAG_union_type ? TypeKind::Union : tag == DW_TAG_class_type ? TypeKind::Class : TypeKind::Struct;
			std::string shown = name ? name : "(anonymous)";
			Dwarf_Die cu;
			Dwarf_Word lang = 0;
			bool c_like = dwarf_diecu(die, &cu, nullptr, nullptr) && attr_udata(&cu, DW_AT_language, lang) &&
				      (lang == DW_LANG_C89 || lang == DW_LANG_C99 || lang == DW_LANG_C11 || lang == DW_LANG_C || lang == 0x2c /* DW_LANG_C17 */);
			t.name = c_like ? std::string(tag == DW_TAG_union_type ? "union " : "struct ") + shown : shown;
			Dwarf_Word cc;
			if (attr_udata(die, DW_AT_calling_convention, cc) && cc == DW_CC_pass_by_reference)
				t.pass_by_reference = true;
			if (!t.pass_by_reference && !c_like && has_size)
				t.pass_by_reference = nontrivial_for_calls(die, name, depth);
			if (!has_size) {
				t.kind = TypeKind::Unknown; // only declared here
				t.classes[0] = AbiClass::Memory;
				return t;
			}
			t.size = size;
			bool memory = size > 16;
			uint64_t align = 1;
			Dwarf_Die child;
			if (dwarf_child(die, &child) == 0) {
				do {
					int ctag = dwarf_tag(&child);
					if (ctag != DW_TAG_member && ctag != DW_TAG_inheritance)
						continue;
					if (attr_flag(&child, DW_AT_external) || dwarf_hasattr(&child, DW_AT_declaration))
						continue; // a static member takes no room
					Dwarf_Die mtype;
					if (!attr_ref(&child, DW_AT_type, mtype, false))
						continue;
					const uint32_t member_type = describe(&mtype, depth + 1);
					const TypeInfo member = index_.types[member_type];
					align = std::max(align, member.align ? member.align : 1);
					Dwarf_Word offset = 0, bit_offset = 0;
					if (attr_udata(&child, DW_AT_data_bit_offset, bit_offset)) {
						offset = bit_offset / 8;
					} else {
						attr_udata(&child, DW_AT_data_member_location, offset);
					}
					const char *member_name = dwarf_diename(&child);
					if (ctag == DW_TAG_member && member_name && !dwarf_hasattr(&child, DW_AT_bit_size))
						t.members.push_back({ member_name, offset, member_type });
					if (!memory && dwarf_hasattr(&child, DW_AT_bit_size)) {
						Dwarf_Word bits = 0;
						attr_udata(&child, DW_AT_bit_size, bits);
						uint64_t bit = dwarf_hasattr(&child, DW_AT_data_bit_offset) ? bit_offset : offset * 8;
						uint64_t first = bit / 64, last = (bit + (bits ? bits : 1) - 1) / 64;
						for (uint64_t i = first; i <= last && i < 2; i++)
							t.classes[i] = merge(t.classes[i], AbiClass::Integer);
						continue;
					}
					if (!memory)
						place(t, member, offset, memory);
				} while (dwarf_siblingof(&child, &child) == 0);
			}
			Dwarf_Word explicit_align;
			if (attr_udata(die, DW_AT_alignment, explicit_align))
				align = explicit_align;
			t.align = align;
			if (memory || t.pass_by_reference)
				t.classes[0] = t.classes[1] = AbiClass::Memory;
			return t;
		}
		case DW_TAG_array_type: {
			TypeInfo element = target_of(die, depth);
			uint64_t count = 1;
			bool known = false;
			std::string dims;
			Dwarf_Die child;
			if (dwarf_child(die, &child) == 0) {
				do {
					if (dwarf_tag(&child) != DW_TAG_subrange_type)
						continue;
					Dwarf_Word n = 0, upper = 0;
					if (attr_udata(&child, DW_AT_count, n) || (attr_udata(&child, DW_AT_upper_bound, upper) && (n = upper + 1))) {
						count *= n;
						known = true;
						dims += "[" + std::to_string(n) + "]";
					} else {
						dims += "[]";
					}
				} while (dwarf_siblingof(&child, &child) == 0);
			}
			t.kind = TypeKind::Array;
			t.pass_by_reference = element.pass_by_reference;
			t.name = element.name + dims;
			t.size = known ? element.size * count : 0;
			t.align = element.align;
			if (t.size == 0 || t.size > 16) {
				t.classes[0] = AbiClass::Memory;
			} else {
				bool memory = false;
				for (uint64_t i = 0; i < count && !memory; i++)
					place(t, element, i * element.size, memory);
				if (memory)
					t.classes[0] = t.classes[1] = AbiClass::Memory;
			}
			return t;
		}
		case DW_TAG_subroutine_type: {
			TypeInfo ret = target_of(die, depth);
			std::string args;
			Dwarf_Die child;
			if (dwarf_child(die, &child) == 0) {
				do {
					int ctag = dwarf_tag(&child);
					if (!args.empty() && (ctag == DW_TAG_formal_parameter || ctag == DW_TAG_unspecified_parameters))
						args += ", ";
					if (ctag == DW_TAG_formal_parameter) {
						Dwarf_Die ptype;
						args += attr_ref(&child, DW_AT_type, ptype, false) ? index_.types[describe(&ptype, depth + 1)].name : "?";
					} else if (ctag == DW_TAG_unspecified_parameters) {
						args += "...";
					}
				} while (dwarf_siblingof(&child, &child) == 0);
			}
			t.kind = TypeKind::Function;
			t.name = ret.name + " (" + (args.empty() ? "void" : args) + ")";
			t.classes[0] = AbiClass::Memory;
			return t;
		}
		case DW_TAG_unspecified_type: // decltype(nullptr)
			t.kind = TypeKind::Pointer;
			t.name = name ? name : "?";
			t.size = 8;
			t.align = 8;
			t.classes[0] = AbiClass::Integer;
			return t;
		case DW_TAG_ptr_to_member_type:
			t.kind = TypeKind::Unknown;
			t.name = "pointer to member";
			t.size = has_size ? size : 0;
			t.classes[0] = AbiClass::Memory;
			return t;
		default:
			t.kind = TypeKind::Unknown;
			t.name = name ? name : "?";
			t.classes[0] = AbiClass::Memory;
			return t;
		}
	}

	/** `die` with typedefs and cv-qualifiers removed. */
	bool strip_type(Dwarf_Die *die, Dwarf_Die &out)
	{
		out = *die;
		for (int guard = 0; guard < MAX_TYPE_DEPTH; guard++) {
			int tag = dwarf_tag(&out);
			if (tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type)
				return true;
			Dwarf_Die next;
			if (!attr_ref(&out, DW_AT_type, next, false))
				return false;
			out = next;
		}
		return false;
	}

	/**
	 * GCC does not say DW_CC_pass_by_reference (clang does): a C++ class with a user-provided
	 * copy or move constructor or destructor, virtual functions, or such a base or member, is
	 * passed as the address of a caller-made copy (Itanium C++ ABI, "non-trivial for calls").
	 */
	bool nontrivial_for_calls(Dwarf_Die *die, const char *name, int depth)
	{
		Dwarf_Off self = dwarf_dieoffset(die);
		Dwarf_Die child;
		if (dwarf_child(die, &child) != 0)
			return false;
		do {
			int tag = dwarf_tag(&child);
			if (tag == DW_TAG_subprogram) {
				if (dwarf_hasattr(&child, DW_AT_virtuality))
					return true;
				const char *member = dwarf_diename(&child);
				if (!member)
					continue;
				bool destructor = member[0] == '~';
				bool copy_or_move = false;
				if (name && strcmp(member, name) == 0) {
					Dwarf_Die param;
					if (dwarf_child(&child, &param) == 0) {
						do {
							if (dwarf_tag(&param) != DW_TAG_formal_parameter || attr_flag(&param, DW_AT_artificial))
								continue;
							Dwarf_Die ref, target, stripped;
							if (attr_ref(&param, DW_AT_type, ref, false) &&
							    (dwarf_tag(&ref) == DW_TAG_reference_type || dwarf_tag(&ref) == DW_TAG_rvalue_reference_type) &&
							    attr_ref(&ref, DW_AT_type, target, false) && strip_type(&target, stripped) &&
							    dwarf_dieoffset(&stripped) == self)
								copy_or_move = true;
							break; // only the first explicit parameter decides
						} while (dwarf_siblingof(&param, &param) == 0);
					}
				}
				if (!destructor && !copy_or_move)
					continue;
				Dwarf_Word defaulted = 0;
				attr_udata(&child, DW_AT_defaulted, defaulted);
				bool is_deleted = attr_flag(&child, DW_AT_deleted);
				if (!attr_flag(&child, DW_AT_artificial) && defaulted != DW_DEFAULTED_in_class && !is_deleted)
					return true;
			} else if (tag == DW_TAG_member || tag == DW_TAG_inheritance) {
				const char *member = dwarf_diename(&child);
				if (member && strncmp(member, "_vptr", 5) == 0)
					return true;
				if (attr_flag(&child, DW_AT_external) || dwarf_hasattr(&child, DW_AT_declaration))
					continue;
				Dwarf_Die mtype;
				if (attr_ref(&child, DW_AT_type, mtype, false) && index_.types[describe(&mtype, depth + 1)].pass_by_reference)
					return true;
			}
		} while (dwarf_siblingof(&child, &child) == 0);
		return false;
	}

	/** Each line row belongs to the innermost function (or inlined copy) whose code holds it. */
	void compute_spans()
	{
		std::sort(scopes_.begin(), scopes_.end(), [](const Scope &a, const Scope &b) {
			if (a.lo != b.lo)
				return a.lo < b.lo;
			if (a.hi != b.hi)
				return a.hi > b.hi;
			return a.depth < b.depth;
		});
		std::stable_sort(rows_.begin(), rows_.end(), [](const Row &a, const Row &b) { return a.address < b.address; });
		std::vector<bool> has_body(index_.source_functions.size(), false);
		for (const ConcreteInstance &c : facts_.concrete)
			has_body[size_t(c.source)] = true;
		std::vector<const Scope *> stack;
		size_t next = 0;
		for (size_t r = 0; r < rows_.size(); r++) {
			const Row &row = rows_[r];
			// Rows sharing an address (GCC's location views) describe one instruction: the
			// last is its line; the earlier ones are lines with no code of their own there.
			if (r + 1 < rows_.size() && rows_[r + 1].address == row.address)
				continue;
			while (!stack.empty() && stack.back()->hi <= row.address)
				stack.pop_back();
			while (next < scopes_.size() && scopes_[next].lo <= row.address) {
				while (!stack.empty() && stack.back()->hi <= scopes_[next].lo)
					stack.pop_back();
				stack.push_back(&scopes_[next]);
				next++;
			}
			while (!stack.empty() && stack.back()->hi <= row.address)
				stack.pop_back();
			if (stack.empty())
				continue;
			// The innermost scope that holds the row (an expired one may hide under it).
			const Scope *owner = nullptr;
			for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
				if ((*it)->lo <= row.address && row.address < (*it)->hi) {
					owner = *it;
					break;
				}
			}
			if (!owner)
				continue;
			// An out-of-line copy tells a function's extent best; inlined copies only when there
			// is none, and without the caller's line that the compiler interleaves with them.
			SourceFunction &fn = index_.source_functions[owner->source];
			if (owner->depth > 0 && (has_body[size_t(owner->source)] ||
						 (row.file == owner->call_file && owner->call_line > fn.line && row.line >= owner->call_line)))
				continue;
			if (row.file == fn.file && row.line >= fn.line && row.line > fn.last_line)
				fn.last_line = row.line;
		}
		// A call's line is the line of its call instruction (of rows at one address, the last).
		for (auto &[instruction, site] : pending_calls_) {
			auto after = std::upper_bound(rows_.begin(), rows_.end(), instruction,
						      [](uint64_t address, const Row &row) { return address < row.address; });
			if (after == rows_.begin() || std::prev(after)->file == UINT32_MAX)
				continue;
			site.file = std::prev(after)->file;
			site.line = std::prev(after)->line;
			index_.call_sites.push_back(std::move(site));
		}
		pending_calls_.clear();
		for (const Row &row : rows_) {
			if (row.is_stmt && row.file != UINT32_MAX)
				index_.lines.push_back(LineRow{ row.address, row.file, row.line });
		}
		std::sort(index_.lines.begin(), index_.lines.end(), [](const LineRow &a, const LineRow &b) {
			if (a.file != b.file)
				return a.file < b.file;
			if (a.line != b.line)
				return a.line < b.line;
			return a.address < b.address;
		});
		index_.lines.erase(std::unique(index_.lines.begin(), index_.lines.end(),
					       [](const LineRow &a, const LineRow &b) {
						       return a.file == b.file && a.line == b.line && a.address == b.address;
					       }),
				   index_.lines.end());
		rows_.clear();
		rows_.shrink_to_fit();
	}
};

} // namespace

uint32_t intern_file(BinaryIndex &index, const std::string &normalized)
{
	auto found = index.file_ids.find(normalized);
	if (found != index.file_ids.end())
		return found->second;
	uint32_t id = uint32_t(index.files.size());
	index.files.push_back(normalized);
	index.file_ids.emplace(normalized, id);
	return id;
}

void read_dwarf(Elf *elf, const std::string &dwarf_path, BinaryIndex &index, DwarfFacts &facts)
{
	DwarfHandle handle(elf, dwarf_path);
	Reader reader(dwarf_path, index, facts);
	reader.read(handle.dwarf);
}

std::vector<LineSite> read_line_sites(Elf *dwarf_elf, Elf *cfi_elf, const std::string &dwarf_path,
				      const std::vector<uint64_t> &addresses, BinaryIndex &scratch)
{
	DwarfHandle handle(dwarf_elf, dwarf_path);
	Dwarf_CFI *eh_frame = dwarf_getcfi_elf(cfi_elf);
	Dwarf_CFI *cfi = eh_frame ? eh_frame : dwarf_getcfi(handle.dwarf);
	DwarfFacts facts;
	Reader reader(dwarf_path, scratch, facts);
	std::vector<LineSite> sites = reader.line_sites(handle.dwarf, cfi, addresses);
	if (eh_frame)
		dwarf_cfi_end(eh_frame);
	return sites;
}

} // namespace probelens
