// bench/ledger: durable appends to the ledger on SQLite with group commit, against raw SHA-256
// hashing of the same leaves and tree nodes measured in the same run, and inclusion-proof time
// at the final size.
//
//   build/bench/ledger_bench [entries] [batch]      (defaults: 1000000 entries, batch 10000)
//
// Targets: at least 50,000 durable appends per second; an inclusion proof under 100 us.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "base/ids.h"
#include "ledger/audit_entry.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/transparency_log.h"
#include "store/migrations.h"
#include "testing/temp_dir.h"

namespace bulwark {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

int Main(int argc, char** argv) {
  const uint64_t entries = argc > 1 ? std::stoull(argv[1]) : 1'000'000;
  const uint64_t batch = argc > 2 ? std::stoull(argv[2]) : 10000;
  testing::TempDir dir("bulwark-bench-ledger");
  auto db = store::OpenDatabase("sqlite:" + dir.path() + "/ledger.db");
  if (!db.ok() || !store::ApplyMigrations(**db).ok()) {
    std::fprintf(stderr, "cannot open the database\n");
    return 1;
  }
  ledger::GeneratedKey key = ledger::GenerateEd25519Key("bench.bulwark/ledger").value();
  ledger::TransparencyLog log(**db, "bench.bulwark/ledger",
                              ledger::NewEd25519Signer(key.private_key).value(), key.verifier_key,
                              SystemClock::Get());

  // Leaves shaped like real audit entries (about 300 bytes each).
  DeterministicRandom random(7);
  std::vector<ledger::NewEntry> leaves;
  leaves.reserve(entries);
  Time t0 = SystemClock::Get().Now();
  // A deployment has a thousand users acting on a hundred thousand objects (organizations,
  // users, grants, models), not a new principal and a new object per entry.
  std::vector<std::string> users, objects;
  for (int i = 0; i < 1000; ++i) users.push_back(NewId("usr", random));
  // One entry in ten is about a user, one in ten about an organization; the rest about
  // grants, tokens, models and the platform.
  for (int i = 0; i < 100'000; ++i) {
    const char* kinds[] = {"usr", "org", "tup", "tup", "tok", "tok", "mdl", "mdl", "ses", "tup"};
    objects.push_back(NewId(kinds[i % 10], random));
  }
  for (uint64_t i = 0; i < entries; ++i) {
    std::string principal = users[random.Uint64() % users.size()];
    std::string object = objects[random.Uint64() % objects.size()];
    leaves.push_back({ledger::EncodeAuditEntry({t0 + Duration(int64_t(i)),
                                                principal,
                                                "organization.create",
                                                object,
                                                true,
                                                {NewId("tup", random)},
                                                NewId("req", random),
                                                std::string(64, 'a' + i % 6)}),
                      principal, object});
  }

  // Baseline: SHA-256 of every leaf and every interior node, in memory.
  auto start = std::chrono::steady_clock::now();
  ledger::MemoryTree tree;
  for (const ledger::NewEntry& e : leaves) tree.Append(e.leaf);
  double hash_seconds = Seconds(std::chrono::steady_clock::now() - start);

  // Durable appends: one SQLite transaction (synchronous=FULL) per batch.
  start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < entries; i += batch) {
    uint64_t n = std::min(batch, entries - i);
    Status s = (*db)->Transact(store::TxMode::kReadWrite, [&](store::Transaction& tx) {
      return log.AppendBatch(tx, std::span<const ledger::NewEntry>(&leaves[i], n)).status();
    });
    if (!s.ok()) {
      std::fprintf(stderr, "append failed: %s\n", s.ToString().c_str());
      return 1;
    }
    if ((i + n) % 100'000 == 0 || i + n == entries) {
      std::fprintf(stderr, "  appended %llu / %llu\n", static_cast<unsigned long long>(i + n),
                   static_cast<unsigned long long>(entries));
    }
  }
  double append_seconds = Seconds(std::chrono::steady_clock::now() - start);

  ledger::Hash root = log.Root(entries).value();
  if (root != tree.Root()) {
    std::fprintf(stderr, "the stored log's root differs from the in-memory tree's\n");
    return 1;
  }
  // Inclusion proofs at the final size, for random entries, through the database.
  std::mt19937_64 pick(11);
  const int proofs = 2000;
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < proofs; ++i) {
    uint64_t index = pick() % entries;
    auto proof = log.InclusionProof(index, entries);
    if (!proof.ok() ||
        !ledger::VerifyInclusion(ledger::HashLeaf(leaves[index].leaf), index, entries, *proof, root)
             .ok()) {
      std::fprintf(stderr, "a proof failed\n");
      return 1;
    }
  }
  double proof_us = Seconds(std::chrono::steady_clock::now() - start) / proofs * 1e6;

  double rate = entries / append_seconds;
  double hash_rate = entries / hash_seconds;
  std::printf(
      "bench/ledger: %llu entries of ~%zu bytes by 1000 users on 100000 objects (10%% users, "
      "10%% organizations), batches of %llu, SQLite "
      "synchronous=FULL\n",
      static_cast<unsigned long long>(entries), leaves[0].leaf.size(),
      static_cast<unsigned long long>(batch));
  std::printf("%-46s %14s\n", "", "entries/s");
  std::printf("%-46s %14.0f\n", "SHA-256 of leaves and nodes, memory (baseline)", hash_rate);
  std::printf("%-46s %14.0f\n", "durable appends to the ledger", rate);
  std::printf("ratio appends/hashing: %.3f   (target: >= 50000 appends/s)\n", rate / hash_rate);
  std::printf("inclusion proof + verification at size %llu: %.1f us   (target: < 100 us)\n",
              static_cast<unsigned long long>(entries), proof_us);
  return 0;
}

}  // namespace
}  // namespace bulwark

int main(int argc, char** argv) { return bulwark::Main(argc, argv); }
