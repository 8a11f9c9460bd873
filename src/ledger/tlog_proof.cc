#include "ledger/tlog_proof.h"

#include <algorithm>
#include <optional>

#include "ledger/internal/text.h"
#include "ledger/merkle.h"

namespace bulwark::ledger {
namespace {

constexpr std::string_view kExtraPrefix = "extra ";
constexpr std::string_view kIndexPrefix = "index ";

Status LineError(size_t line_number, std::string_view message) {
  return InvalidArgumentError("tlog-proof: line " + std::to_string(line_number) + ": " +
                              std::string(message));
}

}  // namespace

std::string FormatTlogProof(const TlogProof& proof) {
  std::string out(kTlogProofHeader);
  out += '\n';
  if (!proof.extra.empty()) {
    out += kExtraPrefix;
    out += internal::EncodeBase64(proof.extra);
    out += '\n';
  }
  out += kIndexPrefix;
  out += std::to_string(proof.index);
  out += '\n';
  for (const Hash& hash : proof.inclusion_proof) {
    out += internal::EncodeBase64(hash);
    out += '\n';
  }
  out += '\n';
  out += proof.checkpoint;
  return out;
}

StatusOr<TlogProof> ParseTlogProof(std::string_view file) {
  if (!internal::IsNoteText(file)) {
    return InvalidArgumentError(
        "tlog-proof: not valid UTF-8, or contains control characters other than newline");
  }
  std::string_view rest = file;
  size_t line_number = 1;
  std::optional<std::string_view> line = internal::NextLine(&rest);
  if (!line || *line != kTlogProofHeader) {
    return LineError(line_number, "expected \"" + std::string(kTlogProofHeader) + "\"");
  }

  TlogProof proof;
  ++line_number;
  line = internal::NextLine(&rest);
  if (line && line->starts_with(kExtraPrefix)) {
    std::optional<std::string> extra = internal::DecodeBase64(line->substr(kExtraPrefix.size()));
    if (!extra) return LineError(line_number, "the extra data is not valid base64");
    proof.extra = std::move(*extra);
    ++line_number;
    line = internal::NextLine(&rest);
  }

  if (!line || !line->starts_with(kIndexPrefix)) {
    return LineError(line_number, "expected \"index <entry index>\"");
  }
  std::optional<uint64_t> index =
      internal::ParseCanonicalDecimal(line->substr(kIndexPrefix.size()));
  if (!index) {
    return LineError(line_number,
                     "the index must be a decimal number without leading zeros that fits in 64 "
                     "bits");
  }
  proof.index = *index;

  while (true) {
    ++line_number;
    line = internal::NextLine(&rest);
    if (!line) return LineError(line_number, "missing the blank line before the checkpoint");
    if (line->empty()) break;
    if (proof.inclusion_proof.size() == kMaxInclusionProofHashes) {
      return LineError(line_number, "an inclusion proof has at most " +
                                        std::to_string(kMaxInclusionProofHashes) + " hashes");
    }
    std::optional<std::string> hash = internal::DecodeBase64(*line);
    if (!hash) return LineError(line_number, "the proof hash is not valid base64");
    if (hash->size() != sizeof(Hash)) {
      return LineError(line_number,
                       "a proof hash must be 32 bytes, not " + std::to_string(hash->size()));
    }
    Hash& out = proof.inclusion_proof.emplace_back();
    std::copy(hash->begin(), hash->end(), out.begin());
  }

  StatusOr<Note> note = ParseNote(rest);
  if (!note.ok()) return note.status().WithPrefix("tlog-proof: the checkpoint");
  StatusOr<Checkpoint> checkpoint = ParseCheckpoint(note->text);
  if (!checkpoint.ok()) return checkpoint.status().WithPrefix("tlog-proof");
  proof.checkpoint = std::string(rest);
  return proof;
}

StatusOr<Checkpoint> CheckTlogProof(const TlogProof& proof, const Hash& leaf_hash,
                                    std::string_view origin,
                                    std::span<const NoteVerifier* const> verifiers) {
  StatusOr<Note> note = OpenNote(proof.checkpoint, verifiers);
  if (!note.ok()) return note.status().WithPrefix("tlog-proof: the checkpoint");
  StatusOr<Checkpoint> checkpoint = ParseCheckpoint(note->text);
  if (!checkpoint.ok()) return checkpoint.status().WithPrefix("tlog-proof");
  if (checkpoint->origin != origin) {
    return Status(StatusCode::kInvalidArgument,
                  "tlog-proof: the checkpoint is from log \"" + checkpoint->origin + "\", not \"" +
                      std::string(origin) + "\"",
                  {{"reason", "wrong_origin"}});
  }
  Status included = VerifyInclusion(leaf_hash, proof.index, checkpoint->size, proof.inclusion_proof,
                                    checkpoint->root);
  if (!included.ok()) {
    return included.WithPrefix("tlog-proof: entry " + std::to_string(proof.index) +
                               " is not shown to be in the tree of size " +
                               std::to_string(checkpoint->size));
  }
  return std::move(checkpoint).value();
}

}  // namespace bulwark::ledger
