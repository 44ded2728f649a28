// The N-API face of the symbol reader: argument checks that throw TypeError at once, then every
// read on the libuv thread pool (AsyncWorker) with a promise for its answer. Execute() touches
// only plain C++ data; JavaScript values are made on the main thread. A failure rejects the
// promise with an Error carrying a stable `code`; nothing here may abort the process.
#include <napi.h>

#include <cmath>
#include <functional>
#include <memory>

#include "abi.h"
#include "binary_index.h"
#include "errors.h"
#include "index_cache.h"
#include "queries.h"

namespace probelens {

namespace {

constexpr size_t CACHE_CAPACITY = 16;

const char *kind_name(ElfKind kind)
{
	switch (kind) {
	case ElfKind::Executable: return "executable";
	case ElfKind::PieExecutable: return "pie-executable";
	case ElfKind::SharedLibrary: return "shared-library";
	case ElfKind::Relocatable: return "object";
	case ElfKind::Core: return "core";
	case ElfKind::Other: return "other";
	}
	return "other";
}

const char *binding_name(Binding binding)
{
	switch (binding) {
	case Binding::Global: return "global";
	case Binding::Local: return "local";
	case Binding::Weak: return "weak";
	case Binding::Unknown: return "unknown";
	}
	return "unknown";
}

const char *type_kind_name(TypeKind kind)
{
	switch (kind) {
	case TypeKind::Void: return "void";
	case TypeKind::Integer: return "integer";
	case TypeKind::Bool: return "bool";
	case TypeKind::Char: return "char";
	case TypeKind::Enum: return "enum";
	case TypeKind::Pointer: return "pointer";
	case TypeKind::Float: return "float";
	case TypeKind::Struct: return "struct";
	case TypeKind::Union: return "union";
	case TypeKind::Class: return "class";
	case TypeKind::Array: return "array";
	case TypeKind::Function: return "function";
	case TypeKind::Unknown: return "unknown";
	}
	return "unknown";
}

Napi::Value file_name(Napi::Env env, const BinaryIndex &index, uint32_t file)
{
	if (file >= index.files.size())
		return env.Null();
	return Napi::String::New(env, index.files[file]);
}

Napi::Value offset_value(Napi::Env env, bool has, uint64_t offset)
{
	return has ? Napi::Number::New(env, double(offset)) : env.Null();
}

Napi::Object function_object(Napi::Env env, const BinaryIndex &index, int32_t id)
{
	const Function &f = index.functions[size_t(id)];
	Napi::Object o = Napi::Object::New(env);
	o.Set("name", f.name);
	o.Set("demangled", f.demangled);
	o.Set("address", f.has_address ? Napi::Number::New(env, double(f.address)) : env.Null());
	o.Set("fileOffset", offset_value(env, f.has_offset, f.file_offset));
	o.Set("size", Napi::Number::New(env, double(f.size)));
	o.Set("binding", binding_name(f.binding));
	o.Set("inlinedOnly", f.inlined_only);
	o.Set("fragment", f.is_fragment);
	o.Set("fromSymbolTable", f.from_symbol_table);
	o.Set("startsWithEndbr64", f.starts_with_endbr64);
	static const char *const costs[] = { nullptr, "optimized", "emulated", "single-stepped" };
	const char *cost = costs[size_t(f.entry_cost)];
	o.Set("entryCost", cost ? Napi::Value(Napi::String::New(env, cost)) : env.Null());
	o.Set("hasDwarf", f.source >= 0);
	if (f.source >= 0) {
		const SourceFunction &s = index.source_functions[size_t(f.source)];
		o.Set("sourceName", s.name);
		o.Set("file", file_name(env, index, s.file));
		o.Set("line", s.line ? Napi::Number::New(env, s.line) : env.Null());
		o.Set("endLine", s.line ? Napi::Number::New(env, std::max(s.line, s.last_line)) : env.Null());
	} else {
		o.Set("sourceName", env.Null());
		o.Set("file", env.Null());
		o.Set("line", env.Null());
		o.Set("endLine", env.Null());
	}
	Napi::Array sites = Napi::Array::New(env, f.inline_sites.size());
	for (size_t i = 0; i < f.inline_sites.size(); i++) {
		const InlineSite &site = f.inline_sites[i];
		Napi::Object s = Napi::Object::New(env);
		s.Set("address", Napi::Number::New(env, double(site.address)));
		s.Set("fileOffset", offset_value(env, site.has_offset, site.file_offset));
		s.Set("file", file_name(env, index, site.call_file));
		s.Set("line", site.call_line ? Napi::Number::New(env, site.call_line) : env.Null());
		s.Set("caller", site.caller >= 0 ? Napi::String::New(env, index.functions[size_t(site.caller)].demangled) : env.Null());
		sites.Set(uint32_t(i), s);
	}
	o.Set("inlineSites", sites);
	return o;
}

Napi::Object binary_object(Napi::Env env, const BinaryIndex &index)
{
	Napi::Object o = Napi::Object::New(env);
	o.Set("path", index.path);
	o.Set("kind", kind_name(index.kind));
	o.Set("machine", machine_name(index.machine));
	o.Set("buildId", index.build_id.empty() ? env.Null() : Napi::String::New(env, index.build_id));
	o.Set("debugLink", index.debuglink.empty() ? env.Null() : Napi::String::New(env, index.debuglink));
	o.Set("debugFile", index.debug_file.empty() ? env.Null() : Napi::String::New(env, index.debug_file));
	o.Set("hasSymtab", index.has_symtab);
	o.Set("hasDynsym", index.has_dynsym);
	o.Set("hasDwarf", index.has_dwarf);
	o.Set("stripped", !index.has_symtab && !index.has_dwarf);
	o.Set("noDwarfReason", index.has_dwarf ? env.Null() : Napi::String::New(env, describe_binary_without_dwarf(index)));
	o.Set("functionCount", Napi::Number::New(env, double(index.functions.size())));
	o.Set("sourceFileCount", Napi::Number::New(env, double(index.files.size())));
	Napi::Array warnings = Napi::Array::New(env, index.warnings.size());
	for (size_t i = 0; i < index.warnings.size(); i++)
		warnings.Set(uint32_t(i), index.warnings[i]);
	o.Set("warnings", warnings);
	return o;
}

/** What a pointer argument's capture reads where it points, and how its fields are laid out. */
Napi::Object pointee_object(Napi::Env env, const Pointee &pointee)
{
	Napi::Object o = Napi::Object::New(env);
	o.Set("typeName", pointee.type_name);
	o.Set("size", Napi::Number::New(env, double(pointee.size)));
	o.Set("textAt", pointee.text_at < 0 ? env.Null() : Napi::Number::New(env, double(pointee.text_at)));
	o.Set("lengthAt", pointee.length_at < 0 ? env.Null() : Napi::Number::New(env, double(pointee.length_at)));
	o.Set("textOnly", pointee.text_only);
	if (pointee.inline_when_short)
		o.Set("inlineWhenShort", true);
	Napi::Array fields = Napi::Array::New(env, pointee.fields.size());
	for (size_t i = 0; i < pointee.fields.size(); i++) {
		Napi::Object field = Napi::Object::New(env);
		field.Set("name", pointee.fields[i].name);
		field.Set("offset", Napi::Number::New(env, double(pointee.fields[i].offset)));
		field.Set("type", pointee.fields[i].value_type);
		fields.Set(uint32_t(i), field);
	}
	o.Set("fields", fields);
	return o;
}

Napi::Object type_object(Napi::Env env, const TypeInfo &t)
{
	Napi::Object o = Napi::Object::New(env);
	o.Set("name", t.name);
	o.Set("kind", type_kind_name(t.kind));
	o.Set("size", Napi::Number::New(env, double(t.size)));
	o.Set("signed", t.is_signed);
	if (!t.enumerators.empty()) {
		Napi::Object values = Napi::Object::New(env);
		for (const auto &e : t.enumerators)
			values.Set(std::to_string(e.second), e.first);
		o.Set("enumerators", values);
	}
	return o;
}

const char *const kRegisterNames[] = { "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
				       "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15" };

/** A variable in scope at a line's site: where it is, and how the helper reads it there. */
Napi::Object variable_object(Napi::Env env, const BinaryIndex &types, const LocalVariable &var)
{
	static const char *const kinds[] = { "register", "memory", "optimized-out", "constant", "unsupported" };
	const VariableLocation &loc = var.location;
	const TypeInfo &type = types.types.at(var.type);
	Napi::Object o = Napi::Object::New(env);
	o.Set("name", var.name);
	o.Set("parameter", var.parameter);
	o.Set("type", type_object(env, type));
	Napi::Object where = Napi::Object::New(env);
	where.Set("kind", kinds[loc.kind]);
	where.Set("text", loc.text);
	bool readable = (loc.kind == VariableLocation::Register || loc.kind == VariableLocation::Memory) && loc.dwarf_register >= 0 && loc.dwarf_register < 16;
	if (readable)
		where.Set("register", kRegisterNames[loc.dwarf_register]);
	if (loc.kind == VariableLocation::Memory)
		where.Set("offset", Napi::Number::New(env, double(loc.offset)));
	if (loc.kind == VariableLocation::Constant)
		where.Set("value", Napi::Number::New(env, double(loc.constant)));
	o.Set("location", where);
	std::string value_type = value_type_of(type);
	if (readable && !value_type.empty()) {
		Napi::Object capture = Napi::Object::New(env);
		Napi::Object location = Napi::Object::New(env);
		if (loc.kind == VariableLocation::Register) {
			location.Set("register", kRegisterNames[loc.dwarf_register]);
		} else {
			Napi::Object memory = Napi::Object::New(env);
			memory.Set("register", kRegisterNames[loc.dwarf_register]);
			memory.Set("offset", Napi::Number::New(env, double(loc.offset)));
			location.Set("memory", memory);
		}
		capture.Set("location", location);
		capture.Set("type", value_type);
		o.Set("capture", capture);
	} else {
		o.Set("capture", env.Null());
	}
	Pointee pointee = type.kind == TypeKind::Pointer ? pointee_of(types, type) : Pointee{};
	o.Set("pointee", pointee.type_name.empty() && !pointee.text_only ? env.Null() : pointee_object(env, pointee));
	return o;
}

Napi::Object line_site_object(Napi::Env env, const BinaryIndex &index, const BinaryIndex &types, const LineSite &site)
{
	Napi::Object o = Napi::Object::New(env);
	uint64_t offset = 0;
	bool has = index.file_offset_of(site.address, offset);
	o.Set("address", Napi::Number::New(env, double(site.address)));
	o.Set("fileOffset", has ? Napi::Number::New(env, double(offset)) : env.Null());
	o.Set("function", site.function);
	o.Set("inlined", site.inlined);
	Napi::Array vars = Napi::Array::New(env, site.variables.size());
	for (size_t i = 0; i < site.variables.size(); i++)
		vars.Set(uint32_t(i), variable_object(env, types, site.variables[i]));
	o.Set("variables", vars);
	return o;
}

/** One source frame: file and line only when known. */
Napi::Object frame_object(Napi::Env env, const SourceFrame &frame)
{
	Napi::Object o = Napi::Object::New(env);
	o.Set("function", frame.function);
	if (!frame.file.empty())
		o.Set("file", frame.file);
	if (frame.line)
		o.Set("line", Napi::Number::New(env, frame.line));
	o.Set("inlined", frame.inlined);
	return o;
}

Napi::Array frames_array(Napi::Env env, const std::vector<SourceFrame> &frames)
{
	Napi::Array list = Napi::Array::New(env, frames.size());
	for (size_t i = 0; i < frames.size(); i++)
		list.Set(uint32_t(i), frame_object(env, frames[i]));
	return list;
}

Napi::Object signature_object(Napi::Env env, const BinaryIndex &index, int32_t id)
{
	const Function &f = index.functions[size_t(id)];
	Napi::Object o = Napi::Object::New(env);
	o.Set("function", function_object(env, index, id));
	if (f.signature < 0) {
		o.Set("hasDwarf", false);
		std::string why = !index.has_dwarf ? describe_binary_without_dwarf(index) :
			f.source < 0 ? f.name + " has no DWARF entry (assembler, or a unit built without -g)" :
				       f.name + " is a part of " + index.source_functions[size_t(f.source)].name + ", not its entry";
		o.Set("noDwarfReason", why);
		o.Set("params", Napi::Array::New(env));
		o.Set("returnType", env.Null());
		o.Set("returnCapture", env.Null());
		o.Set("returnNote", env.Null());
		o.Set("variadic", false);
		o.Set("notes", Napi::Array::New(env));
		return o;
	}
	const Signature &sig = index.signatures[size_t(f.signature)];
	SignatureCapture capture = capture_for(index, sig, f.name, f.binding == Binding::Local);
	o.Set("hasDwarf", true);
	o.Set("noDwarfReason", env.Null());
	Napi::Array params = Napi::Array::New(env, sig.params.size());
	for (size_t i = 0; i < sig.params.size(); i++) {
		const Parameter &p = sig.params[i];
		const ArgCapture &c = capture.args[i];
		Napi::Object po = Napi::Object::New(env);
		po.Set("name", p.name.empty() ? env.Null() : Napi::String::New(env, p.name));
		po.Set("type", type_object(env, index.types.at(p.type)));
		po.Set("artificial", p.artificial);
		po.Set("dwarfLocation", p.location.text.empty() ? env.Null() : Napi::String::New(env, p.location.text));
		po.Set("passedIn", c.passed_in.empty() ? env.Null() : Napi::String::New(env, c.passed_in));
		if (c.captured()) {
			Napi::Object capture_spec = Napi::Object::New(env);
			Napi::Object location = Napi::Object::New(env);
			if (!c.by_value_registers.empty()) {
				Napi::Array registers = Napi::Array::New(env, c.by_value_registers.size());
				for (size_t r = 0; r < c.by_value_registers.size(); r++)
					registers.Set(uint32_t(r), c.by_value_registers[r]);
				location.Set("registers", registers);
			} else if (c.by_value_on_stack) {
				location.Set("stackCopy", Napi::Number::New(env, double(c.stack_offset)));
			} else if (!c.register_name.empty()) {
				location.Set("register", c.register_name);
			} else {
				location.Set("stackOffset", Napi::Number::New(env, double(c.stack_offset)));
			}
			capture_spec.Set("location", location);
			capture_spec.Set("type", c.value_type);
			po.Set("capture", capture_spec);
		} else {
			po.Set("capture", env.Null());
		}
		po.Set("note", c.note.empty() ? env.Null() : Napi::String::New(env, c.note));
		po.Set("pointee", c.pointee.type_name.empty() && !c.pointee.text_only ? env.Null() : pointee_object(env, c.pointee));
		params.Set(uint32_t(i), po);
	}
	o.Set("params", params);
	o.Set("returnType", type_object(env, index.types.at(sig.return_type)));
	o.Set("returnCapture", capture.return_type.empty() ? env.Null() : Napi::String::New(env, capture.return_type));
	o.Set("returnNote", capture.return_note.empty() ? env.Null() : Napi::String::New(env, capture.return_note));
	o.Set("returnPointee", capture.return_pointee.type_name.empty() ? env.Null() : Napi::Value(pointee_object(env, capture.return_pointee)));
	o.Set("returnRegisters", capture.return_registers ? Napi::Value(Napi::Number::New(env, capture.return_registers)) : env.Null());
	o.Set("variadic", sig.variadic);
	Napi::Array notes = Napi::Array::New(env, capture.notes.size());
	for (size_t i = 0; i < capture.notes.size(); i++)
		notes.Set(uint32_t(i), capture.notes[i]);
	o.Set("notes", notes);
	return o;
}

/**
 * One query: `execute` runs on a worker thread with the binary's index and fills plain data;
 * `convert` makes the answer on the main thread.
 */
class QueryWorker : public Napi::AsyncWorker {
public:
	using Run = std::function<void(const BinaryIndex &)>;
	using Convert = std::function<Napi::Value(Napi::Env, const BinaryIndex &)>;

	QueryWorker(Napi::Env env, std::shared_ptr<IndexCache> cache, std::string binary, Run execute, Convert convert)
		: Napi::AsyncWorker(env, "probe-lens:symbols"), deferred_(Napi::Promise::Deferred::New(env)), cache_(std::move(cache)),
		  binary_(std::move(binary)), execute_(std::move(execute)), convert_(std::move(convert))
	{
	}

	Napi::Promise promise() { return deferred_.Promise(); }

	void Execute() override
	{
		try {
			index_ = cache_->get(binary_);
			if (execute_)
				execute_(*index_);
		} catch (const SymbolError &error) {
			code_ = error.code();
			SetError(error.what());
		} catch (const std::bad_alloc &) {
			code_ = "internal";
			SetError(binary_ + ": out of memory while reading it");
		} catch (const std::exception &error) {
			code_ = "internal";
			SetError(binary_ + ": " + error.what());
		} catch (...) {
			code_ = "internal";
			SetError(binary_ + ": unexpected failure while reading it");
		}
	}

	void OnOK() override
	{
		Napi::Env env = Env();
		try {
			deferred_.Resolve(convert_(env, *index_));
		} catch (const Napi::Error &error) {
			deferred_.Reject(error.Value());
		} catch (const SymbolError &error) {
			reject(error.code(), error.what());
		} catch (const std::exception &error) {
			reject("internal", error.what());
		}
	}

	void OnError(const Napi::Error &error) override { reject(code_, error.Message()); }

private:
	void reject(const std::string &code, const std::string &message)
	{
		Napi::Error error = Napi::Error::New(Env(), message);
		error.Set("code", Napi::String::New(Env(), code));
		deferred_.Reject(error.Value());
	}

	Napi::Promise::Deferred deferred_;
	std::shared_ptr<IndexCache> cache_;
	std::string binary_;
	Run execute_;
	Convert convert_;
	std::shared_ptr<const BinaryIndex> index_;
	std::string code_ = "internal";
};

std::string string_arg(const Napi::CallbackInfo &info, size_t i, const char *what)
{
	if (info.Length() <= i || !info[i].IsString() || info[i].As<Napi::String>().Utf8Value().empty())
		throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a non-empty string");
	std::string value = info[i].As<Napi::String>().Utf8Value();
	if (value.find('\0') != std::string::npos)
		throw Napi::TypeError::New(info.Env(), std::string(what) + " must not contain NUL");
	return value;
}

uint32_t line_arg(const Napi::CallbackInfo &info, size_t i)
{
	if (info.Length() <= i || !info[i].IsNumber())
		throw Napi::TypeError::New(info.Env(), "line must be a number");
	double line = info[i].As<Napi::Number>().DoubleValue();
	if (!(line >= 1 && line <= 4294967295.0) || line != double(uint32_t(line)))
		throw Napi::TypeError::New(info.Env(), "line must be an integer from 1");
	return uint32_t(line);
}

std::vector<uint64_t> offsets_arg(const Napi::CallbackInfo &info, size_t i)
{
	if (info.Length() <= i || !info[i].IsArray())
		throw Napi::TypeError::New(info.Env(), "file offsets must be an array of numbers");
	Napi::Array list = info[i].As<Napi::Array>();
	std::vector<uint64_t> offsets(list.Length());
	for (uint32_t k = 0; k < list.Length(); k++) {
		Napi::Value value = list.Get(k);
		double offset = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
		if (!(offset >= 0 && offset <= 9007199254740991.0) || offset != std::floor(offset))
			throw Napi::TypeError::New(info.Env(), "file offsets must be non-negative integers; [" + std::to_string(k) + "] is not");
		offsets[k] = uint64_t(offset);
	}
	return offsets;
}

} // namespace

class SymbolsAddon : public Napi::Addon<SymbolsAddon> {
public:
	SymbolsAddon(Napi::Env env, Napi::Object exports) : cache_(std::make_shared<IndexCache>(CACHE_CAPACITY))
	{
		DefineAddon(exports, {
					     InstanceMethod("binaryInfo", &SymbolsAddon::BinaryInfo),
					     InstanceMethod("functions", &SymbolsAddon::Functions),
					     InstanceMethod("lookup", &SymbolsAddon::Lookup),
					     InstanceMethod("functionAt", &SymbolsAddon::FunctionAt),
					     InstanceMethod("signature", &SymbolsAddon::SignatureOf),
					     InstanceMethod("lineAddresses", &SymbolsAddon::LineAddresses),
					     InstanceMethod("lineSites", &SymbolsAddon::LineSites),
					     InstanceMethod("calleesAt", &SymbolsAddon::CalleesAt),
					     InstanceMethod("symbolize", &SymbolsAddon::Symbolize),
					     InstanceMethod("sourceFiles", &SymbolsAddon::SourceFiles),
					     InstanceMethod("matchSourceFile", &SymbolsAddon::MatchSourceFile),
					     InstanceMethod("cacheStats", &SymbolsAddon::CacheStatsOf),
					     InstanceMethod("clearCache", &SymbolsAddon::ClearCache),
				     });
		(void)env;
	}

private:
	std::shared_ptr<IndexCache> cache_;

	Napi::Value queue(Napi::Env env, const std::string &binary, QueryWorker::Run execute, QueryWorker::Convert convert)
	{
		auto *worker = new QueryWorker(env, cache_, binary, std::move(execute), std::move(convert));
		Napi::Promise promise = worker->promise();
		worker->Queue();
		return promise;
	}

	Napi::Value BinaryInfo(const Napi::CallbackInfo &info)
	{
		std::string binary = string_arg(info, 0, "binary");
		return queue(info.Env(), binary, nullptr, [](Napi::Env env, const BinaryIndex &index) -> Napi::Value {
			return binary_object(env, index);
		});
	}

	Napi::Value Functions(const Napi::CallbackInfo &info)
	{
		std::string binary = string_arg(info, 0, "binary");
		return queue(info.Env(), binary, nullptr, [](Napi::Env env, const BinaryIndex &index) -> Napi::Value {
			Napi::Object o = Napi::Object::New(env);
			o.Set("binary", binary_object(env, index));
			Napi::Array list = Napi::Array::New(env, index.functions.size());
			for (size_t i = 0; i < index.functions.size(); i++)
				list.Set(uint32_t(i), function_object(env, index, int32_t(i)));
			o.Set("functions", list);
			return o;
		});
	}

	Napi::Value Lookup(const Napi::CallbackInfo &info)
	{
		std::string binary = string_arg(info, 0, "binary");
		std::string name = string_arg(info, 1, "function name");
		auto found = std::make_shared<std::vector<int32_t>>();
		return queue(
			info.Env(), binary, [name, found](const BinaryIndex &index) { *found = lookup_function(index, name); },
			[found](Napi::Env env, const BinaryIndex &index) -> Napi::Value {
				Napi::Array list = Napi::Array::New(env, found->size());
				for (size_t i = 0; i < found->size(); i++)
					list.Set(uint32_t(i), function_object(env, index, (*found)[i]));
				return list;
			});
	}

	Napi::Value FunctionAt(const Napi::CallbackInfo &info)
	{
		std::string source = string_arg(info, 0, "source file");
		uint32_t line = line_arg(info, 1);
		std::string binary = string_arg(info, 2, "binary");
		auto result = std::make_shared<FunctionAtResult>();
		return queue(
			info.Env(), binary, [source, line, result](const BinaryIndex &index) { *result = function_at(index, source, line); },
			[result, line](Napi::Env env, const BinaryIndex &index) -> Napi::Value {
				Napi::Object o = Napi::Object::New(env);
				o.Set("file", index.files[result->file]);
				o.Set("line", Napi::Number::New(env, line));
				// The entry to probe first: an out-of-line copy under its own name, not a clone.
				int32_t primary = result->functions.front();
				for (int32_t id : result->functions) {
					const Function &f = index.functions[size_t(id)];
					const Function &p = index.functions[size_t(primary)];
					auto rank = [](const Function &fn) {
						return (fn.has_address ? 4 : 0) + (fn.name.find('.') == std::string::npos ? 2 : 0) + (fn.from_symbol_table ? 1 : 0);
					};
					if (rank(f) > rank(p))
						primary = id;
				}
				o.Set("function", function_object(env, index, primary));
				Napi::Array all = Napi::Array::New(env, result->functions.size());
				for (size_t i = 0; i < result->functions.size(); i++)
					all.Set(uint32_t(i), function_object(env, index, result->functions[i]));
				o.Set("functions", all);
				return o;
			});
	}

	Napi::Value CalleesAt(const Napi::CallbackInfo &info)
	{
		std::string source = string_arg(info, 0, "source file");
		uint32_t line = line_arg(info, 1);
		std::string binary = string_arg(info, 2, "binary");
		auto result = std::make_shared<std::vector<std::string>>();
		return queue(
			info.Env(), binary, [source, line, result](const BinaryIndex &index) { *result = callees_at(index, source, line); },
			[result](Napi::Env env, const BinaryIndex &) -> Napi::Value {
				Napi::Array list = Napi::Array::New(env, result->size());
				for (size_t i = 0; i < result->size(); i++)
					list.Set(uint32_t(i), (*result)[i]);
				return list;
			});
	}

	Napi::Value SignatureOf(const Napi::CallbackInfo &info)
	{
		std::string binary = string_arg(info, 0, "binary");
		std::string name = string_arg(info, 1, "function name");
		int64_t address = -1;
		if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull()) {
			if (!info[2].IsNumber() || info[2].As<Napi::Number>().DoubleValue() < 0)
				throw Napi::TypeError::New(info.Env(), "address must be a non-negative number");
			address = info[2].As<Napi::Number>().Int64Value();
		}
		auto picked = std::make_shared<int32_t>(-1);
		return queue(
			info.Env(), binary, [name, address, picked](const BinaryIndex &index) { *picked = pick_function(index, name, address); },
			[picked](Napi::Env env, const BinaryIndex &index) -> Napi::Value { return signature_object(env, index, *picked); });
	}

	Napi::Value LineAddresses(const Napi::CallbackInfo &info)
	{
		std::string source = string_arg(info, 0, "source file");
		uint32_t line = line_arg(info, 1);
		std::string binary = string_arg(info, 2, "binary");
		auto result = std::make_shared<LineAddressesResult>();
		return queue(
			info.Env(), binary, [source, line, result](const BinaryIndex &index) { *result = line_addresses(index, source, line); },
			[result, line](Napi::Env env, const BinaryIndex &index) -> Napi::Value {
				Napi::Object o = Napi::Object::New(env);
				o.Set("file", index.files[result->file]);
				o.Set("line", Napi::Number::New(env, line));
				Napi::Array list = Napi::Array::New(env, result->addresses.size());
				for (size_t i = 0; i < result->addresses.size(); i++) {
					uint64_t address = result->addresses[i];
					uint64_t offset = 0;
					bool has = index.file_offset_of(address, offset);
					int32_t fn = function_containing(index, address);
					Napi::Object a = Napi::Object::New(env);
					a.Set("address", Napi::Number::New(env, double(address)));
					a.Set("fileOffset", offset_value(env, has, offset));
					a.Set("function", fn >= 0 ? Napi::String::New(env, index.functions[size_t(fn)].demangled) : env.Null());
					list.Set(uint32_t(i), a);
				}
				o.Set("addresses", list);
				o.Set("previousLine", result->previous_line ? Napi::Number::New(env, result->previous_line) : env.Null());
				o.Set("nextLine", result->next_line ? Napi::Number::New(env, result->next_line) : env.Null());
				return o;
			});
	}

	Napi::Value LineSites(const Napi::CallbackInfo &info)
	{
		std::string source = string_arg(info, 0, "source file");
		uint32_t line = line_arg(info, 1);
		std::string binary = string_arg(info, 2, "binary");
		struct Found {
			LineAddressesResult where;
			std::vector<LineSite> sites;
			BinaryIndex scratch; // the variables' types
		};
		auto found = std::make_shared<Found>();
		return queue(
			info.Env(), binary,
			[source, line, found](const BinaryIndex &index) {
				found->where = line_addresses(index, source, line);
				if (!found->where.addresses.empty() && index.has_dwarf)
					found->sites = line_sites(index, found->where.addresses, found->scratch);
			},
			[found, line](Napi::Env env, const BinaryIndex &index) -> Napi::Value {
				Napi::Object o = Napi::Object::New(env);
				o.Set("file", index.files[found->where.file]);
				o.Set("line", Napi::Number::New(env, line));
				o.Set("previousLine", found->where.previous_line ? Napi::Number::New(env, found->where.previous_line) : env.Null());
				o.Set("nextLine", found->where.next_line ? Napi::Number::New(env, found->where.next_line) : env.Null());
				Napi::Array sites = Napi::Array::New(env, found->sites.size());
				for (size_t i = 0; i < found->sites.size(); i++)
					sites.Set(uint32_t(i), line_site_object(env, index, found->scratch, found->sites[i]));
				o.Set("sites", sites);
				return o;
			});
	}

	Napi::Value Symbolize(const Napi::CallbackInfo &info)
	{
		std::string binary = string_arg(info, 0, "binary");
		std::vector<uint64_t> offsets = offsets_arg(info, 1);
		auto found = std::make_shared<std::vector<std::vector<SourceFrame>>>();
		return queue(
			info.Env(), binary, [offsets, found](const BinaryIndex &index) { *found = symbolize(index, offsets); },
			[found](Napi::Env env, const BinaryIndex &) -> Napi::Value {
				Napi::Array list = Napi::Array::New(env, found->size());
				for (size_t i = 0; i < found->size(); i++)
					list.Set(uint32_t(i), frames_array(env, (*found)[i]));
				return list;
			});
	}

	Napi::Value SourceFiles(const Napi::CallbackInfo &info)
	{
		std::string binary = string_arg(info, 0, "binary");
		return queue(info.Env(), binary, nullptr, [](Napi::Env env, const BinaryIndex &index) -> Napi::Value {
			Napi::Array list = Napi::Array::New(env, index.files.size());
			for (size_t i = 0; i < index.files.size(); i++)
				list.Set(uint32_t(i), index.files[i]);
			return list;
		});
	}

	/** The binary's own name for a source file, or null when its DWARF does not name it. */
	Napi::Value MatchSourceFile(const Napi::CallbackInfo &info)
	{
		std::string binary = string_arg(info, 0, "binary");
		std::string source = string_arg(info, 1, "source file");
		struct Match {
			uint32_t file = UINT32_MAX;
			size_t components = 0;
		};
		auto match = std::make_shared<Match>();
		return queue(
			info.Env(), binary,
			[source, match](const BinaryIndex &index) {
				try {
					match->file = match_source_file(index, source, &match->components);
				} catch (const SymbolError &error) {
					if (error.code() != "file-not-in-binary" && error.code() != "no-dwarf" && error.code() != "ambiguous")
						throw;
				}
			},
			[match](Napi::Env env, const BinaryIndex &index) -> Napi::Value {
				if (match->file == UINT32_MAX)
					return env.Null();
				Napi::Object o = Napi::Object::New(env);
				o.Set("file", index.files[match->file]);
				o.Set("exact", match->components == SIZE_MAX);
				o.Set("matchingComponents", Napi::Number::New(env, match->components == SIZE_MAX ? -1 : double(match->components)));
				return o;
			});
	}

	Napi::Value CacheStatsOf(const Napi::CallbackInfo &info)
	{
		CacheStats stats = cache_->stats();
		Napi::Object o = Napi::Object::New(info.Env());
		o.Set("hits", Napi::Number::New(info.Env(), double(stats.hits)));
		o.Set("builds", Napi::Number::New(info.Env(), double(stats.builds)));
		o.Set("entries", Napi::Number::New(info.Env(), double(stats.entries)));
		return o;
	}

	Napi::Value ClearCache(const Napi::CallbackInfo &info)
	{
		cache_->clear();
		return info.Env().Undefined();
	}
};

} // namespace probelens

using probelens::SymbolsAddon;
NODE_API_ADDON(SymbolsAddon)
