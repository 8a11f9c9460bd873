#include "base/text.h"

#include <cstdio>

namespace bulwark {

std::string PrintableText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string_view TrimAsciiWhitespace(std::string_view text) {
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
    const unsigned char lead = byte(i);
    size_t length = 0;
    unsigned char low = 0x80, high = 0xbf;  // the range of the byte after the lead
    if (lead < 0x80) {
      length = 1;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) low = 0xa0;   // no overlong forms
      if (lead == 0xed) high = 0x9f;  // no surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) low = 0x90;
      if (lead == 0xf4) high = 0x8f;  // nothing past U+10FFFF
    }
    bool whole = length > 0 && i + length <= text.size();
    for (size_t k = 1; whole && k < length; ++k) {
      const unsigned char b = byte(i + k);
      whole = k == 1 ? (b >= low && b <= high) : (b >= 0x80 && b <= 0xbf);
    }
    if (whole) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

Status ValidateText(const std::string& value, std::string_view field, size_t min, size_t max) {
  if (value.size() < min || value.size() > max) {
    return Status(StatusCode::kInvalidArgument,
                  std::string(field) + " must be " + std::to_string(min) + " to " +
                      std::to_string(max) + " characters",
                  {{"field", std::string(field)}});
  }
  for (unsigned char c : value) {
    if (c < 0x20 && c != '\n' && c != '\t') {
      return Status(StatusCode::kInvalidArgument,
                    std::string(field) + " must not contain control characters",
                    {{"field", std::string(field)}});
    }
  }
  return OkStatus();
}

}  // namespace bulwark
