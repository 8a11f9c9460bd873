// The bulwark command as a user runs it: configuration precedence, and a graceful stop on
// SIGTERM with requests in flight.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "api_fixture.h"
#include "base/encoding.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "server_process.h"
#include "store/database.h"
#include "testing/shell.h"

namespace bulwark::tests {
namespace {

// Runs `bulwark ARGS` with extra environment; returns the exit status.
int RunBulwarkCommand(const std::string& args, const std::string& env = "") {
  std::string command = env + " " + BULWARK_BINARY + " " + args + " >/dev/null 2>&1";
  return WEXITSTATUS(std::system(command.c_str()));
}

TEST(CliTest, FlagsBeatEnvironmentWhichBeatsTheConfigFile) {
  testing::TempDir dir;
  namespace fs = std::filesystem;
  std::string file = dir.path() + "/bulwark.toml";
  std::ofstream(file) << "database = \"sqlite:" << dir.path() << "/from-file.db\"\n";
  std::string env = "BULWARK_DATABASE=sqlite:" + dir.path() + "/from-env.db";

  ASSERT_EQ(RunBulwarkCommand("--config " + file + " migrate"), 0);
  EXPECT_TRUE(fs::exists(dir.path() + "/from-file.db"));
  ASSERT_EQ(RunBulwarkCommand("--config " + file + " migrate", env), 0);
  EXPECT_TRUE(fs::exists(dir.path() + "/from-env.db"));
  ASSERT_EQ(
      RunBulwarkCommand(
          "--config " + file + " --database sqlite:" + dir.path() + "/from-flag.db migrate", env),
      0);
  EXPECT_TRUE(fs::exists(dir.path() + "/from-flag.db"));

  // Subcommand sections, and errors a person can act on.
  std::ofstream(file) << "[serve]\nlisten = \"127.0.0.1:notaport\"\n";
  EXPECT_NE(
      RunBulwarkCommand("--config " + file + " --database sqlite:" + dir.path() + "/x.db serve"),
      0);
  std::ofstream(file) << "databse = \"sqlite:typo.db\"\n";
  EXPECT_EQ(RunBulwarkCommand("--config " + file + " migrate"), 2);
  EXPECT_EQ(RunBulwarkCommand("--config " + dir.path() + "/missing.toml migrate"), 2);
  EXPECT_NE(RunBulwarkCommand("no-such-command"), 0);
  EXPECT_EQ(RunBulwarkCommand("--help"), 0);
  EXPECT_EQ(RunBulwarkCommand("admin --help"), 0);
  EXPECT_EQ(RunBulwarkCommand("admin create-user --help"), 0);
}

// Runs `bulwark ARGS`; returns the exit status and stores standard output and error.
int RunCapturing(const std::string& args, std::string* output) {
  std::string command = std::string(BULWARK_BINARY) + " " + args + " 2>&1";
  return testing::RunShell(command, output);
}

TEST(CliTest, LedgerVerifiesProvesAndCatchesTampering) {
  testing::TempDir dir;
  std::string db_url = "sqlite:" + dir.path() + "/bulwark.db";
  std::string common = "--database " + db_url + " ";  // the key is made beside the database
  ASSERT_EQ(RunBulwarkCommand(common + "admin create-org --name Office --kind program_office"), 0);
  ASSERT_EQ(RunBulwarkCommand(common + "admin create-org --name Bank --kind operator"), 0);
  ASSERT_EQ(RunBulwarkCommand(common + "admin create-org --name Lab --kind lab"), 0);
  std::string out;
  ASSERT_EQ(RunCapturing(common + "ledger checkpoint", &out), 0) << out;
  std::ofstream(dir.path() + "/saved.note") << out;
  ASSERT_EQ(RunCapturing(common + "ledger verify --checkpoint " + dir.path() + "/saved.note", &out),
            0)
      << out;
  EXPECT_NE(out.find("ledger verified: 3 entries"), std::string::npos) << out;

  // An offline proof of entry 1, checked with the verifier key alone.
  ASSERT_EQ(RunCapturing(common + "ledger prove 1", &out), 0) << out;
  std::ofstream(dir.path() + "/entry1.tlog-proof") << out;
  std::string vkey;
  {
    std::ifstream key(dir.path() + "/ledger.key");
    std::getline(key, vkey);
    std::getline(key, vkey);
  }
  auto db = store::OpenDatabase(db_url).value();
  std::string leaf_hash;
  ASSERT_TRUE(db->Transact(store::TxMode::kReadOnly, [&](store::Transaction& tx) -> Status {
                  BW_ASSIGN_OR_RETURN(
                      store::ResultSet rows,
                      tx.Query("SELECT leaf_hash FROM ledger_entries WHERE idx = 1"));
                  leaf_hash = Base64Encode(rows.at(0).Bytes(0));
                  return OkStatus();
                }).ok());
  EXPECT_EQ(RunCapturing("ledger check-proof " + dir.path() + "/entry1.tlog-proof --vkey " + vkey +
                             " --leaf-hash " + leaf_hash,
                         &out),
            0)
      << out;
  std::string other_hash = Base64Encode(std::string(32, 'x'));
  EXPECT_EQ(RunCapturing("ledger check-proof " + dir.path() + "/entry1.tlog-proof --vkey " + vkey +
                             " --leaf-hash " + other_hash,
                         &out),
            1)
      << out;

  // The same checks through a running server's API, as a remote auditor.
  ASSERT_EQ(
      RunBulwarkCommand(common + "admin create-user --org Office --email audit@office.example "
                                 "--name Auditor"),
      0);
  ASSERT_EQ(RunBulwarkCommand(common + "admin grant --object platform --relation auditor "
                                       "--subject audit@office.example"),
            0);
  ASSERT_EQ(RunCapturing(common + "admin issue-token --user audit@office.example", &out), 0);
  std::string token = out.substr(out.find("bwk_"), 56);
  {
    ServerProcess server(db_url);
    ASSERT_NE(server.port(), 0);
    std::string remote =
        "ledger verify --server http://127.0.0.1:" + std::to_string(server.port()) + " --token " +
        token;
    EXPECT_EQ(RunCapturing(
                  remote + " --vkey " + vkey + " --checkpoint " + dir.path() + "/saved.note", &out),
              0)
        << out;
    EXPECT_NE(out.find("ledger verified"), std::string::npos) << out;
    std::string other_key = ledger::GenerateEd25519Key("bulwark.local/ledger").value().verifier_key;
    EXPECT_EQ(RunCapturing(remote + " --vkey " + other_key, &out), 1) << out;
  }

  auto exec = [&](const std::string& sql) {
    ASSERT_TRUE(db->Transact(store::TxMode::kReadWrite, [&](store::Transaction& tx) {
                    return tx.Execute(sql).status();
                  }).ok());
  };
  // A forged checkpoint fails its signature.
  exec("UPDATE ledger_checkpoints SET note = replace(note, 'bulwark', 'bulwarc')");
  EXPECT_EQ(RunCapturing(common + "ledger verify", &out), 1);
  EXPECT_NE(out.find("latest checkpoint"), std::string::npos) << out;
  exec("DELETE FROM ledger_checkpoints");
  // Two entries swapped, each still hashing to its own stored leaf hash: named by index.
  exec("UPDATE ledger_entries SET idx = 100 WHERE idx = 0");
  exec("UPDATE ledger_entries SET idx = 0 WHERE idx = 2");
  exec("UPDATE ledger_entries SET idx = 2 WHERE idx = 100");
  EXPECT_EQ(RunCapturing(common + "ledger verify", &out), 1);
  EXPECT_NE(out.find("entry 0 is not the entry the log recorded"), std::string::npos) << out;
  // The saved checkpoint still catches it too.
  EXPECT_EQ(RunCapturing(common + "ledger verify --checkpoint " + dir.path() + "/saved.note", &out),
            1);
  exec("UPDATE ledger_entries SET idx = 100 WHERE idx = 0");
  exec("UPDATE ledger_entries SET idx = 0 WHERE idx = 2");
  exec("UPDATE ledger_entries SET idx = 2 WHERE idx = 100");
  ASSERT_EQ(RunCapturing(common + "ledger verify --checkpoint " + dir.path() + "/saved.note", &out),
            0)
      << out;
  // A changed entry is named.
  exec("UPDATE ledger_entries SET leaf = X'7b7d' WHERE idx = 1");
  EXPECT_EQ(RunCapturing(common + "ledger verify", &out), 1);
  EXPECT_NE(out.find("entry 1 was changed"), std::string::npos) << out;
  // A deleted entry is found, and so is a rewritten log that hashes consistently.
  exec("DELETE FROM ledger_entries WHERE idx = 1");
  EXPECT_EQ(RunCapturing(common + "ledger verify", &out), 1);
  EXPECT_NE(out.find("entry 1 is missing"), std::string::npos) << out;
}

TEST(CliTest, AuditorsCheckProofsFromNumbersAlone) {
  // Entries "a", "b", "c": root and proof from the RFC 9162 definitions.
  std::string out;
  ledger::MemoryTree tree;
  for (const char* leaf : {"a", "b", "c"}) tree.Append(leaf);
  auto b64 = [](const ledger::Hash& h) {
    return Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
  };
  std::vector<ledger::Hash> proof = ledger::InclusionProof(0, 3, tree).value();
  std::string proof_text;
  for (const ledger::Hash& h : proof) proof_text += (proof_text.empty() ? "" : ",") + b64(h);
  std::string args = "ledger verify-inclusion --leaf-hash " + b64(ledger::HashLeaf("a")) +
                     " --index 0 --size 3 --root " + b64(tree.Root()) + " --proof " + proof_text;
  EXPECT_EQ(RunCapturing(args, &out), 0) << out;
  EXPECT_EQ(
      RunCapturing("ledger verify-inclusion --leaf-hash " + b64(ledger::HashLeaf("z")) +
                       " --index 0 --size 3 --root " + b64(tree.Root()) + " --proof " + proof_text,
                   &out),
      1)
      << out;
  // Consistency of sizes 3 and 3 needs the empty proof.
  EXPECT_EQ(RunCapturing("ledger verify-consistency --size1 3 --size2 3 --root1 " +
                             b64(tree.Root()) + " --root2 " + b64(tree.Root()) + " --proof ''",
                         &out),
            0)
      << out;
  EXPECT_EQ(RunCapturing("ledger verify-inclusion --leaf-hash nope --index 0 --size 3 --root x "
                         "--proof ''",
                         &out),
            2);
  // An empty or malformed element of --proof is an error, never skipped.
  std::string inclusion = "ledger verify-inclusion --leaf-hash " + b64(ledger::HashLeaf("a")) +
                          " --index 0 --size 3 --root " + b64(tree.Root()) + " --proof ";
  for (const std::string& bad :
       {"," + proof_text, proof_text + ",", "'" + b64(proof[0]) + ",," + b64(proof[1]) + "'",
        proof_text + ",AAAA", std::string("','")}) {
    EXPECT_EQ(RunCapturing(inclusion + bad, &out), 2) << bad;
    EXPECT_NE(out.find("--proof element"), std::string::npos) << out;
  }
  EXPECT_EQ(
      RunCapturing("ledger verify-consistency --size1 2 --size2 3 --root1 " + b64(tree.Root()) +
                       " --root2 " + b64(tree.Root()) + " --proof ," + b64(tree.Root()),
                   &out),
      2);
  EXPECT_NE(out.find("--proof element 1 is empty"), std::string::npos) << out;
}

TEST(CliTest, SigtermAnswersRequestsInFlightThenExitsCleanly) {
  testing::TempDir dir;
  std::string database = "sqlite:" + dir.path() + "/bulwark.db";
  ASSERT_EQ(RunBulwarkCommand("--database " + database +
                              " admin create-org --name Office --kind program_office"),
            0);
  ServerProcess server(database);
  ASSERT_NE(server.port(), 0);
  // Sign-ins take a while (argon2id, 64 MiB, two at a time): several are in flight together.
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      std::optional<Reply> r = TryHttpCall(server.port(), "POST", "/api/v1/session",
                                           R"({"email":"nobody@office.example","password":"x"})");
      if (r && r->status == 401) ++answered;
    });
  }
  // Signal only once all four are in flight (the /metrics request itself is the fifth).
  for (int tries = 0; tries < 2000; ++tries) {
    Reply metrics = HttpCall(server.port(), "GET", "/metrics");
    size_t at = metrics.body.find("\nbulwark_http_requests_in_flight ");
    if (at != std::string::npos &&
        std::stod(metrics.body.substr(at + sizeof("\nbulwark_http_requests_in_flight ") - 1)) >=
            5) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  int status = server.Signal(SIGTERM);
  for (auto& t : clients) t.join();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  EXPECT_EQ(answered.load(), 4) << "requests in flight at SIGTERM must still be answered";
}

}  // namespace
}  // namespace bulwark::tests
