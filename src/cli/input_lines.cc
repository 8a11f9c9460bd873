#include "cli/input_lines.h"

namespace bulwark::cli {

bool ReadInputLine(std::istream& in, std::string& line) {
  line.clear();
  std::streambuf* buffer = in.rdbuf();
  bool read_any = false;
  for (int c = buffer->sbumpc(); c != std::char_traits<char>::eof(); c = buffer->sbumpc()) {
    read_any = true;
    if (c == '\n') return true;
    if (line.size() <= kMaxLineBytes) line += static_cast<char>(c);
  }
  return read_any;
}

std::string_view TrimmedLine(std::string_view line) {
  const size_t start = line.find_first_not_of(" \t\r");
  if (start == std::string_view::npos) return {};
  return line.substr(start, line.find_last_not_of(" \t\r") + 1 - start);
}

}  // namespace bulwark::cli
