// The secrets store on both backends: SQLite in a temporary folder and PostgreSQL in a fresh
// database of the test binary's shared throwaway cluster.
#include "secrets/secret_store.h"

#include <gtest/gtest.h>

#include <map>

#include "secrets/internal/test_support.h"
#include "testing/postgres_cluster.h"
#include "testing/temp_dir.h"
#include "testing/test_database.h"

namespace bulwark::secrets {
namespace {

using store::Backend;
using store::Blob;
using store::Database;
using store::ResultSet;
using store::Transaction;
using store::TxMode;
using ::testing::HasSubstr;

class SecretStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !bulwark::testing::PostgresAvailable()) {
      GTEST_SKIP() << bulwark::testing::PostgresUnavailableReason();
    }
    ASSERT_OK_AND_ASSIGN(db_, bulwark::testing::OpenTestDatabase(GetParam(), dir_));
    ASSERT_OK(CreateKeyFile(KeyPath("a")));
    ASSERT_OK(CreateKeyFile(KeyPath("b")));
    ASSERT_OK_AND_ASSIGN(Keyring a, OpenKeyring(KeyPath("a")));
    keyring_a_ = std::make_unique<Keyring>(std::move(a));
  }

  std::string KeyPath(const std::string& name) { return dir_.path() + "/" + name + ".key"; }

  Database& db() { return *db_; }

  Status Put(const SecretStore& store, const SecretRef& ref, std::string_view plaintext) {
    return db().Transact(TxMode::kReadWrite,
                         [&](Transaction& tx) { return store.Put(tx, ref, plaintext); });
  }

  // The secret as a string, or its error.
  StatusOr<std::string> Get(const SecretStore& store, const SecretRef& ref) {
    std::string out;
    BW_RETURN_IF_ERROR(db().Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
      BW_ASSIGN_OR_RETURN(SecretBytes secret, store.Get(tx, ref));
      out = secret.CopyToString();
      return OkStatus();
    }));
    return out;
  }

  Status Exec(std::string_view sql, const std::vector<store::Value>& params = {}) {
    return db().Transact(TxMode::kReadWrite,
                         [&](Transaction& tx) { return tx.Execute(sql, params).status(); });
  }

  StatusOr<ResultSet> Query(std::string_view sql, const std::vector<store::Value>& params = {}) {
    ResultSet rows;
    BW_RETURN_IF_ERROR(db().Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
      BW_ASSIGN_OR_RETURN(rows, tx.Query(sql, params));
      return OkStatus();
    }));
    return rows;
  }

  // kek id -> number of rows wrapped by it (the canary included).
  std::map<std::string, int64_t> RowsByKek() {
    std::map<std::string, int64_t> out;
    StatusOr<ResultSet> rows = Query("SELECT kek_id, COUNT(*) FROM secrets GROUP BY kek_id");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    if (rows.ok()) {
      for (const store::Row& row : *rows) out[row.Text(0)] = row.Int(1);
    }
    return out;
  }

  static SecretRef Ref(int i, const std::string& column = "credential") {
    return SecretRef{"model_endpoints", "mep_" + std::to_string(i), column};
  }
  static std::string Value(int i) { return "secret-value-" + std::to_string(i); }

  bulwark::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Keyring> keyring_a_;
  FakeClock clock_{FromUnixMicros(1'780'000'000'000'000)};
};

TEST_P(SecretStoreTest, RoundTripInTheCallersTransaction) {
  SecretStore store(*keyring_a_, clock_);
  ASSERT_OK(Put(store, Ref(1), "first"));
  ASSERT_OK_AND_ASSIGN(std::string got, Get(store, Ref(1)));
  EXPECT_EQ(got, "first");

  // A replacement gets a new data key and the next key version.
  ASSERT_OK(Put(store, Ref(1), std::string("second\0with nul", 15)));
  ASSERT_OK_AND_ASSIGN(got, Get(store, Ref(1)));
  EXPECT_EQ(got, std::string("second\0with nul", 15));
  ASSERT_OK_AND_ASSIGN(ResultSet rows, Query("SELECT key_version, created_at FROM secrets "
                                             "WHERE owner_id = ?",
                                             {std::string("mep_1")}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Int(0), 2);
  EXPECT_EQ(rows[0].Int(1), ToUnixMicros(clock_.Now()));

  // A transaction that fails leaves no secret behind.
  Status failed = db().Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(store.Put(tx, Ref(2), "never committed"));
    return AbortedError("the caller changed its mind");
  });
  EXPECT_EQ(failed.code(), StatusCode::kAborted);
  EXPECT_EQ(Get(store, Ref(2)).status().code(), StatusCode::kNotFound);

  // Exists, Delete, DeleteRow.
  ASSERT_OK(Put(store, Ref(3, "a"), "3a"));
  ASSERT_OK(Put(store, Ref(3, "b"), "3b"));
  ASSERT_OK(db().Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(bool exists, store.Exists(tx, Ref(1)));
    EXPECT_TRUE(exists);
    BW_ASSIGN_OR_RETURN(bool deleted, store.Delete(tx, Ref(1)));
    EXPECT_TRUE(deleted);
    BW_ASSIGN_OR_RETURN(deleted, store.Delete(tx, Ref(1)));
    EXPECT_FALSE(deleted);
    BW_ASSIGN_OR_RETURN(exists, store.Exists(tx, Ref(1)));
    EXPECT_FALSE(exists);
    BW_ASSIGN_OR_RETURN(int64_t n, store.DeleteRow(tx, "model_endpoints", "mep_3"));
    EXPECT_EQ(n, 2);
    return OkStatus();
  }));
  StatusOr<std::string> missing = Get(store, Ref(1));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("model_endpoints.credential of mep_1"));
}

TEST_P(SecretStoreTest, MalformedRefsAndOversizedSecretsAreRefused) {
  SecretStore store(*keyring_a_, clock_);
  for (const SecretRef& ref :
       {SecretRef{"", "r", "c"}, SecretRef{"t", "", "c"}, SecretRef{"t", "r", ""},
        SecretRef{"t", std::string(201, 'r'), "c"}, SecretRef{"t", std::string("r\0", 2), "c"},
        SecretRef{"secrets", "canary", "canary"}}) {
    EXPECT_EQ(Put(store, ref, "x").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(Get(store, ref).status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(Put(store, Ref(1), std::string(kMaxSecretBytes + 1, 'x')).code(),
            StatusCode::kInvalidArgument);
}

TEST_P(SecretStoreTest, SwappedRowsAndColumnsDoNotOpen) {
  SecretStore store(*keyring_a_, clock_);
  ASSERT_OK(Put(store, Ref(1), "one"));
  ASSERT_OK(Put(store, Ref(2), "two"));
  ASSERT_OK(Put(store, Ref(1, "webhook"), "one-webhook"));
  // Swap the sealed contents of two rows (as someone with write access to the database might,
  // to make one lab's endpoint use another's credential), then of two columns of one row.
  auto swap = [&](const SecretRef& x, const SecretRef& y) {
    ASSERT_OK(db().Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
      const std::string select =
          "SELECT kek_id, wrapped_key, ciphertext, key_version FROM secrets "
          "WHERE owner_table = ? AND owner_id = ? AND owner_column = ?";
      BW_ASSIGN_OR_RETURN(ResultSet rx, tx.Query(select, {x.table, x.row_id, x.column}));
      BW_ASSIGN_OR_RETURN(ResultSet ry, tx.Query(select, {y.table, y.row_id, y.column}));
      const std::string update =
          "UPDATE secrets SET kek_id = ?, wrapped_key = ?, ciphertext = ?, key_version = ? "
          "WHERE owner_table = ? AND owner_id = ? AND owner_column = ?";
      BW_RETURN_IF_ERROR(
          tx.Execute(update, {ry[0].Text(0), Blob{ry[0].Bytes(1)}, Blob{ry[0].Bytes(2)},
                              ry[0].Int(3), x.table, x.row_id, x.column})
              .status());
      return tx
          .Execute(update, {rx[0].Text(0), Blob{rx[0].Bytes(1)}, Blob{rx[0].Bytes(2)}, rx[0].Int(3),
                            y.table, y.row_id, y.column})
          .status();
    }));
  };
  swap(Ref(1), Ref(2));
  for (const SecretRef& ref : {Ref(1), Ref(2)}) {
    StatusOr<std::string> got = Get(store, ref);
    ASSERT_EQ(got.status().code(), StatusCode::kDataLoss) << ref.row_id;
    EXPECT_THAT(got.status().message(), HasSubstr(ref.row_id));
  }
  swap(Ref(1), Ref(2));  // back in place, they open again
  ASSERT_OK_AND_ASSIGN(std::string got, Get(store, Ref(2)));
  EXPECT_EQ(got, "two");

  swap(Ref(1), Ref(1, "webhook"));
  EXPECT_EQ(Get(store, Ref(1)).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(Get(store, Ref(1, "webhook")).status().code(), StatusCode::kDataLoss);

  // Relabelling a row to another owner does not move its secret there.
  ASSERT_OK(Exec("UPDATE secrets SET owner_id = ? WHERE owner_id = ?",
                 {std::string("mep_9"), std::string("mep_2")}));
  EXPECT_EQ(Get(store, Ref(9)).status().code(), StatusCode::kDataLoss);
}

TEST_P(SecretStoreTest, AnOlderVersionReplayedIntoTheRowDoesNotOpen) {
  SecretStore store(*keyring_a_, clock_);
  ASSERT_OK(Put(store, Ref(1), "old credential"));
  ASSERT_OK_AND_ASSIGN(ResultSet old, Query("SELECT wrapped_key, ciphertext FROM secrets"));
  ASSERT_OK(Put(store, Ref(1), "new credential"));
  ASSERT_OK(Exec("UPDATE secrets SET wrapped_key = ?, ciphertext = ?",
                 {Blob{old[0].Bytes(0)}, Blob{old[0].Bytes(1)}}));
  EXPECT_EQ(Get(store, Ref(1)).status().code(), StatusCode::kDataLoss);
}

TEST_P(SecretStoreTest, TamperedBytesDoNotOpen) {
  SecretStore store(*keyring_a_, clock_);
  ASSERT_OK(Put(store, Ref(1), "credential"));
  for (const char* column : {"ciphertext", "wrapped_key"}) {
    ASSERT_OK_AND_ASSIGN(ResultSet rows, Query("SELECT " + std::string(column) + " FROM secrets"));
    std::string original = rows[0].Bytes(0);
    std::string tampered = original;
    tampered[tampered.size() / 2] ^= 0x04;
    ASSERT_OK(Exec("UPDATE secrets SET " + std::string(column) + " = ?", {Blob{tampered}}));
    StatusOr<std::string> got = Get(store, Ref(1));
    EXPECT_EQ(got.status().code(), StatusCode::kDataLoss) << column;
    EXPECT_THAT(got.status().message(), HasSubstr("altered")) << column;
    ASSERT_OK(Exec("UPDATE secrets SET " + std::string(column) + " = ?", {Blob{original}}));
  }
  ASSERT_OK_AND_ASSIGN(std::string got, Get(store, Ref(1)));
  EXPECT_EQ(got, "credential");
}

TEST_P(SecretStoreTest, WrongKeyFailsWithAClearMessage) {
  SecretStore store_a(*keyring_a_, clock_);
  ASSERT_OK(Put(store_a, Ref(1), "credential"));
  ASSERT_OK_AND_ASSIGN(Keyring keyring_b, OpenKeyring(KeyPath("b")));
  SecretStore store_b(keyring_b, clock_);

  StatusOr<std::string> got = Get(store_b, Ref(1));
  ASSERT_EQ(got.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(got.status().message(), HasSubstr(keyring_a_->primary().id()));
  EXPECT_THAT(got.status().message(), HasSubstr(KeyPath("b")));

  Status check = store_b.CheckKeyring(db());
  ASSERT_EQ(check.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(check.message(), HasSubstr(KeyPath("b")));
  EXPECT_THAT(check.message(), HasSubstr(keyring_a_->primary().id()));
  EXPECT_THAT(check.message(), HasSubstr("bulwark keys forget --key-id"));
  // The wrong key was not pinned: no canary was written with it.
  EXPECT_EQ(RowsByKek().count(keyring_b.primary().id()), 0u);

  // Relabelling the row as wrapped by key B does not make key B open it.
  ASSERT_OK(Exec("UPDATE secrets SET kek_id = ?", {keyring_b.primary().id()}));
  EXPECT_EQ(Get(store_b, Ref(1)).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(store_b.CheckKeyring(db()).code(), StatusCode::kDataLoss);
}

TEST_P(SecretStoreTest, CheckKeyringPinsTheFirstKeyWithACanary) {
  SecretStore store_a(*keyring_a_, clock_);
  ASSERT_OK(store_a.CheckKeyring(db()));  // an empty database: writes the canary
  ASSERT_OK(store_a.CheckKeyring(db()));  // and finds it the next time
  EXPECT_EQ(RowsByKek(), (std::map<std::string, int64_t>{{keyring_a_->primary().id(), 1}}));
  // With no secret stored yet, another key is still refused.
  ASSERT_OK_AND_ASSIGN(Keyring keyring_b, OpenKeyring(KeyPath("b")));
  Status check = SecretStore(keyring_b, clock_).CheckKeyring(db());
  EXPECT_EQ(check.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(check.message(), HasSubstr(KeyPath("b")));
  // The canary is not a secret of anyone's: it is not counted.
  ASSERT_OK_AND_ASSIGN(CheckReport report, store_a.CheckAll(db()));
  EXPECT_EQ(report.checked, 0);
  EXPECT_TRUE(report.failures.empty());
}

TEST_P(SecretStoreTest, RotationRewrapsEverySecretInBatches) {
  SecretStore store_a(*keyring_a_, clock_);
  ASSERT_OK(store_a.CheckKeyring(db()));
  constexpr int kSecrets = 23;
  for (int i = 0; i < kSecrets; ++i) ASSERT_OK(Put(store_a, Ref(i), Value(i)));
  ASSERT_OK_AND_ASSIGN(ResultSet before, Query("SELECT ciphertext FROM secrets ORDER BY id"));

  ASSERT_OK_AND_ASSIGN(Keyring rotating, OpenKeyring(KeyPath("b"), KeyPath("a")));
  SecretStore store_rotating(rotating, clock_);
  int batches = 0;
  RotateOptions options;
  options.batch_size = 5;
  options.after_batch = [&](const RotationReport&) { return ++batches > 0; };
  ASSERT_OK_AND_ASSIGN(RotationReport report, store_rotating.Rotate(db(), options));
  EXPECT_EQ(report.rewrapped, kSecrets);
  EXPECT_EQ(report.current, 0);
  EXPECT_TRUE(report.failures.empty());
  EXPECT_EQ(batches, 5);  // 24 rows with the canary
  const std::string b = rotating.primary().id();
  EXPECT_EQ(RowsByKek(), (std::map<std::string, int64_t>{{b, kSecrets + 1}}));
  // Only the wrapping changed.
  ASSERT_OK_AND_ASSIGN(ResultSet after, Query("SELECT ciphertext FROM secrets ORDER BY id"));
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].Bytes(0), before[i].Bytes(0));

  // The new key alone opens everything; the old one alone nothing.
  ASSERT_OK_AND_ASSIGN(Keyring keyring_b, OpenKeyring(KeyPath("b")));
  SecretStore store_b(keyring_b, clock_);
  ASSERT_OK(store_b.CheckKeyring(db()));
  for (int i = 0; i < kSecrets; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string got, Get(store_b, Ref(i)));
    EXPECT_EQ(got, Value(i));
    EXPECT_EQ(Get(store_a, Ref(i)).status().code(), StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(store_a.CheckKeyring(db()).code(), StatusCode::kFailedPrecondition);

  // Running it again finds nothing to do.
  ASSERT_OK_AND_ASSIGN(report, store_rotating.Rotate(db(), options));
  EXPECT_EQ(report.rewrapped, 0);
  EXPECT_EQ(report.current, kSecrets);
}

TEST_P(SecretStoreTest, InterruptedRotationLeavesEveryRowReadableAndResumes) {
  SecretStore store_a(*keyring_a_, clock_);
  ASSERT_OK(store_a.CheckKeyring(db()));
  constexpr int kSecrets = 12;
  for (int i = 0; i < kSecrets; ++i) ASSERT_OK(Put(store_a, Ref(i), Value(i)));

  ASSERT_OK_AND_ASSIGN(Keyring rotating, OpenKeyring(KeyPath("b"), KeyPath("a")));
  SecretStore store_rotating(rotating, clock_);
  RotateOptions stop_after_one;
  stop_after_one.batch_size = 4;
  stop_after_one.after_batch = [](const RotationReport&) { return false; };  // "crash"
  StatusOr<RotationReport> stopped = store_rotating.Rotate(db(), stop_after_one);
  ASSERT_EQ(stopped.status().code(), StatusCode::kCancelled);
  EXPECT_THAT(stopped.status().message(), HasSubstr("run it again"));

  const std::string a = keyring_a_->primary().id();
  const std::string b = rotating.primary().id();
  std::map<std::string, int64_t> split = RowsByKek();
  EXPECT_EQ(split[b], 4);
  EXPECT_EQ(split[a], kSecrets + 1 - 4);

  // Every row opens with one of the two keys, and with both held every row opens.
  ASSERT_OK_AND_ASSIGN(Keyring keyring_b, OpenKeyring(KeyPath("b")));
  SecretStore store_b(keyring_b, clock_);
  int with_a = 0, with_b = 0;
  for (int i = 0; i < kSecrets; ++i) {
    StatusOr<std::string> by_a = Get(store_a, Ref(i));
    StatusOr<std::string> by_b = Get(store_b, Ref(i));
    EXPECT_NE(by_a.ok(), by_b.ok()) << i;
    with_a += by_a.ok();
    with_b += by_b.ok();
    ASSERT_OK_AND_ASSIGN(std::string got, Get(store_rotating, Ref(i)));
    EXPECT_EQ(got, Value(i));
  }
  EXPECT_EQ(with_a + with_b, kSecrets);
  ASSERT_OK(store_rotating.CheckKeyring(db()));  // a server holding both keys starts

  // A write during the rotation is wrapped by the new key.
  ASSERT_OK(Put(store_rotating, Ref(100), "written mid-rotation"));

  // Running it again finishes.
  RotateOptions resume;
  resume.batch_size = 4;
  ASSERT_OK_AND_ASSIGN(RotationReport report, store_rotating.Rotate(db(), resume));
  EXPECT_EQ(report.rewrapped, kSecrets - with_b);
  EXPECT_EQ(report.current, with_b + 1);  // with the secret written mid-rotation
  EXPECT_EQ(RowsByKek(), (std::map<std::string, int64_t>{{b, kSecrets + 2}}));
  ASSERT_OK_AND_ASSIGN(CheckReport check, store_b.CheckAll(db(), 5));
  EXPECT_EQ(check.checked, kSecrets + 1);
  EXPECT_TRUE(check.failures.empty());
}

TEST_P(SecretStoreTest, RotationReportsWhatItCannotOpenAndLeavesIt) {
  ASSERT_OK_AND_ASSIGN(KeyEncryptionKey lost, GenerateKey());
  Keyring lost_ring(std::move(lost));
  SecretStore store_lost(lost_ring, clock_);
  SecretStore store_a(*keyring_a_, clock_);
  ASSERT_OK(Put(store_a, Ref(1), "fine"));
  ASSERT_OK(Put(store_lost, Ref(2), "wrapped by a lost key"));
  ASSERT_OK(Put(store_a, Ref(3), "tampered"));
  ASSERT_OK(Exec("UPDATE secrets SET key_version = 7 WHERE owner_id = ?", {std::string("mep_3")}));

  ASSERT_OK_AND_ASSIGN(Keyring rotating, OpenKeyring(KeyPath("b"), KeyPath("a")));
  SecretStore store_rotating(rotating, clock_);
  ASSERT_OK_AND_ASSIGN(RotationReport report, store_rotating.Rotate(db()));
  EXPECT_EQ(report.rewrapped, 1);
  ASSERT_EQ(report.failures.size(), 2u);
  std::map<std::string, StatusCode> codes;
  for (const SecretFailure& f : report.failures) codes[f.ref.row_id] = f.status.code();
  EXPECT_EQ(codes["mep_2"], StatusCode::kFailedPrecondition);
  EXPECT_EQ(codes["mep_3"], StatusCode::kDataLoss);

  ASSERT_OK_AND_ASSIGN(CheckReport check, store_rotating.CheckAll(db()));
  EXPECT_EQ(check.checked, 3);
  EXPECT_EQ(check.failures.size(), 2u);
  EXPECT_EQ(check.by_key[rotating.primary().id()], 1);
  EXPECT_EQ(check.by_key[lost_ring.primary().id()], 1);

  // The lost key's secrets can be let go of, and only they.
  EXPECT_EQ(store_rotating.ForgetKey(db(), keyring_a_->primary().id()).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_rotating.ForgetKey(db(), "not-an-id").status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(int64_t forgotten, store_rotating.ForgetKey(db(), lost_ring.primary().id()));
  EXPECT_EQ(forgotten, 1);
  EXPECT_EQ(Get(store_rotating, Ref(2)).status().code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(std::string got, Get(store_rotating, Ref(1)));
  EXPECT_EQ(got, "fine");
}

INSTANTIATE_TEST_SUITE_P(Backends, SecretStoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return bulwark::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace bulwark::secrets
