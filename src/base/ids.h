// Object ids: a type prefix and 128 random bits, such as "org_5q2x0d3k9h8m7n6p4r2s1t0v9w".
//
// The prefix names the kind of object (org, usr, tok, ses, tup, mdl, adv, ...) so an id read
// in a log says what it points to. The 128 bits are written as 26 characters of lowercase
// Crockford base32. Ids are opaque: nothing may depend on their order.
#pragma once

#include <string>
#include <string_view>

#include "base/random.h"

namespace bulwark {

std::string NewId(std::string_view prefix, Random& random = SecureRandom::Get());

// True when `id` is `prefix` + "_" + 26 base32 characters.
bool IsValidId(std::string_view id, std::string_view prefix);

// The prefix of an id ("org" for "org_..."), or "" when there is none.
std::string_view IdPrefix(std::string_view id);

// Lowercase Crockford base32 of arbitrary bytes, no padding.
std::string Base32(std::string_view bytes);

}  // namespace bulwark
