// Text from outside (a feed, an SBOM, a model's output) made safe to print on a terminal:
// control characters would let it move the cursor, clear the screen or forge lines, so they
// are shown as \xNN. Bytes of 0x80 and above pass through (UTF-8 stays readable).
//
// Thread-safety: pure function.
//
//   std::cerr << "skipped " << PrintableText(problem.file) << "\n";
#pragma once

#include <string>
#include <string_view>

namespace bulwark {

std::string PrintableText(std::string_view text);

}  // namespace bulwark
