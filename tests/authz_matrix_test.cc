// Runs tests/data/authz_matrix.tsv against a real server: every row is a principal, an
// endpoint, an object and the status the policy (docs/authorization.md) gives.
#include <fstream>
#include <sstream>

#include "api_fixture.h"

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
