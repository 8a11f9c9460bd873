// Sealed suites: sealed with one key, opened only with it; an altered bundle, another key, a
// changed stated hash or a suite without a canary are refused with the reason.
#include "evaluations/sealed_suite.h"

#include <gtest/gtest.h>

#include "testing/status_assertions.h"
#include "testing/temp_dir.h"

namespace bulwark::evaluations {
namespace {

secrets::Keyring NewKeyring(const std::string& path) {
  EXPECT_OK(secrets::CreateKeyFile(path).status());
  return secrets::OpenKeyring(path).value();
}

TEST(SealedSuite, OpensOnlyWithThePlatformsKeyAndUnaltered) {
  bulwark::testing::TempDir dir;
  const secrets::Keyring keyring = NewKeyring(dir.path() + "/platform.key");
  const secrets::Keyring other = NewKeyring(dir.path() + "/other.key");
  ASSERT_OK_AND_ASSIGN(evals::Suite suite,
                       evals::LoadSuite(std::string(BULWARK_SOURCE_DIR) + "/suites/bulwark-core"));
  ASSERT_FALSE(suite.canary.empty());
  ASSERT_OK_AND_ASSIGN(std::string bundle, SealSuite(suite, keyring.primary()));
  EXPECT_TRUE(IsSealedBundle(bundle));
  EXPECT_FALSE(IsSealedBundle("{\"format\": \"bulwark-suite-1\"}"));
  // Nothing of the tasks is in the clear: not a prompt, not a flag.
  for (const evals::Task& task : suite.tasks) {
    EXPECT_EQ(bundle.find(task.prompt.substr(0, 40)), std::string::npos) << task.id;
    if (task.flag) {
      EXPECT_EQ(bundle.find(*task.flag), std::string::npos) << task.id;
    }
  }
  ASSERT_OK_AND_ASSIGN(evals::Suite opened, OpenSealedSuite(bundle, keyring));
  EXPECT_EQ(opened.ContentHash(), suite.ContentHash());
  EXPECT_EQ(opened.canary, suite.canary);

  EXPECT_EQ(OpenSealedSuite(bundle, other).status().code(), StatusCode::kFailedPrecondition);
  // One byte of the ciphertext changed.
  std::string altered = bundle;
  const size_t at = altered.find("\"ciphertext\":\"") + 30;
  altered[at] = altered[at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(OpenSealedSuite(altered, keyring).status().code(), StatusCode::kDataLoss);
  // The stated hash changed: the envelope is bound to it.
  std::string renamed = bundle;
  const size_t hash = renamed.find("\"hash\":\"sha256:") + 15;
  renamed[hash] = renamed[hash] == '0' ? '1' : '0';
  EXPECT_EQ(OpenSealedSuite(renamed, keyring).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(OpenSealedSuite("not json", keyring).status().code(), StatusCode::kInvalidArgument);

  suite.canary.clear();
  EXPECT_EQ(SealSuite(suite, keyring.primary()).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace bulwark::evaluations
