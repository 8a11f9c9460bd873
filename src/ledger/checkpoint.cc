#include "ledger/checkpoint.h"

#include <algorithm>
#include <optional>

#include "ledger/internal/text.h"

namespace bulwark::ledger {
namespace {

Status CheckLine(std::string_view line, std::string_view what) {
  if (line.empty())
    return InvalidArgumentError("checkpoint: the " + std::string(what) + " is empty");
  if (line.find('\n') != std::string_view::npos || !internal::IsNoteText(line)) {
    return InvalidArgumentError("checkpoint: the " + std::string(what) +
                                " must be one line of UTF-8 without control characters");
  }
  return OkStatus();
}

}  // namespace

std::string FormatCheckpoint(const Checkpoint& checkpoint) {
  std::string out = checkpoint.origin;
  out += '\n';
  out += std::to_string(checkpoint.size);
  out += '\n';
  out += internal::EncodeBase64(checkpoint.root);
  out += '\n';
  for (const std::string& line : checkpoint.extensions) {
    out += line;
    out += '\n';
  }
  return out;
}

Status ValidateCheckpoint(const Checkpoint& checkpoint) {
  BW_RETURN_IF_ERROR(CheckLine(checkpoint.origin, "origin"));
  for (const std::string& line : checkpoint.extensions) {
    BW_RETURN_IF_ERROR(CheckLine(line, "extension line"));
  }
  return OkStatus();
}

StatusOr<Checkpoint> ParseCheckpoint(std::string_view body) {
  if (body.empty() || body.back() != '\n') {
    return InvalidArgumentError("checkpoint: the text must end in a newline");
  }
  if (!internal::IsNoteText(body)) {
    return InvalidArgumentError(
        "checkpoint: not valid UTF-8, or contains control characters other than newline");
  }
  Checkpoint checkpoint;
  std::string_view rest = body;
  std::optional<std::string_view> origin = internal::NextLine(&rest);
  std::optional<std::string_view> size = internal::NextLine(&rest);
  std::optional<std::string_view> root = internal::NextLine(&rest);
  if (!origin || !size || !root) {
    return InvalidArgumentError("checkpoint: expected at least three lines (origin, size, root)");
  }
  if (origin->empty()) return InvalidArgumentError("checkpoint: line 1 (origin) is empty");
  checkpoint.origin = std::string(*origin);

  std::optional<uint64_t> parsed_size = internal::ParseCanonicalDecimal(*size);
  if (!parsed_size) {
    return InvalidArgumentError(
        "checkpoint: line 2 (tree size) must be a decimal number without leading zeros that "
        "fits in 64 bits");
  }
  checkpoint.size = *parsed_size;

  std::optional<std::string> hash = internal::DecodeBase64(*root);
  if (!hash) return InvalidArgumentError("checkpoint: line 3 (root hash) is not valid base64");
  if (hash->size() != checkpoint.root.size()) {
    return InvalidArgumentError("checkpoint: line 3 (root hash) must hold 32 bytes, not " +
                                std::to_string(hash->size()));
  }
  std::copy(hash->begin(), hash->end(), checkpoint.root.begin());

  size_t line_number = 3;
  while (!rest.empty()) {
    ++line_number;
    std::string_view line = *internal::NextLine(&rest);  // `body` ends in a newline.
    if (line.empty()) {
      return InvalidArgumentError("checkpoint: line " + std::to_string(line_number) +
                                  " (extension) is empty");
    }
    checkpoint.extensions.emplace_back(line);
  }
  return checkpoint;
}

}  // namespace bulwark::ledger
