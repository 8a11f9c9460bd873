// Patch notices end to end: a new advisory tells every affected operator in one signed notice
// each (verifiable with the program's verifier key, and not when altered), issued once however
// often the monitor runs; a worker POSTs each to the operator's webhooks, HMAC-signed, retrying a
// webhook that answers 500 until it takes it, and giving up on one that refuses every connection
// (a dead letter, listed and ledgered) without holding the other back. The operator acknowledges,
// reports the fix, and a later inventory verifies it.
//
// And the faults: an endpoint that accepts and never answers is timed out and holds no other
// delivery back; a fan-out cut short before its commit (the worker dies, the signer fails) leaves
// nothing behind, and run again issues every notice, once, however many monitors race.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "access/directory.h"
#include "access/policy.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "api/router.h"
#include "base/time_format.h"
#include "clearinghouse/service.h"
#include "jobs/worker.h"
#include "secrets/key_file.h"
#include "testing/status_assertions.h"
#include "testing/temp_dir.h"
#include "testing/test_database.h"
#include "vuln/advisory_store.h"

namespace bulwark::clearinghouse {
namespace {

class CountingAudit final : public access::AuditTrail {
 public:
  Status Record(store::Transaction&, const access::AuditRecord& record) override {
    std::lock_guard<std::mutex> lock(mu_);
    actions_.push_back(record.action);
    last_facts_[record.action] = record.facts;
    return OkStatus();
  }
  int Count(const std::string& action) {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(std::count(actions_.begin(), actions_.end(), action));
  }
  // The fact `key` of the last record of `action`.
  std::string Fact(const std::string& action, const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [k, v] : last_facts_[action]) {
      if (k == key) return v;
    }
    return "";
  }

 private:
  std::mutex mu_;
  std::vector<std::string> actions_;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> last_facts_;
};

// An operator's webhook endpoint: answers 500 to its first `failures` deliveries, then 200, and
// keeps what it was sent.
class Receiver {
 public:
  explicit Receiver(int failures) : failures_(failures) {
    router_.Add("POST", "/hook", [this](api::HttpRequest& request) {
      std::lock_guard<std::mutex> lock(mu_);
      ++calls_;
      if (calls_ <= failures_) return api::HttpResponse{.status = 500, .body = "{}"};
      body_ = request.body;
      signature_ = request.Header(std::string(kWebhookSignatureHeader)).value_or("");
      timestamp_ = request.Header("X-Bulwark-Timestamp").value_or("");
      return api::HttpResponse{.status = 204};
    });
    api::HttpServerOptions options;
    options.port = 0;
    options.access_log = false;
    server_ = std::make_unique<api::HttpServer>(options, router_, metrics_);
    EXPECT_TRUE(server_->Start().ok());
  }
  ~Receiver() { server_->Shutdown(); }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook";
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  std::string body, signature, timestamp;
  void Take() {
    std::lock_guard<std::mutex> lock(mu_);
    body = body_;
    signature = signature_;
    timestamp = timestamp_;
  }

 private:
  int failures_;
  std::mutex mu_;
  int calls_ = 0;
  std::string body_, signature_, timestamp_;
  api::Router router_;
  api::Metrics metrics_;
  std::unique_ptr<api::HttpServer> server_;
};

// An endpoint that accepts connections and never answers.
class Hanger {
 public:
  Hanger() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        const int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::lock_guard<std::mutex> lock(mu_);
        held_.push_back(c);
      }
    });
  }
  ~Hanger() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
    for (int c : held_) close(c);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  size_t connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return held_.size();
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<int> held_;
};

// A signer that fails after `good` signatures, as a fan-out does when its worker dies midway.
class FailingSigner final : public ledger::NoteSigner {
 public:
  FailingSigner(ledger::NoteSigner& real, int good) : real_(real), good_(good) {}
  std::string_view name() const override { return real_.name(); }
  uint32_t key_hash() const override { return real_.key_hash(); }
  StatusOr<std::string> Sign(std::string_view message) override {
    if (good_.fetch_sub(1) <= 0) return Status(StatusCode::kUnavailable, "the signer went away");
    return real_.Sign(message);
  }

 private:
  ledger::NoteSigner& real_;
  std::atomic<int> good_;
};

constexpr std::string_view kAdvisory = R"({"id": "GO-2022-1059",
  "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2022-32149"],
  "summary": "Denial of service via crafted Accept-Language header",
  "affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/text"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.3.8"}]}]}]})";

std::string Sbom(std::string_view version) {
  return R"({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
    {"type": "library", "name": "golang.org/x/text", "version": ")" +
         std::string(version) + R"(", "purl": "pkg:golang/golang.org/x/text@)" +
         std::string(version) + R"("}]})";
}

TEST(ClearinghouseNotices, SignedNoticesAreDeliveredRetriedAndFollowedToAVerifiedFix) {
  bulwark::testing::TempDir dir;
  FakeClock clock(ParseRfc3339("2026-11-02T09:00:00Z").value());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::Database> db,
                       bulwark::testing::OpenTestDatabase(store::Backend::kSqlite, dir));
  ASSERT_OK(secrets::CreateKeyFile(dir.path() + "/secrets.key").status());
  ASSERT_OK_AND_ASSIGN(secrets::Keyring keyring, secrets::OpenKeyring(dir.path() + "/secrets.key"));
  secrets::SecretStore secrets(keyring, clock);
  ASSERT_OK_AND_ASSIGN(ledger::GeneratedKey key, ledger::GenerateEd25519Key("program.test/ledger"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ledger::NoteSigner> signer,
                       ledger::NewEd25519Signer(key.private_key));
  CountingAudit audit;
  access::PasswordHasher hasher(access::PasswordHasher::Cost::kMinimal, 4, Seconds(10));
  access::Directory directory(*db, clock, hasher);
  ClearinghouseService service(*db, clock, &audit, signer.get(), &secrets);

  const access::Principal system = access::SystemPrincipal();
  auto admin_of = [&](const char* org_name, const char* email) {
    const std::string org =
        directory.CreateOrganization(system, org_name, access::OrgKind::kOperator).value().id;
    const access::User user =
        directory.CreateUser(system, {org, email, email, std::nullopt, access::OrgRole::kAdmin})
            .value();
    return access::Principal{user.id, org, "tok", false};
  };
  const access::Principal rita = admin_of("Rural Hospital", "it@hospital.example");
  const access::Principal ben = admin_of("Community Bank", "it@bank.example");
  const Asset ehr = service.CreateAsset(rita, rita.org_id, {"EHR", "", true, {}}).value();
  const Asset web = service.CreateAsset(ben, ben.org_id, {"Online banking", "", false, {}}).value();
  ASSERT_OK(service.UploadInventory(rita, ehr.id, Sbom("v0.3.7")).status());
  ASSERT_OK(service.UploadInventory(ben, web.id, Sbom("v0.3.6")).status());

  Receiver receiver(/*failures=*/2);
  ASSERT_OK_AND_ASSIGN(IssuedWebhook hook,
                       service.CreateWebhook(rita, rita.org_id, receiver.url()));
  EXPECT_EQ(service.CreateWebhook(ben, ben.org_id, "ftp://bank.example/").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(service.CreateWebhook(ben, rita.org_id, receiver.url()).status().code(),
            StatusCode::kNotFound);
  // The bank's endpoint refuses every connection.
  ASSERT_OK(service.CreateWebhook(ben, ben.org_id, "http://127.0.0.1:9/hook").status());

  // The advisory arrives: one notice per operator, signed, issued once.
  {
    vuln::AdvisoryStore store(*db, clock);
    ASSERT_OK_AND_ASSIGN(vuln::Advisory advisory, vuln::ParseOsvAdvisory(kAdvisory));
    ASSERT_OK(store.Upsert(advisory, kAdvisory).status());
  }
  ASSERT_OK(service.MonitorAdvisories().status());
  ASSERT_OK(service.MonitorAdvisories().status());
  ASSERT_OK_AND_ASSIGN(std::vector<Notice> inbox, service.ListNotices(rita, rita.org_id));
  ASSERT_EQ(inbox.size(), 1u);
  const Notice notice = inbox[0];
  EXPECT_EQ(notice.advisory_id, "GO-2022-1059");
  EXPECT_EQ(notice.findings, 1);
  EXPECT_EQ(notice.state, NoticeState::kSent);
  // Both notices are ledgered in one entry, the root of the tree of their signed notes; each
  // operator proves its own in it.
  EXPECT_EQ(audit.Count("clearinghouse.notices.issue"), 1);
  EXPECT_EQ(audit.Fact("clearinghouse.notices.issue", "notices"), "2");
  const std::string root = audit.Fact("clearinghouse.notices.issue", "notices_root");
  ASSERT_OK_AND_ASSIGN(NoticeInclusion inclusion, service.GetNoticeInclusion(rita, notice.id));
  EXPECT_EQ(inclusion.size, 2u);
  EXPECT_EQ(inclusion.root, root);
  EXPECT_EQ(inclusion.proof.size(), 1u);
  ASSERT_OK_AND_ASSIGN(NoticeInclusion parsed,
                       ParseNoticeInclusion(NoticeInclusionJson(inclusion)));
  EXPECT_OK(VerifyNoticeInclusion(notice.document, parsed));
  const Notice bank_notice = service.ListNotices(ben, ben.org_id).value().at(0);
  ASSERT_OK_AND_ASSIGN(NoticeInclusion bank_inclusion,
                       service.GetNoticeInclusion(ben, bank_notice.id));
  EXPECT_EQ(bank_inclusion.root, root);
  EXPECT_NE(bank_inclusion.index, inclusion.index);
  EXPECT_OK(VerifyNoticeInclusion(bank_notice.document, bank_inclusion));
  EXPECT_EQ(VerifyNoticeInclusion(bank_notice.document, inclusion).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(service.GetNoticeInclusion(ben, notice.id).status().code(), StatusCode::kNotFound);
  NoticeInclusion before_1970 = inclusion;
  before_1970.revision = -62135596800000000;  // 0001-01-01, as the Go database writes it
  EXPECT_OK(ParseNoticeInclusion(NoticeInclusionJson(before_1970)).status());
  EXPECT_EQ(ParseNoticeInclusion("{\"notice\": 1}").status().code(), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(std::string text, VerifyNotice(notice.document, key.verifier_key));
  EXPECT_NE(text.find("\"advisory\":{\"id\":\"GO-2022-1059\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"upgrade_to\":\"0.3.8\""), std::string::npos) << text;
  std::string altered = notice.document;
  altered.replace(altered.find("0.3.8"), 5, "0.3.7");
  EXPECT_EQ(VerifyNotice(altered, key.verifier_key).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(VerifyNoticeInclusion(altered, inclusion).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service.GetNotice(ben, notice.id).status().code(), StatusCode::kNotFound);

  // KEV lists the CVE: the notice's place in the inbox follows its finding; its text does not.
  ASSERT_OK(service
                .ImportFeed(system, "kev", R"({"vulnerabilities": [{"cveID": "CVE-2022-32149",
                    "dateAdded": "2026-11-01", "dueDate": "2026-11-22"}]})")
                .status());
  ASSERT_OK_AND_ASSIGN(Notice moved, service.GetNotice(rita, notice.id));
  EXPECT_EQ(moved.timeline, ssvc::RemediationTimeline::kFourteenDays);
  EXPECT_EQ(moved.deadline, notice.created_at + Days(14));
  EXPECT_LT(moved.rank, notice.rank);
  EXPECT_EQ(moved.document, notice.document);

  // A worker delivers: the hospital's endpoint takes it at the third attempt; the bank's never.
  jobs::Worker worker(
      *db, clock,
      {.name = "test-worker", .concurrency = 2, .idle_poll = std::chrono::milliseconds(10)});
  ASSERT_OK(service.RegisterJobs(worker));
  worker.Start();
  std::vector<Delivery> hospital, bank;
  for (int i = 0; i < 600; ++i) {
    hospital = service.ListDeliveries(rita, rita.org_id).value();
    bank = service.ListDeliveries(ben, ben.org_id).value();
    if (hospital.size() == 1 && hospital[0].state == "delivered" && bank.size() == 1 &&
        bank[0].state == "dead") {
      break;
    }
    clock.Advance(Minutes(10));  // the backoff between attempts passes
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  worker.Stop();
  ASSERT_EQ(hospital.size(), 1u);
  EXPECT_EQ(hospital[0].state, "delivered");
  EXPECT_EQ(hospital[0].attempts, 3);
  EXPECT_EQ(hospital[0].last_status, 204);
  ASSERT_EQ(bank.size(), 1u);
  EXPECT_EQ(bank[0].state, "dead");
  EXPECT_EQ(bank[0].attempts, kDeliveryAttempts);
  EXPECT_FALSE(bank[0].last_error.empty());
  EXPECT_EQ(audit.Count("clearinghouse.notice.dead_letter"), 1);
  receiver.Take();
  EXPECT_EQ(receiver.calls(), 3);
  EXPECT_EQ(receiver.signature, WebhookSignature(hook.secret, receiver.timestamp, receiver.body));
  EXPECT_NE(receiver.body.find(notice.id), std::string::npos);

  // The operator acknowledges, reports the fix, and a later inventory verifies it.
  ASSERT_OK_AND_ASSIGN(Notice acknowledged, service.AcknowledgeNotice(rita, notice.id));
  EXPECT_EQ(acknowledged.state, NoticeState::kAcknowledged);
  EXPECT_EQ(service.ReportRemediation(rita, notice.id, {Remediation::kNotAffected, {}, ""})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(
      Notice remediated,
      service.ReportRemediation(rita, notice.id, {Remediation::kFixed, {}, "upgraded to 0.3.8"}));
  EXPECT_EQ(remediated.state, NoticeState::kRemediated);
  EXPECT_EQ(service.ListFindings(rita, {.org_id = rita.org_id}).value().items.size(), 0u);
  ASSERT_OK(service.UploadInventory(rita, ehr.id, Sbom("v0.3.8")).status());
  ASSERT_OK_AND_ASSIGN(Notice verified, service.GetNotice(rita, notice.id));
  EXPECT_EQ(verified.state, NoticeState::kVerified);
  EXPECT_TRUE(verified.verified_at.has_value());
  EXPECT_EQ(audit.Count("clearinghouse.notice.verify"), 1);
}

// The program, its operators and a service over one database, for the fault tests.
struct Program {
  bulwark::testing::TempDir dir;
  FakeClock clock{ParseRfc3339("2026-11-02T09:00:00Z").value()};
  std::unique_ptr<store::Database> db;
  std::unique_ptr<secrets::Keyring> keyring;
  std::unique_ptr<secrets::SecretStore> secrets;
  ledger::GeneratedKey key;
  std::unique_ptr<ledger::NoteSigner> signer;
  CountingAudit audit;
  access::PasswordHasher hasher{access::PasswordHasher::Cost::kMinimal, 4, Seconds(10)};
  std::unique_ptr<access::Directory> directory;
  std::unique_ptr<ClearinghouseService> service;
  std::vector<access::Principal> admins;  // one per operator, each with an asset affected

  // The first operator's asset is publicly exposed with a high mission impact: its notices come
  // first; the others' are neither.
  explicit Program(int operators) {
    db = bulwark::testing::OpenTestDatabase(store::Backend::kSqlite, dir).value();
    EXPECT_TRUE(secrets::CreateKeyFile(dir.path() + "/secrets.key").ok());
    keyring = std::make_unique<secrets::Keyring>(
        secrets::OpenKeyring(dir.path() + "/secrets.key").value());
    secrets = std::make_unique<secrets::SecretStore>(*keyring, clock);
    key = ledger::GenerateEd25519Key("program.test/ledger").value();
    signer = ledger::NewEd25519Signer(key.private_key).value();
    directory = std::make_unique<access::Directory>(*db, clock, hasher);
    service =
        std::make_unique<ClearinghouseService>(*db, clock, &audit, signer.get(), secrets.get());
    const access::Principal system = access::SystemPrincipal();
    for (int i = 0; i < operators; ++i) {
      const std::string n = std::to_string(i);
      const std::string org =
          directory->CreateOrganization(system, "Operator " + n, access::OrgKind::kOperator)
              .value()
              .id;
      const access::User user = directory
                                    ->CreateUser(system, {org, "it@op" + n + ".example", "IT " + n,
                                                          std::nullopt, access::OrgRole::kAdmin})
                                    .value();
      admins.push_back({user.id, org, "tok", false});
      const bool first = i == 0;
      const Asset asset =
          service
              ->CreateAsset(admins.back(), org,
                            {"EHR", "", first,
                             first ? ssvc::MissionWellBeing::kHigh : ssvc::MissionWellBeing::kLow})
              .value();
      EXPECT_TRUE(service->UploadInventory(admins.back(), asset.id, Sbom("v0.3.7")).ok());
    }
  }

  void StoreAdvisory(std::string_view text) {
    vuln::AdvisoryStore store(*db, clock);
    vuln::Advisory advisory = vuln::ParseOsvAdvisory(text).value();
    EXPECT_TRUE(store.Upsert(advisory, text).ok());
  }

  size_t Notices() {
    size_t n = 0;
    for (const access::Principal& a : admins) n += service->ListNotices(a, a.org_id).value().size();
    return n;
  }
};

TEST(ClearinghouseNotices, AHangingEndpointIsTimedOutAndHoldsNoOtherDeliveryBack) {
  Program program(4);
  Hanger hanger;
  Receiver receiver(/*failures=*/0);
  // The first operator's endpoint hangs; the others' answer.
  ASSERT_OK(
      program.service->CreateWebhook(program.admins[0], program.admins[0].org_id, hanger.url())
          .status());
  for (size_t i = 1; i < program.admins.size(); ++i) {
    ASSERT_OK(
        program.service->CreateWebhook(program.admins[i], program.admins[i].org_id, receiver.url())
            .status());
  }
  program.StoreAdvisory(kAdvisory);
  ASSERT_OK(program.service->MonitorAdvisories().status());
  ASSERT_EQ(program.Notices(), 4u);

  jobs::Worker worker(
      *program.db, program.clock,
      {.name = "test-worker", .concurrency = 2, .idle_poll = std::chrono::milliseconds(10)});
  ASSERT_OK(program.service->RegisterJobs(worker));
  worker.Start();
  // The hanging endpoint's notice is the most urgent: its delivery takes one of the worker's two
  // slots first; while it hangs there, the others are delivered through the other.
  for (int i = 0; i < 1000 && receiver.calls() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(receiver.calls(), 3);
  EXPECT_EQ(hanger.connections(), 1u);
  EXPECT_EQ(program.service->ListDeliveries(program.admins[0], program.admins[0].org_id)
                .value()
                .at(0)
                .attempts,
            0);  // still in flight
  // Its attempt ends when the endpoint's time is up, and is retried later.
  std::vector<Delivery> hung;
  for (int i = 0; i < 2000; ++i) {
    hung = program.service->ListDeliveries(program.admins[0], program.admins[0].org_id).value();
    if (hung.size() == 1 && hung[0].attempts >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  worker.Stop();
  ASSERT_EQ(hung.size(), 1u);
  EXPECT_EQ(hung[0].state, "pending");
  EXPECT_EQ(hung[0].attempts, 1);
  EXPECT_FALSE(hung[0].last_error.empty());
  for (size_t i = 1; i < program.admins.size(); ++i) {
    const std::vector<Delivery> done =
        program.service->ListDeliveries(program.admins[i], program.admins[i].org_id).value();
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].state, "delivered");
  }
}

TEST(ClearinghouseNotices, AFanOutCutShortLeavesNothingAndRunAgainIssuesEveryNoticeOnce) {
  Program program(12);
  program.StoreAdvisory(kAdvisory);
  // The fan-out dies after signing five of its twelve notices: its transaction never commits.
  {
    FailingSigner failing(*program.signer, 5);
    ClearinghouseService dying(*program.db, program.clock, &program.audit, &failing,
                               program.secrets.get());
    EXPECT_FALSE(dying.MonitorAdvisories().ok());
  }
  EXPECT_EQ(program.Notices(), 0u);
  // Nor any finding: they are written with their notices, or not at all.
  EXPECT_EQ(program.service->ListFindings(program.admins[0], {.org_id = program.admins[0].org_id})
                .value()
                .items.size(),
            0u);
  EXPECT_EQ(program.audit.Count("clearinghouse.notices.issue"), 0);

  // Run again, by four monitors at once: every operator is told, once.
  std::vector<std::thread> monitors;
  std::atomic<int> failed{0};
  for (int i = 0; i < 4; ++i) {
    monitors.emplace_back([&] {
      if (!program.service->MonitorAdvisories().ok()) ++failed;
    });
  }
  for (std::thread& t : monitors) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(program.Notices(), 12u);
  EXPECT_EQ(program.audit.Count("clearinghouse.notices.issue"), 1);
  EXPECT_EQ(program.audit.Fact("clearinghouse.notices.issue", "notices"), "12");
  ASSERT_OK(program.service->MonitorAdvisories().status());
  EXPECT_EQ(program.Notices(), 12u);

  // A revision that opens no new finding tells nobody again.
  std::string revised(kAdvisory);
  revised.replace(revised.find("2024-01-01"), 10, "2024-06-01");
  revised.replace(revised.find("Denial of service"), 17, "Denial-of-service");
  program.StoreAdvisory(revised);
  ASSERT_OK(program.service->MonitorAdvisories().status());
  EXPECT_EQ(program.Notices(), 12u);
}

}  // namespace
}  // namespace bulwark::clearinghouse
