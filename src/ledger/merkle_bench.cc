// Micro-benchmarks of the Merkle tree engine. The raw SHA-256 of the same leaves is the
// baseline: appending costs about two hashes per leaf (the leaf and, amortized, one interior
// node), so Append should stay close to twice the baseline.
//
//   ./build/src/ledger/merkle_bench
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ledger/merkle.h"

namespace bulwark::ledger {
namespace {

constexpr uint64_t kLeaves = 1'000'000;

// 1,000,000 distinct 64-byte leaves, about the size of a ledger entry's digest material.
const std::vector<std::string>& Leaves() {
  static const std::vector<std::string>* leaves = [] {
    auto* out = new std::vector<std::string>();
    out->reserve(kLeaves);
    for (uint64_t i = 0; i < kLeaves; ++i) {
      std::string leaf(64, 'x');
      for (int b = 0; b < 8; ++b) leaf[b] = static_cast<char>(i >> (8 * b));
      out->push_back(std::move(leaf));
    }
    return out;
  }();
  return *leaves;
}

MemoryTree& FullTree() {
  static MemoryTree* tree = [] {
    auto* t = new MemoryTree();
    for (const std::string& leaf : Leaves()) t->Append(leaf);
    return t;
  }();
  return *tree;
}

void BM_RawSha256OfLeaves(benchmark::State& state) {
  if (sodium_init() < 0) state.SkipWithError("sodium_init failed");
  const std::vector<std::string>& leaves = Leaves();
  unsigned char out[crypto_hash_sha256_BYTES];
  for (auto _ : state) {
    for (const std::string& leaf : leaves) {
      crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(leaf.data()), leaf.size());
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetItemsProcessed(state.iterations() * leaves.size());
}
BENCHMARK(BM_RawSha256OfLeaves)->Unit(benchmark::kMillisecond);

void BM_AppendMillionLeaves(benchmark::State& state) {
  const std::vector<std::string>& leaves = Leaves();
  for (auto _ : state) {
    MemoryTree tree;
    for (const std::string& leaf : leaves) tree.Append(leaf);
    benchmark::DoNotOptimize(tree.Root());
  }
  state.SetItemsProcessed(state.iterations() * leaves.size());
}
BENCHMARK(BM_AppendMillionLeaves)->Unit(benchmark::kMillisecond);

void BM_InclusionProofAtMillion(benchmark::State& state) {
  MemoryTree& tree = FullTree();
  uint64_t index = 0;
  for (auto _ : state) {
    index = (index + 7919) % kLeaves;
    StatusOr<std::vector<Hash>> proof = InclusionProof(index, kLeaves, tree);
    benchmark::DoNotOptimize(proof);
  }
}
BENCHMARK(BM_InclusionProofAtMillion);

void BM_VerifyInclusionAtMillion(benchmark::State& state) {
  MemoryTree& tree = FullTree();
  const Hash root = tree.Root();
  const uint64_t index = 654'321;
  StatusOr<std::vector<Hash>> proof = InclusionProof(index, kLeaves, tree);
  StatusOr<Hash> leaf = tree.ReadNode({0, index});
  if (!proof.ok() || !leaf.ok()) state.SkipWithError("no proof");
  for (auto _ : state) {
    Status s = VerifyInclusion(*leaf, index, kLeaves, *proof, root);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_VerifyInclusionAtMillion);

void BM_ConsistencyProofAtMillion(benchmark::State& state) {
  MemoryTree& tree = FullTree();
  uint64_t size1 = 1;
  for (auto _ : state) {
    size1 = (size1 + 7919) % kLeaves + 1;
    StatusOr<std::vector<Hash>> proof = ConsistencyProof(size1, kLeaves, tree);
    benchmark::DoNotOptimize(proof);
  }
}
BENCHMARK(BM_ConsistencyProofAtMillion);

}  // namespace
}  // namespace bulwark::ledger

BENCHMARK_MAIN();
