// bulwark migrate, and bulwark admin: the machine operator's commands. They act as the system
// principal directly on the database, so they work before any user exists.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "access/directory.h"
#include "access/policy.h"
#include "api/ledger_audit.h"
#include "api/render.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/time_format.h"
#include "cli/commands.h"
#include "evals/task.h"
#include "secrets/secret_store.h"
#include "store/migrations.h"

namespace bulwark::cli {
namespace {

using access::Directory;
using access::PasswordHasher;
using access::SystemPrincipal;

void PrintJson(const boost::json::value& v) { std::cout << boost::json::serialize(v) << "\n"; }

// Reads one line from standard input (a password), without the newline.
std::string ReadSecretLine() {
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Runs `body` with a migrated database and a directory acting for the machine operator.
int WithDirectory(const GlobalOptions& global, const std::function<Status(Directory&)>& body) {
  StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
  if (!db.ok()) return Fail(db.status());
  StatusOr<std::unique_ptr<ledger::TransparencyLog>> log = OpenLedger(global, **db, true);
  if (!log.ok()) return Fail(log.status());
  api::LedgerAuditTrail audit(**log, SystemClock::Get());
  PasswordHasher hasher(PasswordHasher::Cost::kInteractive, 2, Seconds(30));
  Directory directory(**db, SystemClock::Get(), hasher, &audit);
  Status s = body(directory);
  return s.ok() ? 0 : Fail(s);
}

StatusOr<std::string> ResolveOrganization(Directory& directory, const std::string& id_or_name) {
  if (IsValidId(id_or_name, "org")) return id_or_name;
  BW_ASSIGN_OR_RETURN(access::Organization org,
                      directory.FindOrganizationByName(SystemPrincipal(), id_or_name));
  return org.id;
}

StatusOr<std::string> ResolveUser(Directory& directory, const std::string& id_or_email) {
  if (IsValidId(id_or_email, "usr")) return id_or_email;
  BW_ASSIGN_OR_RETURN(access::User user, directory.FindUserByEmail(SystemPrincipal(), id_or_email));
  return user.id;
}

// --- The demo ---------------------------------------------------------------------------

struct DemoAccount {
  std::string_view org_name;
  access::OrgKind kind;
  std::string_view email;
  std::string_view display_name;
  bool platform_admin;
};

constexpr DemoAccount kDemoAccounts[] = {
    {"Program Office", access::OrgKind::kProgramOffice, "admin@program-office.demo", "Pat Director",
     true},
    {"Frontier Lab", access::OrgKind::kLab, "lead@frontier-lab.demo", "Lee Safety Lead", false},
    {"Government Evaluation Office", access::OrgKind::kAgency, "evaluator@evaluation-office.demo",
     "Eve Evaluator", false},
    {"Cyber Defense Agency", access::OrgKind::kAgency, "analyst@cyber-defense.demo", "Dana Analyst",
     false},
    {"AI Cybersecurity Clearinghouse", access::OrgKind::kClearinghouse,
     "coordinator@clearinghouse.demo", "Cory Coordinator", false},
    {"Rural Hospital", access::OrgKind::kOperator, "it@rural-hospital.demo", "Rita IT Lead", false},
    {"Community Bank", access::OrgKind::kOperator, "security@community-bank.demo", "Ben Security",
     false},
    {"Local Utility", access::OrgKind::kOperator, "ot@local-utility.demo", "Uma OT Engineer",
     false},
};

// Defensive access in the demo: Atlas 0.9 is released (served by the mock model too), and the
// Cyber Defense Agency uses it for defence, approved by the lab and the program office.
Status SeedDefensiveDemo(review::ReviewService& review, const review::Model& atlas,
                         const std::vector<review::ModelVersion>& versions,
                         const std::string& model_url, const access::Principal& lead,
                         const access::Principal& director, const access::Principal& dana) {
  std::optional<review::ModelVersion> released;
  for (const review::ModelVersion& v : versions) {
    if (v.version == "0.9") released = v;
  }
  if (!released) {
    BW_ASSIGN_OR_RETURN(
        released, review.AddVersion(lead, atlas.id,
                                    {"0.9", review::Provider::kOpenAi, model_url, "atlas-mock",
                                     access::NewSecret("sk-demo-"), std::nullopt}));
  }
  if (released->status != review::VersionStatus::kReleased) {
    BW_ASSIGN_OR_RETURN(
        released, review.SetVersionStatus(lead, released->id, review::VersionStatus::kReleased));
  }
  BW_ASSIGN_OR_RETURN(std::vector<review::DefensiveGrant> grants, review.ListDefensiveAccess(dana));
  const Time now = SystemClock::Get().Now();
  std::optional<review::DefensiveGrant> grant;
  for (const review::DefensiveGrant& g : grants) {
    const review::DefensiveState state = g.StateAt(now);
    if (g.version_id == released->id &&
        (state == review::DefensiveState::kRequested || state == review::DefensiveState::kActive)) {
      grant = g;
    }
  }
  if (!grant) {
    BW_ASSIGN_OR_RETURN(grant, review.RequestDefensiveAccess(
                                   dana, {released->id,
                                          "Triage of vulnerability reports against federal systems",
                                          now + Days(180),
                                          {}}));
  }
  if (!grant->lab_approved_at) {
    BW_ASSIGN_OR_RETURN(grant, review.ApproveDefensiveAccess(lead, grant->id));
  }
  if (!grant->office_approved_at) {
    BW_ASSIGN_OR_RETURN(grant, review.ApproveDefensiveAccess(director, grant->id));
  }
  return OkStatus();
}

// The review program's part of the demo: the program office's members hold program_office; the
// lab's model "Atlas" has a version served by `bulwark mock-model` at `model_url` with an open
// access window, on which the Rural Hospital is a partner (proposed by the lab, concurred by
// the program office) and its IT lead holds a gateway key (kept in `entry`); its released
// version 0.9 is in defensive use by the Cyber Defense Agency.
Status SeedReviewDemo(Directory& directory, review::ReviewService& review,
                      const std::string& model_url, boost::json::object& saved) {
  const access::Principal system = SystemPrincipal();
  auto principal = [&](std::string_view email) -> StatusOr<access::Principal> {
    BW_ASSIGN_OR_RETURN(access::User user, directory.FindUserByEmail(system, std::string(email)));
    return access::Principal{user.id, user.org_id, "", false};
  };
  BW_ASSIGN_OR_RETURN(access::Principal director, principal("admin@program-office.demo"));
  BW_ASSIGN_OR_RETURN(access::Principal lead, principal("lead@frontier-lab.demo"));
  BW_ASSIGN_OR_RETURN(access::Principal rita, principal("it@rural-hospital.demo"));
  BW_ASSIGN_OR_RETURN(
      access::Decision program,
      directory.Check(director, access::actions::kReviewProgram, access::kPlatform));
  if (!program.allowed) {
    BW_RETURN_IF_ERROR(directory
                           .WriteTuple(system, {std::string(access::kPlatform),
                                                "program_office",
                                                director.org_id + "#member",
                                                {},
                                                {}})
                           .status());
  }
  BW_ASSIGN_OR_RETURN(std::vector<review::Model> models, review.ListModels(lead));
  std::optional<review::Model> atlas;
  for (const review::Model& m : models) {
    if (m.name == "Atlas") atlas = m;
  }
  if (!atlas) {
    BW_ASSIGN_OR_RETURN(atlas, review.RegisterModel(lead, lead.org_id, "Atlas",
                                                    "Frontier Lab's next model, in development"));
  }
  // An open window on a version of Atlas; a new version when the earlier ones used their days.
  const Time now = SystemClock::Get().Now();
  std::optional<review::Window> window;
  BW_ASSIGN_OR_RETURN(std::vector<review::Window> windows, review.ListWindows(lead));
  BW_ASSIGN_OR_RETURN(std::vector<review::ModelVersion> versions,
                      review.ListVersions(lead, atlas->id));
  for (const review::Window& w : windows) {
    for (const review::ModelVersion& v : versions) {
      if (w.version_id == v.id && w.StateAt(now) == review::WindowState::kOpen) window = w;
    }
  }
  if (!window) {
    BW_ASSIGN_OR_RETURN(
        review::ModelVersion version,
        review.AddVersion(lead, atlas->id,
                          {"1." + std::to_string(std::count_if(versions.begin(), versions.end(),
                                                               [](const review::ModelVersion& v) {
                                                                 return v.version.starts_with("1.");
                                                               })),
                           review::Provider::kOpenAi, model_url, "atlas-mock",
                           access::NewSecret("sk-demo-"), now + Days(45)}));
    // The lab keeps the content of calls under the window, readable under the two-person rule.
    BW_ASSIGN_OR_RETURN(
        window, review.OpenWindow(lead, version.id, {now, now + Days(14), {{}, false, true, 90}}));
  }
  BW_ASSIGN_OR_RETURN(std::vector<review::PartnerGrant> partners,
                      review.ListPartners(lead, window->id));
  std::optional<review::PartnerGrant> grant;
  for (const review::PartnerGrant& g : partners) {
    if (g.partner_org_id == rita.org_id && g.state != review::PartnerState::kRemoved) grant = g;
  }
  if (!grant) {
    BW_ASSIGN_OR_RETURN(grant, review.ProposePartner(lead, window->id, rita.org_id,
                                                     {.requests_per_day = 500,
                                                      .tokens_per_day = 2000000,
                                                      .requests_per_minute = 60}));
  }
  if (grant->state == review::PartnerState::kProposed) {
    BW_ASSIGN_OR_RETURN(grant, review.ConcurPartner(director, grant->id));
  }
  BW_ASSIGN_OR_RETURN(access::Principal dana, principal("analyst@cyber-defense.demo"));
  BW_RETURN_IF_ERROR(SeedDefensiveDemo(review, *atlas, versions, model_url, lead, director, dana));
  boost::json::object& entry = saved["it@rural-hospital.demo"].as_object();
  bool key_works = false;
  if (auto* k = entry.if_contains("gateway_key"); k && k->is_string()) {
    key_works = review.AuthorizeGatewayKey(std::string(k->get_string())).ok();
  }
  if (!key_works) {
    BW_ASSIGN_OR_RETURN(review::IssuedGatewayKey key,
                        review.IssueGatewayKey(rita, grant->id, "demo", std::nullopt));
    entry["gateway_key"] = key.secret;
  }
  return OkStatus();
}

// The designation's part of the demo: Eve Evaluator (of the Government Evaluation Office)
// evaluates for the program office, Pat Director designates. The suite at `suite_path` is
// imported (the server's worker checks its tasks' validity once it starts), a sequential policy
// over it is registered, Lee asks whether the window's version of Atlas is covered and the
// program office accepts. What Eve needs to start the evaluation answering it, once the suite is
// found valid, is kept in `saved` ("demo_evaluation"; scripts/demo-evaluation.sh does it).
Status SeedEvaluationDemo(Directory& directory, review::ReviewService& review,
                          evaluations::EvaluationService& evaluations,
                          const std::string& suite_path, boost::json::object& saved) {
  const access::Principal system = SystemPrincipal();
  auto principal = [&](std::string_view email) -> StatusOr<access::Principal> {
    BW_ASSIGN_OR_RETURN(access::User user, directory.FindUserByEmail(system, std::string(email)));
    return access::Principal{user.id, user.org_id, "", false};
  };
  BW_ASSIGN_OR_RETURN(access::Principal pat, principal("admin@program-office.demo"));
  BW_ASSIGN_OR_RETURN(access::Principal eve, principal("evaluator@evaluation-office.demo"));
  BW_ASSIGN_OR_RETURN(access::Principal lee, principal("lead@frontier-lab.demo"));
  auto hold = [&](const access::Principal& who, std::string_view action,
                  const char* relation) -> Status {
    BW_ASSIGN_OR_RETURN(access::Decision d, directory.Check(who, action, access::kPlatform));
    if (d.allowed) return OkStatus();
    return directory
        .WriteTuple(system, {std::string(access::kPlatform), relation, who.user_id, {}, {}})
        .status();
  };
  BW_RETURN_IF_ERROR(hold(eve, access::actions::kEvaluationRun, "evaluator"));
  BW_RETURN_IF_ERROR(hold(eve, access::actions::kReviewProgram, "program_office"));
  BW_RETURN_IF_ERROR(hold(pat, access::actions::kEvaluationDesignate, "director"));

  // The suite: a sealed file (bulwark suite seal), or a suite folder.
  evaluations::StoredSuite suite;
  if (std::filesystem::is_regular_file(suite_path)) {
    std::ifstream in(suite_path, std::ios::binary);
    const std::string document((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    BW_ASSIGN_OR_RETURN(suite, evaluations.ImportSuiteDocument(eve, document));
  } else {
    BW_ASSIGN_OR_RETURN(evals::Suite loaded, evals::LoadSuite(suite_path));
    BW_ASSIGN_OR_RETURN(suite, evaluations.ImportSuite(eve, loaded));
  }
  const std::string policy_yaml =
      "# The demo's threshold policy: decided sequentially, at the first clear answer.\n"
      "id: demo-covered-cyber\nversion: 1\n"
      "description: A model that solves more than a third of the suite's samples is covered.\n"
      "suites:\n  - name: " +
      suite.name + "\n    hash: " + suite.hash +
      "\ncriteria:\n  - id: overall\n    metric: pass_rate\n    threshold: 0.34\n"
      "    level: 0.95\nmin_tasks: 3\nsequential: true\n";
  BW_ASSIGN_OR_RETURN(evaluations::RegisteredPolicy policy,
                      evaluations.RegisterPolicy(eve, policy_yaml));

  // Lee's inquiry about the version under the open window, accepted; one evaluation answers it.
  BW_ASSIGN_OR_RETURN(std::vector<review::Window> windows, review.ListWindows(lee));
  const Time now = SystemClock::Get().Now();
  std::optional<review::Window> window;
  for (const review::Window& w : windows) {
    if (w.StateAt(now) == review::WindowState::kOpen) window = w;
  }
  if (!window) return OkStatus();
  BW_ASSIGN_OR_RETURN(std::vector<review::Inquiry> inquiries, review.ListInquiries(lee));
  std::optional<review::Inquiry> inquiry;
  for (const review::Inquiry& q : inquiries) {
    if (q.version_id == window->version_id) inquiry = q;
  }
  if (!inquiry) {
    BW_ASSIGN_OR_RETURN(inquiry,
                        review.SubmitInquiry(lee, window->version_id,
                                             "Is this version a covered frontier model? We plan "
                                             "to release it next month."));
  }
  if (inquiry->state == review::InquiryState::kSubmitted) {
    BW_ASSIGN_OR_RETURN(inquiry, review.AcceptInquiry(pat, inquiry->id, std::nullopt));
  }
  saved["demo_evaluation"] =
      boost::json::object{{"version_id", window->version_id},
                          {"policy_hash", policy.hash},
                          {"suite_hash", suite.hash},
                          {"inquiry_id", inquiry->id},
                          {"inquiry_state", std::string(review::InquiryStateName(inquiry->state))}};
  return OkStatus();
}

// Creates whatever of the demo is missing; keeps what exists. Credentials are kept in a file
// (mode 0600) so that each run can print them; a credential that no longer works is replaced.
Status SeedDemo(Directory& directory, review::ReviewService& review,
                evaluations::EvaluationService& evaluations,
                clearinghouse::ClearinghouseService& clearinghouse, FakeClock& clearinghouse_clock,
                const std::string& credentials_path, const std::string& url,
                const std::string& model_url, const std::string& suite_path,
                const std::string& shared_dir) {
  boost::json::object saved;
  if (std::ifstream in(credentials_path); in) {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    StatusOr<boost::json::value> parsed = ParseJson(text);
    if (parsed.ok() && parsed->is_object()) saved = parsed->get_object();
  }
  const access::Principal system = SystemPrincipal();
  for (const DemoAccount& account : kDemoAccounts) {
    StatusOr<access::Organization> org =
        directory.FindOrganizationByName(system, std::string(account.org_name));
    if (org.status().code() == StatusCode::kNotFound) {
      org = directory.CreateOrganization(system, std::string(account.org_name), account.kind);
    }
    BW_RETURN_IF_ERROR(org.status());
    std::string email(account.email);
    boost::json::object entry;
    if (auto* e = saved.if_contains(email); e && e->is_object()) entry = e->get_object();
    StatusOr<access::User> user = directory.FindUserByEmail(system, email);
    if (user.status().code() == StatusCode::kNotFound) {
      user = directory.CreateUser(system, {org->id, email, std::string(account.display_name),
                                           std::nullopt, access::OrgRole::kAdmin});
      entry.erase("password");
      entry.erase("token");
    }
    BW_RETURN_IF_ERROR(user.status());
    if (account.platform_admin) {
      BW_ASSIGN_OR_RETURN(access::Decision d,
                          directory.Check({user->id, org->id, "", false},
                                          access::actions::kTupleWrite, access::kPlatform));
      if (!d.allowed) {
        BW_RETURN_IF_ERROR(
            directory
                .WriteTuple(system, {std::string(access::kPlatform), "admin", user->id, {}, {}})
                .status());
      }
    }
    if (!entry.contains("password")) {
      std::string password = access::NewSecret("").substr(0, 20);
      BW_RETURN_IF_ERROR(directory.SetPassword(system, user->id, password));
      entry["password"] = password;
    }
    bool token_works = false;
    if (auto* t = entry.if_contains("token"); t && t->is_string()) {
      token_works = directory.AuthenticateToken(std::string(t->get_string())).ok();
    }
    if (!token_works) {
      BW_ASSIGN_OR_RETURN(
          access::IssuedToken token,
          directory.IssueToken({user->id, org->id, "", false}, user->id, "demo", std::nullopt));
      entry["token"] = token.secret;
    }
    entry["organization"] = account.org_name;
    entry["kind"] = access::OrgKindName(account.kind);
    saved[email] = entry;
  }
  BW_RETURN_IF_ERROR(SeedReviewDemo(directory, review, model_url, saved));
  if (!suite_path.empty()) {
    BW_RETURN_IF_ERROR(SeedEvaluationDemo(directory, review, evaluations, suite_path, saved));
  }
  BW_RETURN_IF_ERROR(
      SeedClearinghouseDemo(directory, clearinghouse, clearinghouse_clock, shared_dir));
  {
    std::ofstream out(credentials_path, std::ios::trunc);
    out << boost::json::serialize(saved) << "\n";
    if (!out) return InternalError("cannot write " + credentials_path);
  }
  chmod(credentials_path.c_str(), 0600);

  std::cout << "\nBulwark demo: " << url << "\n"
            << "Call the API with a token below, or sign in with an email and password:\n"
            << "  curl -H 'Authorization: Bearer <token>' " << url << "/api/v1/whoami\n"
            << "  curl -c jar -X POST " << url
            << "/api/v1/session -d '{\"email\": \"...\", \"password\": \"...\"}'\n"
            << "The API is described at " << url << "/api/v1/openapi.json\n\n";
  for (const DemoAccount& account : kDemoAccounts) {
    const boost::json::object& e = saved.at(account.email).as_object();
    std::cout << "  " << account.org_name << " (" << access::OrgKindName(account.kind)
              << (account.platform_admin ? ", platform admin" : "") << ")\n"
              << "    email:    " << account.email << "\n"
              << "    password: " << e.at("password").as_string().c_str() << "\n"
              << "    token:    " << e.at("token").as_string().c_str() << "\n";
    if (const boost::json::value* key = e.if_contains("gateway_key")) {
      std::cout << "    gateway key (Frontier Lab's Atlas, as a trusted partner): "
                << key->as_string().c_str() << "\n";
    }
  }
  std::cout << "\nThe Rural Hospital calls Frontier Lab's model through the gateway with its key:\n"
            << "  curl -H 'Authorization: Bearer <gateway key>' " << url << "/gateway/v1/models\n"
            << "  curl -N -H 'Authorization: Bearer <gateway key>' " << url
            << "/gateway/v1/chat/completions \\\n"
            << "       -d '{\"model\": \"<id from /models>\", \"stream\": true, \"messages\": "
               "[{\"role\": \"user\", \"content\": \"Hello\"}]}'\n";
  std::cout << "\n(also saved in " << credentials_path << ")\n" << std::endl;
  return OkStatus();
}

}  // namespace

int Fail(const Status& status) {
  std::cerr << "bulwark: " << status.message() << "\n";
  return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

StatusOr<std::unique_ptr<store::Database>> OpenAndMigrate(const GlobalOptions& global) {
  if (global.database.rfind("sqlite:", 0) == 0) {
    std::filesystem::path file(global.database.substr(7));
    if (file.has_parent_path()) {
      std::error_code ec;
      std::filesystem::create_directories(file.parent_path(), ec);
      if (ec) {
        return InvalidArgumentError("cannot create the folder " + file.parent_path().string() +
                                    ": " + ec.message());
      }
    }
  }
  BW_ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::OpenDatabase(global.database));
  BW_RETURN_IF_ERROR(store::ApplyMigrations(*db).status());
  return db;
}

void AddMigrateCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  CLI::App* migrate = app.add_subcommand(
      "migrate", "Apply the schema migrations this binary knows to the database, then exit");
  actions[migrate] = [&global] {
    StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
    if (!db.ok()) return Fail(db.status());
    StatusOr<int> version = store::SchemaVersion(**db);
    if (!version.ok()) return Fail(version.status());
    std::cout << "schema version " << *version << "\n";
    return 0;
  };
}

void AddAdminCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  CLI::App* admin = app.add_subcommand(
      "admin", "Operator commands on the database: organizations, users, tokens, grants, demo");
  admin->require_subcommand(1);

  {
    auto* cmd = admin->add_subcommand("create-org", "Create an organization");
    auto name = std::make_shared<std::string>();
    auto kind = std::make_shared<std::string>();
    cmd->add_option("--name", *name, "Organization name")->required();
    cmd->add_option("--kind", *kind,
                    "lab, agency, operator, partner, clearinghouse or program_office")
        ->required();
    actions[cmd] = [&global, name, kind] {
      return WithDirectory(global, [&](Directory& d) -> Status {
        BW_ASSIGN_OR_RETURN(access::OrgKind k, access::ParseOrgKind(*kind));
        BW_ASSIGN_OR_RETURN(access::Organization org,
                            d.CreateOrganization(SystemPrincipal(), *name, k));
        PrintJson(api::RenderOrganization(org));
        return OkStatus();
      });
    };
  }
  {
    auto* cmd = admin->add_subcommand("create-user", "Create a user in an organization");
    auto org = std::make_shared<std::string>();
    auto email = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    auto role = std::make_shared<std::string>("member");
    auto password_stdin = std::make_shared<bool>(false);
    cmd->add_option("--org", *org, "Organization id or name")->required();
    cmd->add_option("--email", *email, "Email address (the sign-in name)")->required();
    cmd->add_option("--name", *name, "Display name")->required();
    cmd->add_option("--role", *role, "member or admin")->capture_default_str();
    cmd->add_flag("--password-stdin", *password_stdin,
                  "Read a console password from the first line of standard input");
    actions[cmd] = [&global, org, email, name, role, password_stdin] {
      std::optional<std::string> password;
      if (*password_stdin) password = ReadSecretLine();
      return WithDirectory(global, [&](Directory& d) -> Status {
        BW_ASSIGN_OR_RETURN(access::OrgRole r, access::ParseOrgRole(*role));
        BW_ASSIGN_OR_RETURN(std::string org_id, ResolveOrganization(d, *org));
        BW_ASSIGN_OR_RETURN(access::User user,
                            d.CreateUser(SystemPrincipal(), {org_id, *email, *name, password, r}));
        PrintJson(api::RenderUser(user));
        return OkStatus();
      });
    };
  }
  {
    auto* cmd =
        admin->add_subcommand("set-password", "Set a user's console password from standard input");
    auto user = std::make_shared<std::string>();
    cmd->add_option("--user", *user, "User id or email")->required();
    actions[cmd] = [&global, user] {
      std::string password = ReadSecretLine();
      return WithDirectory(global, [&](Directory& d) -> Status {
        BW_ASSIGN_OR_RETURN(std::string id, ResolveUser(d, *user));
        BW_RETURN_IF_ERROR(d.SetPassword(SystemPrincipal(), id, password));
        std::cout << "password set for " << id << "\n";
        return OkStatus();
      });
    };
  }
  {
    auto* cmd = admin->add_subcommand("issue-token",
                                      "Issue an API token for a user; the secret is printed once");
    auto user = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>("cli");
    auto days = std::make_shared<int>(0);
    cmd->add_option("--user", *user, "User id or email")->required();
    cmd->add_option("--name", *name, "What the token is for")->capture_default_str();
    cmd->add_option("--expires-in-days", *days, "Lifetime in days; 0 for no expiry")
        ->check(CLI::Range(0, 3650));
    actions[cmd] = [&global, user, name, days] {
      return WithDirectory(global, [&](Directory& d) -> Status {
        BW_ASSIGN_OR_RETURN(std::string id, ResolveUser(d, *user));
        std::optional<Time> expires;
        if (*days > 0) expires = SystemClock::Get().Now() + Days(*days);
        // The operator issues on the user's behalf, as the user.
        BW_ASSIGN_OR_RETURN(access::User u, d.GetUser(SystemPrincipal(), id));
        BW_ASSIGN_OR_RETURN(access::IssuedToken token,
                            d.IssueToken({u.id, u.org_id, "", false}, id, *name, expires));
        boost::json::object out = api::RenderToken(token.token, SystemClock::Get().Now());
        out["token"] = token.secret;
        PrintJson(out);
        return OkStatus();
      });
    };
  }
  {
    auto* cmd = admin->add_subcommand("revoke-token", "Revoke an API token");
    auto id = std::make_shared<std::string>();
    cmd->add_option("--id", *id, "Token id (tok_...)")->required();
    actions[cmd] = [&global, id] {
      return WithDirectory(global, [&](Directory& d) -> Status {
        BW_ASSIGN_OR_RETURN(access::ApiToken t, d.RevokeToken(SystemPrincipal(), *id));
        PrintJson(api::RenderToken(t, SystemClock::Get().Now()));
        return OkStatus();
      });
    };
  }
  {
    auto* cmd = admin->add_subcommand(
        "grant", "Write a relationship tuple, approved by the operator (e.g. platform admin)");
    auto object = std::make_shared<std::string>();
    auto relation = std::make_shared<std::string>();
    auto subject = std::make_shared<std::string>();
    auto expires = std::make_shared<std::string>();
    cmd->add_option("--object", *object, "platform, org_... or usr_...")->required();
    cmd->add_option("--relation", *relation, "admin, auditor, member, ...")->required();
    cmd->add_option("--subject", *subject, "usr_..., an email, or org_...#member")->required();
    cmd->add_option("--expires-at", *expires, "RFC 3339 time the grant ends");
    actions[cmd] = [&global, object, relation, subject, expires] {
      return WithDirectory(global, [&](Directory& d) -> Status {
        std::string who = *subject;
        if (who.find('@') != std::string::npos) {
          BW_ASSIGN_OR_RETURN(who, ResolveUser(d, who));
        }
        access::NewTuple spec{*object, *relation, who, {}, {}};
        if (!expires->empty()) {
          BW_ASSIGN_OR_RETURN(Time t, ParseRfc3339(*expires));
          spec.expires_at = t;
        }
        BW_ASSIGN_OR_RETURN(access::RelationshipTuple t, d.WriteTuple(SystemPrincipal(), spec));
        PrintJson(api::RenderTuple(t, SystemClock::Get().Now()));
        return OkStatus();
      });
    };
  }
  {
    auto* cmd = admin->add_subcommand("list-orgs", "List organizations, one JSON object a line");
    actions[cmd] = [&global] {
      return WithDirectory(global, [&](Directory& d) -> Status {
        access::PageRequest page{"", 200};
        do {
          BW_ASSIGN_OR_RETURN(access::Page<access::Organization> orgs,
                              d.ListOrganizations(SystemPrincipal(), page));
          for (const access::Organization& org : orgs.items)
            PrintJson(api::RenderOrganization(org));
          page.after = orgs.next_cursor;
        } while (!page.after.empty());
        return OkStatus();
      });
    };
  }
  {
    auto* cmd = admin->add_subcommand(
        "seed-demo",
        "Create the demo organizations, users and tokens if missing, and print how to sign in");
    auto file = std::make_shared<std::string>("var/demo-credentials.json");
    auto url = std::make_shared<std::string>("http://127.0.0.1:8080");
    cmd->add_option("--credentials-file", *file, "Where the demo credentials are kept")
        ->capture_default_str();
    cmd->add_option("--url", *url, "The URL the server will listen on")->capture_default_str();
    auto model_url = std::make_shared<std::string>("http://127.0.0.1:8089/v1");
    cmd->add_option("--model-url", *model_url,
                    "Where the demo lab's model answers (bulwark mock-model), OpenAI-style")
        ->capture_default_str();
    auto suite = std::make_shared<std::string>();
    cmd->add_option("--suite", *suite,
                    "The suite the demo's evaluation runs, a sealed file or a suite folder "
                    "(default: no evaluation; its validity checks keep a worker busy)");
    auto shared = std::make_shared<std::string>("../shared");
    cmd->add_option("--shared", *shared,
                    "Where the real public data is (SBOMs, the Go advisories, the KEV catalog); "
                    "small built-in data is seeded when it is absent")
        ->capture_default_str();
    actions[cmd] = [&global, file, url, model_url, suite, shared] {
      return WithDirectory(global, [&](Directory& d) -> Status {
        BW_ASSIGN_OR_RETURN(secrets::Keyring keyring, OpenSecretsKeyring(global, d.database()));
        secrets::SecretStore secrets(keyring, SystemClock::Get());
        review::ReviewService review(d.database(), SystemClock::Get(), secrets, d.audit());
        evaluations::EvaluationService evaluations(d.database(), SystemClock::Get(), secrets,
                                                   review, d.audit());
        // Notices are signed with the program's key, the ledger's.
        BW_ASSIGN_OR_RETURN(std::unique_ptr<ledger::TransparencyLog> log,
                            OpenLedger(global, d.database(), true));
        // The clearinghouse's demo writes a history (SeedClearinghouseDemo).
        FakeClock history(SystemClock::Get().Now());
        clearinghouse::ClearinghouseService clearinghouse(d.database(), history, d.audit(),
                                                          &log->signer(), &secrets);
        return SeedDemo(d, review, evaluations, clearinghouse, history, *file, *url, *model_url,
                        *suite, *shared);
      });
    };
  }
}

}  // namespace bulwark::cli
