// C++ names as a person reads them: the standard library's default template arguments and
// inline namespaces left out, so `kv::Store::Put(std::__cxx11::basic_string<char,
// std::char_traits<char>, std::allocator<char> > const&)` reads `kv::Store::Put(std::string
// const&)` and three overloads no longer look alike. Only labels use it: lookups keep the
// demangler's full name, and the mangled symbol stays one click away.

/** Template arguments the standard library fills in by default, dropped from the end of a list. */
const DEFAULT_ARGUMENT = /^std::(allocator|char_traits|less|hash|equal_to|default_delete)<.*>$/;

const ALIASES: [RegExp, string][] = [
  [/\bstd::basic_string<char>/g, 'std::string'],
  [/\bstd::basic_string<wchar_t>/g, 'std::wstring'],
  [/\bstd::basic_string_view<char>/g, 'std::string_view'],
  [/\bstd::basic_ostream<char>/g, 'std::ostream'],
  [/\bstd::basic_istream<char>/g, 'std::istream'],
];

/** Splits `a, b<c, d>, e` at its top-level commas. */
function topLevelArguments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '<' || c === '(') depth++;
    else if (c === '>' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

/** Rewrites every `<…>` list, innermost first, without its trailing default arguments. */
function withoutDefaultArguments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    // Not a template list: operator<, operator<<, operator<=, or a '<' after a space.
    const isOperator = /operator<*$/.test(text.slice(Math.max(0, i - 10), i));
    if (c !== '<' || isOperator || text.startsWith('<<', i) || text[i - 1] === ' ' || text[i - 1] === undefined) {
      out += c;
      i++;
      continue;
    }
    // Find the matching '>'.
    let depth = 0;
    let end = i;
    for (; end < text.length; end++) {
      if (text[end] === '<') depth++;
      else if (text[end] === '>' && --depth === 0) break;
    }
    if (end >= text.length) {
      out += text.slice(i);
      break;
    }
    const args = topLevelArguments(withoutDefaultArguments(text.slice(i + 1, end)));
    while (args.length > 1 && DEFAULT_ARGUMENT.test(args[args.length - 1] ?? '')) args.pop();
    out += `<${args.join(', ')}>`;
    i = end + 1;
  }
  return out;
}

export function readableName(demangled: string): string {
  let name = demangled.replace(/\bstd::__(cxx11|1)::/g, 'std::');
  name = withoutDefaultArguments(name).replace(/> >/g, '>>');
  for (const [pattern, alias] of ALIASES) name = name.replace(pattern, alias);
  return name;
}
