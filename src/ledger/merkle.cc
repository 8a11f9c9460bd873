#include "ledger/merkle.h"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace bulwark::ledger {
namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

void InitSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // No crypto library: no hash can be trusted.
}

// The number of bits needed to write x (0 for 0).
int BitLength(uint64_t x) { return std::bit_width(x); }

bool IsPowerOfTwo(uint64_t x) { return std::has_single_bit(x); }

Status VerificationError(std::string_view reason, std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message),
                {{"reason", std::string(reason)}});
}

// One element of a proof: the hash of the leaves [begin, end), where begin is a multiple of
// the smallest power of two >= end - begin (an RFC 9162 subtree, not necessarily perfect).
struct Span {
  uint64_t begin;
  uint64_t end;
};

// Appends to `ids` the perfect subtrees that make up `span`, largest (leftmost) first.
void AppendSpanNodes(Span span, std::vector<NodeId>& ids) {
  uint64_t begin = span.begin;
  const uint64_t count = span.end - span.begin;
  for (int level = BitLength(count) - 1; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((count & width) == 0) continue;
    ids.push_back(NodeId{static_cast<uint8_t>(level), begin >> level});
    begin += width;
  }
}

// The hash of a span from the hashes of its perfect subtrees (as AppendSpanNodes lists them):
// the right edge of an RFC 9162 tree folds from the right.
Hash FoldSpan(std::span<const Hash> parts) {
  Hash hash = parts.back();
  for (size_t i = parts.size() - 1; i-- > 0;) hash = HashChildren(parts[i], hash);
  return hash;
}

// The proof elements of the path from leaf `leaf` to the root of the tree of `size` leaves,
// skipping levels below `from_level`. REQUIRES: leaf < size.
//
// Below `inner` (the levels where the leaf's ancestors and the last leaf's differ) each
// sibling is a complete node, except at inner - 1 where the sibling is the tree's right edge
// (possibly partial). From `inner` up the leaf's ancestor is on the right edge and its
// sibling, where there is one, is a complete node on the left.
void AppendPathSpans(uint64_t leaf, uint64_t size, int from_level, std::vector<Span>& spans) {
  const uint64_t last = size - 1;
  const int inner = BitLength(leaf ^ last);
  for (int level = from_level; level < inner; ++level) {
    const uint64_t sibling = (leaf >> level) ^ 1;
    const uint64_t begin = sibling << level;
    if (level + 1 < inner) {
      spans.push_back(Span{begin, begin + (uint64_t{1} << level)});
    } else {
      spans.push_back(Span{begin, size});
    }
  }
  for (int level = std::max(inner, from_level); level < BitLength(last); ++level) {
    const uint64_t ancestor = last >> level;
    if ((ancestor & 1) == 0) continue;
    const uint64_t begin = (ancestor - 1) << level;
    spans.push_back(Span{begin, begin + (uint64_t{1} << level)});
  }
}

// Reads every node the spans need in one batch and hashes each span.
StatusOr<std::vector<Hash>> HashSpans(std::span<const Span> spans, NodeReader& reader) {
  std::vector<NodeId> ids;
  std::vector<size_t> ends;  // ids[ends[i-1], ends[i]) make up spans[i].
  ids.reserve(spans.size() * 2);
  ends.reserve(spans.size());
  for (const Span& span : spans) {
    AppendSpanNodes(span, ids);
    ends.push_back(ids.size());
  }
  std::vector<Hash> hashes;
  if (ids.empty()) return hashes;
  BW_ASSIGN_OR_RETURN(std::vector<Hash> nodes, reader.ReadNodes(ids));
  if (nodes.size() != ids.size()) {
    return InternalError("the node reader returned " + std::to_string(nodes.size()) +
                         " hashes for " + std::to_string(ids.size()) + " nodes");
  }
  hashes.reserve(spans.size());
  size_t start = 0;
  for (size_t end : ends) {
    hashes.push_back(FoldSpan(std::span<const Hash>(nodes).subspan(start, end - start)));
    start = end;
  }
  return hashes;
}

// The number of hashes in the inclusion proof of `leaf` in the tree of `size` leaves,
// counting only the levels from `from_level` up. REQUIRES: leaf < size.
uint64_t PathLength(uint64_t leaf, uint64_t size, int from_level) {
  const uint64_t last = size - 1;
  const int inner = BitLength(leaf ^ last);
  const int start = std::max(inner, from_level);
  const uint64_t border = start >= 64 ? 0 : std::popcount(last >> start);
  return static_cast<uint64_t>(std::max(inner - from_level, 0)) + border;
}

std::string SizeText(uint64_t n) { return std::to_string(n); }

}  // namespace

Hash HashLeaf(std::string_view leaf) {
  InitSodium();
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, &kLeafPrefix, 1);
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(leaf.data()),
                            leaf.size());
  Hash out;
  crypto_hash_sha256_final(&state, out.data());
  return out;
}

Hash HashChildren(const Hash& left, const Hash& right) {
  InitSodium();
  std::array<uint8_t, 1 + 2 * sizeof(Hash)> input;
  input[0] = kNodePrefix;
  std::memcpy(input.data() + 1, left.data(), left.size());
  std::memcpy(input.data() + 1 + left.size(), right.data(), right.size());
  Hash out;
  crypto_hash_sha256(out.data(), input.data(), input.size());
  return out;
}

Hash EmptyTreeRoot() {
  InitSodium();
  Hash out;
  crypto_hash_sha256(out.data(), nullptr, 0);
  return out;
}

std::string HashToHex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(hash.size() * 2);
  for (uint8_t b : hash) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::optional<Hash> HashFromHex(std::string_view hex) {
  Hash out{};
  if (hex.size() != 2 * out.size()) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < out.size(); ++i) {
    const int high = nibble(hex[2 * i]), low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return out;
}

StatusOr<std::vector<Hash>> NodeReader::ReadNodes(std::span<const NodeId> ids) {
  std::vector<Hash> out;
  out.reserve(ids.size());
  for (const NodeId& id : ids) {
    BW_ASSIGN_OR_RETURN(Hash hash, ReadNode(id));
    out.push_back(hash);
  }
  return out;
}

StatusOr<std::vector<std::pair<NodeId, Hash>>> NodesForAppend(uint64_t index, const Hash& leaf_hash,
                                                              NodeReader& reader) {
  if (index == std::numeric_limits<uint64_t>::max()) {
    return InvalidArgumentError("the tree is full: it cannot hold more than 2^64 - 1 leaves");
  }
  // One left sibling per trailing 1 bit of index; index < 2^64 - 1 keeps this below 64.
  const int merges = std::countr_one(index);
  std::vector<NodeId> siblings;
  siblings.reserve(merges);
  for (int level = 0; level < merges; ++level) {
    siblings.push_back(NodeId{static_cast<uint8_t>(level), (index >> level) - 1});
  }
  std::vector<Hash> left;
  if (!siblings.empty()) {
    BW_ASSIGN_OR_RETURN(left, reader.ReadNodes(siblings));
    if (left.size() != siblings.size()) {
      return InternalError("the node reader returned " + std::to_string(left.size()) +
                           " hashes for " + std::to_string(siblings.size()) + " nodes");
    }
  }
  std::vector<std::pair<NodeId, Hash>> nodes;
  nodes.reserve(merges + 1);
  nodes.emplace_back(NodeId{0, index}, leaf_hash);
  Hash hash = leaf_hash;
  for (int level = 0; level < merges; ++level) {
    hash = HashChildren(left[level], hash);
    nodes.emplace_back(NodeId{static_cast<uint8_t>(level + 1), index >> (level + 1)}, hash);
  }
  return nodes;
}

StatusOr<Hash> RootHash(uint64_t size, NodeReader& reader) {
  if (size == 0) return EmptyTreeRoot();
  const Span whole{0, size};
  BW_ASSIGN_OR_RETURN(std::vector<Hash> hashes, HashSpans(std::span(&whole, 1), reader));
  return hashes[0];
}

StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, NodeReader& reader) {
  if (size == 0) {
    return InvalidArgumentError("the empty tree has no leaves to prove inclusion of");
  }
  if (index >= size) {
    return InvalidArgumentError("leaf index " + SizeText(index) + " is not in a tree of " +
                                SizeText(size) + " leaves");
  }
  std::vector<Span> spans;
  AppendPathSpans(index, size, /*from_level=*/0, spans);
  return HashSpans(spans, reader);
}

StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2, NodeReader& reader) {
  if (size1 > size2) {
    return InvalidArgumentError("no consistency proof from a tree of " + SizeText(size1) +
                                " leaves to a smaller one of " + SizeText(size2));
  }
  if (size1 == size2 || size1 == 0) return std::vector<Hash>();
  // RFC 9162's SUBPROOF, unrolled: the proof is the path of leaf size1 - 1 in the tree of
  // size2, from the level of the largest perfect subtree that ends the first tree (whose hash
  // comes first, unless it is the whole first tree, which the verifier already has).
  const int shift = std::countr_zero(size1);
  std::vector<Span> spans;
  if (!IsPowerOfTwo(size1)) {
    const uint64_t begin = size1 - (uint64_t{1} << shift);
    spans.push_back(Span{begin, size1});
  }
  AppendPathSpans(size1 - 1, size2, shift, spans);
  return HashSpans(spans, reader);
}

Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                       std::span<const Hash> proof, const Hash& root) {
  if (index >= size) {
    return VerificationError(
        kReasonInvalidSize,
        "leaf index " + SizeText(index) + " is not in a tree of " + SizeText(size) + " leaves");
  }
  const uint64_t want = PathLength(index, size, /*from_level=*/0);
  if (proof.size() != want) {
    return VerificationError(kReasonWrongProofSize,
                             "the inclusion proof has " + SizeText(proof.size()) +
                                 " hashes; leaf " + SizeText(index) + " of a tree of " +
                                 SizeText(size) + " leaves needs " + SizeText(want));
  }
  // RFC 9162 2.1.3.2, step by step.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) {
      return VerificationError(kReasonWrongProofSize, "the inclusion proof is too long");
    }
    if ((fn & 1) != 0 || fn == sn) {
      r = HashChildren(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return VerificationError(kReasonWrongProofSize, "the inclusion proof is too short");
  }
  if (r != root) {
    return VerificationError(kReasonRootMismatch, "the inclusion proof leads to root " +
                                                      HashToHex(r) + ", not to the expected " +
                                                      HashToHex(root));
  }
  return OkStatus();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2) {
  if (size1 > size2) {
    return VerificationError(
        kReasonInvalidSize,
        "a tree of " + SizeText(size2) + " leaves cannot extend one of " + SizeText(size1));
  }
  if (size1 == size2 || size1 == 0) {
    if (!proof.empty()) {
      return VerificationError(kReasonWrongProofSize,
                               "the consistency proof from size " + SizeText(size1) + " to size " +
                                   SizeText(size2) + " must be empty; it has " +
                                   SizeText(proof.size()) + " hashes");
    }
    // Every tree is consistent with the empty tree, whatever root the caller holds for it
    // (RFC 9162 leaves the case open; this is what transparency-dev/merkle does).
    if (size1 == size2 && root1 != root2) {
      return VerificationError(kReasonRootMismatch, "two trees of the same size " +
                                                        SizeText(size1) + " have different roots " +
                                                        HashToHex(root1) + " and " +
                                                        HashToHex(root2));
    }
    return OkStatus();
  }
  // Now 0 < size1 < size2.
  const int shift = std::countr_zero(size1);
  const bool first_is_perfect = IsPowerOfTwo(size1);
  const uint64_t want =
      (first_is_perfect ? 0 : 1) + PathLength(size1 - 1, size2, /*from_level=*/shift);
  if (proof.size() != want) {
    return VerificationError(kReasonWrongProofSize,
                             "the consistency proof from size " + SizeText(size1) + " to size " +
                                 SizeText(size2) + " has " + SizeText(proof.size()) +
                                 " hashes; it needs " + SizeText(want));
  }
  // RFC 9162 2.1.4.2, step by step. Step 2 (prepending first_hash when size1 is a power of
  // two) is done by starting from root1 instead of copying the proof.
  size_t next = 0;
  const Hash& seed = first_is_perfect ? root1 : proof[next++];
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = seed;
  Hash sr = seed;
  for (; next < proof.size(); ++next) {
    const Hash& c = proof[next];
    if (sn == 0) {
      return VerificationError(kReasonWrongProofSize, "the consistency proof is too long");
    }
    if ((fn & 1) != 0 || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return VerificationError(kReasonWrongProofSize, "the consistency proof is too short");
  }
  if (fr != root1) {
    return VerificationError(kReasonRootMismatch, "the consistency proof leads to first root " +
                                                      HashToHex(fr) + ", not to the expected " +
                                                      HashToHex(root1));
  }
  if (sr != root2) {
    return VerificationError(kReasonRootMismatch, "the consistency proof leads to second root " +
                                                      HashToHex(sr) + ", not to the expected " +
                                                      HashToHex(root2));
  }
  return OkStatus();
}

uint64_t MemoryTree::Append(std::string_view leaf) { return AppendHash(HashLeaf(leaf)); }

uint64_t MemoryTree::AppendHash(const Hash& leaf_hash) {
  const uint64_t index = size();
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  Hash hash = leaf_hash;
  uint64_t i = index;
  for (size_t level = 0; (i & 1) != 0; ++level, i >>= 1) {
    hash = HashChildren(levels_[level][i - 1], hash);
    if (levels_.size() == level + 1) levels_.emplace_back();
    levels_[level + 1].push_back(hash);
  }
  return index;
}

Hash MemoryTree::Root() const {
  const uint64_t n = size();
  if (n == 0) return EmptyTreeRoot();
  // The perfect subtrees of n's binary decomposition, folded from the right.
  Hash hash{};
  bool have = false;
  uint64_t end = n;
  for (int level = 0; level < BitLength(n); ++level) {
    if ((n & (uint64_t{1} << level)) == 0) continue;
    const Hash& node = levels_[level][(end >> level) - 1];
    hash = have ? HashChildren(node, hash) : node;
    have = true;
    end -= uint64_t{1} << level;
  }
  return hash;
}

uint64_t MemoryTree::StoredNodeCountForTest() const {
  uint64_t count = 0;
  for (const auto& level : levels_) count += level.size();
  return count;
}

StatusOr<Hash> MemoryTree::ReadNode(NodeId id) {
  if (id.level >= levels_.size() || id.index >= levels_[id.level].size()) {
    return NotFoundError("node (level " + std::to_string(id.level) + ", index " +
                         std::to_string(id.index) + ") is not complete in a tree of " +
                         std::to_string(size()) + " leaves");
  }
  return levels_[id.level][id.index];
}

}  // namespace bulwark::ledger
