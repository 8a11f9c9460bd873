// Text helpers shared by the ledger's line-based formats (signed notes, checkpoints, proof
// files): strict standard base64, UTF-8 validation and canonical decimal numbers.
//
// Private to src/ledger: only its .cc files include this header. Everything here is a pure
// function of its arguments and safe to call from any thread.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace bulwark::ledger::internal {

// Standard base64 (RFC 4648 section 4) with padding.
inline std::string EncodeBase64(std::span<const uint8_t> bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // The terminating NUL.
  return out;
}

inline std::string EncodeBase64(std::string_view bytes) {
  return EncodeBase64(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

// Decodes canonical standard base64: padding required, no whitespace, no stray bits.
// Returns nullopt for anything else.
inline std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  // Check the alphabet first: libsodium 1.0.18 decodes some bytes >= 0x80 as if they were
  // base64 digits.
  size_t padding = 0;
  for (char c : text) {
    const bool digit = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '+' || c == '/';
    if (c == '=') {
      ++padding;
    } else if (!digit || padding > 0) {
      return std::nullopt;
    }
  }
  if (padding > 2) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  size_t out_len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), /*ignore=*/nullptr, &out_len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(out_len);
  return out;
}

// Decodes one UTF-8 code point at the start of `text`. Returns the number of bytes it takes
// and stores it in `*code_point`, or returns 0 when the bytes are not well-formed UTF-8
// (overlong forms, surrogates and values above U+10FFFF included).
inline size_t DecodeUtf8(std::string_view text, char32_t* code_point) {
  if (text.empty()) return 0;
  const auto b0 = static_cast<uint8_t>(text[0]);
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  size_t len;
  char32_t cp;
  char32_t min;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2;
    cp = b0 & 0x1f;
    min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3;
    cp = b0 & 0x0f;
    min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (text.size() < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    const auto b = static_cast<uint8_t>(text[i]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  *code_point = cp;
  return len;
}

// True when `text` is well-formed UTF-8 without ASCII control characters other than newline,
// the character set of every ledger text format.
inline bool IsNoteText(std::string_view text) {
  while (!text.empty()) {
    char32_t cp = 0;
    size_t n = DecodeUtf8(text, &cp);
    if (n == 0 || (cp < 0x20 && cp != '\n')) return false;
    text.remove_prefix(n);
  }
  return true;
}

// Parses an ASCII decimal with no sign and no leading zeros (except "0" itself) that fits in
// 64 bits.
inline std::optional<uint64_t> ParseCanonicalDecimal(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

// Splits off the first line of `*text` (without its newline). Returns nullopt when no newline
// is left.
inline std::optional<std::string_view> NextLine(std::string_view* text) {
  size_t nl = text->find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  std::string_view line = text->substr(0, nl);
  text->remove_prefix(nl + 1);
  return line;
}

}  // namespace bulwark::ledger::internal
