// The one exception type the symbol reader throws on purpose: a stable code (the same names the
// TypeScript side and the CLI use) and a message that says what failed and what to do.
#pragma once

#include <stdexcept>
#include <string>

namespace probelens {

class SymbolError : public std::runtime_error {
public:
	SymbolError(std::string code, const std::string &message)
		: std::runtime_error(message), code_(std::move(code)) {}
	const std::string &code() const { return code_; }

private:
	std::string code_;
};

} // namespace probelens
