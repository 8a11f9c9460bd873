#include "ledger/transparency_log.h"

#include <gtest/gtest.h>

#include <thread>

#include "ledger/checkpoint.h"
#include "testing/postgres_cluster.h"
#include "testing/test_database.h"

namespace bulwark::ledger {
namespace {

class TransparencyLogTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == store::Backend::kPostgres && !testing::PostgresAvailable()) {
      GTEST_SKIP() << testing::PostgresUnavailableReason();
    }
    auto db = testing::OpenTestDatabase(GetParam(), dir_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    key_ = GenerateEd25519Key("bulwark.test/ledger").value();
    log_ = std::make_unique<TransparencyLog>(*db_, "bulwark.test/ledger",
                                             NewEd25519Signer(key_.private_key).value(),
                                             key_.verifier_key, clock_);
  }

  Status AppendN(int n) {
    for (int i = 0; i < n; ++i) {
      BW_RETURN_IF_ERROR(db_->Transact(store::TxMode::kReadWrite, [&](store::Transaction& tx) {
        return log_->Append(tx, {"entry " + std::to_string(i), "usr_x", "org_y"}).status();
      }));
    }
    return OkStatus();
  }

  Status Exec(const std::string& sql) {
    return db_->Transact(store::TxMode::kReadWrite,
                         [&](store::Transaction& tx) { return tx.Execute(sql).status(); });
  }

  testing::TempDir dir_;
  FakeClock clock_{FromUnixMicros(int64_t{1'780'000'000} * 1'000'000)};
  std::unique_ptr<store::Database> db_;
  GeneratedKey key_;
  std::unique_ptr<TransparencyLog> log_;
};

TEST_P(TransparencyLogTest, RootsAndProofsMatchAnInMemoryTree) {
  ASSERT_TRUE(AppendN(37).ok());
  MemoryTree reference;
  for (int i = 0; i < 37; ++i) reference.Append("entry " + std::to_string(i));
  EXPECT_EQ(*log_->Size(), 37u);
  for (uint64_t size : {0, 1, 2, 7, 8, 16, 37}) {
    EXPECT_EQ(*log_->Root(size), *RootHash(size, reference)) << size;
  }
  Hash root = *log_->Root(37);
  for (uint64_t i = 0; i < 37; ++i) {
    StatusOr<std::vector<Hash>> proof = log_->InclusionProof(i, 37);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    EXPECT_TRUE(VerifyInclusion(HashLeaf("entry " + std::to_string(i)), i, 37, *proof, root).ok());
  }
  for (uint64_t size1 : {1, 5, 16, 36, 37}) {
    StatusOr<std::vector<Hash>> proof = log_->ConsistencyProof(size1, 37);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    EXPECT_TRUE(VerifyConsistency(size1, 37, *proof, *log_->Root(size1), root).ok()) << size1;
  }
  EXPECT_FALSE(log_->InclusionProof(0, 38).ok());
  std::vector<Entry> entries = *log_->Entries(35, 10);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].index, 36u);
  EXPECT_EQ(entries[1].leaf, "entry 36");
}

TEST_P(TransparencyLogTest, ConcurrentAppendersGetGapFreeIndexes) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        Status s = db_->Transact(store::TxMode::kReadWrite, [&](store::Transaction& tx) {
          return log_->Append(tx, {"t" + std::to_string(t) + "-" + std::to_string(i), "u", "o"})
              .status();
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*log_->Size(), 100u);
  std::vector<Entry> entries = *log_->Entries(0, 200);
  for (uint64_t i = 0; i < entries.size(); ++i) EXPECT_EQ(entries[i].index, i);
}

TEST_P(TransparencyLogTest, AnEntryRollsBackWithItsChange) {
  Status s = db_->Transact(store::TxMode::kReadWrite, [&](store::Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(log_->Append(tx, {"doomed", "u", "o"}).status());
    return AbortedError("the change failed");
  });
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_EQ(*log_->Size(), 0u);
}

TEST_P(TransparencyLogTest, CheckpointsVerifyAndTamperingStopsSigning) {
  ASSERT_TRUE(AppendN(10).ok());
  StatusOr<SignedCheckpoint> first = log_->SignCheckpoint();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::unique_ptr<NoteVerifier> verifier = NewEd25519Verifier(key_.verifier_key).value();
  const NoteVerifier* verifiers[] = {verifier.get()};
  EXPECT_TRUE(VerifyNote(first->note, verifiers).ok());
  StatusOr<Note> note = ParseNote(first->note);
  ASSERT_TRUE(note.ok());
  StatusOr<Checkpoint> checkpoint = ParseCheckpoint(note->text);
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_EQ(checkpoint->size, 10u);
  EXPECT_EQ(checkpoint->root, *log_->Root(10));

  ASSERT_TRUE(AppendN(5).ok());
  ASSERT_TRUE(log_->SignCheckpoint().ok());
  EXPECT_EQ((*log_->LatestCheckpoint())->size, 15u);

  // Replace the stored hash of the first eight entries' subtree: the tree no longer matches
  // what was signed, at the same size or any later one.
  ASSERT_TRUE(Exec("UPDATE ledger_nodes SET hash = (SELECT hash FROM ledger_nodes WHERE "
                   "level = 0 AND idx = 1) WHERE level = 3 AND idx = 0")
                  .ok());
  EXPECT_EQ(log_->SignCheckpoint().status().code(), StatusCode::kDataLoss);
  ASSERT_TRUE(AppendN(1).ok());
  StatusOr<SignedCheckpoint> refused = log_->SignCheckpoint();
  EXPECT_EQ(refused.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(refused.status().message().find("refusing to sign"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, TransparencyLogTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace bulwark::ledger
