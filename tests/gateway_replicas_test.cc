// A lab's withdrawal takes effect at once on every replica: two `bulwark serve` processes on
// one PostgreSQL database; a partner's call through one replica is refused by the very next
// request after the lab withdrew the window through the other.
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "api_fixture.h"
#include "evals/mock_model.h"
#include "evals/task.h"
#include "server_process.h"
#include "testing/postgres_cluster.h"
#include "testing/shell.h"

namespace bulwark::tests {
namespace {

namespace json = boost::json;

TEST(GatewayReplicasTest, AWithdrawalOnOneReplicaStopsTheNextCallOnTheOther) {
  if (!testing::PostgresAvailable()) GTEST_SKIP() << testing::PostgresUnavailableReason();
  StatusOr<testing::PostgresCluster*> cluster = testing::PostgresCluster::Shared();
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  StatusOr<std::string> database = (*cluster)->CreateDatabase();
  ASSERT_TRUE(database.ok()) << database.status().ToString();
  StatusOr<evals::Suite> suite =
      evals::LoadSuite(std::string(BULWARK_SOURCE_DIR) + "/suites/bulwark-smoke");
  ASSERT_TRUE(suite.ok()) << suite.status().ToString();
  StatusOr<std::unique_ptr<evals::MockModelServer>> mock =
      evals::MockModelServer::Start(*suite, {});
  ASSERT_TRUE(mock.ok()) << mock.status().ToString();

  testing::TempDir dir;
  const std::vector<std::string> keys = {"--ledger-key", dir.path() + "/ledger.key",
                                         "--secrets-key", dir.path() + "/secrets.key"};
  std::string bulwark = std::string(BULWARK_BINARY) + " --database " + *database;
  for (const std::string& arg : keys) bulwark += " " + arg;
  std::string out;
  ASSERT_EQ(testing::RunShell(bulwark + " ledger keygen 2>&1", &out), 0) << out;
  ASSERT_TRUE(EnsureSecretsKey({"--database", *database, "--secrets-key", keys[3]}));
  const std::string credentials = dir.path() + "/demo.json";
  ASSERT_EQ(testing::RunShell(bulwark + " admin seed-demo --credentials-file " + credentials +
                                  " --model-url " + (*mock)->base_url() + "/v1 2>&1",
                              &out),
            0)
      << out;
  std::ifstream file(credentials);
  std::stringstream text;
  text << file.rdbuf();
  json::value demo = json::parse(text.str());
  const std::string lab_token =
      json::value_to<std::string>(demo.at("lead@frontier-lab.demo").at("token"));
  const std::string key =
      json::value_to<std::string>(demo.at("it@rural-hospital.demo").at("gateway_key"));

  ServerProcess a(*database, keys);
  ServerProcess b(*database, keys);
  ASSERT_NE(a.port(), 0);
  ASSERT_NE(b.port(), 0);
  const std::vector<std::pair<std::string, std::string>> partner = {
      {"Authorization", "Bearer " + key}};
  Reply models = HttpCall(a.port(), "GET", "/gateway/v1/models", "", partner);
  ASSERT_EQ(models.status, 200) << models.body;
  const std::string model = json::value_to<std::string>(models.json.at("data").at(0).at("id"));
  const std::string call = json::serialize(
      json::object{{"model", model},
                   {"messages", json::array{json::object{{"role", "user"}, {"content", "hi"}}}}});
  ASSERT_EQ(HttpCall(a.port(), "POST", "/gateway/v1/chat/completions", call, partner).status, 200);

  const std::vector<std::pair<std::string, std::string>> lab = {
      {"Authorization", "Bearer " + lab_token}};
  Reply windows = HttpCall(b.port(), "GET", "/api/v1/review/windows", "", lab);
  ASSERT_EQ(windows.status, 200) << windows.body;
  std::string window_id;
  for (const json::value& w : windows.json.at("items").as_array()) {
    if (w.at("state") == "open") window_id = json::value_to<std::string>(w.at("id"));
  }
  ASSERT_FALSE(window_id.empty()) << windows.body;
  Reply withdrawn =
      HttpCall(b.port(), "POST", "/api/v1/review/windows/" + window_id + "/withdraw", "", lab);
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  // The very next call, on the other replica, is refused: nothing is cached.
  Reply refused = HttpCall(a.port(), "POST", "/gateway/v1/chat/completions", call, partner);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ((*mock)->stats().openai.requests, 1);
}

}  // namespace
}  // namespace bulwark::tests
