#include "ledger/merkle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <bit>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace bulwark::ledger {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

std::string Reason(const Status& status) { return status.detail("reason").value_or(""); }

Hash MakeHash(uint8_t fill) {
  Hash h;
  h.fill(fill);
  return h;
}

// ---------------------------------------------------------------------------------------------
// A reference implementation written from the recursive definitions of RFC 9162 2.1.1-2.1.4,
// on the leaf hashes of D[0:n]. Deliberately naive: every call rehashes its whole range.

// The largest power of two smaller than n. REQUIRES: n > 1.
size_t SplitPoint(size_t n) { return std::bit_floor(n - 1); }

Hash RefMth(std::span<const Hash> d) {
  if (d.empty()) return EmptyTreeRoot();
  if (d.size() == 1) return d[0];
  const size_t k = SplitPoint(d.size());
  return HashChildren(RefMth(d.first(k)), RefMth(d.subspan(k)));
}

std::vector<Hash> RefPath(size_t m, std::span<const Hash> d) {
  if (d.size() == 1) return {};
  const size_t k = SplitPoint(d.size());
  std::vector<Hash> path;
  if (m < k) {
    path = RefPath(m, d.first(k));
    path.push_back(RefMth(d.subspan(k)));
  } else {
    path = RefPath(m - k, d.subspan(k));
    path.push_back(RefMth(d.first(k)));
  }
  return path;
}

std::vector<Hash> RefSubproof(size_t m, std::span<const Hash> d, bool b) {
  if (m == d.size()) {
    if (b) return {};
    return {RefMth(d)};
  }
  const size_t k = SplitPoint(d.size());
  std::vector<Hash> proof;
  if (m <= k) {
    proof = RefSubproof(m, d.first(k), b);
    proof.push_back(RefMth(d.subspan(k)));
  } else {
    proof = RefSubproof(m - k, d.subspan(k), false);
    proof.push_back(RefMth(d.first(k)));
  }
  return proof;
}

// PROOF(m, D[n]) for 0 < m < n; the trivial cases give the empty proof as ours does.
std::vector<Hash> RefProof(size_t m, std::span<const Hash> d) {
  if (m == 0 || m == d.size()) return {};
  return RefSubproof(m, d, true);
}

// ---------------------------------------------------------------------------------------------
// Node readers for the tests.

// Holds exactly the nodes it is given; anything else is NotFound. Counts reads.
class MapReader final : public NodeReader {
 public:
  void Put(NodeId id, const Hash& hash) { nodes_[id] = hash; }
  size_t size() const { return nodes_.size(); }
  const std::map<NodeId, Hash>& nodes() const { return nodes_; }
  int reads() const { return reads_; }
  int batches() const { return batches_; }

  StatusOr<Hash> ReadNode(NodeId id) override {
    ++reads_;
    auto it = nodes_.find(id);
    if (it == nodes_.end()) return NotFoundError("no such node");
    return it->second;
  }
  StatusOr<std::vector<Hash>> ReadNodes(std::span<const NodeId> ids) override {
    ++batches_;
    return NodeReader::ReadNodes(ids);
  }

 private:
  std::map<NodeId, Hash> nodes_;
  int reads_ = 0;
  int batches_ = 0;
};

// The tree of `size` leaves that all have the same hash: node (L, i) is the same for every i.
// Lets the tests reach sizes near 2^64 without storing anything. Fails any read of a node
// that is not complete in the tree.
class UniformReader final : public NodeReader {
 public:
  explicit UniformReader(uint64_t size) : size_(size) {
    levels_.push_back(HashLeaf("same"));
    for (int level = 1; level < 64; ++level) {
      levels_.push_back(HashChildren(levels_.back(), levels_.back()));
    }
  }
  // The root of `size` such leaves (any size up to 2^64 - 1).
  Hash Root(uint64_t size) const {
    if (size == 0) return EmptyTreeRoot();
    std::optional<Hash> hash;
    for (int level = 0; level < 64; ++level) {
      if ((size >> level & 1) == 0) continue;
      hash = hash ? HashChildren(levels_[level], *hash) : levels_[level];
    }
    return *hash;
  }
  const Hash& Leaf() const { return levels_[0]; }

  StatusOr<Hash> ReadNode(NodeId id) override {
    // Complete iff (index + 1) * 2^level <= size, written without overflow.
    if (id.level >= 64 || id.index >= (size_ >> id.level)) {
      return InternalError("read of a node outside the tree");
    }
    return levels_[id.level];
  }

 private:
  uint64_t size_;
  std::vector<Hash> levels_;
};

class FailingReader final : public NodeReader {
 public:
  StatusOr<Hash> ReadNode(NodeId id) override { return UnavailableError("database down"); }
};

// ---------------------------------------------------------------------------------------------
// Basics.

TEST(MerkleHash, PrefixesAndEmptyRoot) {
  EXPECT_EQ(HashToHex(EmptyTreeRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // SHA-256(0x00), the leaf hash of the empty leaf.
  EXPECT_EQ(HashToHex(HashLeaf("")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_NE(HashChildren(MakeHash(1), MakeHash(2)), HashChildren(MakeHash(2), MakeHash(1)));
}

TEST(MerkleHash, HexRoundTrips) {
  const Hash leaf = HashLeaf("notice");
  EXPECT_EQ(HashFromHex(HashToHex(leaf)), leaf);
  EXPECT_FALSE(HashFromHex(HashToHex(leaf).substr(1)).has_value());
  std::string upper = HashToHex(leaf);
  upper[0] = 'G';
  EXPECT_FALSE(HashFromHex(upper).has_value());
}

TEST(MerkleTree, EmptyTree) {
  MemoryTree tree;
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_EQ(tree.Root(), EmptyTreeRoot());
  StatusOr<Hash> root = RootHash(0, tree);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(*root, EmptyTreeRoot());

  StatusOr<std::vector<Hash>> proof = InclusionProof(0, 0, tree);
  EXPECT_EQ(proof.status().code(), StatusCode::kInvalidArgument);
  Status s = VerifyInclusion(HashLeaf(""), 0, 0, {}, EmptyTreeRoot());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(s), kReasonInvalidSize);
}

TEST(MerkleTree, InvalidArguments) {
  MemoryTree tree;
  for (int i = 0; i < 5; ++i) tree.Append(std::to_string(i));
  EXPECT_EQ(InclusionProof(5, 5, tree).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(InclusionProof(kMax, 5, tree).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(4, 3, tree).status().code(), StatusCode::kInvalidArgument);
  // Asking about a tree larger than the store: the reader's NotFound comes through.
  EXPECT_EQ(RootHash(6, tree).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(InclusionProof(0, 6, tree).status().code(), StatusCode::kNotFound);

  Status s = VerifyInclusion(HashLeaf("0"), 5, 5, {}, tree.Root());
  EXPECT_EQ(Reason(s), kReasonInvalidSize);
  s = VerifyConsistency(4, 3, {}, tree.Root(), tree.Root());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(s), kReasonInvalidSize);

  FailingReader failing;
  EXPECT_EQ(RootHash(3, failing).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(InclusionProof(1, 3, failing).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(ConsistencyProof(1, 3, failing).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(NodesForAppend(3, MakeHash(0), failing).status().code(), StatusCode::kUnavailable);
  // Nothing to read, nothing to fail.
  EXPECT_TRUE(NodesForAppend(2, MakeHash(0), failing).ok());
  EXPECT_EQ(NodesForAppend(kMax, MakeHash(0), failing).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(MerkleTree, EqualSizesAndEmptyFirstTree) {
  MemoryTree tree;
  for (int i = 0; i < 7; ++i) tree.Append(std::to_string(i));
  const Hash root = tree.Root();
  const Hash other = MakeHash(7);

  StatusOr<std::vector<Hash>> proof = ConsistencyProof(7, 7, tree);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(proof->empty());
  EXPECT_TRUE(VerifyConsistency(7, 7, {}, root, root).ok());
  Status s = VerifyConsistency(7, 7, {}, root, other);
  EXPECT_EQ(Reason(s), kReasonRootMismatch);
  const Hash one[] = {root};
  s = VerifyConsistency(7, 7, one, root, root);
  EXPECT_EQ(Reason(s), kReasonWrongProofSize);

  proof = ConsistencyProof(0, 7, tree);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(proof->empty());
  EXPECT_TRUE(VerifyConsistency(0, 7, {}, EmptyTreeRoot(), root).ok());
  EXPECT_EQ(Reason(VerifyConsistency(0, 7, one, EmptyTreeRoot(), root)), kReasonWrongProofSize);
  // As transparency-dev/merkle: any tree extends the empty one, whatever root1 is given, and
  // two trees of size 0 need only agree with each other.
  EXPECT_TRUE(VerifyConsistency(0, 7, {}, other, root).ok());
  EXPECT_TRUE(VerifyConsistency(0, 0, {}, EmptyTreeRoot(), EmptyTreeRoot()).ok());
  EXPECT_TRUE(VerifyConsistency(0, 0, {}, other, other).ok());
  EXPECT_EQ(Reason(VerifyConsistency(0, 0, {}, EmptyTreeRoot(), other)), kReasonRootMismatch);

  // 0 < size1 < size2 with an empty proof is malformed.
  s = VerifyConsistency(3, 7, {}, root, root);
  EXPECT_EQ(Reason(s), kReasonWrongProofSize);
}

TEST(MerkleTree, SingleLeaf) {
  MemoryTree tree;
  tree.Append("only");
  EXPECT_EQ(tree.Root(), HashLeaf("only"));
  StatusOr<std::vector<Hash>> proof = InclusionProof(0, 1, tree);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(proof->empty());
  EXPECT_TRUE(VerifyInclusion(HashLeaf("only"), 0, 1, {}, tree.Root()).ok());
  const Hash extra[] = {MakeHash(0)};
  EXPECT_EQ(Reason(VerifyInclusion(HashLeaf("only"), 0, 1, extra, tree.Root())),
            kReasonWrongProofSize);
}

// ---------------------------------------------------------------------------------------------
// Cross-checks against the reference implementation.

class MerkleReferenceTest : public ::testing::Test {
 protected:
  static constexpr size_t kLeaves = 1000;

  void SetUp() override {
    std::mt19937_64 random(20240917);
    for (size_t i = 0; i < kLeaves; ++i) {
      // Distinct leaves of varied lengths (a duplicate would pass as the "wrong" leaf).
      std::string leaf = std::to_string(i) + ":";
      for (size_t j = random() % 40; j > 0; --j) leaf.push_back(static_cast<char>(random()));
      leaf_hashes_.push_back(HashLeaf(leaf));
      ASSERT_EQ(tree_.Append(leaf), i);
    }
  }

  std::span<const Hash> First(size_t n) const { return std::span(leaf_hashes_).first(n); }

  // Checks one inclusion proof both ways and that its corruptions are rejected.
  void CheckInclusion(uint64_t m, uint64_t n, std::mt19937_64& random) {
    SCOPED_TRACE("inclusion of " + std::to_string(m) + " in " + std::to_string(n));
    StatusOr<std::vector<Hash>> proof = InclusionProof(m, n, tree_);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    ASSERT_EQ(*proof, RefPath(m, First(n)));
    const Hash root = RefMth(First(n));
    const Hash& leaf = leaf_hashes_[m];
    Status s = VerifyInclusion(leaf, m, n, *proof, root);
    ASSERT_TRUE(s.ok()) << s.ToString();

    EXPECT_EQ(Reason(VerifyInclusion(leaf_hashes_[(m + 1) % kLeaves], m, n, *proof, root)),
              kReasonRootMismatch);
    Hash bad_root = root;
    bad_root[random() % 32] ^= 0x80;
    EXPECT_EQ(Reason(VerifyInclusion(leaf, m, n, *proof, bad_root)), kReasonRootMismatch);
    if (!proof->empty()) {
      std::vector<Hash> corrupt = *proof;
      corrupt[random() % corrupt.size()][random() % 32] ^= uint8_t{1} << (random() % 8);
      EXPECT_EQ(Reason(VerifyInclusion(leaf, m, n, corrupt, root)), kReasonRootMismatch);

      std::vector<Hash> truncated(proof->begin(), proof->end() - 1);
      EXPECT_EQ(Reason(VerifyInclusion(leaf, m, n, truncated, root)), kReasonWrongProofSize);
      std::vector<Hash> headless(proof->begin() + 1, proof->end());
      EXPECT_EQ(Reason(VerifyInclusion(leaf, m, n, headless, root)), kReasonWrongProofSize);
    }
    std::vector<Hash> extended = *proof;
    extended.push_back(root);
    EXPECT_EQ(Reason(VerifyInclusion(leaf, m, n, extended, root)), kReasonWrongProofSize);
    extended.insert(extended.begin(), leaf);
    extended.pop_back();
    EXPECT_EQ(Reason(VerifyInclusion(leaf, m, n, extended, root)), kReasonWrongProofSize);

    if (n > 1) {
      uint64_t other = random() % (n - 1);
      if (other >= m) ++other;  // Any index but m.
      EXPECT_FALSE(VerifyInclusion(leaf, other, n, *proof, root).ok()) << "index " << other;
    }
    EXPECT_EQ(Reason(VerifyInclusion(leaf, n, n, *proof, root)), kReasonInvalidSize);
  }

  // Checks one consistency proof both ways and that its corruptions are rejected.
  void CheckConsistency(uint64_t m, uint64_t n, std::mt19937_64& random) {
    SCOPED_TRACE("consistency of " + std::to_string(m) + " and " + std::to_string(n));
    StatusOr<std::vector<Hash>> proof = ConsistencyProof(m, n, tree_);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    ASSERT_EQ(*proof, RefProof(m, First(n)));
    const Hash root1 = RefMth(First(m));
    const Hash root2 = RefMth(First(n));
    Status s = VerifyConsistency(m, n, *proof, root1, root2);
    ASSERT_TRUE(s.ok()) << s.ToString();

    Hash bad = root1;
    bad[random() % 32] ^= 0x01;
    if (m == 0 && n > 0) {
      // Every tree extends the empty one, whatever root the caller holds for it.
      EXPECT_TRUE(VerifyConsistency(m, n, *proof, bad, root2).ok());
    } else {
      EXPECT_EQ(Reason(VerifyConsistency(m, n, *proof, bad, root2)), kReasonRootMismatch);
    }
    bad = root2;
    bad[random() % 32] ^= 0x01;
    if (m == 0 && n > 0) {
      // Every tree extends the empty one; there is nothing to check root2 against.
      EXPECT_TRUE(VerifyConsistency(m, n, *proof, root1, bad).ok());
    } else {
      EXPECT_EQ(Reason(VerifyConsistency(m, n, *proof, root1, bad)), kReasonRootMismatch);
    }
    if (m < n && m > 0) {
      EXPECT_FALSE(VerifyConsistency(m, n, *proof, root2, root1).ok());
      EXPECT_EQ(Reason(VerifyConsistency(n, m, *proof, root2, root1)), kReasonInvalidSize);
    }
    if (!proof->empty()) {
      std::vector<Hash> corrupt = *proof;
      corrupt[random() % corrupt.size()][random() % 32] ^= uint8_t{1} << (random() % 8);
      EXPECT_EQ(Reason(VerifyConsistency(m, n, corrupt, root1, root2)), kReasonRootMismatch);
      std::vector<Hash> truncated(proof->begin(), proof->end() - 1);
      EXPECT_EQ(Reason(VerifyConsistency(m, n, truncated, root1, root2)), kReasonWrongProofSize);
      std::vector<Hash> headless(proof->begin() + 1, proof->end());
      EXPECT_EQ(Reason(VerifyConsistency(m, n, headless, root1, root2)), kReasonWrongProofSize);
    }
    std::vector<Hash> extended = *proof;
    extended.push_back(root2);
    EXPECT_EQ(Reason(VerifyConsistency(m, n, extended, root1, root2)), kReasonWrongProofSize);
    extended.pop_back();
    extended.insert(extended.begin(), root1);
    EXPECT_EQ(Reason(VerifyConsistency(m, n, extended, root1, root2)), kReasonWrongProofSize);
  }

  std::vector<Hash> leaf_hashes_;
  MemoryTree tree_;
};

TEST_F(MerkleReferenceTest, RootsOfEverySize) {
  for (size_t n = 0; n <= kLeaves; ++n) {
    StatusOr<Hash> root = RootHash(n, tree_);
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    ASSERT_EQ(*root, RefMth(First(n))) << "size " << n;
  }
  EXPECT_EQ(tree_.Root(), RefMth(leaf_hashes_));
}

TEST_F(MerkleReferenceTest, InclusionProofsOfSmallTreesExhaustively) {
  std::mt19937_64 random(1);
  for (uint64_t n = 1; n <= 70; ++n) {
    for (uint64_t m = 0; m < n; ++m) CheckInclusion(m, n, random);
  }
}

TEST_F(MerkleReferenceTest, InclusionProofsOfRandomTrees) {
  std::mt19937_64 random(2);
  for (int i = 0; i < 400; ++i) {
    const uint64_t n = 1 + random() % kLeaves;
    // Bias towards the right edge, where the partial subtrees are.
    const uint64_t m = (i % 4 == 0) ? n - 1 - random() % std::min<uint64_t>(n, 8) : random() % n;
    CheckInclusion(m, n, random);
  }
  for (uint64_t m : {0u, 511u, 512u, 998u, 999u}) CheckInclusion(m, kLeaves, random);
}

TEST_F(MerkleReferenceTest, ConsistencyProofsOfSmallTreesExhaustively) {
  std::mt19937_64 random(3);
  for (uint64_t n = 1; n <= 70; ++n) {
    for (uint64_t m = 0; m <= n; ++m) CheckConsistency(m, n, random);
  }
}

TEST_F(MerkleReferenceTest, ConsistencyProofsOfRandomTrees) {
  std::mt19937_64 random(4);
  for (int i = 0; i < 400; ++i) {
    uint64_t a = random() % (kLeaves + 1);
    uint64_t b = random() % (kLeaves + 1);
    if (a > b) std::swap(a, b);
    CheckConsistency(a, b, random);
  }
  for (uint64_t m : {1u, 2u, 256u, 512u, 999u}) CheckConsistency(m, kLeaves, random);
}

// Proof generation reads O(log n) nodes in one batch, and only complete ones.
TEST_F(MerkleReferenceTest, ReadsFewNodesInOneBatch) {
  MapReader nodes;
  for (uint64_t i = 0; i < kLeaves; ++i) {
    StatusOr<std::vector<std::pair<NodeId, Hash>>> added =
        NodesForAppend(i, leaf_hashes_[i], nodes);
    ASSERT_TRUE(added.ok());
    for (const auto& [id, hash] : *added) nodes.Put(id, hash);
  }
  std::mt19937_64 random(5);
  for (int i = 0; i < 200; ++i) {
    const uint64_t n = 1 + random() % kLeaves;
    const uint64_t m = random() % n;
    const int bound = 2 * std::bit_width(n) + 1;

    const int reads_before = nodes.reads();
    const int batches_before = nodes.batches();
    StatusOr<std::vector<Hash>> proof = InclusionProof(m, n, nodes);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    EXPECT_EQ(*proof, RefPath(m, First(n)));
    EXPECT_LE(nodes.reads() - reads_before, bound);
    EXPECT_LE(nodes.batches() - batches_before, 1);

    const int reads_mid = nodes.reads();
    proof = ConsistencyProof(m, n, nodes);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    EXPECT_EQ(*proof, RefProof(m, First(n)));
    EXPECT_LE(nodes.reads() - reads_mid, bound);

    StatusOr<Hash> root = RootHash(n, nodes);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, RefMth(First(n)));
  }
}

// ---------------------------------------------------------------------------------------------
// NodesForAppend.

TEST(NodesForAppend, ProducesExactlyTheNodesAMemoryTreeStores) {
  MemoryTree tree;
  MapReader persisted;
  for (uint64_t i = 0; i < 600; ++i) {
    const Hash leaf = HashLeaf("leaf " + std::to_string(i));
    StatusOr<std::vector<std::pair<NodeId, Hash>>> nodes = NodesForAppend(i, leaf, tree);
    ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();

    // The expected ids: (0, i), then one level up per trailing 1 bit of i.
    ASSERT_EQ(nodes->size(), static_cast<size_t>(std::countr_one(i)) + 1);
    for (size_t level = 0; level < nodes->size(); ++level) {
      EXPECT_EQ((*nodes)[level].first, (NodeId{static_cast<uint8_t>(level), i >> level}));
    }
    EXPECT_EQ((*nodes)[0].second, leaf);

    const uint64_t stored_before = tree.StoredNodeCountForTest();
    ASSERT_EQ(tree.AppendHash(leaf), i);
    EXPECT_EQ(tree.StoredNodeCountForTest() - stored_before, nodes->size());
    for (const auto& [id, hash] : *nodes) {
      StatusOr<Hash> stored = tree.ReadNode(id);
      ASSERT_TRUE(stored.ok()) << stored.status().ToString();
      EXPECT_EQ(*stored, hash);
      persisted.Put(id, hash);
    }
  }
  EXPECT_EQ(persisted.size(), tree.StoredNodeCountForTest());
  // The persisted nodes alone answer what the tree does.
  for (uint64_t n : {1u, 2u, 3u, 255u, 256u, 257u, 599u, 600u}) {
    StatusOr<Hash> a = RootHash(n, tree);
    StatusOr<Hash> b = RootHash(n, persisted);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, *b);
  }
  StatusOr<Hash> root = RootHash(600, persisted);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(*root, tree.Root());
}

// ---------------------------------------------------------------------------------------------
// Sizes near 2^64: no overflow, no reads outside the tree.

TEST(MerkleHugeTrees, ProofsNearTheTopOfTheIndexSpace) {
  struct Case {
    uint64_t index;
    uint64_t size;
  };
  const Case cases[] = {
      {0, kMax},
      {kMax - 1, kMax},
      {kMax / 2, kMax},
      {(uint64_t{1} << 63) - 1, uint64_t{1} << 63},
      {uint64_t{1} << 63, (uint64_t{1} << 63) + 1},
      {12345, kMax - 12345},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.index) + " of " + std::to_string(c.size));
    UniformReader reader(c.size);
    StatusOr<Hash> root = RootHash(c.size, reader);
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    EXPECT_EQ(*root, reader.Root(c.size));
    StatusOr<std::vector<Hash>> proof = InclusionProof(c.index, c.size, reader);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    EXPECT_LE(proof->size(), 64u);
    Status s = VerifyInclusion(reader.Leaf(), c.index, c.size, *proof, *root);
    EXPECT_TRUE(s.ok()) << s.ToString();

    for (uint64_t size1 : {uint64_t{1}, c.index, c.index + 1, c.size - 1}) {
      if (size1 == 0 || size1 > c.size) continue;
      SCOPED_TRACE("consistency from " + std::to_string(size1));
      StatusOr<std::vector<Hash>> cproof = ConsistencyProof(size1, c.size, reader);
      ASSERT_TRUE(cproof.ok()) << cproof.status().ToString();
      s = VerifyConsistency(size1, c.size, *cproof, reader.Root(size1), *root);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
  }
  // Wrong-length proofs at the extremes are rejected before any arithmetic on them.
  const std::vector<Hash> long_proof(200, MakeHash(3));
  EXPECT_EQ(Reason(VerifyInclusion(MakeHash(1), kMax - 1, kMax, long_proof, MakeHash(2))),
            kReasonWrongProofSize);
  EXPECT_EQ(Reason(VerifyConsistency(kMax - 1, kMax, long_proof, MakeHash(1), MakeHash(2))),
            kReasonWrongProofSize);
  EXPECT_EQ(Reason(VerifyInclusion(MakeHash(1), kMax, kMax, {}, MakeHash(2))), kReasonInvalidSize);
}

// ---------------------------------------------------------------------------------------------
// Conformance vectors (transparency-dev/merkle testdata and the RFC 6962 reference tree).

std::filesystem::path ConformanceDir() {
  return std::filesystem::path(BULWARK_SOURCE_DIR) / ".." / "shared" / "conformance" / "merkle";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Strict standard base64 of exactly 32 bytes; nullopt for anything else.
std::optional<Hash> DecodeHash(const boost::json::value& value) {
  if (!value.is_string()) return std::nullopt;
  const boost::json::string& text = value.get_string();
  unsigned char out[64];
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out, sizeof(out), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size() || len != 32) {
    return std::nullopt;
  }
  Hash hash;
  std::copy(out, out + 32, hash.begin());
  return hash;
}

std::optional<uint64_t> ReadUint64(const boost::json::value& value) {
  if (value.is_uint64()) return value.get_uint64();
  if (value.is_int64() && value.get_int64() >= 0) return static_cast<uint64_t>(value.get_int64());
  return std::nullopt;
}

// A proof field: null is the empty proof; any element that is not a hash makes it invalid.
std::optional<std::vector<Hash>> DecodeProof(const boost::json::value& value) {
  std::vector<Hash> proof;
  if (value.is_null()) return proof;
  if (!value.is_array()) return std::nullopt;
  for (const boost::json::value& element : value.get_array()) {
    std::optional<Hash> hash = DecodeHash(element);
    if (!hash) return std::nullopt;
    proof.push_back(*hash);
  }
  return proof;
}

std::vector<std::filesystem::path> JsonFilesUnder(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::is_directory(dir)) return files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> Rfc6962Leaves() {
  const boost::json::value doc =
      boost::json::parse(ReadFile(ConformanceDir() / "rfc6962-roots.json"));
  std::vector<std::string> leaves;
  for (const boost::json::value& hex : doc.at("leaves").as_array()) {
    const boost::json::string& text = hex.as_string();
    std::string leaf(text.size() / 2, '\0');
    size_t len = 0;
    EXPECT_EQ(sodium_hex2bin(reinterpret_cast<unsigned char*>(leaf.data()), leaf.size(),
                             text.data(), text.size(), nullptr, &len, nullptr),
              0);
    leaf.resize(len);
    leaves.push_back(leaf);
  }
  return leaves;
}

class MerkleConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    if (!std::filesystem::is_directory(ConformanceDir())) {
      GTEST_SKIP() << "no conformance vectors at " << ConformanceDir().string();
    }
  }
};

TEST_F(MerkleConformanceTest, Rfc6962Roots) {
  const boost::json::value doc =
      boost::json::parse(ReadFile(ConformanceDir() / "rfc6962-roots.json"));
  const std::vector<std::string> leaves = Rfc6962Leaves();
  const boost::json::array& roots = doc.at("roots").as_array();
  ASSERT_EQ(roots.size(), leaves.size() + 1);
  MemoryTree tree;
  for (size_t n = 0; n <= leaves.size(); ++n) {
    if (n > 0) tree.Append(leaves[n - 1]);
    StatusOr<Hash> root = RootHash(n, tree);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(HashToHex(*root), std::string_view(roots[n].as_string())) << "size " << n;
    EXPECT_EQ(*root, tree.Root());
  }
}

TEST_F(MerkleConformanceTest, InclusionVectors) {
  const std::vector<std::string> leaves = Rfc6962Leaves();
  MemoryTree reference;
  for (const std::string& leaf : leaves) reference.Append(leaf);

  const std::vector<std::filesystem::path> files = JsonFilesUnder(ConformanceDir() / "inclusion");
  ASSERT_FALSE(files.empty());
  int passed = 0;
  for (const std::filesystem::path& file : files) {
    SCOPED_TRACE(file.string());
    const boost::json::value doc = boost::json::parse(ReadFile(file));
    const boost::json::object& v = doc.as_object();
    ASSERT_TRUE(v.contains("wantErr") && v.at("wantErr").is_bool());
    const bool want_err = v.at("wantErr").as_bool();
    const std::optional<uint64_t> index = ReadUint64(v.at("leafIdx"));
    const std::optional<uint64_t> size = ReadUint64(v.at("treeSize"));
    const std::optional<Hash> root = DecodeHash(v.at("root"));
    const std::optional<Hash> leaf_hash = DecodeHash(v.at("leafHash"));
    const std::optional<std::vector<Hash>> proof = DecodeProof(v.at("proof"));
    Status status = InvalidArgumentError("the vector does not decode");
    if (index && size && root && leaf_hash && proof) {
      status = VerifyInclusion(*leaf_hash, *index, *size, *proof, *root);
    }
    EXPECT_EQ(!status.ok(), want_err) << status.ToString();
    if (!want_err && status.ok()) {
      // Our own proof for the same leaf of the reference tree is the vector's.
      StatusOr<std::vector<Hash>> ours = InclusionProof(*index, *size, reference);
      ASSERT_TRUE(ours.ok()) << ours.status().ToString();
      EXPECT_EQ(*ours, *proof);
    }
    if (!status.ok() == want_err) ++passed;
  }
  std::cout << "inclusion vectors: " << passed << " of " << files.size() << " passed\n";
  EXPECT_EQ(passed, static_cast<int>(files.size()));
}

TEST_F(MerkleConformanceTest, ConsistencyVectors) {
  const std::vector<std::string> leaves = Rfc6962Leaves();
  MemoryTree reference;
  for (const std::string& leaf : leaves) reference.Append(leaf);

  const std::vector<std::filesystem::path> files = JsonFilesUnder(ConformanceDir() / "consistency");
  ASSERT_FALSE(files.empty());
  int passed = 0;
  for (const std::filesystem::path& file : files) {
    SCOPED_TRACE(file.string());
    const boost::json::value doc = boost::json::parse(ReadFile(file));
    const boost::json::object& v = doc.as_object();
    ASSERT_TRUE(v.contains("wantErr") && v.at("wantErr").is_bool());
    const bool want_err = v.at("wantErr").as_bool();
    const std::optional<uint64_t> size1 = ReadUint64(v.at("size1"));
    const std::optional<uint64_t> size2 = ReadUint64(v.at("size2"));
    const std::optional<Hash> root1 = DecodeHash(v.at("root1"));
    const std::optional<Hash> root2 = DecodeHash(v.at("root2"));
    const std::optional<std::vector<Hash>> proof = DecodeProof(v.at("proof"));
    Status status = InvalidArgumentError("the vector does not decode");
    if (size1 && size2 && root1 && root2 && proof) {
      status = VerifyConsistency(*size1, *size2, *proof, *root1, *root2);
    }
    EXPECT_EQ(!status.ok(), want_err) << status.ToString();
    if (!want_err && status.ok()) {
      StatusOr<std::vector<Hash>> ours = ConsistencyProof(*size1, *size2, reference);
      ASSERT_TRUE(ours.ok()) << ours.status().ToString();
      EXPECT_EQ(*ours, *proof);
    }
    if (!status.ok() == want_err) ++passed;
  }
  std::cout << "consistency vectors: " << passed << " of " << files.size() << " passed\n";
  EXPECT_EQ(passed, static_cast<int>(files.size()));
}

}  // namespace
}  // namespace bulwark::ledger
