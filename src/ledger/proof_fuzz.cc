// libFuzzer target for the proof verifiers: VerifyInclusion and VerifyConsistency must turn
// any sizes, indexes and proof hashes into a Status without crashing, reading out of bounds
// or overflowing.
//
// Input layout (short inputs are padded with zeros):
//   byte 0       mode: bit 0 picks how the sizes are read (raw 64-bit or small), bit 1 asks
//                for a genuine proof from an in-memory tree, then mutated by the rest
//   bytes 1-24   three little-endian uint64: a, b, c (index/size1, size/size2, mutation)
//   bytes 25-56  a hash (the leaf hash or root1)
//   bytes 57-88  a hash (the root or root2)
//   the rest     proof hashes, 32 bytes each (a trailing partial hash is dropped)
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ledger/merkle.h"

namespace {

using bulwark::ledger::Hash;

uint64_t ReadU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// A small tree shared by all inputs, for genuine proofs to mutate.
bulwark::ledger::MemoryTree& SmallTree() {
  static bulwark::ledger::MemoryTree* tree = [] {
    auto* t = new bulwark::ledger::MemoryTree();
    for (int i = 0; i < 300; ++i) t->Append(std::string(1, static_cast<char>(i)));
    return t;
  }();
  return *tree;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kHeader = 1 + 24 + 64;
  uint8_t header[kHeader] = {};
  std::memcpy(header, data, size < kHeader ? size : kHeader);
  const uint8_t mode = header[0];
  uint64_t a = ReadU64(header + 1);
  uint64_t b = ReadU64(header + 9);
  const uint64_t c = ReadU64(header + 17);
  Hash h1;
  Hash h2;
  std::memcpy(h1.data(), header + 25, 32);
  std::memcpy(h2.data(), header + 57, 32);

  std::vector<Hash> proof;
  if (size > kHeader) {
    const size_t count = (size - kHeader) / 32;
    proof.resize(count);
    for (size_t i = 0; i < count; ++i) {
      std::memcpy(proof[i].data(), data + kHeader + 32 * i, 32);
    }
  }

  if (mode & 1) {
    // Small sizes reach the interesting shapes more often than raw 64-bit values.
    a %= 1025;
    b %= 1025;
  }

  if (mode & 2) {
    // Start from genuine proofs of the small tree, then damage them as the input says.
    bulwark::ledger::MemoryTree& tree = SmallTree();
    const uint64_t n = tree.size();
    const uint64_t size2 = b % (n + 1);
    const uint64_t index = size2 == 0 ? 0 : a % size2;
    auto inclusion = bulwark::ledger::InclusionProof(index, size2, tree);
    auto consistency = bulwark::ledger::ConsistencyProof(index, size2, tree);
    auto root1 = bulwark::ledger::RootHash(index, tree);
    auto root2 = bulwark::ledger::RootHash(size2, tree);
    auto leaf = tree.ReadNode({0, index});
    if (inclusion.ok() && root2.ok() && leaf.ok()) {
      std::vector<Hash> p = *inclusion;
      const bool damage = (c & 1) != 0 && !p.empty();
      if (damage) p[(c >> 8) % p.size()][(c >> 16) % 32] ^= static_cast<uint8_t>(1 | (c >> 24));
      const bulwark::Status s = bulwark::ledger::VerifyInclusion(*leaf, index, size2, p, *root2);
      if (s.ok() == damage) __builtin_trap();  // A genuine proof must pass, a damaged one fail.
    }
    if (consistency.ok() && root1.ok() && root2.ok()) {
      std::vector<Hash> p = *consistency;
      const bool damage = (c & 2) != 0 && !p.empty();
      if (damage) p[(c >> 8) % p.size()][(c >> 16) % 32] ^= static_cast<uint8_t>(1 | (c >> 24));
      const bulwark::Status s = bulwark::ledger::VerifyConsistency(index, size2, p, *root1, *root2);
      if (s.ok() == damage) __builtin_trap();
    }
  }

  bulwark::ledger::VerifyInclusion(h1, a, b, proof, h2).IgnoreError();
  bulwark::ledger::VerifyConsistency(a, b, proof, h1, h2).IgnoreError();
  return 0;
}
