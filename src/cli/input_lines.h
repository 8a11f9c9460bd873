// Reading standard input a line at a time, as the commands that take one item per line do
// (`bulwark purl canonical`, `bulwark cvss score --stdin`).
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>

namespace bulwark::cli {

// Lines are kept up to this many bytes; a parser refuses anything this long, so a longer line
// is reported as too long without being held whole in memory.
inline constexpr size_t kMaxLineBytes = 1024 * 1024;

// Reads one line (without its "\n") into `line`, keeping at most kMaxLineBytes + 1 bytes of it.
// Returns false at the end of input.
bool ReadInputLine(std::istream& in, std::string& line);

// A line without the blanks around it (a CRLF file leaves "\r" on each line).
std::string_view TrimmedLine(std::string_view line);

}  // namespace bulwark::cli
