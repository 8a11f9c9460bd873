// Runs tests/data/authz_matrix.tsv against a real server: every row is a principal, an
// endpoint, an object and the status the policy (docs/authorization.md) gives.
#include <fstream>
#include <sstream>

#include "api_fixture.h"
#include "review/signals.h"

namespace bulwark::tests {
namespace {

class AuthzMatrixTest : public ApiFixture {
 protected:
  void RunMatrix();
};

class AuthzMatrixOnPostgresTest : public AuthzMatrixTest {
 protected:
  bool UsePostgres() const override { return true; }
};

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, '\t')) out.push_back(field);
  return out;
}

void AuthzMatrixTest::RunMatrix() {
  // A spare lab user whose token the matrix revokes.
  StatusOr<access::User> spare = directory_->CreateUser(
      access::SystemPrincipal(), {symbols_["lab"], "spare@lab.example", "Spare", {}, {}});
  ASSERT_TRUE(spare.ok());
  StatusOr<access::IssuedToken> token = directory_->IssueToken(
      {spare->id, spare->org_id, "", false}, spare->id, "spare", std::nullopt);
  ASSERT_TRUE(token.ok());
  symbols_["spare_token_id"] = token->token.id;
  // Two insider-risk alerts on the nurse's key: a call from a second address, and one outside
  // the hours the lab states for a while.
  {
    review::Signals signals(*db_, clock_, audit_.get());
    StatusOr<review::GatewayAccess> key = review_->AuthorizeGatewayKey(symbols_["gateway_secret"]);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    signals.Observe(*key, "198.51.100.1");
    signals.Observe(*key, "203.0.113.9");
    const access::Principal& lab = actors_["lab_admin"].principal;
    // Two hours that leave out the present one.
    const int hour = static_cast<int>(ToUnixMicros(clock_.Now()) / 3'600'000'000 % 24);
    const review::UseHours elsewhere{(hour + 2) % 24, (hour + 3) % 24 + 1};
    ASSERT_TRUE(review_->SetWindowSettings(lab, symbols_["window"], {elsewhere, false}).ok());
    key = review_->AuthorizeGatewayKey(symbols_["gateway_secret"]);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    signals.Observe(*key, "198.51.100.1");
    ASSERT_TRUE(review_->SetWindowSettings(lab, symbols_["window"], {}).ok());
    StatusOr<std::vector<review::Alert>> alerts = review_->ListAlerts(lab);
    ASSERT_TRUE(alerts.ok() && alerts->size() == 2) << alerts.status().ToString();
    symbols_["alert"] = (*alerts)[1].id;
    symbols_["alert2"] = (*alerts)[0].id;
  }

  std::ifstream file(std::string(BULWARK_SOURCE_DIR) + "/tests/data/authz_matrix.tsv");
  ASSERT_TRUE(file) << "cannot read tests/data/authz_matrix.tsv";
  std::string line;
  int line_number = 0, rows = 0;
  while (std::getline(file, line)) {
    ++line_number;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = SplitTabs(line);
    ASSERT_GE(f.size(), 4u) << "line " << line_number << " has fewer than 4 fields";
    Reply reply = Call(f[1], f[2], f.size() > 4 ? f[4] : "", f[0]);
    EXPECT_EQ(std::to_string(reply.status), f[3])
        << "authz_matrix.tsv:" << line_number << ": " << f[0] << " " << f[1] << " " << f[2]
        << " -> " << reply.body.substr(0, 300);
    if (reply.status >= 400) {
      EXPECT_TRUE(reply.json.is_object() && reply.json.as_object().contains("error"))
          << "authz_matrix.tsv:" << line_number << ": no error envelope: " << reply.body;
    }
    ++rows;
  }
  EXPECT_GT(rows, 50);
}

TEST_F(AuthzMatrixTest, EveryRowGivesItsStatusOnSqlite) { RunMatrix(); }
TEST_F(AuthzMatrixOnPostgresTest, EveryRowGivesItsStatus) { RunMatrix(); }

}  // namespace
}  // namespace bulwark::tests
