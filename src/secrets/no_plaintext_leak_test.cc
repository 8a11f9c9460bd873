// Known secrets go through every path of the secrets engine (put, replace, get, check,
// rotation interrupted and resumed, a wrong key, tampering, forgetting a key, bad input), and
// then the captured log, every error message and the raw SQLite files are searched for them.
// None may be found. The same search finds the non-secret owner ids, which shows it looks in
// the right place.
#include <gtest/gtest.h>

#include <cstdio>

#include "base/log.h"
#include "secrets/internal/test_support.h"
#include "secrets/key_file.h"
#include "secrets/secret_store.h"
#include "store/database.h"
#include "store/migrations.h"
#include "testing/temp_dir.h"

namespace bulwark::secrets {
namespace {

using ::bulwark::secrets::testing::ReadRawFile;
using store::Transaction;
using store::TxMode;

// Restores logging to standard error when the test ends, however it ends.
class CapturedLog {
 public:
  explicit CapturedLog(const std::string& path) : file_(std::fopen(path.c_str(), "w+")) {
    SetLogLevel(LogLevel::kDebug);
    SetLogSink(file_);
  }
  ~CapturedLog() {
    SetLogSink(stderr);
    SetLogLevel(LogLevel::kInfo);
    std::fclose(file_);
  }

 private:
  std::FILE* file_;
};

TEST(NoPlaintextLeakTest, SecretsAppearNowhereButInGet) {
  bulwark::testing::TempDir dir;
  const std::string db_path = dir.path() + "/bulwark.db";
  const std::string log_path = dir.path() + "/captured.log";
  std::string errors;  // every error message any path returned
  auto note = [&](const Status& s) {
    if (!s.ok()) errors += s.ToString() + "\n";
  };

  // Distinctive values nothing else could contain, one of them binary.
  const std::vector<std::string> secrets = {
      "sk-ant-api03-LEAKCANARY-alpha-7f3c9a1e0b2d4c6e8a0b1c2d3e4f5a6b",
      "Bearer LEAKCANARY-bravo-0f1e2d3c4b5a69788796a5b4c3d2e1f0",
      std::string("LEAKCANARY-\0charlie-\x01\x02\xff-binary", 30),
      "LEAKCANARY-delta-replaced-before-rotation-5e6f7a8b9c0d",
      "LEAKCANARY-echo-the-value-that-replaced-delta-1a2b3c4d",
  };
  std::vector<SecretRef> refs;
  for (int i = 0; i < 4; ++i) {
    refs.push_back({"model_endpoints", "mep_owner" + std::to_string(i), "credential"});
  }

  {
    CapturedLog capture(log_path);
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::Database> db,
                         store::OpenDatabase("sqlite:" + db_path));
    ASSERT_OK(store::ApplyMigrations(*db));
    ASSERT_OK(CreateKeyFile(dir.path() + "/a.key"));
    ASSERT_OK(CreateKeyFile(dir.path() + "/b.key"));
    ASSERT_OK_AND_ASSIGN(Keyring keyring_a, OpenKeyring(dir.path() + "/a.key"));
    ASSERT_OK_AND_ASSIGN(Keyring keyring_b, OpenKeyring(dir.path() + "/b.key"));
    ASSERT_OK_AND_ASSIGN(Keyring rotating,
                         OpenKeyring(dir.path() + "/b.key", dir.path() + "/a.key"));
    FakeClock clock(FromUnixMicros(1'780'000'000'000'000));
    SecretStore store_a(keyring_a, clock), store_b(keyring_b, clock), store_ab(rotating, clock);

    auto put = [&](const SecretStore& store, const SecretRef& ref, std::string_view value) {
      Status s = db->Transact(TxMode::kReadWrite,
                              [&](Transaction& tx) { return store.Put(tx, ref, value); });
      note(s);
      return s;
    };
    auto get = [&](const SecretStore& store, const SecretRef& ref) -> StatusOr<std::string> {
      std::string out;
      Status s = db->Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
        BW_ASSIGN_OR_RETURN(SecretBytes secret, store.Get(tx, ref));
        out = secret.CopyToString();
        return OkStatus();
      });
      note(s);
      if (!s.ok()) return s;
      return out;
    };

    // Put, replace, get.
    ASSERT_OK(store_a.CheckKeyring(*db));
    ASSERT_OK(put(store_a, refs[0], secrets[0]));
    ASSERT_OK(put(store_a, refs[1], secrets[1]));
    ASSERT_OK(put(store_a, refs[2], secrets[2]));
    ASSERT_OK(put(store_a, refs[3], secrets[3]));
    ASSERT_OK(put(store_a, refs[3], secrets[4]));  // replaces delta
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK_AND_ASSIGN(std::string got, get(store_a, refs[i]));
      EXPECT_EQ(got, secrets[i]);
    }
    ASSERT_OK_AND_ASSIGN(std::string got, get(store_a, refs[3]));
    EXPECT_EQ(got, secrets[4]);

    // Errors: a wrong key, a bad ref, an oversized secret, a tampered row, a missing secret.
    EXPECT_FALSE(get(store_b, refs[0]).ok());
    note(store_b.CheckKeyring(*db));
    EXPECT_FALSE(put(store_a, SecretRef{"", "x", "y"}, secrets[0]).ok());
    std::string oversized = secrets[1] + std::string(kMaxSecretBytes, '.');
    EXPECT_FALSE(put(store_a, refs[0], oversized).ok());
    oversized.clear();
    EXPECT_FALSE(get(store_a, SecretRef{"model_endpoints", "mep_none", "credential"}).ok());
    ASSERT_OK(db->Transact(TxMode::kReadWrite, [&](Transaction& tx) {
      return tx
          .Execute("UPDATE secrets SET key_version = key_version + 1 WHERE owner_id = ?",
                   {refs[1].row_id})
          .status();
    }));
    EXPECT_FALSE(get(store_a, refs[1]).ok());

    // Rotation: interrupted, resumed, then checked.
    RotateOptions stop;
    stop.batch_size = 2;
    stop.after_batch = [](const RotationReport&) { return false; };
    StatusOr<RotationReport> stopped = store_ab.Rotate(*db, stop);
    note(stopped.status());
    ASSERT_OK_AND_ASSIGN(RotationReport rotated, store_ab.Rotate(*db));
    for (const SecretFailure& f : rotated.failures) note(f.status);
    EXPECT_EQ(rotated.failures.size(), 1u);  // the tampered row
    ASSERT_OK_AND_ASSIGN(CheckReport checked, store_b.CheckAll(*db));
    for (const SecretFailure& f : checked.failures) note(f.status);
    ASSERT_OK_AND_ASSIGN(got, get(store_b, refs[2]));
    EXPECT_EQ(got, secrets[2]);
    note(store_a.CheckKeyring(*db));
    note(store_b.ForgetKey(*db, keyring_b.primary().id()).status());

    // Something was logged, so that the log search means something.
    Log(LogLevel::kInfo, "secrets exercised", {{"errors", std::to_string(errors.size())}});
  }

  EXPECT_GE(errors.size(), 200u) << "the error paths did not run";
  const std::string log = ReadRawFile(log_path);
  const std::string database = ReadRawFile(db_path) + ReadRawFile(db_path + "-wal");
  ASSERT_NE(log.find("secrets exercised"), std::string::npos);
  // The search sees the database's content: the owners' ids are stored in clear.
  ASSERT_NE(database.find("mep_owner2"), std::string::npos);
  ASSERT_NE(errors.find("mep_owner1"), std::string::npos);

  for (const std::string& secret : secrets) {
    // Any 16-byte window of a secret would already be a leak.
    for (size_t at = 0; at + 16 <= secret.size(); at += 8) {
      const std::string piece = secret.substr(at, 16);
      EXPECT_EQ(database.find(piece), std::string::npos) << "database holds " << at;
      EXPECT_EQ(log.find(piece), std::string::npos) << "log holds " << at;
      EXPECT_EQ(errors.find(piece), std::string::npos) << "an error holds " << at;
    }
  }
  // Nor the keys that wrap them.
  for (const char* name : {"a.key", "b.key"}) {
    const std::string key_file = ReadRawFile(dir.path() + "/" + name);
    const std::string key_b64 = key_file.substr(key_file.find("\nkey ") + 5, 44);
    EXPECT_EQ(database.find(key_b64), std::string::npos) << name;
    EXPECT_EQ(log.find(key_b64), std::string::npos) << name;
    EXPECT_EQ(errors.find(key_b64), std::string::npos) << name;
  }
  EXPECT_EQ(database.find("LEAKCANARY"), std::string::npos);
  EXPECT_EQ(log.find("LEAKCANARY"), std::string::npos);
  EXPECT_EQ(errors.find("LEAKCANARY"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::secrets
