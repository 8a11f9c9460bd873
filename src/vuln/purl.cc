// Package URLs: parsing, building and printing the canonical form (see purl.h).
//
// The general rules are ECMA-427's (purl-spec PURL-SPECIFICATION, its "how to parse" and "how to
// build" procedures and the ABNF grammar of Annex C); the per-type rules are the registered type
// definitions' (purl-spec types/<type>-definition.json, PURL-TYPES). Where the spec's test vectors
// disagree with its prose, the code follows the vectors, since they are what other
// implementations are checked against, and a comment says where.
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

namespace bulwark::vuln {
namespace {

// Longer purls are refused before any work (and so is a longer canonical form, so that every
// canonical form parses again). Real ones, even with a download_url and a list of checksums,
// are a few hundred bytes.
constexpr size_t kMaxPurlBytes = 64 * 1024;

Status PurlError(std::string_view message) {
  return InvalidArgumentError("purl: " + std::string(message));
}

bool IsAsciiLetter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(unsigned char c) { return c >= '0' && c <= '9'; }

// Case folding is ASCII only: without Unicode tables, other letters keep their case.
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

// Whether `text` is well-formed UTF-8 (RFC 3629: shortest forms only, no surrogates, nothing
// above U+10FFFF), as the grammar requires of every decoded component.
bool IsUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t code;
    uint32_t smallest;
    if ((lead & 0xE0) == 0xC0) {
      length = 2, code = lead & 0x1F, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code = lead & 0x0F, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code = lead & 0x07, smallest = 0x10000;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if (code < smallest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
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

// Which characters besides the always-safe ones a component keeps unencoded.
enum class Encoding {
  kStrict,     // namespace segments, name, version, subpath segments
  kKeepSlash,  // qualifier values
};

// Appends `text` percent-encoded for the canonical form: ASCII letters and digits, ".-_~" and
// ':' stay as they are (ECMA-427 5.4: ':' is never encoded), every other byte becomes %XX with
// uppercase hex digits, so '@' in a namespace is %40, '/' in a name or version %2F, a space %20
// and the bytes of a non-ASCII character %C3%A9 and so on.
//
// kKeepSlash leaves '/' in qualifier values. The grammar (Annex C: qualifier-value = 1*pchar)
// would encode it, but the spec's test vectors keep URLs in qualifiers readable
// (repository_url=https://repo.spring.io/release, download_url=https://openssl.org/source/...);
// the vectors are followed. Unencoded '/' in a value is unambiguous: qualifiers are split off
// at '?' and '#' before any '/' is looked at.
void AppendEncoded(std::string_view text, Encoding encoding, std::string& out) {
  static constexpr char kHexDigits[] = "0123456789ABCDEF";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (IsAsciiLetter(byte) || IsAsciiDigit(byte) || c == '.' || c == '-' || c == '_' || c == '~' ||
        c == ':' || (c == '/' && encoding == Encoding::kKeepSlash)) {
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

enum class NamespaceRule : uint8_t { kOptional, kRequired, kProhibited };

// What a registered type asks of the components beyond the general rules.
struct TypeRule {
  std::string_view type;
  NamespaceRule namespace_rule = NamespaceRule::kOptional;
  bool lowercase_namespace = false;
  bool lowercase_name = false;
  bool lowercase_version = false;
  bool version_required = false;
};

// From the registered type definitions. A type not listed follows the general rules only, as
// the spec asks of unregistered types. Rules that need more than this table (pypi, conan, cpan,
// mlflow, swid, cocoapods) are in ApplyTypeRules.
//
// Deliberate departures, each for a vector or a real-world purl the definition would refuse:
// huggingface's definition says its namespace is required, but its own example
// pkg:huggingface/distilbert-base-uncased@... has none, so it is optional here; deb's definition
// requires a version, but advisories name packages without one (pkg:deb/debian/curl), so it is
// optional here. cran and swift require a version because their test vectors do.
constexpr NamespaceRule kRequired = NamespaceRule::kRequired;
constexpr NamespaceRule kProhibited = NamespaceRule::kProhibited;
constexpr TypeRule kTypeRules[] = {
    {.type = "alpm", .lowercase_namespace = true, .lowercase_name = true},
    {.type = "apk",
     .namespace_rule = kRequired,
     .lowercase_namespace = true,
     .lowercase_name = true},
    {.type = "bitbucket",
     .namespace_rule = kRequired,
     .lowercase_namespace = true,
     .lowercase_name = true},
    {.type = "bitnami", .namespace_rule = kProhibited, .lowercase_name = true},
    {.type = "cargo", .namespace_rule = kProhibited},
    {.type = "cocoapods", .namespace_rule = kProhibited},
    {.type = "composer", .lowercase_namespace = true, .lowercase_name = true},
    {.type = "conan"},
    {.type = "cpan"},
    {.type = "cran", .namespace_rule = kProhibited, .version_required = true},
    {.type = "deb",
     .namespace_rule = kRequired,
     .lowercase_namespace = true,
     .lowercase_name = true},
    {.type = "gem", .namespace_rule = kProhibited},
    {.type = "github",
     .namespace_rule = kRequired,
     .lowercase_namespace = true,
     .lowercase_name = true},
    {.type = "golang",
     .namespace_rule = kRequired,
     .lowercase_namespace = true,
     .lowercase_name = true},
    {.type = "hackage", .namespace_rule = kProhibited},
    {.type = "hex", .lowercase_namespace = true, .lowercase_name = true},
    {.type = "huggingface", .lowercase_version = true},
    {.type = "luarocks", .lowercase_namespace = true, .lowercase_name = true},
    {.type = "maven", .namespace_rule = kRequired},
    {.type = "mlflow", .namespace_rule = kProhibited},
    {.type = "npm", .lowercase_namespace = true, .lowercase_name = true},
    {.type = "nuget", .namespace_rule = kProhibited},
    {.type = "oci", .namespace_rule = kProhibited, .lowercase_name = true},
    {.type = "pub", .namespace_rule = kProhibited, .lowercase_name = true},
    {.type = "pypi", .namespace_rule = kProhibited, .lowercase_name = true},
    {.type = "qpkg", .lowercase_namespace = true},
    {.type = "rpm", .lowercase_namespace = true},
    {.type = "swid"},
    {.type = "swift", .namespace_rule = kRequired, .version_required = true},
};

const TypeRule* FindTypeRule(std::string_view type) {
  for (const TypeRule& rule : kTypeRules) {
    if (rule.type == type) return &rule;
  }
  return nullptr;
}

bool HasQualifier(const PackageUrl& purl, std::string_view key) {
  return !purl.Qualifier(key).empty();
}

// PyPI's name normalization (PEP 503, and the pypi type definition): lowercase, and every run of
// '-', '_' and '.' becomes one '-', so "My.PyPI_.--._Package" is "my-pypi-package".
std::string NormalizePypiName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool in_run = false;
  for (char c : AsciiLowercase(name)) {
    if (c == '-' || c == '_' || c == '.') {
      if (!in_run) out += '-';
      in_run = true;
    } else {
      out += c;
      in_run = false;
    }
  }
  return out;
}

// The registered type's rules, on components that already follow the general rules.
Status ApplyTypeRules(PackageUrl& purl) {
  const TypeRule* rule = FindTypeRule(purl.type);
  if (rule == nullptr) return OkStatus();
  if (rule->namespace_rule == NamespaceRule::kRequired && purl.namespace_.empty()) {
    return PurlError("a " + purl.type + " purl needs a namespace (as in pkg:" + purl.type +
                     "/NAMESPACE/NAME)");
  }
  if (rule->namespace_rule == NamespaceRule::kProhibited && !purl.namespace_.empty()) {
    return PurlError("a " + purl.type + " purl has no namespace, but this one has " +
                     Shown(purl.namespace_));
  }
  if (rule->version_required && purl.version.empty()) {
    return PurlError("a " + purl.type + " purl needs a version (as in pkg:" + purl.type +
                     "/NAME@VERSION)");
  }
  if (rule->lowercase_namespace) purl.namespace_ = AsciiLowercase(purl.namespace_);
  if (rule->lowercase_name) purl.name = AsciiLowercase(purl.name);
  if (rule->lowercase_version) purl.version = AsciiLowercase(purl.version);

  if (purl.type == "pypi") {
    purl.name = NormalizePypiName(purl.name);
  } else if (purl.type == "conan") {
    // A Conan reference name/version@user/channel: the namespace (user) and the channel come
    // together or not at all (conan type vectors).
    const bool has_channel = HasQualifier(purl, "channel");
    if (!purl.namespace_.empty() && !has_channel) {
      return PurlError("a conan purl with a namespace needs a channel qualifier");
    }
    if (purl.namespace_.empty() && has_channel) {
      return PurlError("a conan purl with a channel qualifier needs a namespace");
    }
  } else if (purl.type == "cpan") {
    // With a namespace (the author's CPAN id, uppercase) the name is a distribution, which never
    // holds "::"; without one it is a module, which never holds '-' (cpan type vectors).
    if (!purl.namespace_.empty()) {
      purl.namespace_ = AsciiUppercase(purl.namespace_);
      if (purl.name.find("::") != std::string::npos) {
        return PurlError("the cpan distribution name " + Shown(purl.name) +
                         " contains \"::\"; a module name goes without a namespace");
      }
    } else if (purl.name.find('-') != std::string::npos) {
      return PurlError("the cpan module name " + Shown(purl.name) +
                       " contains '-'; a distribution name needs its author's CPAN id as the "
                       "namespace");
    }
  } else if (purl.type == "mlflow") {
    // Databricks model names are case-insensitive and lowercased; Azure ML's are kept as given.
    if (AsciiLowercase(purl.Qualifier("repository_url")).find("databricks") != std::string::npos) {
      purl.name = AsciiLowercase(purl.name);
    }
  } else if (purl.type == "swid") {
    if (!HasQualifier(purl, "tag_id")) {
      return PurlError("a swid purl needs a tag_id qualifier");
    }
  } else if (purl.type == "cocoapods") {
    if (purl.name.front() == '.' || purl.name.find_first_of(" +") != std::string::npos) {
      return PurlError("the cocoapods name " + Shown(purl.name) +
                       " may not start with '.' or contain a space or '+'");
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

  BW_RETURN_IF_ERROR(ApplyTypeRules(purl));
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
    AppendEncoded(segment, Encoding::kStrict, out);
    out += '/';
  }
  AppendEncoded(name, Encoding::kStrict, out);
  if (!version.empty()) {
    out += '@';
    AppendEncoded(version, Encoding::kStrict, out);
  }
  char separator = '?';
  for (const auto& [key, value] : qualifiers) {
    if (value.empty()) continue;
    out += separator;
    separator = '&';
    out += key;
    out += '=';
    AppendEncoded(value, Encoding::kKeepSlash, out);
  }
  separator = '#';
  for (std::string_view segment : Split(subpath, '/')) {
    if (segment.empty()) continue;
    out += separator;
    separator = '/';
    AppendEncoded(segment, Encoding::kStrict, out);
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
  // "pkg://" and "pkg:///" are tolerated: slashes after the scheme are ignored (5.6.1).
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);

  const size_t type_end = rest.find('/');
  if (type_end == std::string_view::npos) {
    return PurlError("the type is missing (as in pkg:TYPE/NAME) in " + Shown(text));
  }
  PackageUrl purl;
  purl.type = std::string(rest.substr(0, type_end));
  rest = rest.substr(type_end + 1);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);

  // The version is split off at the last '@' of the last path segment rather than at the last
  // '@' anywhere (the spec's procedure): otherwise a scoped npm name written with its '@'
  // unencoded and no version, pkg:npm/@babel/core, would have the version "babel/core" and no
  // name, where the npm vectors expect namespace "@babel" and name "core". Canonical forms
  // encode '@' and '/' outside separators, so both readings agree on them.
  const size_t last_slash = rest.rfind('/');
  const std::string_view namespace_text =
      last_slash == std::string_view::npos ? std::string_view() : rest.substr(0, last_slash);
  std::string_view name_text =
      last_slash == std::string_view::npos ? rest : rest.substr(last_slash + 1);
  if (size_t at = name_text.rfind('@'); at != std::string_view::npos) {
    if (at + 1 == name_text.size()) {
      return PurlError("the version after '@' is empty in " + Shown(text));
    }
    BW_ASSIGN_OR_RETURN(purl.version, PercentDecode(name_text.substr(at + 1), "the version"));
    name_text = name_text.substr(0, at);
  }
  if (name_text.empty()) {
    return PurlError("the name is missing (as in pkg:" + AsciiLowercase(purl.type) + "/NAME)");
  }
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
