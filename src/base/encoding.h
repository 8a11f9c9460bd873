// Base64 (RFC 4648, standard alphabet, with padding) and lowercase hex, for hashes, keys and
// proofs on the command line and the wire. Decoding is strict: whitespace, a wrong alphabet,
// missing padding or non-zero trailing bits are errors, so one byte string has one text form.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace bulwark {

std::string Base64Encode(std::string_view bytes);
StatusOr<std::string> Base64Decode(std::string_view text);

std::string HexEncode(std::string_view bytes);

}  // namespace bulwark
