// Small text helpers. PrintableText makes text from outside (a feed, an SBOM, a model's output)
// safe to print on a terminal: control characters would let it move the cursor, clear the
// screen or forge lines, so they are shown as \xNN. Bytes of 0x80 and above pass through (UTF-8
// stays readable). TrimAsciiWhitespace drops space, \t, \n, \v, \f and \r at both ends.
// ValidUtf8 replaces each byte that does not belong to a well-formed UTF-8 sequence (an
// overlong form, a surrogate, past U+10FFFF, or cut short) with U+FFFD, so that bytes from
// outside can be put in JSON.
//
// Thread-safety: pure functions.
//
//   std::cerr << "skipped " << PrintableText(problem.file) << "\n";
#pragma once

#include <string>
#include <string_view>

namespace bulwark {

std::string PrintableText(std::string_view text);
std::string_view TrimAsciiWhitespace(std::string_view text);
std::string ValidUtf8(std::string_view text);

}  // namespace bulwark
