// The audit trail through the real API: every change and every denial lands in the ledger
// with its request id and body hash, and the ledger's checkpoints and proofs verify.
#include <boost/json.hpp>

#include "api_fixture.h"
#include "base/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

namespace bulwark::tests {
namespace {

class AuditTest : public ApiFixture {
 protected:
  // Every entry, read as the platform auditor.
  std::vector<boost::json::object> Entries() {
    std::vector<boost::json::object> out;
    Reply r = Call("GET", "/api/v1/ledger/entries?limit=1000", "", "auditor");
    EXPECT_EQ(r.status, 200) << r.body;
    for (const auto& item : r.json.at("items").as_array()) {
      out.push_back(item.at("entry").as_object());
    }
    return out;
  }
};

TEST_F(AuditTest, ChangesAndDenialsAreRecordedWithTheirRequest) {
  size_t before = Entries().size();
  const std::string body = R"({"name":"Audited Utility","kind":"operator"})";
  Reply created = Call("POST", "/api/v1/organizations", body, "director");
  ASSERT_EQ(created.status, 201) << created.body;
  Reply refused = Call("POST", "/api/v1/organizations", body, "lab_member");
  ASSERT_EQ(refused.status, 403);

  std::vector<boost::json::object> entries = Entries();
  ASSERT_EQ(entries.size(), before + 2);
  const boost::json::object& allow = entries[before];
  EXPECT_EQ(allow.at("action").as_string(), "organization.create");
  EXPECT_EQ(allow.at("principal").as_string(), symbols_["director"]);
  EXPECT_EQ(allow.at("object").as_string(), created.json.at("id").as_string());
  EXPECT_EQ(allow.at("decision").as_string(), "allow");
  EXPECT_EQ(allow.at("request_id").as_string(), created.Header("x-request-id"));
  EXPECT_EQ(allow.at("body_sha256").as_string(), HexEncode(access::HashSecret(body)));
  EXPECT_FALSE(allow.at("grants").as_array().empty());
  const boost::json::object& deny = entries[before + 1];
  EXPECT_EQ(deny.at("decision").as_string(), "deny");
  EXPECT_EQ(deny.at("principal").as_string(), symbols_["lab_member"]);
  EXPECT_EQ(deny.at("request_id").as_string(), refused.Header("x-request-id"));
  // The body itself is never in the ledger.
  Reply raw = Call("GET", "/api/v1/ledger/entries?limit=1000", "", "auditor");
  EXPECT_EQ(raw.body.find("Audited Utility"), std::string::npos);
}

TEST_F(AuditTest, SensitiveReadsAreRecorded) {
  size_t before = Entries().size();
  ASSERT_EQ(Call("GET", "/api/v1/tuples", "", "auditor").status, 200);
  ASSERT_EQ(Call("GET", "/api/v1/users/{lab_member}/tokens", "", "lab_admin").status, 200);
  ASSERT_EQ(Call("GET", "/api/v1/organizations/{lab}", "", "lab_member").status,
            200);  // not sensitive
  std::vector<boost::json::object> entries = Entries();
  ASSERT_EQ(entries.size(), before + 2);
  EXPECT_EQ(entries[before].at("action").as_string(), "tuple.read");
  EXPECT_EQ(entries[before].at("principal").as_string(), symbols_["auditor"]);
  EXPECT_EQ(entries[before + 1].at("action").as_string(), "token.revoke");
  EXPECT_EQ(entries[before + 1].at("object").as_string(), symbols_["lab_member"]);
}

TEST_F(AuditTest, OthersSeeOnlyTheEntriesAboutThemselves) {
  ASSERT_EQ(
      Call("POST", "/api/v1/users/{lab_member}/tokens", R"({"name":"x"})", "lab_member").status,
      201);
  Reply mine = Call("GET", "/api/v1/ledger/entries?limit=1000", "", "lab_member");
  ASSERT_EQ(mine.status, 200);
  ASSERT_FALSE(mine.json.at("items").as_array().empty());
  bool about_me = false;
  for (const auto& item : mine.json.at("items").as_array()) {
    const auto& entry = item.at("entry");
    bool mine_action = entry.at("principal").as_string() == symbols_["lab_member"];
    bool my_object = entry.at("object").as_string() == symbols_["lab_member"] ||
                     entry.at("object").as_string() == symbols_["lab"];
    EXPECT_TRUE(mine_action || my_object) << boost::json::serialize(entry);
    about_me |= !mine_action && my_object;
  }
  // The operator created this user: an entry about them that they did not make.
  EXPECT_TRUE(about_me);
  // Another organization's member sees none of those.
  Reply theirs = Call("GET", "/api/v1/ledger/entries?limit=1000", "", "bank_admin");
  for (const auto& item : theirs.json.at("items").as_array()) {
    EXPECT_NE(item.at("entry").at("object").as_string(), symbols_["lab_member"]);
  }
}

TEST_F(AuditTest, CheckpointAndProofsVerifyWithTheServedKey) {
  Reply key = Call("GET", "/api/v1/ledger/key");
  ASSERT_EQ(key.status, 200);
  std::string vkey = key.body.substr(0, key.body.find('\n'));
  EXPECT_EQ(vkey, ledger_key_);
  ASSERT_EQ(Call("POST", "/api/v1/ledger/checkpoint", "", "lab_admin").status, 403);
  Reply signed_note = Call("POST", "/api/v1/ledger/checkpoint", "", "director");
  ASSERT_EQ(signed_note.status, 201) << signed_note.body;
  std::unique_ptr<ledger::NoteVerifier> verifier = ledger::NewEd25519Verifier(vkey).value();
  const ledger::NoteVerifier* verifiers[] = {verifier.get()};
  ASSERT_TRUE(ledger::VerifyNote(signed_note.body, verifiers).ok());
  ledger::Checkpoint c =
      ledger::ParseCheckpoint(ledger::ParseNote(signed_note.body).value().text).value();
  ASSERT_GT(c.size, 2u);
  EXPECT_EQ(Call("GET", "/api/v1/ledger/checkpoint", "", "bank_admin").body, signed_note.body);

  Reply entries = Call("GET", "/api/v1/ledger/entries?start=1&limit=1", "", "auditor");
  std::string leaf =
      Base64Decode(std::string(entries.json.at("items").at(0).at("leaf").as_string())).value();
  Reply inclusion =
      Call("GET", "/api/v1/ledger/proof/inclusion?index=1&size=" + std::to_string(c.size), "",
           "bank_admin");
  ASSERT_EQ(inclusion.status, 200) << inclusion.body;
  std::vector<ledger::Hash> proof;
  for (const auto& h : inclusion.json.at("proof").as_array()) {
    std::string bytes = Base64Decode(std::string(h.as_string())).value();
    ledger::Hash hash;
    std::copy(bytes.begin(), bytes.end(), hash.begin());
    proof.push_back(hash);
  }
  EXPECT_TRUE(ledger::VerifyInclusion(ledger::HashLeaf(leaf), 1, c.size, proof, c.root).ok());
  EXPECT_EQ(Call("GET", "/api/v1/ledger/proof/inclusion?index=1", "", "bank_admin").status, 400);
  EXPECT_EQ(Call("GET", "/api/v1/ledger/proof/consistency?size1=1&size2=" + std::to_string(c.size),
                 "", "bank_admin")
                .status,
            200);
}

}  // namespace
}  // namespace bulwark::tests
