// Kills a real `bulwark serve` process with SIGKILL in the middle of a stream of writes, starts
// it again on the same SQLite file, and checks that every write the server acknowledged is
// there. Acknowledged means committed: a 201 is sent only after the commit is durable.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <mutex>
#include <thread>

#include "api_fixture.h"
#include "server_process.h"

namespace bulwark::tests {
namespace {

std::string Binary() { return BULWARK_BINARY; }

// Runs the bulwark binary to completion and returns its standard output.
std::string RunBulwark(const std::vector<std::string>& args) {
  std::string command = Binary();
  for (const std::string& a : args) command += " '" + a + "'";
  command += " 2>&1";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << command << "\n" << out;
  return out;
}

TEST(KillTest, AcknowledgedWritesSurviveSigkill) {
  ASSERT_EQ(::access(Binary().c_str(), X_OK), 0) << Binary() << " is missing; build it first";
  testing::TempDir dir;
  std::string database = "sqlite:" + dir.path() + "/bulwark.db";
  RunBulwark({"--database", database, "admin", "create-org", "--name", "Office", "--kind",
              "program_office"});
  RunBulwark({"--database", database, "admin", "create-user", "--org", "Office", "--email",
              "op@office.example", "--name", "Operator", "--role", "admin"});
  RunBulwark({"--database", database, "admin", "grant", "--object", "platform", "--relation",
              "admin", "--subject", "op@office.example"});
  std::string issued = RunBulwark({"--database", database, "admin", "issue-token", "--user",
                                   "op@office.example", "--name", "kill-test"});
  boost::system::error_code ec;
  boost::json::value token_json = boost::json::parse(issued, ec);
  ASSERT_FALSE(ec) << issued;
  std::string auth = "Bearer " + std::string(token_json.at("token").as_string());

  std::vector<std::string> acknowledged;
  std::mutex mu;
  {
    ServerProcess server(database);
    ASSERT_NE(server.port(), 0) << "the server did not report its port";
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; !stop; ++i) {
          std::string name = "org-" + std::to_string(w) + "-" + std::to_string(i);
          std::optional<Reply> r = TryHttpCall(server.port(), "POST", "/api/v1/organizations",
                                               "{\"name\":\"" + name + "\",\"kind\":\"operator\"}",
                                               {{"Authorization", auth}});
          if (!r) return;  // The server is gone.
          if (r->status == 201) {
            std::lock_guard<std::mutex> lock(mu);
            acknowledged.push_back(name);
          } else {
            ADD_FAILURE() << r->status << " " << r->body;
            return;
          }
        }
      });
    }
    // Kill it mid-stream, once a good number of writes have been acknowledged.
    while (true) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::lock_guard<std::mutex> lock(mu);
      if (acknowledged.size() >= 200) break;
    }
    int status = server.Signal(SIGKILL);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
  }

  ServerProcess restarted(database);
  ASSERT_NE(restarted.port(), 0) << "the server did not restart";
  std::set<std::string> present;
  std::string cursor;
  do {
    Reply page =
        HttpCall(restarted.port(), "GET",
                 "/api/v1/organizations?limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor),
                 "", {{"Authorization", auth}});
    ASSERT_EQ(page.status, 200) << page.body;
    for (const auto& org : page.json.at("items").as_array()) {
      present.insert(std::string(org.at("name").as_string()));
    }
    cursor = page.json.at("next_cursor").is_null()
                 ? ""
                 : std::string(page.json.at("next_cursor").as_string());
  } while (!cursor.empty());
  // No change without its ledger entry and no entry without its change: every organization
  // that exists has exactly one organization.create entry, and every such entry names one.
  std::set<std::string> org_ids, created_in_ledger;
  {
    std::string org_cursor;
    do {
      Reply page = HttpCall(
          restarted.port(), "GET",
          "/api/v1/organizations?limit=200" + (org_cursor.empty() ? "" : "&cursor=" + org_cursor),
          "", {{"Authorization", auth}});
      for (const auto& org : page.json.at("items").as_array()) {
        org_ids.insert(std::string(org.at("id").as_string()));
      }
      org_cursor = page.json.at("next_cursor").is_null()
                       ? ""
                       : std::string(page.json.at("next_cursor").as_string());
    } while (!org_cursor.empty());
    uint64_t start = 0;
    for (;;) {
      Reply page = HttpCall(restarted.port(), "GET",
                            "/api/v1/ledger/entries?limit=1000&start=" + std::to_string(start), "",
                            {{"Authorization", auth}});
      ASSERT_EQ(page.status, 200) << page.body;
      for (const auto& item : page.json.at("items").as_array()) {
        const auto& entry = item.at("entry");
        if (entry.at("action").as_string() == "organization.create" &&
            entry.at("decision").as_string() == "allow") {
          EXPECT_TRUE(created_in_ledger.insert(std::string(entry.at("object").as_string())).second)
              << "two entries for one change";
        }
      }
      if (page.json.at("next_start").is_null()) break;
      start = page.json.at("next_start").as_int64();
    }
  }
  EXPECT_EQ(org_ids, created_in_ledger);

  size_t lost = 0;
  for (const std::string& name : acknowledged) lost += !present.contains(name);
  EXPECT_EQ(lost, 0u) << "of " << acknowledged.size() << " acknowledged writes";
  EXPECT_GE(present.size(), acknowledged.size() + 1);  // + the Office
  std::printf(
      "kill test: %zu writes acknowledged before SIGKILL, %zu organizations after "
      "restart, %zu lost\n",
      acknowledged.size(), present.size(), lost);
}

}  // namespace
}  // namespace bulwark::tests
