// Checkpoints (c2sp.org/tlog-checkpoint): the text a transparency log signs, as a signed note
// (ledger/note.h), to commit to its Merkle tree at one size.
//
// The body is at least three lines, each ending in a newline:
//
//   bulwark.example/ledger                          origin: who issued it
//   20852163                                        tree size, decimal, no leading zeros
//   CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=    base64 of the 32-byte RFC 9162 root hash
//   <extension lines>                               optional, opaque, non-empty
//
// The ledger formats checkpoints before signing them; clients, witnesses and the CLI parse the
// text of notes they have verified. ParseCheckpoint accepts exactly what FormatCheckpoint writes
// (and FormatCheckpoint(ParseCheckpoint(b)) == b), so there is one encoding per checkpoint.
// See docs/ledger-formats.md.
//
// Thread-safety: pure functions on values; safe from any thread.
//
// Example:
//   std::string body = FormatCheckpoint({"bulwark.example/ledger", size, root, {}});
//   BW_ASSIGN_OR_RETURN(std::string note, SignNote(body, signers));
//   ...
//   BW_ASSIGN_OR_RETURN(Note opened, OpenNote(note, verifiers));
//   BW_ASSIGN_OR_RETURN(Checkpoint checkpoint, ParseCheckpoint(opened.text));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ledger/merkle.h"

namespace bulwark::ledger {

struct Checkpoint {
  std::string origin;                   // Non-empty, no control characters.
  uint64_t size = 0;                    // Number of leaves.
  Hash root{};                          // RFC 9162 root hash of the first `size` leaves.
  std::vector<std::string> extensions;  // Extension lines, without newlines; each non-empty.

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// The checkpoint's note text. REQUIRES: the origin and extension lines are non-empty and
// hold no newline (ValidateCheckpoint checks this for values from outside).
std::string FormatCheckpoint(const Checkpoint& checkpoint);

// OK when `checkpoint` can be formatted: non-empty origin and extension lines, valid UTF-8,
// no control characters.
Status ValidateCheckpoint(const Checkpoint& checkpoint);

// Parses a checkpoint body (a note's text, ending in a newline). kInvalidArgument, naming the
// line, for anything FormatCheckpoint would not have written.
StatusOr<Checkpoint> ParseCheckpoint(std::string_view body);

}  // namespace bulwark::ledger
