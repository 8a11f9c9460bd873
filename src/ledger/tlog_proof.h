// Offline inclusion proofs (c2sp.org/tlog-proof@v1): one self-contained text file that shows
// an entry is in the ledger, checkable without contacting the log.
//
// A proof file bundles the entry's index, its Merkle inclusion proof, optional opaque extra
// data, and a signed checkpoint (with any witness cosignatures) the proof leads to:
//
//   c2sp.org/tlog-proof@v1
//   extra <base64 of the extra data>                 optional
//   index <decimal leaf index, no leading zeros>
//   <base64 hash>                                    zero or more: the inclusion proof,
//   ...                                              leaf's sibling first
//   <blank line>
//   <the signed checkpoint note, verbatim>
//
// Files are written with extension .tlog-proof. The ledger's API and CLI produce them; the CLI
// and clients check them with CheckTlogProof against the log's origin and trusted keys. See
// docs/ledger-formats.md.
//
// Thread-safety: pure functions on values; safe from any thread (CheckTlogProof also calls the
// given verifiers, which must allow it).
//
// Example:
//   BW_ASSIGN_OR_RETURN(TlogProof proof, ParseTlogProof(file_contents));
//   const NoteVerifier* verifiers[] = {log_key.get()};
//   BW_RETURN_IF_ERROR(CheckTlogProof(proof, HashLeaf(entry), "bulwark.example/ledger",
//                                     verifiers));
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ledger/checkpoint.h"
#include "ledger/note.h"

namespace bulwark::ledger {

// The first line of every proof file.
inline constexpr std::string_view kTlogProofHeader = "c2sp.org/tlog-proof@v1";

// An inclusion proof in a tree of up to 2^64 - 1 leaves has at most this many hashes.
inline constexpr size_t kMaxInclusionProofHashes = 64;

struct TlogProof {
  // Opaque application data, NOT authenticated by anything in the proof. Empty means none
  // (the "extra" line is left out).
  std::string extra;
  // Zero-based index of the entry in the log.
  uint64_t index = 0;
  // RFC 9162 inclusion proof for `index` in the checkpoint's tree, from the leaf's sibling up.
  std::vector<Hash> inclusion_proof;
  // The signed checkpoint note, verbatim (text, blank line, signature lines).
  std::string checkpoint;

  friend bool operator==(const TlogProof&, const TlogProof&) = default;
};

// Writes `proof` in the tlog-proof@v1 format. REQUIRES: proof.checkpoint is a signed note.
std::string FormatTlogProof(const TlogProof& proof);

// Parses a proof file. Checks its syntax, including that the checkpoint is a well-formed signed
// note whose text is a well-formed checkpoint; verifies nothing. kInvalidArgument, naming the
// line, for a malformed file.
StatusOr<TlogProof> ParseTlogProof(std::string_view file);

// Checks that `proof` shows the entry with RFC 9162 leaf hash `leaf_hash` is in the log
// `origin`: the checkpoint note must verify against `verifiers` (see VerifyNote), its origin
// must be `origin`, and the inclusion proof must lead from `leaf_hash` at proof.index to the
// checkpoint's root. Returns the checkpoint on success. Errors: kUnauthenticated when the
// signatures fail, kInvalidArgument for a malformed proof, a wrong origin or a proof that does
// not lead to the root.
StatusOr<Checkpoint> CheckTlogProof(const TlogProof& proof, const Hash& leaf_hash,
                                    std::string_view origin,
                                    std::span<const NoteVerifier* const> verifiers);

}  // namespace bulwark::ledger
