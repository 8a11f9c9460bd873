#include "ledger/audit_entry.h"

#include <gtest/gtest.h>

#include "base/time_format.h"

namespace bulwark::ledger {
namespace {

AuditEntry Sample() {
  return {*ParseRfc3339("2026-07-01T12:00:00.25Z"),
          "usr_0000000000000000000000000a",
          "organization.create",
          "platform",
          true,
          {"tup_1", "tup_2"},
          "req_x",
          std::string(64, 'a')};
}

TEST(AuditEntry, EncodesInTheDocumentedOrderAndRoundTrips) {
  std::string leaf = EncodeAuditEntry(Sample());
  EXPECT_EQ(
      leaf,
      R"({"v":1,"time":"2026-07-01T12:00:00.25Z","principal":"usr_0000000000000000000000000a",)"
      R"("action":"organization.create","object":"platform","decision":"allow",)"
      R"("grants":["tup_1","tup_2"],"request_id":"req_x","body_sha256":")" +
          std::string(64, 'a') + R"("})");
  StatusOr<AuditEntry> back = DecodeAuditEntry(leaf);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Sample());
  AuditEntry denied = Sample();
  denied.allowed = false;
  denied.grants.clear();
  denied.principal = "a \"quoted\"\nname";
  EXPECT_EQ(*DecodeAuditEntry(EncodeAuditEntry(denied)), denied);
}

TEST(AuditEntry, FactsMakeAVersionTwoEntryWithThemLast) {
  AuditEntry call = Sample();
  call.action = "gateway.request";
  call.facts = {{"status", "200"}, {"output_tokens", "51"}, {"note", "a \"quoted\" word"}};
  std::string leaf = EncodeAuditEntry(call);
  EXPECT_TRUE(leaf.starts_with(R"({"v":2,)")) << leaf;
  EXPECT_TRUE(leaf.ends_with(
      R"(,"facts":{"status":"200","output_tokens":"51","note":"a \"quoted\" word"}})"))
      << leaf;
  StatusOr<AuditEntry> back = DecodeAuditEntry(leaf);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, call);
  // Facts on a version 1 entry, or a version 2 entry without them, are not entries we write.
  std::string v1_with_facts = leaf;
  v1_with_facts[5] = '1';
  EXPECT_FALSE(DecodeAuditEntry(v1_with_facts).ok());
  std::string v2_without = EncodeAuditEntry(Sample());
  v2_without[5] = '2';
  EXPECT_FALSE(DecodeAuditEntry(v2_without).ok());
}

TEST(AuditEntry, RejectsUnknownVersionsAndMalformedLeaves) {
  for (const char* bad : {"", "[]", R"({"v":2})", R"({"v":3})", R"({"v":1})", "not json",
                          R"({"v":1,"time":"x","principal":"p","action":"a","object":"o",)"
                          R"("decision":"allow","grants":[],"request_id":"","body_sha256":""})",
                          R"({"v":1,"time":"2026-07-01T12:00:00Z","principal":"p","action":"a",)"
                          R"("object":"o","decision":"maybe","grants":[],"request_id":"",)"
                          R"("body_sha256":""})"}) {
    EXPECT_FALSE(DecodeAuditEntry(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace bulwark::ledger
