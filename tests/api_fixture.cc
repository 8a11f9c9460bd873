#include "api_fixture.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "access/policy.h"
#include "base/time_format.h"
#include "ledger/note.h"
#include "testing/postgres_cluster.h"
#include "testing/test_database.h"

namespace bulwark::tests {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::string Reply::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::optional<Reply> TryHttpCall(uint16_t port, const std::string& method,
                                 const std::string& target, const std::string& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::string* error) {
  auto fail = [&](const char* what, const boost::system::error_code& ec) -> std::optional<Reply> {
    if (error != nullptr) *error = std::string(what) + ": " + ec.message();
    return std::nullopt;
  };
  boost::asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return fail("connect", ec);
  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty() || method == "POST" || method == "PATCH") {
    req.body() = body;
    req.set(http::field::content_type, "application/json");
    req.prepare_payload();
  }
  http::write(socket, req, ec);
  // A server may answer (413, say) and close before reading the whole body; read its answer.
  boost::system::error_code write_ec = ec;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(socket, buffer, parser, ec);
  if (ec) return fail(write_ec ? "write" : "read", write_ec ? write_ec : ec);
  Reply reply;
  const auto& res = parser.get();
  reply.status = res.result_int();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  reply.body = res.body();
  boost::system::error_code jec;
  reply.json = boost::json::parse(reply.body, jec);
  if (jec) reply.json = nullptr;
  return reply;
}

Reply HttpCall(uint16_t port, const std::string& method, const std::string& target,
               const std::string& body,
               const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string error;
  std::optional<Reply> reply = TryHttpCall(port, method, target, body, headers, &error);
  if (!reply) {
    ADD_FAILURE() << method << " " << target << ": " << error;
    return {};
  }
  return *reply;
}

void ApiFixture::SetUp() {
  if (UsePostgres() && !testing::PostgresAvailable()) {
    GTEST_SKIP() << testing::PostgresUnavailableReason();
  }
  auto db = testing::OpenTestDatabase(
      UsePostgres() ? store::Backend::kPostgres : store::Backend::kSqlite, dir_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  db_ = std::move(*db);
  hasher_ = std::make_unique<access::PasswordHasher>(access::PasswordHasher::Cost::kMinimal, 4,
                                                     Seconds(10));
  ledger::GeneratedKey key = ledger::GenerateEd25519Key("bulwark.test/ledger").value();
  ledger_key_ = key.verifier_key;
  ledger_ = std::make_unique<ledger::TransparencyLog>(
      *db_, "bulwark.test/ledger", ledger::NewEd25519Signer(key.private_key).value(),
      key.verifier_key, clock_);
  audit_ = std::make_unique<api::LedgerAuditTrail>(*ledger_, clock_);
  directory_ = std::make_unique<access::Directory>(*db_, clock_, *hasher_, audit_.get());
  ASSERT_TRUE(secrets::CreateKeyFile(dir_.path() + "/secrets.key").ok());
  StatusOr<secrets::Keyring> keyring = secrets::OpenKeyring(dir_.path() + "/secrets.key");
  ASSERT_TRUE(keyring.ok()) << keyring.status().ToString();
  keyring_ = std::make_unique<secrets::Keyring>(std::move(*keyring));
  secrets_ = std::make_unique<secrets::SecretStore>(*keyring_, clock_);
  review_ = std::make_unique<review::ReviewService>(*db_, clock_, *secrets_, audit_.get());
  gateway_ = std::make_unique<review::Gateway>(*review_, *db_, *secrets_, audit_.get(),
                                               review::GatewayOptions{.upstream_timeout_s = 5});
  evaluations_ = std::make_unique<evaluations::EvaluationService>(*db_, clock_, *secrets_, *review_,
                                                                  audit_.get());
  clearinghouse_ = std::make_unique<clearinghouse::ClearinghouseService>(
      *db_, clock_, audit_.get(), &ledger_->signer(), secrets_.get());
  app_ =
      std::make_unique<api::App>(*directory_, *review_, *gateway_, *evaluations_, *clearinghouse_,
                                 *ledger_, *db_, clock_, metrics_, app_options_);
  app_->Register(router_);
  api::HttpServerOptions options;
  options.port = 0;
  options.access_log = false;
  options.worker_threads = 8;
  server_ = std::make_unique<api::HttpServer>(options, router_, metrics_);
  ASSERT_TRUE(server_->Start().ok());
  port_ = server_->port();

  const access::Principal system = access::SystemPrincipal();
  auto org = [&](const std::string& key, const std::string& name, access::OrgKind kind) {
    StatusOr<access::Organization> o = directory_->CreateOrganization(system, name, kind);
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    symbols_[key] = o->id;
  };
  org("office", "Program Office", access::OrgKind::kProgramOffice);
  org("lab", "Frontier Lab", access::OrgKind::kLab);
  org("bank", "Community Bank", access::OrgKind::kOperator);
  org("hospital", "Rural Hospital", access::OrgKind::kOperator);
  auto user = [&](const std::string& key, const std::string& org_key, access::OrgRole role,
                  std::optional<Time> token_expiry = std::nullopt) {
    StatusOr<access::User> u =
        directory_->CreateUser(system, {symbols_[org_key], key + "@" + org_key + ".example", key,
                                        std::string("password of ") + key, role});
    ASSERT_TRUE(u.ok()) << u.status().ToString();
    access::Principal p{u->id, u->org_id, "", false};
    StatusOr<access::IssuedToken> t = directory_->IssueToken(p, u->id, "test", token_expiry);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    actors_[key] = {p, t->secret};
    symbols_[key] = u->id;
    symbols_[key + "_token_id"] = t->token.id;
  };
  user("director", "office", access::OrgRole::kAdmin);
  user("deputy", "office", access::OrgRole::kAdmin);
  user("auditor", "office", access::OrgRole::kMember);
  user("lab_admin", "lab", access::OrgRole::kAdmin);
  user("lab_member", "lab", access::OrgRole::kMember);
  user("bank_admin", "bank", access::OrgRole::kAdmin);
  user("officer", "office", access::OrgRole::kMember);
  user("nurse", "hospital", access::OrgRole::kMember);
  user("revoked", "bank", access::OrgRole::kMember);
  user("expired", "bank", access::OrgRole::kMember, clock_.Now() + Seconds(1));
  for (const char* admin : {"director", "deputy"}) {
    ASSERT_TRUE(
        directory_
            ->WriteTuple(system, {std::string(access::kPlatform), "admin", symbols_[admin], {}, {}})
            .ok());
  }
  ASSERT_TRUE(
      directory_
          ->WriteTuple(system,
                       {std::string(access::kPlatform), "auditor", symbols_["auditor"], {}, {}})
          .ok());
  ASSERT_TRUE(
      directory_
          ->WriteTuple(
              system,
              {std::string(access::kPlatform), "program_office", symbols_["officer"], {}, {}})
          .ok());
  ASSERT_TRUE(directory_->RevokeToken(system, symbols_["revoked_token_id"]).ok());
  // The review program: the lab's model and version with an open window, on which the bank is
  // a partner (proposed by the lab, concurred by the officer) holding a gateway key.
  {
    const access::Principal& lab_admin = actors_["lab_admin"].principal;
    StatusOr<review::Model> model =
        review_->RegisterModel(lab_admin, symbols_["lab"], "Atlas", "the lab's frontier model");
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    StatusOr<review::ModelVersion> version = review_->AddVersion(
        lab_admin, model->id,
        {"1.0", review::Provider::kOpenAi, "http://127.0.0.1:9/v1", "atlas-1", "sk-fixture", {}});
    ASSERT_TRUE(version.ok()) << version.status().ToString();
    StatusOr<review::Window> window =
        review_->OpenWindow(lab_admin, version->id, {clock_.Now(), clock_.Now() + Days(20)});
    ASSERT_TRUE(window.ok()) << window.status().ToString();
    StatusOr<review::PartnerGrant> grant =
        review_->ProposePartner(lab_admin, window->id, symbols_["hospital"], {});
    ASSERT_TRUE(grant.ok()) << grant.status().ToString();
    ASSERT_TRUE(review_->ConcurPartner(actors_["officer"].principal, grant->id).ok());
    StatusOr<review::IssuedGatewayKey> key =
        review_->IssueGatewayKey(actors_["nurse"].principal, grant->id, "fixture", {});
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    // A released version, on which the bank requested defensive access.
    StatusOr<review::ModelVersion> released = review_->AddVersion(
        lab_admin, model->id,
        {"0.9", review::Provider::kOpenAi, "http://127.0.0.1:9/v1", "atlas-0", "sk-fixture", {}});
    ASSERT_TRUE(released.ok()) << released.status().ToString();
    ASSERT_TRUE(
        review_->SetVersionStatus(lab_admin, released->id, review::VersionStatus::kReleased).ok());
    StatusOr<review::DefensiveGrant> defensive = review_->RequestDefensiveAccess(
        actors_["bank_admin"].principal,
        {released->id, "triage of our own findings", clock_.Now() + Days(90), {}});
    ASSERT_TRUE(defensive.ok()) << defensive.status().ToString();
    symbols_["released_version"] = released->id;
    symbols_["defensive"] = defensive->id;
    symbols_["in_90_days"] = FormatRfc3339(clock_.Now() + Days(90));
    // The window keeps content: one call kept, and two requests to read it, the lab's and the
    // program office's, each waiting for a second person.
    ASSERT_TRUE(review_->SetWindowSettings(lab_admin, window->id, {{}, false, true, 30}).ok());
    StatusOr<review::GatewayAccess> access = review_->AuthorizeGatewayKey(key->secret);
    ASSERT_TRUE(access.ok()) << access.status().ToString();
    ASSERT_TRUE(db_->Transact(store::TxMode::kReadWrite,
                              [&](store::Transaction& tx) -> Status {
                                BW_ASSIGN_OR_RETURN(
                                    symbols_["retained_call"],
                                    review_->RetainCall(
                                        tx, *access,
                                        {"req_fixture", 200, false, "{}", "{}", 2, 2, "", ""}));
                                return OkStatus();
                              })
                    .ok());
    for (const char* who : {"lab_admin", "officer"}) {
      StatusOr<review::ContentRead> read = review_->RequestContentRead(
          actors_[who].principal, {window->id, "a report of misuse to look into", {}});
      ASSERT_TRUE(read.ok()) << read.status().ToString();
      symbols_[std::string("content_read_") + who] = read->id;
    }
    StatusOr<review::Inquiry> inquiry = review_->SubmitInquiry(lab_admin, version->id, "");
    ASSERT_TRUE(inquiry.ok()) << inquiry.status().ToString();
    symbols_["model"] = model->id;
    symbols_["version"] = version->id;
    symbols_["window"] = window->id;
    symbols_["grant"] = grant->id;
    symbols_["gateway_key"] = key->key.id;
    symbols_["gateway_secret"] = key->secret;
    symbols_["inquiry"] = inquiry->id;
  }
  // A pending dual-control grant proposed by the director.
  StatusOr<access::RelationshipTuple> pending = directory_->WriteTuple(
      actors_["director"].principal,
      {std::string(access::kPlatform), "auditor", symbols_["bank_admin"], {}, {}});
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  symbols_["pending_tuple"] = pending->id;
  actors_["forged"] = {{}, "bwk_" + std::string(52, 'a')};
  actors_["anonymous"] = {{}, ""};
  clock_.Advance(Seconds(2));  // The expiring token expires.
}

void ApiFixture::TearDown() {
  if (server_) server_->Shutdown();
}

Reply ApiFixture::Call(const std::string& method, const std::string& target,
                       const std::string& body, const std::string& who,
                       std::vector<std::pair<std::string, std::string>> headers) {
  if (!who.empty()) {
    auto it = actors_.find(who);
    if (it == actors_.end()) {
      ADD_FAILURE() << "no actor " << who;
      return {};
    }
    if (!it->second.token.empty()) {
      headers.emplace_back("Authorization", "Bearer " + it->second.token);
    }
  }
  return HttpCall(port_, method, Expand(target), Expand(body), headers);
}

std::string ApiFixture::Expand(const std::string& text) const {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{') {
      size_t end = text.find('}', i);
      if (end != std::string::npos) {
        auto it = symbols_.find(text.substr(i + 1, end - i - 1));
        if (it != symbols_.end()) {
          out += it->second;
          i = end;
          continue;
        }
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace bulwark::tests
