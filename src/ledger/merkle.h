// The Merkle tree of the ledger (RFC 9162 section 2.1): leaf and node hashing, root hashes,
// inclusion and consistency proofs and their verification.
//
// The tree is append-only. Its state is the set of hashes of its *perfect* subtrees (2^L
// leaves starting at a multiple of 2^L), named by NodeId; everything else (the root of any
// size, the hash of a partial right edge, every proof) is computed from them on demand. Where
// those hashes live is the caller's choice: the functions here read them through NodeReader,
// so the same code serves a database-backed log, a map, or the in-memory MemoryTree below.
// Appending leaf number `index` makes the nodes returned by NodesForAppend complete; a store
// that persists exactly those nodes can answer every later RootHash and proof.
//
// Used by the ledger service (appends, checkpoints, proofs served to clients), by offline
// verification in the CLI, and by anyone checking proofs (Verify* need no tree at all).
//
// Thread-safety: the free functions keep no state; they are as thread-safe as the NodeReader
// they are given. MemoryTree is not synchronized: guard it with a mutex if several threads
// use it, including reads (ReadNode is part of a mutable interface).
//
// Errors (all Status codes below are canonical, see base/status.h):
//   kInvalidArgument  sizes or indexes that name no leaf or no proof (index >= size, size 0
//                     for inclusion, size1 > size2, appending to a full tree), and every
//                     verification failure. Verification failures carry a detail "reason":
//                       kReasonInvalidSize      the sizes/index admit no proof at all,
//                       kReasonWrongProofSize   the proof has the wrong number of hashes,
//                       kReasonRootMismatch     the proof is well formed but does not lead to
//                                               the expected root (or, for consistency, to
//                                               either of the two roots).
//                     A caller that must tell "malformed" from "does not match" reads it with
//                     status.detail("reason").
//   anything else     passed through unchanged from NodeReader (a missing node is the
//                     reader's NotFound, a database outage its Unavailable, ...).
//
// Example:
//   MemoryTree tree;
//   for (std::string_view entry : entries) tree.Append(entry);
//   BW_ASSIGN_OR_RETURN(Hash root, RootHash(tree.size(), tree));
//   BW_ASSIGN_OR_RETURN(std::vector<Hash> proof, InclusionProof(3, tree.size(), tree));
//   BW_RETURN_IF_ERROR(VerifyInclusion(HashLeaf(entries[3]), 3, tree.size(), proof, root));
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace bulwark::ledger {

// A SHA-256 digest.
using Hash = std::array<uint8_t, 32>;

// SHA-256(0x00 || leaf): the hash of a leaf's data.
Hash HashLeaf(std::string_view leaf);

// SHA-256(0x01 || left || right): the hash of an interior node.
Hash HashChildren(const Hash& left, const Hash& right);

// SHA-256 of the empty string: the root hash of the tree with no leaves.
Hash EmptyTreeRoot();

// Lowercase hex of a hash, for messages and logs.
std::string HashToHex(const Hash& hash);

// The hash whose HashToHex is `hex`; nullopt unless it is 64 lowercase hex digits.
std::optional<Hash> HashFromHex(std::string_view hex);

// Values of the "reason" detail on verification failures (see the header comment).
inline constexpr std::string_view kReasonInvalidSize = "invalid_size";
inline constexpr std::string_view kReasonWrongProofSize = "wrong_proof_size";
inline constexpr std::string_view kReasonRootMismatch = "root_mismatch";

// The perfect subtree at `level` with index `index`: the 2^level leaves
// [index * 2^level, (index + 1) * 2^level). Level 0 nodes are leaf hashes.
struct NodeId {
  uint8_t level = 0;
  uint64_t index = 0;

  auto operator<=>(const NodeId&) const = default;
};

// Where the hashes of complete perfect subtrees come from. The functions below only ask for
// nodes that are complete in the tree size they were given; a reader answers them or fails
// (NotFound for a node it does not have; other codes pass through to the caller).
class NodeReader {
 public:
  virtual ~NodeReader() = default;

  virtual StatusOr<Hash> ReadNode(NodeId id) = 0;

  // Reads several nodes; the result is in the order of `ids`. Every function below makes at
  // most one call to ReadNodes per tree it reads, so a database-backed reader should override
  // this to fetch them in one round trip. The default calls ReadNode for each.
  virtual StatusOr<std::vector<Hash>> ReadNodes(std::span<const NodeId> ids);
};

// The nodes that become complete when leaf number `index` (0-based, equal to the tree's
// current size) with hash `leaf_hash` is appended, lowest level first: (0, index) always, then
// (1, index / 2) if index is odd, (2, index / 4) if index % 4 == 3, and so on. Reads the left
// siblings it combines with (one per trailing 1 bit of index) from `reader`, which holds the
// tree of `index` leaves. InvalidArgument if index is 2^64 - 1 (the size would not fit).
StatusOr<std::vector<std::pair<NodeId, Hash>>> NodesForAppend(uint64_t index, const Hash& leaf_hash,
                                                              NodeReader& reader);

// The root hash of the first `size` leaves (RFC 9162 MTH); EmptyTreeRoot() for size 0.
// Reads one node per 1 bit of size.
StatusOr<Hash> RootHash(uint64_t size, NodeReader& reader);

// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 2.1.3.1), from
// the leaf's sibling up. InvalidArgument unless index < size. Reads O(log size) nodes.
StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, NodeReader& reader);

// The consistency proof between the trees of `size1` and `size2` leaves (RFC 9162 2.1.4.1).
// Empty when size1 == size2 or size1 == 0 (there is nothing to prove). InvalidArgument if
// size1 > size2. Reads O(log size2) nodes.
StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2, NodeReader& reader);

// Checks that `leaf_hash` is leaf number `index` of the tree of `size` leaves whose root is
// `root` (RFC 9162 2.1.3.2). OK or InvalidArgument with a "reason" detail.
Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                       std::span<const Hash> proof, const Hash& root);

// Checks that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves
// with root `root1` (RFC 9162 2.1.4.2). OK or InvalidArgument with a "reason" detail.
//   size1 == size2: the proof must be empty and root1 == root2.
//   size1 == 0 < size2: every tree extends the empty one, so the proof must be empty; root1
//                       must still be EmptyTreeRoot() (root2 cannot be checked here).
//   size1 > size2: never consistent (kReasonInvalidSize).
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2);

// A whole tree in memory: every complete perfect-subtree hash, one vector per level. For
// tests, the CLI's offline tools and benchmarks; about 64 bytes per leaf.
class MemoryTree final : public NodeReader {
 public:
  MemoryTree() = default;

  // Appends a leaf's data (hashed with HashLeaf) and returns its index.
  uint64_t Append(std::string_view leaf);
  // Appends a leaf by its hash and returns its index.
  // REQUIRES: size() < 2^64 - 1.
  uint64_t AppendHash(const Hash& leaf_hash);

  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }

  // The root hash of the whole tree.
  Hash Root() const;

  // How many node hashes are stored, over all levels.
  uint64_t StoredNodeCountForTest() const;

  // NotFound for a node that is not complete in the current tree.
  StatusOr<Hash> ReadNode(NodeId id) override;

 private:
  // levels_[L][i] is the hash of NodeId{L, i}.
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace bulwark::ledger
