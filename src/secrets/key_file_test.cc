#include "secrets/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/ids.h"
#include "secrets/internal/test_support.h"
#include "testing/temp_dir.h"

namespace bulwark::secrets {
namespace {

using ::bulwark::secrets::testing::ReadRawFile;
using ::testing::HasSubstr;
using ::testing::Not;

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Writes `text` as a file with `mode`.
void WriteFile(const std::string& path, const std::string& text, mode_t mode = 0600) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  chmod(path.c_str(), mode);
}

class KeyFileTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) { return dir_.path() + "/" + name; }
  bulwark::testing::TempDir dir_;
};

TEST_F(KeyFileTest, CreatedFileIsPrivateAndReadsBack) {
  const std::string path = Path("keys/secrets.key");  // the folder is made
  ASSERT_OK_AND_ASSIGN(std::string id, CreateKeyFile(path));
  EXPECT_TRUE(IsValidId(id, "kek")) << id;
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(ModeOf(Path("keys")), 0700u);
  const std::string text = ReadRawFile(path);
  EXPECT_EQ(text.rfind("bulwark-secrets-key v1\nid " + id + "\nkey ", 0), 0u) << text;
  EXPECT_EQ(text.size(), 23u + 34u + 49u);
  ASSERT_OK_AND_ASSIGN(KeyEncryptionKey key, ReadKeyFile(path));
  EXPECT_EQ(key.id(), id);
  EXPECT_EQ(key.path(), path);
  EXPECT_EQ(key.bytes().size(), kKeyBytes);
  EXPECT_EQ(KeyIdOf(key.bytes()), id);
  EXPECT_EQ(key.Describe(), path + " (key " + id + ")");
  // No temporary file is left beside it.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(Path("keys"))) {
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST_F(KeyFileTest, NeverOverwrites) {
  const std::string path = Path("secrets.key");
  ASSERT_OK(CreateKeyFile(path));
  const std::string before = ReadRawFile(path);
  StatusOr<std::string> again = CreateKeyFile(path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(again.status().message(), HasSubstr(path));
  EXPECT_EQ(ReadRawFile(path), before);
  // Not even a dangling symbolic link is replaced.
  std::filesystem::create_symlink(Path("nowhere"), Path("link.key"));
  EXPECT_EQ(CreateKeyFile(Path("link.key")).status().code(), StatusCode::kAlreadyExists);
  EXPECT_FALSE(std::filesystem::exists(Path("nowhere")));
}

TEST_F(KeyFileTest, TwoKeysDiffer) {
  ASSERT_OK_AND_ASSIGN(std::string a, CreateKeyFile(Path("a.key")));
  ASSERT_OK_AND_ASSIGN(std::string b, CreateKeyFile(Path("b.key")));
  EXPECT_NE(a, b);
}

TEST_F(KeyFileTest, RefusesFilesOthersMayRead) {
  const std::string path = Path("secrets.key");
  ASSERT_OK(CreateKeyFile(path));
  for (mode_t mode : {0640, 0604, 0660, 0606, 0644, 0620}) {
    chmod(path.c_str(), mode);
    StatusOr<KeyEncryptionKey> key = ReadKeyFile(path);
    ASSERT_FALSE(key.ok()) << std::oct << mode;
    EXPECT_EQ(key.status().code(), StatusCode::kPermissionDenied);
    EXPECT_THAT(key.status().message(), HasSubstr(path));
    EXPECT_THAT(key.status().message(), HasSubstr("chmod 600"));
  }
  chmod(path.c_str(), 0640);
  EXPECT_THAT(ReadKeyFile(path).status().message(), HasSubstr("mode 0640"));
  chmod(path.c_str(), 0400);
  EXPECT_OK(ReadKeyFile(path));
}

TEST_F(KeyFileTest, MissingFileAndDirectoryAreNamed) {
  StatusOr<KeyEncryptionKey> missing = ReadKeyFile(Path("absent.key"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(Path("absent.key") + " does not exist"));
  std::filesystem::create_directory(Path("folder"));
  chmod(Path("folder").c_str(), 0700);
  StatusOr<KeyEncryptionKey> folder = ReadKeyFile(Path("folder"));
  EXPECT_EQ(folder.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(folder.status().message(), HasSubstr("not a regular file"));
}

TEST_F(KeyFileTest, MalformedFilesAreRefusedWithoutQuotingThem) {
  const std::string path = Path("good.key");
  ASSERT_OK_AND_ASSIGN(std::string id, CreateKeyFile(path));
  const std::string good = ReadRawFile(path);
  const std::string key_b64 = good.substr(good.find("\nkey ") + 5, 44);
  std::string flipped = key_b64;
  flipped[3] = flipped[3] == 'A' ? 'B' : 'A';
  struct Case {
    std::string text;
    std::string complaint;
  } cases[] = {
      {"", "not a Bulwark secrets key file"},
      {key_b64 + "\n", "not a Bulwark secrets key file"},
      {"PRIVATE+KEY+bulwark.local/ledger+abc\nverifier\n", "not a Bulwark secrets key file"},
      {"bulwark-secrets-key v2\nid " + id + "\nkey " + key_b64 + "\n", "format version"},
      {"bulwark-secrets-key v1\n", "line 2"},
      {"bulwark-secrets-key v1\nid kek_short\nkey " + key_b64 + "\n", "line 2"},
      {"bulwark-secrets-key v1\nkey " + key_b64 + "\nid " + id + "\n", "line 2"},
      {"bulwark-secrets-key v1\nid " + id + "\n", "line 3"},
      {"bulwark-secrets-key v1\nid " + id + "\nkey " + key_b64.substr(0, 40) + "\n", "line 3"},
      {"bulwark-secrets-key v1\nid " + id + "\nkey " + std::string(44, '*') + "\n", "line 3"},
      {"bulwark-secrets-key v1\nid " + id + "\nkey " + key_b64 + "\nmore\n", "more than three"},
      {"bulwark-secrets-key v1\r\nid " + id + "\r\nkey " + key_b64 + "\r\n", "carriage return"},
      {"bulwark-secrets-key v1\nid " + id + "\nkey " + flipped + "\n", "damaged"},
  };
  for (const Case& c : cases) {
    StatusOr<KeyEncryptionKey> parsed = ParseKeyFile(c.text, path);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr(path)) << c.text;
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.complaint)) << c.text;
    EXPECT_THAT(parsed.status().message(), Not(HasSubstr(key_b64.substr(0, 12))));
    EXPECT_THAT(parsed.status().message(), Not(HasSubstr(flipped.substr(0, 12))));
  }
  // The same through a file, and a file too long to be a key.
  WriteFile(Path("bad.key"), cases[5].text);
  EXPECT_THAT(ReadKeyFile(Path("bad.key")).status().message(), HasSubstr("line 2"));
  WriteFile(Path("big.key"), std::string(10000, 'a'));
  EXPECT_EQ(ReadKeyFile(Path("big.key")).status().code(), StatusCode::kInvalidArgument);
  // Without a final newline the file is still read.
  WriteFile(Path("bare.key"), good.substr(0, good.size() - 1));
  EXPECT_OK(ReadKeyFile(Path("bare.key")));
}

TEST_F(KeyFileTest, KeyringHoldsPrimaryThenPrevious) {
  ASSERT_OK_AND_ASSIGN(std::string a, CreateKeyFile(Path("a.key")));
  ASSERT_OK_AND_ASSIGN(std::string b, CreateKeyFile(Path("b.key")));
  ASSERT_OK_AND_ASSIGN(Keyring ring, OpenKeyring(Path("b.key"), Path("a.key")));
  EXPECT_EQ(ring.primary().id(), b);
  ASSERT_EQ(ring.keys().size(), 2u);
  ASSERT_NE(ring.Find(a), nullptr);
  EXPECT_EQ(ring.Find(a)->path(), Path("a.key"));
  EXPECT_EQ(ring.Find("kek_0000000000000000000000000"), nullptr);
  EXPECT_EQ(ring.Describe(),
            Path("b.key") + " (key " + b + "); previous: " + Path("a.key") + " (key " + a + ")");
  // The same key given twice is held once.
  ASSERT_OK_AND_ASSIGN(Keyring same, OpenKeyring(Path("a.key"), Path("a.key")));
  EXPECT_EQ(same.keys().size(), 1u);
  // A previous key that cannot be read fails the whole keyring.
  EXPECT_EQ(OpenKeyring(Path("a.key"), Path("missing.key")).status().code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(KeyEncryptionKey generated, GenerateKey());
  EXPECT_EQ(generated.path(), "");
  EXPECT_EQ(generated.Describe(), "key " + generated.id());
}

}  // namespace
}  // namespace bulwark::secrets
