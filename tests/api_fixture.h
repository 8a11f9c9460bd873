// ApiFixture: a real Bulwark API server for integration tests, in-process, on 127.0.0.1 at a
// free port, over a fresh SQLite (or PostgreSQL) database, with a cast of principals:
//
//   director, deputy       Program Office admins, platform admins
//   auditor                Program Office member, platform auditor
//   officer                Program Office member holding program_office (the review program)
//   lab_admin, lab_member  Frontier Lab
//   bank_admin             Community Bank admin
//   nurse                  Rural Hospital member; the hospital is a partner on the lab's window
//   revoked, expired       tokens that no longer work
//
// and the review program's objects: {model}, {version} (behind http://127.0.0.1:9/v1),
// {window} (open for 20 days), {grant} (the hospital's, active), {gateway_key} and
// {gateway_secret} (the nurse's), {inquiry} (submitted), {released_version} (0.9, released) and
// {defensive} (the bank's request for defensive access to it, waiting for both approvals);
// {in_90_days} is a timestamp.
//
// Call() speaks real HTTP/1.1 over a socket (Boost.Beast), one connection per call.
//
// Thread-safety: Call() may be used from several threads; the rest belongs to the test.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "access/directory.h"
#include "api/app.h"
#include "api/http_server.h"
#include "api/ledger_audit.h"
#include "clearinghouse/service.h"
#include "evaluations/service.h"
#include "ledger/transparency_log.h"
#include "review/gateway.h"
#include "review/service.h"
#include "secrets/key_file.h"
#include "secrets/secret_store.h"
#include "store/database.h"
#include "testing/temp_dir.h"

namespace bulwark::tests {

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  boost::json::value json;  // null when the body is not JSON
  std::string Header(const std::string& lower_name) const;
};

// One HTTP request to 127.0.0.1:port. Headers are (name, value) pairs. A transport error is
// nullopt from TryHttpCall and a test failure from HttpCall.
std::optional<Reply> TryHttpCall(
    uint16_t port, const std::string& method, const std::string& target,
    const std::string& body = "",
    const std::vector<std::pair<std::string, std::string>>& headers = {},
    std::string* error = nullptr);
Reply HttpCall(uint16_t port, const std::string& method, const std::string& target,
               const std::string& body = "",
               const std::vector<std::pair<std::string, std::string>>& headers = {});

struct Actor {
  access::Principal principal;
  std::string token;  // an API token secret
};

class ApiFixture : public ::testing::Test {
 protected:
  // The database the server runs on: SQLite in a temporary folder unless a test asks for
  // a database of the shared throwaway PostgreSQL cluster.
  virtual bool UsePostgres() const { return false; }

  void SetUp() override;
  void TearDown() override;

  // A request with `who`'s token ("" for none).
  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& who = "",
             std::vector<std::pair<std::string, std::string>> headers = {});

  // The fixture's symbols for matrix files: {lab}, {bank_admin}, {pending_tuple}, ...
  std::string Expand(const std::string& text) const;

  api::AppOptions app_options_;  // a test's constructor may change them
  FakeClock clock_{SystemClock::Get().Now()};

  testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<access::PasswordHasher> hasher_;
  std::unique_ptr<ledger::TransparencyLog> ledger_;
  std::string ledger_key_;  // the ledger's verifier key
  std::unique_ptr<api::LedgerAuditTrail> audit_;
  std::unique_ptr<access::Directory> directory_;
  std::unique_ptr<secrets::Keyring> keyring_;
  std::unique_ptr<secrets::SecretStore> secrets_;
  std::unique_ptr<review::ReviewService> review_;
  std::unique_ptr<review::Gateway> gateway_;
  std::unique_ptr<evaluations::EvaluationService> evaluations_;
  std::unique_ptr<clearinghouse::ClearinghouseService> clearinghouse_;
  api::Metrics metrics_;
  std::unique_ptr<api::App> app_;
  api::Router router_;
  std::unique_ptr<api::HttpServer> server_;
  std::map<std::string, Actor> actors_;
  std::map<std::string, std::string> symbols_;
  uint16_t port_ = 0;
};

}  // namespace bulwark::tests
