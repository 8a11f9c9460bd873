// Package URLs: parsing, building and printing the canonical form (see purl.h).
//
// The general rules are the purl-spec's core specification and its "how to parse" and "how to
// build" procedures; the per-type rules are the registered type definitions'
// (types/<type>-definition.json), kept as a table in internal/purl_types.cc. Where a procedure
// leaves a case open or the spec's own test vectors reject what the prose allows, a comment says
// which reading the code takes.
//
// Parsing decodes each component and then hands the decoded components to the same
// canonicalization that building uses, so a parsed purl and a built one for the same package
// compare equal.
#include "vuln/purl.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vuln/internal/purl_types.h"

namespace bulwark::vuln {
namespace {

using internal::Check;
using internal::ComponentRule;
using internal::Normalization;
using internal::PurlTypeRule;
using internal::QualifierRule;
using internal::Requirement;

// Longer purls are refused before any work (and so is a longer canonical form, so that every
// canonical form parses again). Real ones, even with a download_url and a list of checksums,
// are a few hundred bytes.
constexpr size_t kMaxPurlBytes = 64 * 1024;

Status PurlError(std::string_view message) {
  return InvalidArgumentError("purl: " + std::string(message));
}

bool IsAsciiLetter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(unsigned char c) { return c >= '0' && c <= '9'; }

// For the parts the grammar keeps ASCII: the scheme, the type and qualifier keys.
std::string AsciiLowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string AsciiUppercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// Untrusted text quoted for an error message: printable ASCII as is, any other byte as \xNN, at
// most 80 bytes of it, so that a message stays one readable line whatever the input held.
std::string Shown(std::string_view text) {
  constexpr size_t kShownBytes = 80;
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < kShownBytes; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
      out += escaped;
    }
  }
  if (text.size() > kShownBytes) out += "...";
  out += '"';
  return out;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

// Reads the code point starting at text[i] into `code` and returns its length in bytes, or 0
// when the bytes there are not well-formed UTF-8 (RFC 3629: shortest forms only, no surrogates,
// nothing above U+10FFFF).
size_t DecodeCodePoint(std::string_view text, size_t i, uint32_t& code) {
  const auto lead = static_cast<unsigned char>(text[i]);
  if (lead < 0x80) {
    code = lead;
    return 1;
  }
  size_t length;
  uint32_t smallest;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code = lead & 0x1F, smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code = lead & 0x0F, smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code = lead & 0x07, smallest = 0x10000;
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  for (size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) return 0;
    code = (code << 6) | (next & 0x3F);
  }
  if (code < smallest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

void AppendUtf8(uint32_t code, std::string& out) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Whether `text` is well-formed UTF-8, as the grammar requires of every decoded component.
bool IsUtf8(std::string_view text) {
  uint32_t code = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t length = DecodeCodePoint(text, i, code);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

// The Unicode lowercase mappings (UnicodeData.txt's simple mappings, Unicode 14.0), as runs:
// every `stride`-th code point from `first` to `last` lowercases to itself plus `delta`.
// Sorted by `first`; the last run starting at or before a code point is the only one that can
// hold it (checked against the whole Unicode table when the runs were drawn up).
struct CaseRun {
  uint32_t first;
  uint32_t last;
  int32_t delta;
  uint32_t stride;
};

constexpr CaseRun kLowercaseRuns[] = {
    {0x0041, 0x005A, 32, 1},     {0x00C0, 0x00D6, 32, 1},     {0x00D8, 0x00DE, 32, 1},
    {0x0100, 0x012E, 1, 2},      {0x0132, 0x0136, 1, 2},      {0x0139, 0x0147, 1, 2},
    {0x014A, 0x0176, 1, 2},      {0x0178, 0x0178, -121, 1},   {0x0179, 0x017D, 1, 2},
    {0x0181, 0x0181, 210, 1},    {0x0182, 0x0184, 1, 2},      {0x0186, 0x0186, 206, 1},
    {0x0187, 0x0187, 1, 1},      {0x0189, 0x018A, 205, 1},    {0x018B, 0x018B, 1, 1},
    {0x018E, 0x018E, 79, 1},     {0x018F, 0x018F, 202, 1},    {0x0190, 0x0190, 203, 1},
    {0x0191, 0x0191, 1, 1},      {0x0193, 0x0193, 205, 1},    {0x0194, 0x0194, 207, 1},
    {0x0196, 0x0196, 211, 1},    {0x0197, 0x0197, 209, 1},    {0x0198, 0x0198, 1, 1},
    {0x019C, 0x019C, 211, 1},    {0x019D, 0x019D, 213, 1},    {0x019F, 0x019F, 214, 1},
    {0x01A0, 0x01A4, 1, 2},      {0x01A6, 0x01A6, 218, 1},    {0x01A7, 0x01A7, 1, 1},
    {0x01A9, 0x01A9, 218, 1},    {0x01AC, 0x01AC, 1, 1},      {0x01AE, 0x01AE, 218, 1},
    {0x01AF, 0x01AF, 1, 1},      {0x01B1, 0x01B2, 217, 1},    {0x01B3, 0x01B5, 1, 2},
    {0x01B7, 0x01B7, 219, 1},    {0x01B8, 0x01B8, 1, 1},      {0x01BC, 0x01BC, 1, 1},
    {0x01C4, 0x01C4, 2, 1},      {0x01C5, 0x01C5, 1, 1},      {0x01C7, 0x01C7, 2, 1},
    {0x01C8, 0x01C8, 1, 1},      {0x01CA, 0x01CA, 2, 1},      {0x01CB, 0x01DB, 1, 2},
    {0x01DE, 0x01EE, 1, 2},      {0x01F1, 0x01F1, 2, 1},      {0x01F2, 0x01F4, 1, 2},
    {0x01F6, 0x01F6, -97, 1},    {0x01F7, 0x01F7, -56, 1},    {0x01F8, 0x021E, 1, 2},
    {0x0220, 0x0220, -130, 1},   {0x0222, 0x0232, 1, 2},      {0x023A, 0x023A, 10795, 1},
    {0x023B, 0x023B, 1, 1},      {0x023D, 0x023D, -163, 1},   {0x023E, 0x023E, 10792, 1},
    {0x0241, 0x0241, 1, 1},      {0x0243, 0x0243, -195, 1},   {0x0244, 0x0244, 69, 1},
    {0x0245, 0x0245, 71, 1},     {0x0246, 0x024E, 1, 2},      {0x0370, 0x0372, 1, 2},
    {0x0376, 0x0376, 1, 1},      {0x037F, 0x037F, 116, 1},    {0x0386, 0x0386, 38, 1},
    {0x0388, 0x038A, 37, 1},     {0x038C, 0x038C, 64, 1},     {0x038E, 0x038F, 63, 1},
    {0x0391, 0x03A1, 32, 1},     {0x03A3, 0x03AB, 32, 1},     {0x03CF, 0x03CF, 8, 1},
    {0x03D8, 0x03EE, 1, 2},      {0x03F4, 0x03F4, -60, 1},    {0x03F7, 0x03F7, 1, 1},
    {0x03F9, 0x03F9, -7, 1},     {0x03FA, 0x03FA, 1, 1},      {0x03FD, 0x03FF, -130, 1},
    {0x0400, 0x040F, 80, 1},     {0x0410, 0x042F, 32, 1},     {0x0460, 0x0480, 1, 2},
    {0x048A, 0x04BE, 1, 2},      {0x04C0, 0x04C0, 15, 1},     {0x04C1, 0x04CD, 1, 2},
    {0x04D0, 0x052E, 1, 2},      {0x0531, 0x0556, 48, 1},     {0x10A0, 0x10C5, 7264, 1},
    {0x10C7, 0x10C7, 7264, 1},   {0x10CD, 0x10CD, 7264, 1},   {0x13A0, 0x13EF, 38864, 1},
    {0x13F0, 0x13F5, 8, 1},      {0x1C90, 0x1CBA, -3008, 1},  {0x1CBD, 0x1CBF, -3008, 1},
    {0x1E00, 0x1E94, 1, 2},      {0x1E9E, 0x1E9E, -7615, 1},  {0x1EA0, 0x1EFE, 1, 2},
    {0x1F08, 0x1F0F, -8, 1},     {0x1F18, 0x1F1D, -8, 1},     {0x1F28, 0x1F2F, -8, 1},
    {0x1F38, 0x1F3F, -8, 1},     {0x1F48, 0x1F4D, -8, 1},     {0x1F59, 0x1F5F, -8, 2},
    {0x1F68, 0x1F6F, -8, 1},     {0x1F88, 0x1F8F, -8, 1},     {0x1F98, 0x1F9F, -8, 1},
    {0x1FA8, 0x1FAF, -8, 1},     {0x1FB8, 0x1FB9, -8, 1},     {0x1FBA, 0x1FBB, -74, 1},
    {0x1FBC, 0x1FBC, -9, 1},     {0x1FC8, 0x1FCB, -86, 1},    {0x1FCC, 0x1FCC, -9, 1},
    {0x1FD8, 0x1FD9, -8, 1},     {0x1FDA, 0x1FDB, -100, 1},   {0x1FE8, 0x1FE9, -8, 1},
    {0x1FEA, 0x1FEB, -112, 1},   {0x1FEC, 0x1FEC, -7, 1},     {0x1FF8, 0x1FF9, -128, 1},
    {0x1FFA, 0x1FFB, -126, 1},   {0x1FFC, 0x1FFC, -9, 1},     {0x2126, 0x2126, -7517, 1},
    {0x212A, 0x212A, -8383, 1},  {0x212B, 0x212B, -8262, 1},  {0x2132, 0x2132, 28, 1},
    {0x2160, 0x216F, 16, 1},     {0x2183, 0x2183, 1, 1},      {0x24B6, 0x24CF, 26, 1},
    {0x2C00, 0x2C2F, 48, 1},     {0x2C60, 0x2C60, 1, 1},      {0x2C62, 0x2C62, -10743, 1},
    {0x2C63, 0x2C63, -3814, 1},  {0x2C64, 0x2C64, -10727, 1}, {0x2C67, 0x2C6B, 1, 2},
    {0x2C6D, 0x2C6D, -10780, 1}, {0x2C6E, 0x2C6E, -10749, 1}, {0x2C6F, 0x2C6F, -10783, 1},
    {0x2C70, 0x2C70, -10782, 1}, {0x2C72, 0x2C72, 1, 1},      {0x2C75, 0x2C75, 1, 1},
    {0x2C7E, 0x2C7F, -10815, 1}, {0x2C80, 0x2CE2, 1, 2},      {0x2CEB, 0x2CED, 1, 2},
    {0x2CF2, 0x2CF2, 1, 1},      {0xA640, 0xA66C, 1, 2},      {0xA680, 0xA69A, 1, 2},
    {0xA722, 0xA72E, 1, 2},      {0xA732, 0xA76E, 1, 2},      {0xA779, 0xA77B, 1, 2},
    {0xA77D, 0xA77D, -35332, 1}, {0xA77E, 0xA786, 1, 2},      {0xA78B, 0xA78B, 1, 1},
    {0xA78D, 0xA78D, -42280, 1}, {0xA790, 0xA792, 1, 2},      {0xA796, 0xA7A8, 1, 2},
    {0xA7AA, 0xA7AA, -42308, 1}, {0xA7AB, 0xA7AB, -42319, 1}, {0xA7AC, 0xA7AC, -42315, 1},
    {0xA7AD, 0xA7AD, -42305, 1}, {0xA7AE, 0xA7AE, -42308, 1}, {0xA7B0, 0xA7B0, -42258, 1},
    {0xA7B1, 0xA7B1, -42282, 1}, {0xA7B2, 0xA7B2, -42261, 1}, {0xA7B3, 0xA7B3, 928, 1},
    {0xA7B4, 0xA7C2, 1, 2},      {0xA7C4, 0xA7C4, -48, 1},    {0xA7C5, 0xA7C5, -42307, 1},
    {0xA7C6, 0xA7C6, -35384, 1}, {0xA7C7, 0xA7C9, 1, 2},      {0xA7D0, 0xA7D0, 1, 1},
    {0xA7D6, 0xA7D8, 1, 2},      {0xA7F5, 0xA7F5, 1, 1},      {0xFF21, 0xFF3A, 32, 1},
    {0x10400, 0x10427, 40, 1},   {0x104B0, 0x104D3, 40, 1},   {0x10570, 0x1057A, 39, 1},
    {0x1057C, 0x1058A, 39, 1},   {0x1058C, 0x10592, 39, 1},   {0x10594, 0x10595, 39, 1},
    {0x10C80, 0x10CB2, 64, 1},   {0x118A0, 0x118BF, 32, 1},   {0x16E40, 0x16E5F, 32, 1},
    {0x1E900, 0x1E921, 34, 1},
};

uint32_t LowercaseCodePoint(uint32_t code) {
  auto it = std::upper_bound(std::begin(kLowercaseRuns), std::end(kLowercaseRuns), code,
                             [](uint32_t c, const CaseRun& run) { return c < run.first; });
  if (it == std::begin(kLowercaseRuns)) return code;
  const CaseRun& run = *(it - 1);
  if (code > run.last || (code - run.first) % run.stride != 0) return code;
  return static_cast<uint32_t>(static_cast<int32_t>(code) + run.delta);
}

// The spec's "lowercase": Unicode's full lowercase mapping, culture-invariant. The one full
// mapping that is not a single code point, U+0130 (I with dot above), becomes "i" and U+0307.
// Greek capital sigma always becomes U+03C3: the final form U+03C2 depends on the letters around
// it and is not applied. REQUIRES: `text` is well-formed UTF-8.
std::string Lowercase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  uint32_t code = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t length = DecodeCodePoint(text, i, code);
    if (code == 0x130) {
      out += 'i';
      AppendUtf8(0x307, out);
    } else if (code < 0x80) {
      out += static_cast<char>(code >= 'A' && code <= 'Z' ? code - 'A' + 'a' : code);
    } else {
      AppendUtf8(LowercaseCodePoint(code), out);
    }
    i += length;
  }
  return out;
}

// Checks one decoded component. The spec lets a component hold any Unicode character, but a NUL
// or a line break in a package name never names a real package: it truncates C strings and
// splits line-based reports downstream, so control characters are refused here, at the edge.
Status CheckText(std::string_view text, std::string_view part) {
  if (!IsUtf8(text)) {
    return PurlError(std::string(part) +
                     " is not valid UTF-8 once percent-decoded: " + Shown(text));
  }
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return PurlError(std::string(part) + " contains a control character: " + Shown(text));
    }
  }
  return OkStatus();
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes the %XX escapes of one component (either case of hex digit). A '%' without two hex
// digits after it is an error rather than a literal '%': a truncated escape is reported, not
// guessed at.
StatusOr<std::string> PercentDecode(std::string_view text, std::string_view part) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int high = i + 1 < text.size() ? HexDigitValue(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? HexDigitValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return PurlError(std::string(part) + " has an invalid percent-escape " +
                       Shown(text.substr(i, 3)) + ": '%' must be followed by two hex digits");
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  BW_RETURN_IF_ERROR(CheckText(out, part));
  return out;
}

// Appends `text` percent-encoded for the canonical form, the same way in every component:
// ASCII letters and digits and ".-_~" stay as they are, and so does ':' (never encoded, as the
// spec says); every other byte becomes %XX with uppercase hex digits. So '@' in a namespace is
// %40, '/' in a name, version or qualifier value %2F, '+' %2B, a space %20 and the bytes of a
// non-ASCII character %C3%A9 and so on.
void AppendEncoded(std::string_view text, std::string& out) {
  static constexpr char kHexDigits[] = "0123456789ABCDEF";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (IsAsciiLetter(byte) || IsAsciiDigit(byte) || c == '.' || c == '-' || c == '_' || c == '~' ||
        c == ':') {
      out += c;
    } else {
      out += '%';
      out += kHexDigits[byte >> 4];
      out += kHexDigits[byte & 0x0F];
    }
  }
}

// REQUIRES: `type` is lowercase.
Status CheckType(std::string_view type) {
  if (type.empty()) return PurlError("the type is missing (as in pkg:TYPE/NAME)");
  if (!IsAsciiLetter(type[0])) {
    return PurlError("the type " + Shown(type) + " must start with a letter");
  }
  for (char c : type) {
    const auto byte = static_cast<unsigned char>(c);
    if (!IsAsciiLetter(byte) && !IsAsciiDigit(byte) && c != '.' && c != '-') {
      return PurlError("the type " + Shown(type) +
                       " may contain only letters, digits, '.' and '-' (and is never "
                       "percent-encoded)");
    }
  }
  return OkStatus();
}

// REQUIRES: `key` is lowercase.
Status CheckQualifierKey(std::string_view key) {
  if (key.empty()) return PurlError("a qualifier has an empty key (as in ?=value)");
  if (!IsAsciiLetter(key[0])) {
    return PurlError("the qualifier key " + Shown(key) + " must start with a letter");
  }
  for (char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (!IsAsciiLetter(byte) && !IsAsciiDigit(byte) && c != '.' && c != '-' && c != '_') {
      return PurlError("the qualifier key " + Shown(key) +
                       " may contain only letters, digits, '.', '-' and '_' (and is never "
                       "percent-encoded)");
    }
  }
  return OkStatus();
}

// Whether an MLflow tracking server is a Databricks one (Azure, AWS or GCP), whose model names
// are case-insensitive: its host is or ends in databricks.com or azuredatabricks.net.
bool IsDatabricksServer(std::string_view repository_url) {
  std::string_view host = repository_url;
  if (size_t scheme = host.find("://"); scheme != std::string_view::npos) {
    host.remove_prefix(scheme + 3);
  }
  host = host.substr(0, host.find_first_of("/:?#"));
  const std::string lowered = AsciiLowercase(host);
  for (std::string_view domain : {"databricks.com", "azuredatabricks.net"}) {
    if (lowered == domain || (lowered.size() > domain.size() && lowered.ends_with(domain) &&
                              lowered[lowered.size() - domain.size() - 1] == '.')) {
      return true;
    }
  }
  return false;
}

// pub: lowercase letters, digits and '_' stay; any other character becomes one '_'.
// REQUIRES: `name` is well-formed UTF-8.
std::string NormalizePubName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  uint32_t code = 0;
  for (size_t i = 0; i < name.size();) {
    const size_t length = DecodeCodePoint(name, i, code);
    const bool kept = (code >= 'a' && code <= 'z') || (code >= '0' && code <= '9') || code == '_';
    out += kept ? static_cast<char>(code) : '_';
    i += length;
  }
  return out;
}

// "a maven purl", "an oci purl": the article for a type, by the letter it starts with.
std::string PurlOfType(const std::string& type) {
  const bool vowel =
      !type.empty() && std::string_view("aeiou").find(type[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + type + " purl";
}

// A component as error messages name it: "namespace", and where it goes, "/NAMESPACE/NAME".
struct Part {
  std::string_view name;
  std::string_view shape;
};
constexpr Part kNamespacePart = {"namespace", "/NAMESPACE/NAME"};
constexpr Part kNamePart = {"name", "/NAME"};
constexpr Part kVersionPart = {"version", "/NAME@VERSION"};
constexpr Part kSubpathPart = {"subpath", "/NAME#SUBPATH"};

// Brings one component to the type's canonical form and checks it.
Status ApplyComponentRule(const PackageUrl& purl, const Part& component, const ComponentRule& rule,
                          std::string& value) {
  const std::string& type = purl.type;
  const std::string part(component.name);
  if (rule.requirement == Requirement::kRequired && value.empty()) {
    return PurlError(PurlOfType(type) + " needs a " + part + " (as in pkg:" + type +
                     std::string(component.shape) + ")");
  }
  if (rule.requirement == Requirement::kProhibited && !value.empty()) {
    return PurlError(PurlOfType(type) + " has no " + part + ", but this one has " + Shown(value));
  }
  if (value.empty()) return OkStatus();

  if (!rule.case_sensitive) value = Lowercase(value);
  switch (rule.normalization) {
    case Normalization::kNone:
    case Normalization::kDescribedOnly:
      break;
    case Normalization::kPypiName:
      std::replace(value.begin(), value.end(), '_', '-');
      break;
    case Normalization::kPubName:
      value = NormalizePubName(value);
      break;
    case Normalization::kUppercase:
      value = AsciiUppercase(value);
      break;
    case Normalization::kDatabricks:
      if (IsDatabricksServer(purl.Qualifier("repository_url"))) value = Lowercase(value);
      break;
  }

  switch (rule.check) {
    case Check::kNone:
      break;
    case Check::kNoDoubleColon:
      if (value.find("::") != std::string::npos) {
        return PurlError("the " + type + " " + part + " " + Shown(value) +
                         " contains \"::\": it names a distribution (Foo-Bar), not a module "
                         "(Foo::Bar)");
      }
      break;
    case Check::kPodName:
      if (value.front() == '.' || value.find_first_of(" \t+") != std::string::npos) {
        return PurlError("the " + type + " " + part + " " + Shown(value) +
                         " may not start with '.' or contain whitespace or '+'");
      }
      break;
    case Check::kAtMostTwoSegments:
      if (std::count(value.begin(), value.end(), '/') > 1) {
        return PurlError("the " + type + " " + part + " " + Shown(value) +
                         " has more than two segments (at most NAME/REGID)");
      }
      break;
  }

  if (!rule.permitted_characters.empty() &&
      !internal::MatchesPermittedCharacters(rule.permitted_characters, value)) {
    return PurlError("the " + type + " " + part + " " + Shown(value) + " does not have the form " +
                     std::string(rule.permitted_characters) + " that the type requires");
  }
  return OkStatus();
}

// The registered type's rules, on components that already follow the general rules. A type that
// is not registered follows the general rules only, as the spec asks.
Status ApplyTypeRule(PackageUrl& purl) {
  const PurlTypeRule* rule = internal::FindPurlTypeRule(purl.type);
  if (rule == nullptr) return OkStatus();
  BW_RETURN_IF_ERROR(ApplyComponentRule(purl, kNamespacePart, rule->namespace_, purl.namespace_));
  BW_RETURN_IF_ERROR(ApplyComponentRule(purl, kNamePart, rule->name, purl.name));
  BW_RETURN_IF_ERROR(ApplyComponentRule(purl, kVersionPart, rule->version, purl.version));
  BW_RETURN_IF_ERROR(ApplyComponentRule(purl, kSubpathPart, rule->subpath, purl.subpath));
  for (const QualifierRule& qualifier : rule->qualifiers) {
    if (qualifier.requirement == Requirement::kRequired && purl.Qualifier(qualifier.key).empty()) {
      return PurlError(PurlOfType(purl.type) + " needs a " + std::string(qualifier.key) +
                       " qualifier (as in pkg:" + purl.type + "/NAME?" +
                       std::string(qualifier.key) + "=...)");
    }
  }
  return OkStatus();
}

// Brings decoded components to canonical form and checks them: first the general rules, then
// the type's. Parsing and building both end here, so both give one PackageUrl per package.
StatusOr<PackageUrl> Canonicalize(PackageUrl purl) {
  purl.type = AsciiLowercase(purl.type);
  BW_RETURN_IF_ERROR(CheckType(purl.type));

  // Leading, trailing and doubled '/' in the namespace are not significant.
  std::string namespace_;
  for (std::string_view segment : Split(purl.namespace_, '/')) {
    if (segment.empty()) continue;
    BW_RETURN_IF_ERROR(CheckText(segment, "a namespace segment"));
    if (!namespace_.empty()) namespace_ += '/';
    namespace_ += segment;
  }
  purl.namespace_ = std::move(namespace_);

  const size_t name_start = purl.name.find_first_not_of('/');
  if (name_start == std::string::npos) {
    return PurlError("the name is missing (as in pkg:" + purl.type + "/NAME)");
  }
  purl.name = purl.name.substr(name_start, purl.name.find_last_not_of('/') + 1 - name_start);
  BW_RETURN_IF_ERROR(CheckText(purl.name, "the name"));
  BW_RETURN_IF_ERROR(CheckText(purl.version, "the version"));

  for (auto& [key, value] : purl.qualifiers) {
    key = AsciiLowercase(key);
    BW_RETURN_IF_ERROR(CheckQualifierKey(key));
    BW_RETURN_IF_ERROR(CheckText(value, "the value of qualifier " + key));
  }
  std::stable_sort(purl.qualifiers.begin(), purl.qualifiers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  auto duplicate =
      std::adjacent_find(purl.qualifiers.begin(), purl.qualifiers.end(),
                         [](const auto& a, const auto& b) { return a.first == b.first; });
  if (duplicate != purl.qualifiers.end()) {
    return PurlError("the qualifier " + duplicate->first + " appears more than once");
  }
  // An empty value is the same as no qualifier at all.
  std::erase_if(purl.qualifiers, [](const auto& qualifier) { return qualifier.second.empty(); });

  // Empty, "." and ".." subpath segments are not significant.
  std::string subpath;
  for (std::string_view segment : Split(purl.subpath, '/')) {
    if (segment.empty() || segment == "." || segment == "..") continue;
    BW_RETURN_IF_ERROR(CheckText(segment, "a subpath segment"));
    if (!subpath.empty()) subpath += '/';
    subpath += segment;
  }
  purl.subpath = std::move(subpath);

  BW_RETURN_IF_ERROR(ApplyTypeRule(purl));
  if (purl.ToString().size() > kMaxPurlBytes) {
    return PurlError("the canonical form is longer than " + std::to_string(kMaxPurlBytes) +
                     " bytes");
  }
  return purl;
}

// Decodes the '/'-separated segments of a namespace or subpath; a segment that decodes to
// something holding '/' (an encoded %2F) is an error, as the spec says of both.
StatusOr<std::string> DecodeSegments(std::string_view text, std::string_view part) {
  std::string out;
  for (std::string_view raw : Split(text, '/')) {
    BW_ASSIGN_OR_RETURN(std::string segment, PercentDecode(raw, part));
    if (segment.find('/') != std::string::npos) {
      return PurlError(std::string(part) + " " + Shown(raw) + " may not contain '/' (%2F)");
    }
    if (!out.empty()) out += '/';
    out += segment;
  }
  return out;
}

// Where the version starts in "namespace/name@version": at the last '@', as the spec's
// procedure splits, so that pkg:opam/git@3/16.1 is git at version "3/16.1" and
// pkg:brew/node@20@20.10.0 is node@20 at 20.10.0. The exception is an '@' that begins a path
// segment with a '/' after it: that is an npm scope written unencoded, so pkg:npm/@babel/core
// has namespace "@babel", name "core" and no version (as the npm test vectors expect), where the
// procedure would find the version "babel/core" and no name. Returns npos when there is no
// version.
size_t VersionSeparator(std::string_view path) {
  const size_t at = path.rfind('@');
  if (at == std::string_view::npos) return at;
  const bool begins_segment = at == 0 || path[at - 1] == '/';
  if (begins_segment && path.find('/', at) != std::string_view::npos) {
    return std::string_view::npos;
  }
  return at;
}

}  // namespace

std::string_view PackageUrl::Qualifier(std::string_view key) const {
  for (const auto& [k, value] : qualifiers) {
    if (k == key) return value;
  }
  return {};
}

std::string PackageUrl::ToString() const {
  std::string out = "pkg:";
  out += type;
  out += '/';
  for (std::string_view segment : Split(namespace_, '/')) {
    if (segment.empty()) continue;
    AppendEncoded(segment, out);
    out += '/';
  }
  AppendEncoded(name, out);
  if (!version.empty()) {
    out += '@';
    AppendEncoded(version, out);
  }
  char separator = '?';
  for (const auto& [key, value] : qualifiers) {
    if (value.empty()) continue;
    out += separator;
    separator = '&';
    out += key;
    out += '=';
    AppendEncoded(value, out);
  }
  separator = '#';
  for (std::string_view segment : Split(subpath, '/')) {
    if (segment.empty()) continue;
    out += separator;
    separator = '/';
    AppendEncoded(segment, out);
  }
  return out;
}

// Follows the spec's "how to parse": subpath and qualifiers split off from the right, then the
// scheme, type, version, name and namespace.
StatusOr<PackageUrl> ParsePackageUrl(std::string_view text) {
  if (text.size() > kMaxPurlBytes) {
    return PurlError("longer than " + std::to_string(kMaxPurlBytes) + " bytes");
  }
  if (text.empty()) return PurlError("empty (expected pkg:TYPE/NAME)");
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == ' ') {
      return PurlError("contains a space at offset " + std::to_string(i) +
                       "; a space must be percent-encoded as %20");
    }
    if (byte < 0x20 || byte == 0x7f) {
      return PurlError("contains a control character at offset " + std::to_string(i) + ": " +
                       Shown(text.substr(i, 1)));
    }
  }

  // Split first, decode later, so that a missing scheme or type is reported before a bad
  // escape further right.
  std::string_view rest = text;
  std::string_view subpath_text;
  std::string_view qualifiers_text;
  if (size_t hash = rest.rfind('#'); hash != std::string_view::npos) {
    subpath_text = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  if (size_t question = rest.rfind('?'); question != std::string_view::npos) {
    qualifiers_text = rest.substr(question + 1);
    rest = rest.substr(0, question);
  }

  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos) {
    return PurlError("the \"pkg:\" scheme is missing in " + Shown(text));
  }
  if (AsciiLowercase(rest.substr(0, colon)) != "pkg") {
    return PurlError("the scheme must be \"pkg\", not " + Shown(rest.substr(0, colon)));
  }
  rest = rest.substr(colon + 1);
  // "pkg://" and "pkg:///" are tolerated: slashes after the scheme are ignored.
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);

  const size_t type_end = rest.find('/');
  if (type_end == std::string_view::npos) {
    return PurlError("the type is missing, or the name after it (as in pkg:TYPE/NAME) in " +
                     Shown(text));
  }
  PackageUrl purl;
  purl.type = std::string(rest.substr(0, type_end));
  rest = rest.substr(type_end + 1);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);

  std::string_view path = rest;
  if (size_t at = VersionSeparator(rest); at != std::string_view::npos) {
    if (at + 1 == rest.size()) {
      return PurlError("the version after '@' is empty in " + Shown(text));
    }
    BW_ASSIGN_OR_RETURN(purl.version, PercentDecode(rest.substr(at + 1), "the version"));
    path = rest.substr(0, at);
  }
  // An empty last segment before the version (pkg:swift/github.com/Alamofire/@5.4.3) is a
  // missing name, as the spec's test vectors have it, not a name to look for further left.
  if (path.empty() || path.back() == '/') {
    return PurlError("the name is missing (as in pkg:" + AsciiLowercase(purl.type) + "/NAME)");
  }
  const size_t last_slash = path.rfind('/');
  const std::string_view namespace_text =
      last_slash == std::string_view::npos ? std::string_view() : path.substr(0, last_slash);
  const std::string_view name_text =
      last_slash == std::string_view::npos ? path : path.substr(last_slash + 1);
  BW_ASSIGN_OR_RETURN(purl.name, PercentDecode(name_text, "the name"));
  BW_ASSIGN_OR_RETURN(purl.namespace_, DecodeSegments(namespace_text, "a namespace segment"));
  for (std::string_view pair : Split(qualifiers_text, '&')) {
    if (pair.empty()) continue;
    const size_t equals = pair.find('=');
    if (equals == std::string_view::npos) {
      return PurlError("the qualifier " + Shown(pair) + " has no '=' (expected key=value)");
    }
    std::string key(pair.substr(0, equals));
    BW_ASSIGN_OR_RETURN(std::string value,
                        PercentDecode(pair.substr(equals + 1), "the value of qualifier " + key));
    purl.qualifiers.emplace_back(std::move(key), std::move(value));
  }
  BW_ASSIGN_OR_RETURN(purl.subpath, DecodeSegments(subpath_text, "a subpath segment"));
  return Canonicalize(std::move(purl));
}

StatusOr<PackageUrl> BuildPackageUrl(PackageUrl components) {
  size_t total = components.type.size() + components.namespace_.size() + components.name.size() +
                 components.version.size() + components.subpath.size();
  for (const auto& [key, value] : components.qualifiers) total += key.size() + value.size();
  if (total > kMaxPurlBytes) {
    return PurlError("the components are longer than " + std::to_string(kMaxPurlBytes) +
                     " bytes in all");
  }
  return Canonicalize(std::move(components));
}

}  // namespace bulwark::vuln
