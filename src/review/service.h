// ReviewService: the voluntary pre-release review program. A lab registers models and their
// versions (with the credential of the version's API, kept encrypted), asks whether a version
// is covered (an inquiry the program office accepts), opens access windows of at most 30 days,
// and agrees with the program office which trusted partners get early access: one party
// proposes a partner, the other concurs. A partner's users then issue personal gateway keys
// that work only while the grant is active and the window open.
//
// Every operation is authorized by the access module's Authorizer (the review.* actions of
// docs/authorization.md) and applies the rules of rules.h inside one transaction, and every
// change is recorded in the audit trail (the ledger) in that transaction; a refusal is recorded
// after its transaction rolled back. A principal who may not read a lab's models gets NotFound
// for them. Rules with a time in them read the injected clock at the moment of use, and
// SweepWindows (a scheduled job) records the windows that ended by themselves and revokes
// their keys.
//
// Thread-safety: safe from any thread; all state is in the database. The database, clock,
// secret store and audit trail must outlive the service.
//
// Example:
//   ReviewService review(db, clock, secrets, &audit);
//   BW_ASSIGN_OR_RETURN(Model m, review.RegisterModel(lab_admin, lab_org, "Atlas", ""));
//   BW_ASSIGN_OR_RETURN(ModelVersion v, review.AddVersion(lab_admin, m.id, {...}));
//   BW_ASSIGN_OR_RETURN(Window w, review.OpenWindow(lab_admin, v.id, {now, now + Days(30)}));
//   BW_ASSIGN_OR_RETURN(PartnerGrant g, review.ProposePartner(lab_admin, w.id, hospital, {}));
//   BW_ASSIGN_OR_RETURN(g, review.ConcurPartner(program_officer, g.id));
//   BW_ASSIGN_OR_RETURN(IssuedGatewayKey k, review.IssueGatewayKey(nurse, g.id, "laptop", {}));
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "access/audit.h"
#include "access/authorizer.h"
#include "access/types.h"
#include "base/clock.h"
#include "base/random.h"
#include "review/types.h"
#include "secrets/secret_store.h"
#include "store/database.h"

namespace bulwark::review {

struct NewVersion {
  std::string version;
  Provider provider = Provider::kOpenAi;
  std::string base_url;
  std::string upstream_model;
  std::string credential;  // the API key the gateway sends upstream; never shown again
  std::optional<Time> planned_release_at;
};

// The lab's settings of a window: the hours of use it states (none: any hour) and whether a
// key that raises an insider-risk alert is suspended at once (signals.h); whether the gateway
// keeps the content of its calls, and for how long (retention.cc).
struct WindowSettings {
  std::optional<UseHours> hours;
  bool suspend_on_alert = false;
  bool retain_content = false;
  int64_t retention_days = kDefaultRetentionDays;
};
// The hours (CheckUseHours) and the retention (CheckRetentionDays) are valid.
Status CheckWindowSettings(const WindowSettings& settings);

struct NewWindow {
  Time starts_at;
  Time ends_at;
  WindowSettings settings;
};

// What the gateway needs to serve one request under a key, read at one moment.
struct GatewayAccess {
  GatewayKey key;
  Time access_ends_at;           // the end of the key's window or defensive access
  std::optional<Window> window;  // the key's window; none under defensive access
  ModelVersion version;
};

// What decides a gateway key's access, as stored: the key, its window and partner grant (or its
// defensive grant), and its model version.
struct GatewayKeyRecord {
  GatewayKey key;
  std::optional<Window> window;
  std::optional<PartnerGrant> partner;
  std::optional<DefensiveGrant> defensive;
  ModelVersion version;
};

struct QuotaReservation {
  std::string key_id;
  int64_t day = 0;  // days since 1970-01-01, UTC
  int64_t tokens = 0;
};

// Part of a key's daily quota a gateway replica holds, to hand to its calls without a commit
// each (QuotaLeases). In the database it is reserved: requests_reserved and tokens_reserved.
struct QuotaLease {
  std::string key_id;
  int64_t day = 0;
  int64_t requests = 0;
  int64_t tokens = 0;
};

struct QuotaUse {
  int64_t requests = 0;  // made (a call counts once settled)
  int64_t tokens_used = 0;
  int64_t tokens_reserved = 0;    // held by calls in flight and by replicas' leases
  int64_t requests_reserved = 0;  // held by replicas' leases
};

struct PartnerUsage {
  std::string partner_org_id;
  std::string partner_org_name;
  int64_t day = 0;  // days since 1970-01-01, UTC
  int64_t requests = 0;
  int64_t tokens = 0;
};

// A released model version open to defensive use, as a requester sees it.
struct DefensiveModel {
  std::string version_id;
  std::string gateway_model;  // ModelId
  std::string lab_org_name;
  std::optional<Time> released_at;
  bool covered = false;  // designated a covered frontier model (its lab's inquiry answered so)
};

struct NewDefensiveRequest {
  std::string version_id;
  std::string purpose;
  Time expires_at;
  Quota quota;
};

// A request to read a window's retained content: why, and optionally one partner's calls only.
struct NewContentRead {
  std::string window_id;
  std::string reason;
  std::optional<std::string> partner_org_id;
};

// What the gateway keeps of one call under a window that retains content.
struct CallToRetain {
  std::string request_id;
  int status = 0;
  bool streamed = false;
  std::string_view request;   // at most kMaxRetainedBytes of what the client sent
  std::string_view response;  // at most kMaxRetainedBytes of what it got
  int64_t request_bytes = 0;  // the whole sizes
  int64_t response_bytes = 0;
  std::string request_sha256;  // of the whole bodies, hex
  std::string response_sha256;
};

// The scheduled job that closes windows whose end has passed.
inline constexpr std::string_view kSweepJobKind = "review.windows.sweep";
// The scheduled job that records defensive access that reached its end.
inline constexpr std::string_view kDefensiveSweepJobKind = "review.defensive.sweep";
// The scheduled job that purges retained content past its time and records reads that expired.
inline constexpr std::string_view kRetentionSweepJobKind = "review.content.sweep";

class ReviewService {
 public:
  ReviewService(store::Database& db, const Clock& clock, const secrets::SecretStore& secrets,
                access::AuditTrail* audit = nullptr, Random& random = SecureRandom::Get());

  // Models and versions (the lab).
  StatusOr<Model> RegisterModel(const access::Principal& actor, const std::string& org_id,
                                const std::string& name, const std::string& description);
  StatusOr<Model> GetModel(const access::Principal& actor, const std::string& model_id);
  // The models the actor may read: their own lab's; every lab's for the program office.
  StatusOr<std::vector<Model>> ListModels(const access::Principal& actor);
  StatusOr<ModelVersion> AddVersion(const access::Principal& actor, const std::string& model_id,
                                    const NewVersion& version);
  StatusOr<ModelVersion> GetVersion(const access::Principal& actor, const std::string& version_id);
  StatusOr<std::vector<ModelVersion>> ListVersions(const access::Principal& actor,
                                                   const std::string& model_id);
  // Moves a version to `status`; released or withdrawn closes its windows at once.
  StatusOr<ModelVersion> SetVersionStatus(const access::Principal& actor,
                                          const std::string& version_id, VersionStatus status);
  Status ReplaceCredential(const access::Principal& actor, const std::string& version_id,
                           const std::string& credential);

  // Inquiries: the lab submits and withdraws; the program office accepts.
  StatusOr<Inquiry> SubmitInquiry(const access::Principal& actor, const std::string& version_id,
                                  const std::string& question);
  StatusOr<Inquiry> AcceptInquiry(const access::Principal& actor, const std::string& inquiry_id,
                                  std::optional<Time> due_at);
  StatusOr<Inquiry> WithdrawInquiry(const access::Principal& actor, const std::string& inquiry_id);
  StatusOr<Inquiry> GetInquiry(const access::Principal& actor, const std::string& inquiry_id);
  StatusOr<std::vector<Inquiry>> ListInquiries(const access::Principal& actor);

  // Windows: the lab opens, extends and withdraws them.
  StatusOr<Window> OpenWindow(const access::Principal& actor, const std::string& version_id,
                              const NewWindow& window);
  StatusOr<Window> ExtendWindow(const access::Principal& actor, const std::string& window_id,
                                Time new_ends_at);
  // Closes the window at once: the gateway refuses its keys from this moment.
  StatusOr<Window> WithdrawWindow(const access::Principal& actor, const std::string& window_id);
  // Sets the window's insider-risk settings (the lab), from the next call on; a window that is
  // closed keeps its own.
  StatusOr<Window> SetWindowSettings(const access::Principal& actor, const std::string& window_id,
                                     const WindowSettings& settings);
  StatusOr<Window> GetWindow(const access::Principal& actor, const std::string& window_id);
  // The windows the actor may see: their lab's, every one for the program office, and, for a
  // partner, the windows their organization has a grant on.
  StatusOr<std::vector<Window>> ListWindows(const access::Principal& actor);

  // Trusted partners: either party proposes, the other concurs, either removes.
  StatusOr<PartnerGrant> ProposePartner(const access::Principal& actor,
                                        const std::string& window_id,
                                        const std::string& partner_org_id, const Quota& quota);
  // The program office's own access under a window, which the lab gave by opening it: an
  // active grant of the actor's organization (the program office) on the window, with
  // kOfficeQuota, for the evaluations run under it (its keys reach the model through the
  // gateway like a partner's). Idempotent: the grant already there is returned. The lab proposed
  // it by opening the window; the actor concurs. The window must not be closed.
  static constexpr Quota kOfficeQuota{10000000, 10000000000, 100000};
  StatusOr<PartnerGrant> OpenOfficeAccess(const access::Principal& actor,
                                          const std::string& window_id);
  StatusOr<PartnerGrant> ConcurPartner(const access::Principal& actor, const std::string& grant_id);
  StatusOr<PartnerGrant> RemovePartner(const access::Principal& actor, const std::string& grant_id);
  StatusOr<std::vector<PartnerGrant>> ListPartners(const access::Principal& actor,
                                                   const std::string& window_id);
  // The organizations that may be trusted partners (agencies, operators, partners,
  // clearinghouses), by name, for the parties that choose them: a lab's administrators and the
  // program office.
  StatusOr<std::vector<access::Organization>> ListPartnerCandidates(const access::Principal& actor);
  // The grants naming the actor's organization, for a partner's own view.
  StatusOr<std::vector<PartnerGrant>> ListOwnGrants(const access::Principal& actor);

  // Defensive access (defensive.cc): an admin of an agency, operator, partner or
  // clearinghouse requests a released model for defensive use; the program office and the lab
  // each approve, in either order (either may deny while it waits); it is then a grant like a
  // trusted partner's: the same keys, quotas and ledger, until it expires (at most 365 days)
  // or either party or the requester revokes it, which revokes its keys.
  // The released versions of every lab, for requesters to choose from.
  StatusOr<std::vector<DefensiveModel>> ListDefensiveModels(const access::Principal& actor);
  StatusOr<DefensiveGrant> RequestDefensiveAccess(const access::Principal& actor,
                                                  const NewDefensiveRequest& request);
  StatusOr<DefensiveGrant> ApproveDefensiveAccess(const access::Principal& actor,
                                                  const std::string& grant_id);
  StatusOr<DefensiveGrant> DenyDefensiveAccess(const access::Principal& actor,
                                               const std::string& grant_id,
                                               const std::string& note);
  StatusOr<DefensiveGrant> RevokeDefensiveAccess(const access::Principal& actor,
                                                 const std::string& grant_id,
                                                 const std::string& note);
  // The requests the actor may see: their organization's, their lab's models', and every one
  // for the program office; newest first.
  StatusOr<std::vector<DefensiveGrant>> ListDefensiveAccess(const access::Principal& actor);
  // Records defensive access whose end has passed as expired and revokes its keys; returns how
  // many. Run by the kDefensiveSweepJobKind job.
  StatusOr<int64_t> SweepDefensiveAccess();

  // Gateway keys: a partner's user issues their own under an active grant of their
  // organization (a window's partner grant or defensive access); they expire with the window
  // or the defensive access at the latest.
  StatusOr<IssuedGatewayKey> IssueGatewayKey(const access::Principal& actor,
                                             const std::string& grant_id, const std::string& name,
                                             std::optional<Time> expires_at);
  StatusOr<std::vector<GatewayKey>> ListGatewayKeys(const access::Principal& actor);
  // The key's owner, their organization's admins, the window's lab and the program office may
  // revoke it.
  StatusOr<GatewayKey> RevokeGatewayKey(const access::Principal& actor, const std::string& key_id);

  // The gateway's check of a key at `now`: Unauthenticated for a key that is not one,
  // PermissionDenied with the reason (revoked, expired, the grant removed, the window not
  // open) and nothing about the lab.
  StatusOr<GatewayAccess> AuthorizeGatewayKey(std::string_view secret);
  // The same inside the caller's transaction; `known`, if given, receives the key whenever the
  // secret is one, also when it is refused (for the ledger entry of the refusal).
  StatusOr<GatewayAccess> AuthorizeGatewayKey(store::Transaction& tx, std::string_view secret,
                                              std::optional<GatewayKey>* known = nullptr);
  // The check in two steps, for a gateway that keeps what it read (Gateway::Authorize): what
  // decides the key's access as stored (Unauthenticated for a secret that is no key), and the
  // access it gives at `now` (PermissionDenied with the reason).
  StatusOr<GatewayKeyRecord> LoadGatewayKey(store::Transaction& tx, std::string_view secret);
  static StatusOr<GatewayAccess> AccessAt(const GatewayKeyRecord& record, Time now);
  // The count of changes to what gateway keys reach: every change to a key, its grant, window,
  // version or model, or the version's credential, commits a new count (each of this service's
  // writes, its sweeps, and a suspension by the signals), so a record read under a count stays
  // exact while the count stands.
  StatusOr<int64_t> GatewayEpoch(store::Transaction& tx);

  // Quotas. Before a call goes upstream the gateway reserves one request and `tokens` (its
  // estimate: the input's size and the most it may write) against the key's daily quota, from
  // a lease of it (QuotaLeases), so that calls in flight together, on every replica, never pass
  // the quota; afterwards it settles the reservation with the tokens upstream reported, which
  // counts the request and marks the key used (last_used_at). Days are UTC.
  // A lease of the key's quota for today: at least one request and `tokens`, at most
  // 1/kLeaseShare of the day's quota (and never more than is left), reserved in one commit that
  // first gives back `returning` (leases this replica lets go: expired, or of another day).
  // ResourceExhausted naming the limit when not even one call of `tokens` is left; what was
  // given back stays given back.
  StatusOr<QuotaLease> LeaseQuota(const GatewayKey& key, int64_t tokens,
                                  const std::vector<QuotaLease>& returning);
  // Gives back what is left of leases (a replica stopping, or letting them go).
  Status ReturnQuotaLeases(const std::vector<QuotaLease>& returning);
  static constexpr int64_t kLeaseShare = 16;
  Status SettleQuota(const QuotaReservation& reservation, int64_t tokens_used);
  // The same inside the caller's transaction (kQueue), to settle and record a call at once.
  Status SettleQuota(store::Transaction& tx, const QuotaReservation& reservation,
                     int64_t tokens_used);
  // A key's use on the day of `at`.
  StatusOr<QuotaUse> UsageOn(const std::string& key_id, Time at);
  // A window's use by partner and day (the lab's and the program office's view), oldest first.
  StatusOr<std::vector<PartnerUsage>> WindowUsage(const access::Principal& actor,
                                                  const std::string& window_id);

  // Insider-risk alerts (signals.cc; raised by the gateway's Signals). The alerts of the labs
  // whose models the actor may read (their lab's members; every lab's for the program office),
  // newest first, at most kMaxListedAlerts; none for anyone else.
  StatusOr<std::vector<Alert>> ListAlerts(const access::Principal& actor);
  // Records that a person looked at the alert: the lab's administrators or the program office.
  StatusOr<Alert> AcknowledgeAlert(const access::Principal& actor, const std::string& alert_id);
  static constexpr int64_t kMaxListedAlerts = 500;

  // Retained content (retention.cc). Where the lab chose so for a window, the gateway keeps
  // each call's content, encrypted with the platform's envelope encryption, until retention_days
  // after the call. Reading it takes two people (rules.h, ContentReadState): one of the lab's
  // administrators or the program office asks, giving the reason; a second person of either
  // party approves or denies; the asker alone then reads, for kContentReadValidity, each call
  // read being a ledger entry (`review.content.read`). Past kBulkReadsPerDay calls read in a
  // UTC day, the reader raises a bulk_retained_reads alert, which revokes the approval where
  // the lab chose suspension for the window.
  StatusOr<ContentRead> RequestContentRead(const access::Principal& actor,
                                           const NewContentRead& request);
  StatusOr<ContentRead> ApproveContentRead(const access::Principal& actor,
                                           const std::string& read_id);
  StatusOr<ContentRead> DenyContentRead(const access::Principal& actor, const std::string& read_id,
                                        const std::string& note);
  // The asker or either party ends a pending or approved request at once.
  StatusOr<ContentRead> RevokeContentRead(const access::Principal& actor,
                                          const std::string& read_id, const std::string& note);
  // The requests of the labs whose models the actor may read (every lab's for the program
  // office), newest first, at most kMaxListedReads.
  StatusOr<std::vector<ContentRead>> ListContentReads(const access::Principal& actor);
  // Under an approved request, its asker's: the retained calls it covers (without content),
  // newest first, at most kMaxListedCalls; and one call's content, each read ledgered.
  StatusOr<std::vector<RetainedCall>> ListRetainedCalls(const access::Principal& actor,
                                                        const std::string& read_id);
  StatusOr<RetainedContent> ReadRetainedCall(const access::Principal& actor,
                                             const std::string& read_id,
                                             const std::string& call_id);
  // Keeps a call's content under `access` (whose window retains content) inside the
  // gateway's transaction that records the call; returns the retained call's id.
  StatusOr<std::string> RetainCall(store::Transaction& tx, const GatewayAccess& access,
                                   const CallToRetain& call);
  // Purges the retained content past its purge time and records the requests to read that
  // expired; returns how many calls it purged. Run by the kRetentionSweepJobKind job.
  StatusOr<int64_t> SweepRetainedContent();
  static constexpr int64_t kMaxListedReads = 500;
  static constexpr int64_t kMaxListedCalls = 1000;

  // For services that act on the review program's objects inside their own transactions (the
  // evaluations): reading a window or an inquiry, revoking a key issued for their own work, and
  // moving an inquiry under evaluation and to its answer. The caller has checked the actor.
  StatusOr<Window> WindowIn(store::Transaction& tx, const std::string& window_id);
  StatusOr<Inquiry> InquiryIn(store::Transaction& tx, const std::string& inquiry_id);
  Status RevokeKeyIn(store::Transaction& tx, const std::string& key_id, const std::string& by);
  // Moves the inquiry to `to` (CheckInquiryTransition); to answered with the answer, the policy
  // reference and the designation.
  Status MoveInquiryIn(store::Transaction& tx, const std::string& inquiry_id, InquiryState to,
                       const std::string& answer = "", const std::string& policy_ref = "",
                       const std::string& designation_id = "");

  const Clock& clock() const { return clock_; }

  // Records the windows whose end has passed as closed ("ended") and revokes their keys;
  // returns how many it closed. Run by the kSweepJobKind job.
  StatusOr<int64_t> SweepWindows();

 private:
  // A key's use on `day`, inside the caller's transaction.
  StatusOr<QuotaUse> UsageIn(store::Transaction& tx, const std::string& key_id, int64_t day);
  // The 429 for a call of `tokens` that `use` leaves no room for, naming the limit.
  static Status QuotaRefusal(const GatewayKey& key, const QuotaUse& use, int64_t tokens);
  Status ReturnQuotaLeases(store::Transaction& tx, const std::vector<QuotaLease>& leases);
  // Runs `fn` in a transaction; a denial made inside it is recorded once it rolled back.
  Status Run(store::TxMode mode, const std::function<Status(store::Transaction&)>& fn);
  // Requires `action` on `object` (the lab org or the platform); when `visible_org` is given
  // and the actor may not read that lab's models, the object is reported as `missing`.
  StatusOr<access::Decision> Require(store::Transaction& tx, const access::Principal& actor,
                                     std::string_view action, std::string_view object,
                                     const std::string& audited_object,
                                     const std::string& missing = "");
  StatusOr<bool> Allowed(store::Transaction& tx, const access::Principal& actor,
                         std::string_view action, std::string_view object);
  // The row of `kind` with `id` when the actor may read its lab's models (NotFound otherwise),
  // and the rows of `kind` in `order` ("ORDER BY ...") whose lab the actor may read.
  template <typename T, typename Kind>
  StatusOr<T> GetReadable(const access::Principal& actor, const Kind& kind, const std::string& id);
  template <typename T, typename Kind>
  StatusOr<std::vector<T>> ListReadable(const access::Principal& actor, const Kind& kind,
                                        std::string_view order);
  // Whether the actor may read the models of lab `org_id`, asked once per lab (`known`).
  StatusOr<bool> ReadableLab(store::Transaction& tx, const access::Principal& actor,
                             const std::string& org_id, std::map<std::string, bool>& known);
  Status Audit(store::Transaction& tx, const access::Principal& actor, std::string_view action,
               const std::string& object, std::vector<std::string> grants);
  // The same for a window opened or set, with its insider-risk settings as facts.
  Status AuditWindowSettings(store::Transaction& tx, const access::Principal& actor,
                             std::string_view action, const Window& window,
                             std::vector<std::string> grants);
  // The party the actor acts for on a window of `lab_org_id`: the lab (an admin of it) or the
  // program office; PermissionDenied when neither.
  StatusOr<std::pair<Party, access::Decision>> PartyOf(store::Transaction& tx,
                                                       const access::Principal& actor,
                                                       const std::string& lab_org_id,
                                                       const std::string& object);
  // Records the denial being made on this thread, to be ledgered once its transaction rolled
  // back (see Run).
  static void NoteDenial(const access::Principal& actor, std::string_view action,
                         const std::string& object);
  // Loads a defensive access request for a party (the lab or the program office) to decide on.
  struct DefensiveDecider {
    DefensiveGrant grant;
    Party party;
    access::Decision decision;
  };
  StatusOr<DefensiveDecider> DefensiveForParty(store::Transaction& tx,
                                               const access::Principal& actor,
                                               const std::string& grant_id);
  // The labs named in `table`'s lab_org_id whose models the actor may read.
  StatusOr<std::vector<store::Value>> ReadableLabsIn(store::Transaction& tx,
                                                     const access::Principal& actor,
                                                     std::string_view table);
  // Loads a request to read for a second person to decide on, under the two-person rule.
  struct ContentReadDecider {
    ContentRead read;
    Party party;
    access::Decision decision;
  };
  StatusOr<ContentReadDecider> ContentReadForDecision(store::Transaction& tx,
                                                      const access::Principal& actor,
                                                      const std::string& read_id,
                                                      std::string_view action);
  // Loads an approved request to read for its asker at `now`; PermissionDenied otherwise.
  StatusOr<ContentRead> ApprovedReadOf(store::Transaction& tx, const access::Principal& actor,
                                       const std::string& read_id, Time now);
  // Raises a bulk_retained_reads alert on the reader of `read` when their reads today reached
  // kBulkReadsPerDay (once a day), revoking the approval where the lab chose suspension.
  Status CheckBulkReads(store::Transaction& tx, const access::Principal& actor,
                        const ContentRead& read, Time now);
  Status CloseWindow(store::Transaction& tx, const access::Principal& actor, const Window& window,
                     CloseReason reason, Time at);

  store::Database& db_;
  const Clock& clock_;
  const secrets::SecretStore& secrets_;
  access::AuditTrail* audit_;
  Random& random_;
  access::Authorizer authorizer_;
};

}  // namespace bulwark::review
