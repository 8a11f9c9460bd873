// ClearinghouseService: enrolled operators' assets and their inventories, watched against the
// advisories and scored by the feeds, so that every finding carries a priority and a deadline.
//
// An operator records its assets (systems: an environment, whether publicly exposed, SSVC's
// mission and well-being impact) and uploads an inventory (an SBOM, CycloneDX or SPDX) of each as
// it changes; every upload is kept as a version of the asset's inventory. Two directions of one
// match keep the findings (asset, package version, advisory) current:
//   - the forward match: a new inventory against every stored advisory (an index built from the
//     advisory store, rebuilt when the store changes);
//   - the reverse match: each new or changed advisory against every asset's components
//     (MonitorAdvisories, a job queued by every advisory import; it remembers what it matched,
//     so whatever imported the advisories, each is matched once per revision).
// Findings are created, updated and closed idempotently: an inventory identical to the asset's
// latest changes nothing. A later inventory that no longer has a finding's package version
// verifies its fix; one that has it again reopens it. The states and who may move them are
// rules.h's; the priority is priority.h's, recomputed when a feed (KEV, EPSS, SSVC) changes what
// it knows of the finding's CVE. Every change is recorded in the audit trail in its transaction.
//
// Rules with a time in them read the injected clock at the moment of use; Sweep (a job every
// minute) reopens findings whose risk acceptance expired and escalates those past their deadline,
// each once, in the ledger.
//
// Thread-safety: safe from any thread; all state is in the database except the advisory index,
// which is shared read-only and replaced under a lock.
//
//   ClearinghouseService ch(db, clock, &audit);
//   BW_ASSIGN_OR_RETURN(Asset a, ch.CreateAsset(admin, org, {"EHR", "production", true, kHigh}));
//   BW_ASSIGN_OR_RETURN(Inventory inv, ch.UploadInventory(admin, a.id, sbom_json));
//   BW_ASSIGN_OR_RETURN(FindingPage page, ch.ListFindings(admin, {.org_id = org}));
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "access/audit.h"
#include "access/authorizer.h"
#include "access/types.h"
#include "base/clock.h"
#include "base/status.h"
#include "clearinghouse/feeds.h"
#include "clearinghouse/priority.h"
#include "clearinghouse/rules.h"
#include "jobs/queue.h"
#include "jobs/worker.h"
#include "ledger/note.h"
#include "secrets/secret_store.h"
#include "ssvc/ssvc.h"
#include "store/database.h"
#include "vuln/advisory_index.h"

namespace bulwark::clearinghouse {

namespace internal {
struct NoticeItem;
}

struct NewAsset {
  std::string name;
  std::string environment;  // "production", "clinical network", ...
  bool publicly_exposed = false;
  ssvc::MissionWellBeing mission_well_being = ssvc::MissionWellBeing::kMedium;
};

struct Asset {
  std::string id;  // ast_...
  std::string org_id;
  std::string org_name;
  std::string name;
  std::string environment;
  bool publicly_exposed = false;
  ssvc::MissionWellBeing mission_well_being = ssvc::MissionWellBeing::kMedium;
  Time created_at;
  std::string created_by;
  Time updated_at;
  int64_t inventory_seq = 0;  // the latest inventory's number, 0 before the first
  int64_t components = 0;     // matchable package versions in the latest inventory
  int64_t active_findings = 0;
  int64_t overdue_findings = 0;
};

// One version of an asset's inventory, and what its upload changed.
struct Inventory {
  std::string id;  // inv_...
  std::string asset_id;
  int64_t seq = 0;
  std::string format;  // "CycloneDX JSON", "CycloneDX XML", "SPDX JSON"
  std::string spec_version;
  std::string serial_number;
  std::string sha256;      // of the document as uploaded
  int64_t components = 0;  // in the document
  int64_t matchable = 0;   // distinct package versions with a purl of a known ecosystem
  int64_t added = 0;       // package versions the asset's previous inventory did not have
  int64_t removed = 0;     // and those it had that this one does not
  int64_t opened = 0;      // findings opened (new, or reopened)
  int64_t verified_fixed = 0;
  Time uploaded_at;
  std::string uploaded_by;
  bool unchanged = false;  // the document was the asset's latest: nothing was recorded
};

struct Finding {
  std::string id;  // fnd_...
  std::string org_id;
  std::string asset_id;
  std::string asset_name;
  std::string advisory_id;
  std::string cve;                // the first of `cves`, "" when none
  std::vector<std::string> cves;  // the CVE ids the advisory names; the feeds score them all
  std::string summary;
  std::string severity;  // "critical", "high", ...
  std::string cvss;      // the score, "" when unknown
  std::string ecosystem;
  std::string package;
  std::string version;
  std::string purl;
  std::string upgrade_to;
  FindingState state = FindingState::kOpen;  // as of the read (an expired acceptance is open)
  std::optional<Justification> justification;
  std::string note;
  std::optional<Time> accepted_until;
  Time known_at;
  Time updated_at;
  std::string updated_by;
  std::optional<Time> closed_at;
  std::optional<Time> escalated_at;
  bool overdue = false;
  ssvc::RemediationTimeline timeline = ssvc::RemediationTimeline::kOnSystemUpgrade;
  std::optional<Time> deadline;
  ssvc::CisaLevel cisa_level = ssvc::CisaLevel::kTrack;
  int64_t rank = 0;
  std::vector<PriorityFactor> factors;
};

struct FindingQuery {
  std::string org_id;    // "" for every operator (the clearinghouse's portfolio)
  std::string asset_id;  // "" for every asset of the operator
  bool active_only = true;
  std::string cursor;  // from FindingPage::next_cursor
  int limit = 50;
};

inline constexpr int kMaxFindingPage = 500;

struct FindingPage {
  std::vector<Finding> items;  // by priority: rank, then id
  std::string next_cursor;     // "" on the last page
};

// How far an analysis reaches: the finding alone, every finding of the same advisory and package
// (any version) on the operator's assets, or on every operator's (the clearinghouse only).
enum class AnalysisScope { kFinding, kOperator, kAllOperators };
std::string_view AnalysisScopeName(AnalysisScope scope);
std::optional<AnalysisScope> ParseAnalysisScope(std::string_view name);

struct Analysis {
  FindingState state = FindingState::kInTriage;
  std::optional<Justification> justification;  // for not_affected
  std::optional<Time> accepted_until;          // for risk_accepted
  std::string note;
  AnalysisScope scope = AnalysisScope::kFinding;
};

struct AnalysisResult {
  AnalysisScope scope = AnalysisScope::kFinding;
  std::vector<Finding> changed;  // the findings the decision moved
  int64_t unchanged = 0;         // in scope but already there, or not movable from their state
};

// One import of a feed, as recorded. Each is a job (kFeedJobKind): queued with its document,
// applied by a worker, and idempotent (a record already stored as it is changes nothing).
struct FeedImport {
  std::string id;    // fim_...
  std::string feed;  // "osv", "kev", "epss", "ssvc"
  std::string source;
  std::string state;  // "queued", "done", "failed"
  std::string requested_by;
  Time requested_at;
  std::optional<Time> finished_at;
  int64_t records = 0;  // read and kept
  int64_t changed = 0;  // new or different from what was stored
  int64_t skipped = 0;  // bad records
  std::vector<FeedProblem> problems;
  std::string error;
};

// The BOD 26-04 timelines, most urgent first: the order of every per-timeline count.
inline constexpr std::array<ssvc::RemediationTimeline, 5> kTimelinesByUrgency = {
    ssvc::RemediationTimeline::kThreeDaysAndForensics, ssvc::RemediationTimeline::kThreeDays,
    ssvc::RemediationTimeline::kFourteenDays, ssvc::RemediationTimeline::kSixtyDays,
    ssvc::RemediationTimeline::kOnSystemUpgrade};

// One operator in the clearinghouse's portfolio.
struct OperatorSummary {
  std::string org_id;
  std::string org_name;
  int64_t assets = 0;
  int64_t exposed_assets = 0;
  int64_t active_findings = 0;
  int64_t overdue_findings = 0;
  // Active findings by BOD 26-04 timeline, most urgent first: 3 days with a forensic
  // investigation, 3 days, 14 days, 60 days, on system upgrade.
  std::array<int64_t, 5> by_timeline{};
  std::optional<int64_t> best_rank;  // the operator's most urgent finding
};

// An escalation: the findings of one operator whose remediation deadlines passed while they were
// still active, found by one sweep; addressed to the operator's admins and to the clearinghouse,
// ledgered, and acknowledged by either.
struct EscalatedFinding {
  std::string finding_id;
  std::string asset_name;
  std::string advisory_id;
  std::string package;
  std::string version;
  ssvc::RemediationTimeline timeline = ssvc::RemediationTimeline::kOnSystemUpgrade;
  Time deadline;
};

struct Escalation {
  std::string id;  // esc_...
  std::string org_id;
  std::string org_name;
  Time created_at;
  int64_t findings = 0;
  Time earliest_deadline;
  std::vector<EscalatedFinding> items;  // at most kEscalationItems, earliest deadline first
  std::optional<Time> acknowledged_at;
  std::string acknowledged_by;
};

inline constexpr size_t kEscalationItems = 100;

// How an operator's (or every operator's) findings went: the active findings at the end of each
// UTC day by BOD 26-04 timeline, and how long remediation took, by timeline.
struct TrendDay {
  std::string date;                      // "2026-12-04"
  std::array<int64_t, 5> by_timeline{};  // most urgent first, as OperatorSummary's
  int64_t overdue = 0;                   // of them, past their deadline
};

struct RemediationTimes {
  ssvc::RemediationTimeline timeline = ssvc::RemediationTimeline::kOnSystemUpgrade;
  int64_t remediated = 0;             // findings fixed or verified fixed within the trend's days
  std::optional<double> median_days;  // from known to fixed
  std::optional<double> p90_days;
  int64_t within_deadline = 0;
};

struct FindingTrend {
  std::string org_id;  // "" for every operator
  Time as_of;
  std::vector<TrendDay> days;                   // oldest first; the last is today, as of as_of
  std::array<RemediationTimes, 5> remediation;  // most urgent first
};

inline constexpr int kMinTrendDays = 7;
inline constexpr int kMaxTrendDays = 365;

// A patch notice: what one new or revised advisory asks of one operator, signed with the program's
// key as a signed note (ledger/note.h) whose text is the notice's JSON, and followed from its
// sending to a verified fix.
enum class NoticeState { kSent, kAcknowledged, kRemediated, kVerified };
std::string_view NoticeStateName(NoticeState state);

// What the operator reports it did about a notice: fixed (upgraded), mitigated (inline
// mitigations prevent it), or not affected (with a VEX justification).
enum class Remediation { kFixed, kMitigated, kNotAffected };
std::string_view RemediationName(Remediation remediation);
std::optional<Remediation> ParseRemediation(std::string_view name);

struct Notice {
  std::string id;  // ntc_...
  std::string org_id;
  std::string advisory_id;
  std::string summary;
  Time created_at;
  int64_t rank = 0;  // of its most urgent finding
  ssvc::RemediationTimeline timeline = ssvc::RemediationTimeline::kOnSystemUpgrade;
  std::optional<Time> deadline;  // its earliest finding's
  int64_t findings = 0;
  std::string document;  // the signed note
  NoticeState state = NoticeState::kSent;
  std::optional<Time> acknowledged_at;
  std::string acknowledged_by;
  std::optional<Remediation> remediation;
  std::optional<Justification> justification;
  std::string remediation_note;
  std::optional<Time> remediated_at;
  std::string remediated_by;
  std::optional<Time> verified_at;
  bool overdue = false;  // its deadline passed before it was remediated
  int64_t deliveries_pending = 0;
  int64_t deliveries_delivered = 0;
  int64_t deliveries_dead = 0;
};

struct NewRemediation {
  Remediation remediation = Remediation::kFixed;
  std::optional<Justification> justification;  // for not_affected
  std::string note;
};

struct Webhook {
  std::string id;  // whk_...
  std::string org_id;
  std::string url;
  Time created_at;
  std::string created_by;
  std::optional<Time> disabled_at;
};

struct IssuedWebhook {
  Webhook webhook;
  std::string secret;  // the HMAC key, shown once
};

struct Delivery {
  std::string id;  // dlv_...
  std::string notice_id;
  std::string advisory_id;
  std::string webhook_id;
  std::string url;
  std::string state;  // "pending", "delivered", "dead"
  int64_t attempts = 0;
  std::optional<int64_t> last_status;
  std::string last_error;
  Time created_at;
  Time updated_at;
  std::optional<Time> delivered_at;
};

// The header that carries a delivery's signature: "sha256=" and the hex HMAC-SHA256 of
// "<X-Bulwark-Timestamp>.<body>" under the webhook's secret.
inline constexpr std::string_view kWebhookSignatureHeader = "X-Bulwark-Signature";
// The body and the key of a delivery's signature, as a receiver checks it.
std::string WebhookSignature(std::string_view secret, std::string_view timestamp,
                             std::string_view body);
// Checks a notice's signed note with the program's verifier key and returns the notice's JSON
// text; Unauthenticated when the signature does not verify.
StatusOr<std::string> VerifyNotice(std::string_view signed_note, std::string_view verifier_key);

// Where a notice stands in the ledger. A fan-out's notices are ledgered in one entry
// (clearinghouse.notices.issue, its object the advisory) naming the root of the Merkle tree
// (RFC 9162) whose leaves are the notices' signed notes in id order; this is one notice's
// inclusion proof in that tree.
struct NoticeInclusion {
  std::string notice_id;
  std::string advisory_id;
  int64_t revision = 0;  // the advisory's modified time, Unix microseconds: the entry's revision
  uint64_t index = 0;    // the notice's leaf
  uint64_t size = 0;     // the fan-out's notices
  std::string root;      // hex, as the ledger entry's notices_root
  std::vector<std::string> proof;  // hex, from the leaf's sibling up
};
// Its JSON, as the API answers it and verify-notice reads it.
std::string NoticeInclusionJson(const NoticeInclusion& inclusion);
StatusOr<NoticeInclusion> ParseNoticeInclusion(std::string_view json_text);
// Checks that `signed_note` is the leaf the inclusion proves under its root; InvalidArgument
// saying why when it is not.
Status VerifyNoticeInclusion(std::string_view signed_note, const NoticeInclusion& inclusion);

// The formats of an operator's VEX export: CSAF 2.0 (csaf_vex) or CycloneDX 1.5.
enum class VexFormat { kCsaf, kCycloneDx };

// The sweep: risk acceptances past their expiry reopened, deadlines passed escalated.
struct SweepResult {
  int64_t reopened = 0;
  int64_t escalated = 0;    // findings
  int64_t escalations = 0;  // operators told
};

inline constexpr std::string_view kMonitorJobKind = "clearinghouse.monitor";
inline constexpr std::string_view kSweepJobKind = "clearinghouse.sweep";
inline constexpr std::string_view kDeliveryJobKind = "clearinghouse.deliver";
inline constexpr std::string_view kFeedJobKind = "clearinghouse.feed";
// The scheduled sync of OSV advisories from a directory or an archive (OsvSync).
inline constexpr std::string_view kOsvSyncJobKind = "clearinghouse.osv-sync";
// A webhook endpoint has this long to answer a delivery.
inline constexpr double kWebhookTimeoutSeconds = 10;
// Attempts of a delivery before it is dead (retried with backoff by the job queue).
inline constexpr int kDeliveryAttempts = 6;

class ClearinghouseService {
 public:
  // `signer` signs patch notices (the program's key: TransparencyLog::signer); without one, no
  // notice is issued. `secrets` keeps webhooks' HMAC keys; without it, webhooks are refused.
  ClearinghouseService(store::Database& db, Clock& clock, access::AuditTrail* audit = nullptr,
                       ledger::NoteSigner* signer = nullptr,
                       const secrets::SecretStore* secrets = nullptr);
  ~ClearinghouseService();

  // Assets (the operator's admins, or the clearinghouse).
  StatusOr<Asset> CreateAsset(const access::Principal& actor, const std::string& org_id,
                              const NewAsset& asset);
  StatusOr<Asset> UpdateAsset(const access::Principal& actor, const std::string& asset_id,
                              const NewAsset& asset);
  StatusOr<Asset> GetAsset(const access::Principal& actor, const std::string& asset_id);
  StatusOr<std::vector<Asset>> ListAssets(const access::Principal& actor,
                                          const std::string& org_id);

  // Uploads a new version of the asset's inventory (an SBOM document) and matches it. An
  // InvalidArgument names where a malformed document broke; a document identical to the latest
  // returns that inventory with `unchanged` set and records nothing.
  StatusOr<Inventory> UploadInventory(const access::Principal& actor, const std::string& asset_id,
                                      std::string_view document);
  StatusOr<std::vector<Inventory>> ListInventories(const access::Principal& actor,
                                                   const std::string& asset_id);

  // Findings by priority; an operator's (query.org_id), or every operator's for the
  // clearinghouse.
  StatusOr<FindingPage> ListFindings(const access::Principal& actor, const FindingQuery& query);
  StatusOr<Finding> GetFinding(const access::Principal& actor, const std::string& finding_id);
  // Moves the finding (and, by the scope, its kin) to the analysis's state, by the rules of
  // rules.h. The scope kAllOperators is the clearinghouse's (clearinghouse.coordinate).
  StatusOr<AnalysisResult> Analyze(const access::Principal& actor, const std::string& finding_id,
                                   const Analysis& analysis);

  // Feeds (the clearinghouse's staff, or the machine operator). Queues the import of a feed
  // document: "kev" (the KEV catalog's JSON), "epss" (the daily CSV) or "ssvc" (Vulnrichment's
  // CVE records); a worker applies it (RunFeedImport) and recomputes the priority of every finding
  // whose CVE it changed. A bad record is skipped and listed in the import.
  StatusOr<FeedImport> QueueFeedImport(const access::Principal& actor, std::string_view feed,
                                       std::string_view document);
  // Queues the import, then applies it at once in this process (the job, when a worker leases
  // it, finds it done).
  StatusOr<FeedImport> ImportFeed(const access::Principal& actor, std::string_view feed,
                                  std::string_view document);
  // Applies a queued import (the job's work); an import already finished is returned as it is.
  StatusOr<FeedImport> RunFeedImport(const std::string& import_id);
  // Imports OSV advisories (vuln::ImportAdvisories: directories, zips, JSON files the process can
  // read) as a feed import applied at once, and queues the monitor, which matches what changed.
  StatusOr<FeedImport> ImportOsv(const access::Principal& actor,
                                 const std::vector<std::string>& paths);
  // Schedules the sync of OSV advisories from `paths` (directories, zips or JSON files) every
  // `every` (kOsvSyncJobKind); no paths removes nothing but schedules nothing.
  Status ScheduleOsvSync(jobs::Worker& worker, const std::vector<std::string>& paths,
                         Duration every);
  StatusOr<std::vector<FeedImport>> ListFeedImports(const access::Principal& actor);

  // The reverse match: every advisory stored (or revised) since the monitor last matched it,
  // against every asset's components, in transactions of one advisory each. Returns how many
  // advisories it matched.
  StatusOr<int64_t> MonitorAdvisories();
  // Queues the monitor in `tx` (an advisory import's transaction, or after it).
  Status QueueMonitor(store::Transaction& tx) const;

  StatusOr<std::vector<OperatorSummary>> Portfolio(const access::Principal& actor);
  // The active findings day by day over the last `days` (kMinTrendDays..kMaxTrendDays) and the
  // time remediation took: an operator's (org_id), or every operator's ("", the clearinghouse's).
  StatusOr<FindingTrend> Trend(const access::Principal& actor, const std::string& org_id, int days);

  // Escalations: an operator's (org_id), or every operator's ("", the clearinghouse's), newest
  // first; acknowledging one (the operator's admins, or the clearinghouse).
  StatusOr<std::vector<Escalation>> ListEscalations(const access::Principal& actor,
                                                    const std::string& org_id);
  StatusOr<Escalation> AcknowledgeEscalation(const access::Principal& actor,
                                             const std::string& escalation_id);

  // Patch notices: the operator's inbox, most urgent first; acknowledging one; reporting what was
  // done (which moves its active findings: fixed, or not affected). A later inventory without
  // any of its findings' versions verifies it.
  StatusOr<std::vector<Notice>> ListNotices(const access::Principal& actor,
                                            const std::string& org_id);
  StatusOr<Notice> GetNotice(const access::Principal& actor, const std::string& notice_id);
  // The notice's inclusion proof in its fan-out's ledger entry (for whoever may read the notice).
  StatusOr<NoticeInclusion> GetNoticeInclusion(const access::Principal& actor,
                                               const std::string& notice_id);
  StatusOr<Notice> AcknowledgeNotice(const access::Principal& actor, const std::string& notice_id);
  StatusOr<Notice> ReportRemediation(const access::Principal& actor, const std::string& notice_id,
                                     const NewRemediation& remediation);

  // Webhooks: each notice is POSTed to the operator's webhooks, HMAC-signed, and retried with
  // backoff through the job queue; deliveries that used their attempts are dead, and listed.
  StatusOr<IssuedWebhook> CreateWebhook(const access::Principal& actor, const std::string& org_id,
                                        const std::string& url);
  StatusOr<std::vector<Webhook>> ListWebhooks(const access::Principal& actor,
                                              const std::string& org_id);
  StatusOr<Webhook> DisableWebhook(const access::Principal& actor, const std::string& webhook_id);
  StatusOr<std::vector<Delivery>> ListDeliveries(const access::Principal& actor,
                                                 const std::string& org_id);
  // The operator's findings as a VEX document (exports.cc): every package version of every asset
  // an advisory names, affected (with what to do), not affected (with its justification), under
  // investigation, or fixed. FailedPrecondition when it has no finding.
  StatusOr<std::string> ExportVex(const access::Principal& actor, const std::string& org_id,
                                  VexFormat format);

  // One delivery attempt (the job's work).
  Status Deliver(const jobs::Job& job, jobs::JobContext& ctx);

  StatusOr<SweepResult> Sweep();

  // The monitor and sweep jobs, and the sweep's schedule (every minute).
  Status RegisterJobs(jobs::Worker& worker);

 private:
  struct MatchContext;
  StatusOr<access::Decision> Require(store::Transaction& tx, const access::Principal& actor,
                                     std::string_view action, const std::string& object);
  Status Run(store::TxMode mode, const std::function<Status(store::Transaction&)>& fn);
  Status Audit(store::Transaction& tx, const access::Principal& actor, std::string_view action,
               const std::string& object, std::vector<std::string> grants,
               std::vector<std::pair<std::string, std::string>> facts = {});
  StatusOr<Asset> LoadAsset(store::Transaction& tx, const std::string& asset_id);
  StatusOr<Notice> LoadNotice(store::Transaction& tx, const std::string& notice_id);
  // Issues, in `tx`, one notice per operator of `items` (the findings a new or revised advisory
  // just opened), signed and ledgered, with a delivery job per webhook. Each item's notice_id is
  // set first; `write_findings` then writes the findings, on this thread, while the notices are
  // signed on others.
  Status IssueNotices(store::Transaction& tx, const std::string& advisory_id, int64_t revision,
                      std::vector<internal::NoticeItem>& items,
                      const std::function<Status()>& write_findings);
  // Moves, in `tx`, the notices whose every finding is verified fixed to verified.
  Status VerifyNotices(store::Transaction& tx, const std::vector<std::string>& finding_ids);
  // The index of every stored advisory, rebuilt when the advisory store changed.
  StatusOr<std::shared_ptr<const vuln::AdvisoryIndex>> CurrentIndex();
  // Recomputes the priority of the findings `where` (an SQL condition on `f`, the finding, with
  // `params`) selects, in `tx`; returns how many changed.
  StatusOr<int64_t> Reprioritize(store::Transaction& tx, std::string_view where,
                                 const std::vector<store::Value>& params);
  // ... of every finding of an advisory that names one of `cves`.
  StatusOr<int64_t> ReprioritizeCves(store::Transaction& tx, const std::vector<std::string>& cves);
  StatusOr<FeedImport> ApplyOsv(FeedImport result, const std::vector<std::string>& paths);
  // Escalates, in `tx`, the active findings past their deadlines: one escalation per operator.
  Status Escalate(store::Transaction& tx, SweepResult& result);
  StatusOr<FeedImport> ImportKev(std::string_view json, FeedImport result);
  StatusOr<FeedImport> ImportEpss(std::string_view csv, FeedImport result);
  StatusOr<FeedImport> ImportSsvc(std::string_view json, FeedImport result);
  // Records a finished import, in the ledger too.
  StatusOr<FeedImport> FinishImport(std::string_view feed, const FeedImport& result);

  store::Database& db_;
  Clock& clock_;
  access::AuditTrail* audit_;
  ledger::NoteSigner* signer_;
  const secrets::SecretStore* secrets_;
  access::Authorizer authorizer_;
  jobs::JobQueue queue_;

  std::mutex index_mu_;
  std::shared_ptr<const vuln::AdvisoryIndex> index_;  // GUARDED_BY(index_mu_)
  std::string index_stamp_;                           // GUARDED_BY(index_mu_)
};

}  // namespace bulwark::clearinghouse
