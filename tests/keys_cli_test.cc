// bulwark keys init, rotate, check and forget as an operator runs them, and bulwark serve
// refusing to start without the right key. Secrets are written through the library (no
// command writes one), then the commands' output and the database file are searched for them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "secrets/key_file.h"
#include "secrets/secret_store.h"
#include "server_process.h"
#include "store/database.h"
#include "store/migrations.h"
#include "testing/shell.h"
#include "testing/temp_dir.h"

namespace bulwark::tests {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Runs `bulwark ARGS`; returns the exit status and stores standard output and error.
int RunBulwark(const std::string& args, std::string* output) {
  return bulwark::testing::RunShell(std::string(BULWARK_BINARY) + " " + args + " 2>&1", output);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string Secret(int i) { return "KEYSCLI-LEAK-CANARY-" + std::to_string(i) + "-9f8e7d6c5b4a"; }

class KeysCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_url_ = "sqlite:" + dir_.path() + "/bulwark.db";
    common_ = "--database " + db_url_ + " ";
  }

  // Writes secrets 0..n-1 wrapped by the key file at `key_path`.
  void PutSecrets(const std::string& key_path, int n) {
    auto db = store::OpenDatabase(db_url_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE(store::ApplyMigrations(**db).ok());
    auto keyring = secrets::OpenKeyring(key_path);
    ASSERT_TRUE(keyring.ok()) << keyring.status().ToString();
    FakeClock clock(FromUnixMicros(1'780'000'000'000'000));
    secrets::SecretStore store(*keyring, clock);
    for (int i = 0; i < n; ++i) {
      Status s = (*db)->Transact(store::TxMode::kReadWrite, [&](store::Transaction& tx) {
        return store.Put(tx, {"model_endpoints", "mep_" + std::to_string(i), "credential"},
                         Secret(i));
      });
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }

  // Everything the commands printed so far, for the leak search.
  std::string Record(const std::string& output) {
    printed_ += output;
    return output;
  }

  bulwark::testing::TempDir dir_;
  std::string db_url_;
  std::string common_;
  std::string printed_;
};

TEST_F(KeysCliTest, InitMakesAPrivateKeyAndNeverOverwrites) {
  std::string out;
  // By default, beside the SQLite database.
  ASSERT_EQ(RunBulwark(common_ + "keys init", &out), 0) << out;
  const std::string path = dir_.path() + "/secrets.key";
  EXPECT_THAT(out, HasSubstr("made secrets key kek_"));
  EXPECT_THAT(out, HasSubstr(path));
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string key = ReadAll(path);

  EXPECT_EQ(RunBulwark(common_ + "keys init", &out), 1);
  EXPECT_THAT(out, HasSubstr(path + " already exists"));
  EXPECT_EQ(ReadAll(path), key);
  ASSERT_EQ(RunBulwark(common_ + "keys init --if-missing", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("already exists"));
  EXPECT_EQ(ReadAll(path), key);

  // --key-file, and the environment variable.
  ASSERT_EQ(RunBulwark("keys init --key-file " + dir_.path() + "/other/k.key", &out), 0) << out;
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/other/k.key"));
  ASSERT_EQ(bulwark::testing::RunShell("BULWARK_SECRETS_KEY=" + dir_.path() + "/env.key " +
                                           BULWARK_BINARY + " keys init 2>&1",
                                       &out),
            0)
      << out;
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/env.key"));

  // --if-missing does not accept a file that is not a valid key.
  std::ofstream(dir_.path() + "/junk.key") << "junk\n";
  chmod((dir_.path() + "/junk.key").c_str(), 0600);
  EXPECT_NE(RunBulwark("keys init --if-missing --key-file " + dir_.path() + "/junk.key", &out), 0);
  EXPECT_THAT(out, HasSubstr("not a Bulwark secrets key file"));
}

TEST_F(KeysCliTest, ServeRefusesAMissingOrWrongKeyAndSaysWhich) {
  std::string out;
  const std::string serve = "serve --listen 127.0.0.1:0 --no-access-log";
  // Missing.
  EXPECT_EQ(RunBulwark(common_ + serve, &out), 1);
  EXPECT_THAT(out, HasSubstr(dir_.path() + "/secrets.key does not exist"));
  EXPECT_THAT(out, HasSubstr("bulwark keys init"));
  EXPECT_THAT(out, Not(HasSubstr("listening")));

  // Readable by others.
  const std::string key_a = dir_.path() + "/secrets.key";
  ASSERT_EQ(RunBulwark("keys init --key-file " + key_a, &out), 0) << out;
  chmod(key_a.c_str(), 0644);
  EXPECT_EQ(RunBulwark(common_ + serve, &out), 1);
  EXPECT_THAT(out, HasSubstr(key_a));
  EXPECT_THAT(out, HasSubstr("mode 0644"));
  chmod(key_a.c_str(), 0600);

  // Malformed.
  const std::string bad = dir_.path() + "/bad.key";
  std::ofstream(bad) << "bulwark-secrets-key v1\nid kek_x\n";
  chmod(bad.c_str(), 0600);
  EXPECT_NE(RunBulwark(common_ + "--secrets-key " + bad + " " + serve, &out), 0);
  EXPECT_THAT(out, HasSubstr(bad + " is malformed: line 2"));

  // The right key: the server starts (and pins the key with its canary row).
  PutSecrets(key_a, 3);
  {
    ServerProcess server(db_url_);
    EXPECT_NE(server.port(), 0);
  }

  // Another key does not open this database's secrets.
  const std::string key_b = dir_.path() + "/b.key";
  ASSERT_EQ(RunBulwark("keys init --key-file " + key_b, &out), 0) << out;
  EXPECT_EQ(RunBulwark(common_ + "--secrets-key " + key_b + " " + serve, &out), 1);
  EXPECT_THAT(out, HasSubstr("the secrets key does not fit this database"));
  EXPECT_THAT(out, HasSubstr(key_b));
  EXPECT_THAT(out, HasSubstr("bulwark keys forget --key-id kek_"));
  Record(out);
  EXPECT_THAT(printed_, Not(HasSubstr("KEYSCLI-LEAK")));
}

TEST_F(KeysCliTest, RotateCheckAndForget) {
  std::string out;
  const std::string key_a = dir_.path() + "/secrets.key";  // the default
  const std::string key_b = dir_.path() + "/new.key";
  ASSERT_EQ(RunBulwark(common_ + "keys init", &out), 0) << out;
  ASSERT_EQ(RunBulwark("keys init --key-file " + key_b, &out), 0) << out;
  constexpr int kSecrets = 30;
  PutSecrets(key_a, kSecrets);

  ASSERT_EQ(RunBulwark(common_ + "keys check", &out), 0) << out;
  EXPECT_THAT(Record(out), HasSubstr("checked 30 secrets"));
  EXPECT_THAT(out, HasSubstr("every secret opens"));

  // A rotation stopped part of the way (as a crash would stop it) ...
  {
    auto db = store::OpenDatabase(db_url_);
    ASSERT_TRUE(db.ok());
    auto keyring = secrets::OpenKeyring(key_b, key_a);
    ASSERT_TRUE(keyring.ok()) << keyring.status().ToString();
    secrets::SecretStore store(*keyring, SystemClock::Get());
    secrets::RotateOptions stop;
    stop.batch_size = 8;
    stop.after_batch = [](const secrets::RotationReport&) { return false; };
    EXPECT_EQ(store.Rotate(**db, stop).status().code(), StatusCode::kCancelled);
  }
  // ... leaves a database the old key alone does not fully open,
  EXPECT_EQ(RunBulwark(common_ + "keys check", &out), 1);
  EXPECT_THAT(Record(out), HasSubstr("not among the key files given"));
  // but both keys do,
  ASSERT_EQ(RunBulwark(common_ + "--secrets-previous-key " + key_a + " --secrets-key " + key_b +
                           " keys check",
                       &out),
            0)
      << out;
  EXPECT_THAT(Record(out), HasSubstr("not wrapped by the primary key yet"));
  // and running the rotation finishes it.
  ASSERT_EQ(RunBulwark(common_ + "keys rotate --new-key-file " + key_b + " --batch-size 7", &out),
            0)
      << out;
  EXPECT_THAT(Record(out), HasSubstr("re-wrapped 22 secrets"));
  EXPECT_THAT(out, HasSubstr("8 were already wrapped by it"));
  EXPECT_THAT(out, HasSubstr("Next: make " + key_b + " the secrets key"));
  ASSERT_EQ(RunBulwark(common_ + "keys rotate --new-key-file " + key_b, &out), 0) << out;
  EXPECT_THAT(Record(out), HasSubstr("re-wrapped 0 secrets"));
  EXPECT_THAT(out, HasSubstr("30 were already wrapped by it"));

  ASSERT_EQ(RunBulwark(common_ + "--secrets-key " + key_b + " keys check", &out), 0) << out;
  EXPECT_THAT(Record(out), HasSubstr("checked 30 secrets"));
  EXPECT_THAT(out, HasSubstr("30 wrapped by kek_"));
  EXPECT_EQ(RunBulwark(common_ + "keys check", &out), 1);  // the old key alone no longer does
  Record(out);

  // A tampered row is reported by name.
  {
    auto db = store::OpenDatabase(db_url_);
    ASSERT_TRUE(db.ok());
    Status s = (*db)->Transact(store::TxMode::kReadWrite, [](store::Transaction& tx) {
      return tx
          .Execute("UPDATE secrets SET key_version = 5 WHERE owner_id = ?", {std::string("mep_7")})
          .status();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(RunBulwark(common_ + "--secrets-key " + key_b + " keys check", &out), 1);
  EXPECT_THAT(Record(out), HasSubstr("model_endpoints.credential of mep_7"));
  EXPECT_THAT(out, HasSubstr("1 secrets do not open"));

  // Nothing printed, and nothing in the database files, holds a secret.
  const std::string database =
      ReadAll(dir_.path() + "/bulwark.db") + ReadAll(dir_.path() + "/bulwark.db-wal");
  ASSERT_THAT(database, HasSubstr("mep_1"));  // the search sees the file's content
  EXPECT_THAT(database, Not(HasSubstr("KEYSCLI-LEAK")));

  // Losing key B: a new key, then forgetting B's secrets lets the server start again.
  std::filesystem::rename(key_b, dir_.path() + "/lost.key");
  const std::string key_c = dir_.path() + "/c.key";
  ASSERT_EQ(RunBulwark("keys init --key-file " + key_c, &out), 0) << out;
  EXPECT_EQ(RunBulwark(common_ + "--secrets-key " + key_c + " serve --listen 127.0.0.1:0", &out),
            1);
  const size_t at = out.find("forget --key-id ");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string lost_id = out.substr(at + 16, 30);
  ASSERT_EQ(
      RunBulwark(common_ + "--secrets-key " + key_c + " keys forget --key-id " + lost_id, &out), 0)
      << out;
  EXPECT_THAT(Record(out), HasSubstr("deleted 30 secrets"));
  ASSERT_EQ(RunBulwark(common_ + "--secrets-key " + key_c + " keys check", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("checked 0 secrets"));
  EXPECT_THAT(printed_, Not(HasSubstr("KEYSCLI-LEAK")));
}

TEST_F(KeysCliTest, UsageErrors) {
  std::string out;
  EXPECT_NE(RunBulwark("keys", &out), 0);
  EXPECT_NE(RunBulwark(common_ + "keys rotate", &out), 0);  // --new-key-file is required
  EXPECT_THAT(out, HasSubstr("--new-key-file"));
  EXPECT_EQ(RunBulwark(common_ + "keys rotate --new-key-file " + dir_.path() + "/none.key", &out),
            1);
  EXPECT_THAT(out, HasSubstr(dir_.path() + "/none.key does not exist"));
  ASSERT_EQ(RunBulwark(common_ + "keys init", &out), 0) << out;
  EXPECT_EQ(RunBulwark(common_ + "keys forget --key-id nonsense", &out), 2);
  EXPECT_EQ(RunBulwark("keys --help", &out), 0);
  EXPECT_THAT(out, HasSubstr("rotate"));
}

}  // namespace
}  // namespace bulwark::tests
