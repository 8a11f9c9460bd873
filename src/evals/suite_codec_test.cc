#include "evals/suite_codec.h"

#include <gtest/gtest.h>

namespace bulwark::evals {
namespace {

TEST(SuiteCodec, RoundTripKeepsEveryFieldAndTheHash) {
  StatusOr<Suite> suite = LoadSuite(std::string(BULWARK_SOURCE_DIR) + "/suites/bulwark-smoke");
  ASSERT_TRUE(suite.ok()) << suite.status().message();
  suite->canary = "bulwark-canary-0000-1111-2222-3333";
  suite->tasks[0].files.push_back({"bin/raw", std::string("\0\xff\x01 binary", 10), true});
  const std::string document = EncodeSuite(*suite);
  StatusOr<Suite> again = DecodeSuite(document);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->ContentHash(), suite->ContentHash());
  EXPECT_EQ(again->canary, suite->canary);
  EXPECT_EQ(again->tasks[0].files.back().content, std::string("\0\xff\x01 binary", 10));
  EXPECT_TRUE(again->tasks[0].files.back().executable);
}

TEST(SuiteCodec, RefusesDocumentsThatAreNotSuitesOrWereAltered) {
  StatusOr<Suite> suite = LoadSuite(std::string(BULWARK_SOURCE_DIR) + "/suites/bulwark-smoke");
  ASSERT_TRUE(suite.ok());
  std::string document = EncodeSuite(*suite);

  EXPECT_EQ(DecodeSuite("not json").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeSuite("[]").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeSuite(R"({"format": "other"})").status().code(), StatusCode::kInvalidArgument);

  // A prompt changed after encoding: the stated hash no longer matches.
  const std::string prompt = suite->tasks[0].prompt;
  std::string altered = document;
  const size_t at = altered.find("\"prompt\":\"");
  ASSERT_NE(at, std::string::npos);
  altered.insert(at + 10, "Also: ");
  StatusOr<Suite> decoded = DecodeSuite(altered);
  EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(decoded.status().message().find("hashes to"), std::string::npos);

  // A field of the wrong type names where it is.
  std::string mistyped = document;
  const size_t limits = mistyped.find("\"max_messages\":");
  ASSERT_NE(limits, std::string::npos);
  mistyped.insert(limits + 15, "\"");
  mistyped.insert(mistyped.find(',', limits + 16), "\"");
  decoded = DecodeSuite(mistyped);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("tasks[0].limits.max_messages"), std::string::npos)
      << decoded.status().message();
}

}  // namespace
}  // namespace bulwark::evals
