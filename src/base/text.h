// Small text helpers. PrintableText makes text from outside (a feed, an SBOM, a model's output)
// safe to print on a terminal: control characters would let it move the cursor, clear the
// screen or forge lines, so they are shown as \xNN. Bytes of 0x80 and above pass through (UTF-8
// stays readable). TrimAsciiWhitespace drops space, \t, \n, \v, \f and \r at both ends.
// ValidUtf8 replaces each byte that does not belong to a well-formed UTF-8 sequence (an
// overlong form, a surrogate, past U+10FFFF, or cut short) with U+FFFD, so that bytes from
// outside can be put in JSON. ValidateText checks a person's text field (a name, a note, a
// rationale) before it is stored: its length in bytes, and no control characters but newline
// and tab.
//
// Thread-safety: pure functions.
//
//   std::cerr << "skipped " << PrintableText(problem.file) << "\n";
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace bulwark {

std::string PrintableText(std::string_view text);
std::string_view TrimAsciiWhitespace(std::string_view text);
std::string ValidUtf8(std::string_view text);
// InvalidArgument naming `field` (message and detail "field") unless `value` has `min` to `max`
// bytes and no control characters but newline and tab.
Status ValidateText(const std::string& value, std::string_view field, size_t min, size_t max);

}  // namespace bulwark
