#include "review/service.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "access/credentials.h"
#include "access/policy.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/text.h"
#include "base/time_format.h"
#include "review/internal.h"

namespace bulwark::review {
namespace {

using internal::kInquiries;
using internal::kKeys;
using internal::kModels;
using internal::kPartners;
using internal::kVersions;
using internal::kWindows;
using internal::Load;
using internal::Select;

using access::Decision;
using access::Principal;
using store::Row;
using store::Transaction;
using store::TxMode;
using store::Value;
namespace actions = access::actions;

Status ValidateBaseUrl(const std::string& url) {
  BW_RETURN_IF_ERROR(ValidateText(url, "base_url", 8, 2000));
  const bool http = url.starts_with("http://"), https = url.starts_with("https://");
  if ((!http && !https) || url.find_first_of(" \t\n?#") != std::string::npos ||
      url.size() <= (https ? 8u : 7u)) {
    return Status(StatusCode::kInvalidArgument,
                  "base_url must be an http:// or https:// URL without a query, such as "
                  "https://api.lab.example/v1",
                  {{"field", "base_url"}});
  }
  return OkStatus();
}

// A window's hours as columns: NULL for any hour.
Value HoursStart(const std::optional<UseHours>& hours) {
  return hours ? Value(int64_t{hours->start_hour}) : Value(std::monostate{});
}
Value HoursEnd(const std::optional<UseHours>& hours) {
  return hours ? Value(int64_t{hours->end_hour}) : Value(std::monostate{});
}

// The time the version's windows other than `except` gave or still give.
StatusOr<Duration> UsedByOtherWindows(Transaction& tx, const std::string& version_id,
                                      const std::string& except) {
  BW_ASSIGN_OR_RETURN(
      std::vector<Window> others,
      Select(tx, kWindows, "WHERE version_id = ? AND id <> ?", {version_id, except}));
  Duration used = Duration::zero();
  for (const Window& w : others) used += WindowSpan(w.starts_at, w.ends_at, w.closed_at);
  return used;
}

}  // namespace

std::string ModelId(std::string_view model_name, std::string_view version) {
  return std::string(model_name) + "/" + std::string(version);
}

std::string_view ProviderName(Provider provider) {
  return provider == Provider::kAnthropic ? "anthropic" : "openai";
}

std::optional<Provider> ParseProvider(std::string_view name) {
  if (name == "openai") return Provider::kOpenAi;
  if (name == "anthropic") return Provider::kAnthropic;
  return std::nullopt;
}

ReviewService::ReviewService(store::Database& db, const Clock& clock,
                             const secrets::SecretStore& secrets, access::AuditTrail* audit,
                             Random& random)
    : db_(db), clock_(clock), secrets_(secrets), audit_(audit), random_(random) {}

Status ReviewService::Run(TxMode mode, const std::function<Status(Transaction&)>& fn) {
  if (mode == TxMode::kReadOnly) return access::TransactRecordingDenial(db_, audit_, mode, fn);
  // A change may change what gateway keys reach: counted, so that no gateway keeps what it read.
  return access::TransactRecordingDenial(db_, audit_, mode, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(fn(tx));
    return internal::BumpGatewayEpoch(tx);
  });
}

StatusOr<bool> ReviewService::Allowed(Transaction& tx, const Principal& actor,
                                      std::string_view action, std::string_view object) {
  BW_ASSIGN_OR_RETURN(Decision d, authorizer_.Check(tx, actor, action, object, clock_.Now()));
  return d.allowed;
}

StatusOr<bool> ReviewService::ReadableLab(Transaction& tx, const Principal& actor,
                                          const std::string& org_id,
                                          std::map<std::string, bool>& known) {
  auto it = known.find(org_id);
  if (it != known.end()) return it->second;
  BW_ASSIGN_OR_RETURN(bool readable, Allowed(tx, actor, actions::kReviewModelRead, org_id));
  known.emplace(org_id, readable);
  return readable;
}

StatusOr<std::vector<Value>> ReviewService::ReadableLabsIn(Transaction& tx, const Principal& actor,
                                                           std::string_view table) {
  BW_ASSIGN_OR_RETURN(store::ResultSet labs, tx.Query("SELECT DISTINCT lab_org_id FROM " +
                                                      std::string(table) + " ORDER BY 1"));
  std::vector<Value> readable;
  std::map<std::string, bool> known;
  for (const store::Row& row : labs) {
    BW_ASSIGN_OR_RETURN(bool lab_readable, ReadableLab(tx, actor, row.Text(0), known));
    if (lab_readable) readable.push_back(row.Text(0));
  }
  return readable;
}

template <typename T, typename Kind>
StatusOr<T> ReviewService::GetReadable(const Principal& actor, const Kind& kind,
                                       const std::string& id) {
  T row;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(row, Load(tx, kind, id));
    return Require(tx, actor, actions::kReviewModelRead, row.org_id, row.id,
                   std::string(kind.what) + " " + id)
        .status();
  });
  if (!s.ok()) return s;
  return row;
}

template <typename T, typename Kind>
StatusOr<std::vector<T>> ReviewService::ListReadable(const Principal& actor, const Kind& kind,
                                                     std::string_view order) {
  std::vector<T> rows;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    rows.clear();
    BW_ASSIGN_OR_RETURN(std::vector<T> all, Select(tx, kind, order));
    std::map<std::string, bool> readable;
    for (T& row : all) {
      BW_ASSIGN_OR_RETURN(bool lab_readable, ReadableLab(tx, actor, row.org_id, readable));
      if (lab_readable) rows.push_back(std::move(row));
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return rows;
}

StatusOr<Decision> ReviewService::Require(Transaction& tx, const Principal& actor,
                                          std::string_view action, std::string_view object,
                                          const std::string& audited_object,
                                          const std::string& missing) {
  BW_ASSIGN_OR_RETURN(Decision d, authorizer_.Check(tx, actor, action, object, clock_.Now()));
  if (d.allowed) return d;
  NoteDenial(actor, action, audited_object);
  if (!missing.empty() && access::ObjectType(object) == "org") {
    BW_ASSIGN_OR_RETURN(bool visible, Allowed(tx, actor, actions::kReviewModelRead, object));
    if (!visible) return NotFoundError("no " + missing);
  }
  return Status(StatusCode::kPermissionDenied, d.reason, {{"action", std::string(action)}});
}

void ReviewService::NoteDenial(const Principal& actor, std::string_view action,
                               const std::string& object) {
  access::NoteDenial(actor, action, object);
}

Status ReviewService::Audit(Transaction& tx, const Principal& actor, std::string_view action,
                            const std::string& object, std::vector<std::string> grants) {
  if (audit_ == nullptr) return OkStatus();
  return audit_->Record(tx, {actor, std::string(action), object, true, std::move(grants)});
}

Status ReviewService::AuditWindowSettings(Transaction& tx, const Principal& actor,
                                          std::string_view action, const Window& window,
                                          std::vector<std::string> grants) {
  if (audit_ == nullptr) return OkStatus();
  return audit_->Record(
      tx, {actor,
           std::string(action),
           window.id,
           true,
           std::move(grants),
           {{"hours_start", window.hours ? std::to_string(window.hours->start_hour) : ""},
            {"hours_end", window.hours ? std::to_string(window.hours->end_hour) : ""},
            {"suspend_on_alert", window.suspend_on_alert ? "true" : "false"},
            {"retain_content", window.retain_content ? "true" : "false"},
            {"retention_days", std::to_string(window.retention_days)}}});
}

StatusOr<std::pair<Party, Decision>> ReviewService::PartyOf(Transaction& tx, const Principal& actor,
                                                            const std::string& lab_org_id,
                                                            const std::string& object) {
  const Time now = clock_.Now();
  BW_ASSIGN_OR_RETURN(Decision lab,
                      authorizer_.Check(tx, actor, actions::kReviewModelManage, lab_org_id, now));
  if (lab.allowed) return std::make_pair(Party::kLab, lab);
  BW_ASSIGN_OR_RETURN(Decision office, authorizer_.Check(tx, actor, actions::kReviewProgram,
                                                         access::kPlatform, now));
  if (office.allowed) return std::make_pair(Party::kProgramOffice, office);
  NoteDenial(actor, actions::kReviewProgram, object);
  BW_ASSIGN_OR_RETURN(bool visible, Allowed(tx, actor, actions::kReviewModelRead, lab_org_id));
  if (!visible) return NotFoundError("no " + object);
  return Status(StatusCode::kPermissionDenied,
                "only the lab's administrators and the program office may do this",
                {{"action", std::string(actions::kReviewProgram)}});
}

// ---- models and versions ----

StatusOr<Model> ReviewService::RegisterModel(const Principal& actor, const std::string& org_id,
                                             const std::string& name,
                                             const std::string& description) {
  BW_RETURN_IF_ERROR(ValidateText(name, "name", 1, 200));
  BW_RETURN_IF_ERROR(ValidateText(description, "description", 0, 4000));
  Model model;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(Decision d, Require(tx, actor, actions::kReviewModelRegister, org_id,
                                            org_id, "organization " + org_id));
    BW_ASSIGN_OR_RETURN(store::ResultSet org,
                        tx.Query("SELECT kind FROM organizations WHERE id = ?", {org_id}));
    if (org.empty()) return NotFoundError("no organization " + org_id);
    if (org[0].Text(0) != "lab") {
      return Status(
          StatusCode::kFailedPrecondition,
          "only a lab registers models; organization " + org_id + " is a " + org[0].Text(0),
          {{"rule", "lab_registers_models"}});
    }
    model = {NewId("mdl", random_), org_id, name, description, now};
    Status insert = tx.Execute(
                          "INSERT INTO review_models (id, org_id, name, description, created_at, "
                          "created_by) VALUES (?,?,?,?,?,?)",
                          {model.id, org_id, name, description, ToUnixMicros(now), actor.user_id})
                        .status();
    if (insert.code() == StatusCode::kAlreadyExists) {
      return Status(StatusCode::kAlreadyExists, "the lab already has a model named '" + name + "'",
                    {{"field", "name"}});
    }
    BW_RETURN_IF_ERROR(insert);
    return Audit(tx, actor, "review.model.register", model.id, d.grants);
  });
  if (!s.ok()) return s;
  return model;
}

StatusOr<Model> ReviewService::GetModel(const Principal& actor, const std::string& model_id) {
  return GetReadable<Model>(actor, kModels, model_id);
}

StatusOr<std::vector<Model>> ReviewService::ListModels(const Principal& actor) {
  return ListReadable<Model>(actor, kModels, "ORDER BY org_id, name");
}

StatusOr<ModelVersion> ReviewService::AddVersion(const Principal& actor,
                                                 const std::string& model_id,
                                                 const NewVersion& spec) {
  BW_RETURN_IF_ERROR(ValidateText(spec.version, "version", 1, 100));
  BW_RETURN_IF_ERROR(ValidateBaseUrl(spec.base_url));
  BW_RETURN_IF_ERROR(ValidateText(spec.upstream_model, "upstream_model", 1, 200));
  BW_RETURN_IF_ERROR(ValidateText(spec.credential, "credential", 1, 8000));
  ModelVersion version;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(Model model, Load(tx, kModels, model_id));
    BW_ASSIGN_OR_RETURN(Decision d, Require(tx, actor, actions::kReviewModelManage, model.org_id,
                                            model.id, "model " + model_id));
    const std::string id = NewId("mdv", random_);
    Status insert =
        tx.Execute(
              "INSERT INTO model_versions (id, model_id, version, provider, base_url, "
              "upstream_model, status, planned_release_at, released_at, created_at, updated_at) "
              "VALUES (?,?,?,?,?,?,'in_development',?,NULL,?,?)",
              {id, model.id, spec.version, std::string(ProviderName(spec.provider)), spec.base_url,
               spec.upstream_model, store::TimeOrNull(spec.planned_release_at), ToUnixMicros(now),
               ToUnixMicros(now)})
            .status();
    if (insert.code() == StatusCode::kAlreadyExists) {
      return Status(StatusCode::kAlreadyExists,
                    "model " + model.id + " already has a version '" + spec.version + "'",
                    {{"field", "version"}});
    }
    BW_RETURN_IF_ERROR(insert);
    BW_RETURN_IF_ERROR(secrets_.Put(tx, {"model_versions", id, "credential"}, spec.credential));
    BW_ASSIGN_OR_RETURN(version, Load(tx, kVersions, id));
    return Audit(tx, actor, "review.version.add", id, d.grants);
  });
  if (!s.ok()) return s;
  return version;
}

StatusOr<ModelVersion> ReviewService::GetVersion(const Principal& actor,
                                                 const std::string& version_id) {
  return GetReadable<ModelVersion>(actor, kVersions, version_id);
}

StatusOr<std::vector<ModelVersion>> ReviewService::ListVersions(const Principal& actor,
                                                                const std::string& model_id) {
  std::vector<ModelVersion> versions;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    versions.clear();
    BW_ASSIGN_OR_RETURN(Model model, Load(tx, kModels, model_id));
    BW_RETURN_IF_ERROR(
        Require(tx, actor, actions::kReviewModelRead, model.org_id, model.id, "model " + model_id)
            .status());
    BW_ASSIGN_OR_RETURN(
        versions,
        Select(tx, kVersions, "WHERE v.model_id = ? ORDER BY v.created_at, v.id", {model_id}));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return versions;
}

Status ReviewService::CloseWindow(Transaction& tx, const Principal& actor, const Window& window,
                                  CloseReason reason, Time at) {
  const std::string by = actor.user_id.empty() ? "system" : actor.user_id;
  BW_ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Execute("UPDATE review_windows SET closed_at = ?, close_reason = ?, "
                 "closed_by = ? WHERE id = ? AND closed_at IS NULL",
                 {ToUnixMicros(at), std::string(CloseReasonName(reason)), by, window.id}));
  if (changed == 0) return OkStatus();  // closed meanwhile
  BW_RETURN_IF_ERROR(tx.Execute("UPDATE gateway_keys SET revoked_at = ?, revoked_by = ? "
                                "WHERE window_id = ? AND revoked_at IS NULL",
                                {ToUnixMicros(at), by, window.id})
                         .status());
  const std::string action = reason == CloseReason::kWithdrawn  ? "review.window.withdraw"
                             : reason == CloseReason::kReleased ? "review.window.close_on_release"
                                                                : "review.window.end";
  return Audit(tx, actor, action, window.id, {});
}

StatusOr<ModelVersion> ReviewService::SetVersionStatus(const Principal& actor,
                                                       const std::string& version_id,
                                                       VersionStatus status) {
  ModelVersion version;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(version, Load(tx, kVersions, version_id));
    BW_ASSIGN_OR_RETURN(Decision d, Require(tx, actor, actions::kReviewModelManage, version.org_id,
                                            version.id, "model version " + version_id));
    BW_RETURN_IF_ERROR(CheckVersionTransition(version.status, status));
    if (status == version.status) return OkStatus();
    const bool released = status == VersionStatus::kReleased;
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE model_versions SET status = ?, released_at = ?, "
                                  "updated_at = ? WHERE id = ?",
                                  {std::string(VersionStatusName(status)),
                                   released ? Value(ToUnixMicros(now)) : Value(std::monostate{}),
                                   ToUnixMicros(now), version.id})
                           .status());
    BW_RETURN_IF_ERROR(Audit(tx, actor, "review.version." + std::string(VersionStatusName(status)),
                             version.id, d.grants));
    if (status == VersionStatus::kReleased || status == VersionStatus::kWithdrawn) {
      // Pre-release access ends with the pre-release.
      BW_ASSIGN_OR_RETURN(
          std::vector<Window> unclosed,
          Select(tx, kWindows, "WHERE version_id = ? AND closed_at IS NULL", {version.id}));
      for (const Window& w : unclosed) {
        if (w.StateAt(now) == WindowState::kClosed) continue;  // ended; the sweep records it
        BW_RETURN_IF_ERROR(CloseWindow(
            tx, actor, w, released ? CloseReason::kReleased : CloseReason::kWithdrawn, now));
      }
    }
    BW_ASSIGN_OR_RETURN(version, Load(tx, kVersions, version_id));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return version;
}

Status ReviewService::ReplaceCredential(const Principal& actor, const std::string& version_id,
                                        const std::string& credential) {
  BW_RETURN_IF_ERROR(ValidateText(credential, "credential", 1, 8000));
  return Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ModelVersion version, Load(tx, kVersions, version_id));
    BW_ASSIGN_OR_RETURN(Decision d, Require(tx, actor, actions::kReviewModelManage, version.org_id,
                                            version.id, "model version " + version_id));
    BW_RETURN_IF_ERROR(secrets_.Put(tx, {"model_versions", version.id, "credential"}, credential));
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE model_versions SET updated_at = ? WHERE id = ?",
                                  {ToUnixMicros(clock_.Now()), version.id})
                           .status());
    return Audit(tx, actor, "review.version.credential", version.id, d.grants);
  });
}

// ---- inquiries ----

StatusOr<Inquiry> ReviewService::SubmitInquiry(const Principal& actor,
                                               const std::string& version_id,
                                               const std::string& question) {
  BW_RETURN_IF_ERROR(ValidateText(question, "question", 0, 4000));
  Inquiry inquiry;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(ModelVersion version, Load(tx, kVersions, version_id));
    BW_ASSIGN_OR_RETURN(Decision d, Require(tx, actor, actions::kReviewModelManage, version.org_id,
                                            version.id, "model version " + version_id));
    if (version.status == VersionStatus::kReleased || version.status == VersionStatus::kWithdrawn) {
      return Status(StatusCode::kFailedPrecondition,
                    "the version is " + std::string(VersionStatusName(version.status)) +
                        "; inquiries are about versions not yet released",
                    {{"rule", "inquiry_before_release"}});
    }
    BW_ASSIGN_OR_RETURN(
        store::ResultSet open,
        tx.Query("SELECT id FROM review_inquiries WHERE version_id = ? AND state IN "
                 "('submitted', 'accepted', 'under_evaluation')",
                 {version.id}));
    if (!open.empty()) {
      return Status(StatusCode::kAlreadyExists,
                    "inquiry " + open[0].Text(0) + " about this version is still open",
                    {{"inquiry_id", open[0].Text(0)}});
    }
    const std::string id = NewId("inq", random_);
    BW_RETURN_IF_ERROR(tx.Execute("INSERT INTO review_inquiries (id, version_id, org_id, state, "
                                  "question, asked_at, asked_by, answer, updated_at) VALUES "
                                  "(?,?,?,'submitted',?,?,?,'',?)",
                                  {id, version.id, version.org_id, question, ToUnixMicros(now),
                                   actor.user_id, ToUnixMicros(now)})
                           .status());
    BW_ASSIGN_OR_RETURN(inquiry, Load(tx, kInquiries, id));
    return Audit(tx, actor, "review.inquiry.submit", id, d.grants);
  });
  if (!s.ok()) return s;
  return inquiry;
}

StatusOr<Inquiry> ReviewService::AcceptInquiry(const Principal& actor,
                                               const std::string& inquiry_id,
                                               std::optional<Time> due_at) {
  Inquiry inquiry;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(inquiry, Load(tx, kInquiries, inquiry_id));
    BW_ASSIGN_OR_RETURN(bool visible,
                        Allowed(tx, actor, actions::kReviewModelRead, inquiry.org_id));
    if (!visible) return NotFoundError("no inquiry " + inquiry_id);
    BW_ASSIGN_OR_RETURN(Decision d,
                        Require(tx, actor, actions::kReviewProgram, access::kPlatform, inquiry.id));
    BW_RETURN_IF_ERROR(CheckInquiryTransition(inquiry.state, InquiryState::kAccepted));
    const Time due = due_at.value_or(now + kInquiryAnswerTime);
    if (due <= now) {
      return Status(StatusCode::kInvalidArgument, "due_at must be in the future",
                    {{"field", "due_at"}});
    }
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE review_inquiries SET state = 'accepted', accepted_at = "
                                  "?, accepted_by = ?, due_at = ?, updated_at = ? WHERE id = ?",
                                  {ToUnixMicros(now), actor.user_id, ToUnixMicros(due),
                                   ToUnixMicros(now), inquiry.id})
                           .status());
    BW_ASSIGN_OR_RETURN(inquiry, Load(tx, kInquiries, inquiry_id));
    return Audit(tx, actor, "review.inquiry.accept", inquiry.id, d.grants);
  });
  if (!s.ok()) return s;
  return inquiry;
}

StatusOr<Inquiry> ReviewService::WithdrawInquiry(const Principal& actor,
                                                 const std::string& inquiry_id) {
  Inquiry inquiry;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(inquiry, Load(tx, kInquiries, inquiry_id));
    BW_ASSIGN_OR_RETURN(Decision d, Require(tx, actor, actions::kReviewModelManage, inquiry.org_id,
                                            inquiry.id, "inquiry " + inquiry_id));
    BW_RETURN_IF_ERROR(CheckInquiryTransition(inquiry.state, InquiryState::kWithdrawn));
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE review_inquiries SET state = 'withdrawn', "
                                  "withdrawn_at = ?, updated_at = ? WHERE id = ?",
                                  {ToUnixMicros(now), ToUnixMicros(now), inquiry.id})
                           .status());
    BW_ASSIGN_OR_RETURN(inquiry, Load(tx, kInquiries, inquiry_id));
    return Audit(tx, actor, "review.inquiry.withdraw", inquiry.id, d.grants);
  });
  if (!s.ok()) return s;
  return inquiry;
}

StatusOr<Inquiry> ReviewService::GetInquiry(const Principal& actor, const std::string& inquiry_id) {
  return GetReadable<Inquiry>(actor, kInquiries, inquiry_id);
}

StatusOr<std::vector<Inquiry>> ReviewService::ListInquiries(const Principal& actor) {
  return ListReadable<Inquiry>(actor, kInquiries, "ORDER BY asked_at DESC, id");
}

// ---- windows ----

Status CheckWindowSettings(const WindowSettings& settings) {
  if (settings.hours) BW_RETURN_IF_ERROR(CheckUseHours(*settings.hours));
  return CheckRetentionDays(settings.retention_days);
}

StatusOr<Window> ReviewService::OpenWindow(const Principal& actor, const std::string& version_id,
                                           const NewWindow& spec) {
  BW_RETURN_IF_ERROR(CheckWindowSettings(spec.settings));
  Window window;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(ModelVersion version, Load(tx, kVersions, version_id));
    BW_ASSIGN_OR_RETURN(Decision d, Require(tx, actor, actions::kReviewModelManage, version.org_id,
                                            version.id, "model version " + version_id));
    if (version.status == VersionStatus::kReleased || version.status == VersionStatus::kWithdrawn) {
      return Status(StatusCode::kFailedPrecondition,
                    "the version is " + std::string(VersionStatusName(version.status)) +
                        "; access windows are for versions not yet released",
                    {{"rule", "window_before_release"}});
    }
    // The span itself first, then the version's other windows.
    BW_RETURN_IF_ERROR(CheckNewWindow(spec.starts_at, spec.ends_at, now));
    BW_ASSIGN_OR_RETURN(std::vector<Window> others,
                        Select(tx, kWindows, "WHERE version_id = ?", {version.id}));
    Duration used = Duration::zero();
    for (const Window& other : others) {
      if (other.StateAt(now) != WindowState::kClosed) {
        return Status(StatusCode::kFailedPrecondition,
                      "window " + other.id +
                          " of this version is not closed yet; extend it rather than open another",
                      {{"rule", "one_window_at_a_time"}, {"window_id", other.id}});
      }
      used += WindowSpan(other.starts_at, other.ends_at, other.closed_at);
    }
    BW_RETURN_IF_ERROR(CheckNewWindow(spec.starts_at, spec.ends_at, now, used));
    window = {NewId("win", random_), version.id,  version.org_id, spec.starts_at,
              spec.ends_at,          now,         actor.user_id,  std::nullopt,
              std::nullopt,          std::nullopt};
    window.hours = spec.settings.hours;
    window.suspend_on_alert = spec.settings.suspend_on_alert;
    window.retain_content = spec.settings.retain_content;
    window.retention_days = spec.settings.retention_days;
    BW_RETURN_IF_ERROR(
        tx.Execute(
              "INSERT INTO review_windows (id, version_id, org_id, starts_at, "
              "ends_at, retain_content, created_at, created_by, hours_start, hours_end, "
              "suspend_on_alert, retention_days) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
              {window.id, window.version_id, window.org_id, ToUnixMicros(window.starts_at),
               ToUnixMicros(window.ends_at), int64_t{window.retain_content ? 1 : 0},
               ToUnixMicros(now), actor.user_id, HoursStart(window.hours), HoursEnd(window.hours),
               int64_t{window.suspend_on_alert ? 1 : 0}, window.retention_days})
            .status());
    return AuditWindowSettings(tx, actor, "review.window.open", window, d.grants);
  });
  if (!s.ok()) return s;
  return window;
}

StatusOr<Window> ReviewService::ExtendWindow(const Principal& actor, const std::string& window_id,
                                             Time new_ends_at) {
  Window window;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(window, Load(tx, kWindows, window_id));
    BW_ASSIGN_OR_RETURN(Decision d, Require(tx, actor, actions::kReviewModelManage, window.org_id,
                                            window.id, "window " + window_id));
    if (window.StateAt(now) == WindowState::kClosed) {
      return Status(StatusCode::kFailedPrecondition,
                    "the window is closed; open a new one (within the version's 30 days)",
                    {{"rule", "extend_open_window"}});
    }
    BW_ASSIGN_OR_RETURN(Duration used, UsedByOtherWindows(tx, window.version_id, window.id));
    BW_RETURN_IF_ERROR(CheckExtension(window.starts_at, window.ends_at, new_ends_at, used));
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE review_windows SET ends_at = ? WHERE id = ? AND "
                                  "closed_at IS NULL",
                                  {ToUnixMicros(new_ends_at), window.id})
                           .status());
    // Keys that were to expire with the window now expire with it at its new end.
    BW_RETURN_IF_ERROR(
        tx.Execute("UPDATE gateway_keys SET expires_at = ? WHERE window_id = ? "
                   "AND expires_at = ? AND revoked_at IS NULL",
                   {ToUnixMicros(new_ends_at), window.id, ToUnixMicros(window.ends_at)})
            .status());
    BW_ASSIGN_OR_RETURN(window, Load(tx, kWindows, window_id));
    return Audit(tx, actor, "review.window.extend", window.id, d.grants);
  });
  if (!s.ok()) return s;
  return window;
}

StatusOr<Window> ReviewService::WithdrawWindow(const Principal& actor,
                                               const std::string& window_id) {
  Window window;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(window, Load(tx, kWindows, window_id));
    BW_RETURN_IF_ERROR(Require(tx, actor, actions::kReviewModelManage, window.org_id, window.id,
                               "window " + window_id)
                           .status());
    if (window.StateAt(now) == WindowState::kClosed) {
      return Status(StatusCode::kFailedPrecondition, "the window is already closed",
                    {{"rule", "withdraw_open_window"}});
    }
    BW_RETURN_IF_ERROR(CloseWindow(tx, actor, window, CloseReason::kWithdrawn, now));
    BW_ASSIGN_OR_RETURN(window, Load(tx, kWindows, window_id));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return window;
}

StatusOr<Window> ReviewService::SetWindowSettings(const Principal& actor,
                                                  const std::string& window_id,
                                                  const WindowSettings& settings) {
  BW_RETURN_IF_ERROR(CheckWindowSettings(settings));
  Window window;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(window, Load(tx, kWindows, window_id));
    BW_ASSIGN_OR_RETURN(Decision d, Require(tx, actor, actions::kReviewModelManage, window.org_id,
                                            window.id, "window " + window_id));
    if (window.StateAt(clock_.Now()) == WindowState::kClosed) {
      return Status(StatusCode::kFailedPrecondition,
                    "the window is closed; its keys no longer work, so its settings stay as "
                    "they were",
                    {{"rule", "settings_of_open_window"}});
    }
    BW_RETURN_IF_ERROR(
        tx.Execute("UPDATE review_windows SET hours_start = ?, hours_end = ?, "
                   "suspend_on_alert = ?, retain_content = ?, retention_days = ? "
                   "WHERE id = ?",
                   {HoursStart(settings.hours), HoursEnd(settings.hours),
                    int64_t{settings.suspend_on_alert ? 1 : 0},
                    int64_t{settings.retain_content ? 1 : 0}, settings.retention_days, window.id})
            .status());
    BW_ASSIGN_OR_RETURN(window, Load(tx, kWindows, window_id));
    return AuditWindowSettings(tx, actor, "review.window.settings", window, d.grants);
  });
  if (!s.ok()) return s;
  return window;
}

StatusOr<Window> ReviewService::GetWindow(const Principal& actor, const std::string& window_id) {
  Window window;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(window, Load(tx, kWindows, window_id));
    BW_ASSIGN_OR_RETURN(bool readable,
                        Allowed(tx, actor, actions::kReviewModelRead, window.org_id));
    if (readable) return OkStatus();
    // A partner sees the windows its organization has a grant on.
    BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                        tx.Query("SELECT id FROM review_partners WHERE window_id = ? AND "
                                 "partner_org_id = ? AND state <> 'removed'",
                                 {window.id, actor.org_id}));
    if (rows.empty()) return NotFoundError("no window " + window_id);
    return OkStatus();
  });
  if (!s.ok()) return s;
  return window;
}

StatusOr<std::vector<Window>> ReviewService::ListWindows(const Principal& actor) {
  std::vector<Window> windows;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    windows.clear();
    BW_ASSIGN_OR_RETURN(store::ResultSet partnered,
                        tx.Query("SELECT window_id FROM review_partners WHERE partner_org_id = ? "
                                 "AND state <> 'removed'",
                                 {actor.org_id}));
    std::set<std::string> partner_windows;
    for (const Row& row : partnered) partner_windows.insert(row.Text(0));
    BW_ASSIGN_OR_RETURN(std::vector<Window> all,
                        Select(tx, kWindows, "ORDER BY starts_at DESC, id"));
    std::map<std::string, bool> readable;
    for (Window& w : all) {
      BW_ASSIGN_OR_RETURN(bool lab_readable, ReadableLab(tx, actor, w.org_id, readable));
      if (lab_readable || partner_windows.count(w.id) != 0) windows.push_back(std::move(w));
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return windows;
}

// ---- partners ----

StatusOr<PartnerGrant> ReviewService::ProposePartner(const Principal& actor,
                                                     const std::string& window_id,
                                                     const std::string& partner_org_id,
                                                     const Quota& quota) {
  BW_RETURN_IF_ERROR(CheckQuota(quota));
  PartnerGrant grant;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(Window window, Load(tx, kWindows, window_id));
    BW_ASSIGN_OR_RETURN(auto party, PartyOf(tx, actor, window.org_id, "window " + window_id));
    if (window.StateAt(now) == WindowState::kClosed) {
      return Status(StatusCode::kFailedPrecondition, "the window is closed",
                    {{"rule", "partners_of_open_window"}});
    }
    BW_ASSIGN_OR_RETURN(store::ResultSet org,
                        tx.Query("SELECT kind FROM organizations WHERE id = ?", {partner_org_id}));
    if (org.empty()) {
      return Status(StatusCode::kNotFound, "no organization " + partner_org_id,
                    {{"field", "partner_org_id"}});
    }
    const std::string kind = org[0].Text(0);
    if (kind == "lab" || kind == "program_office" || partner_org_id == window.org_id) {
      return Status(StatusCode::kInvalidArgument,
                    "a trusted partner is an agency, an operator, a partner or a clearinghouse; "
                    "organization " +
                        partner_org_id + " is a " + kind,
                    {{"field", "partner_org_id"}, {"rule", "partner_kind"}});
    }
    const std::string id = NewId("wpt", random_);
    Status insert =
        tx.Execute(
              "INSERT INTO review_partners (id, window_id, partner_org_id, state, "
              "requests_per_day, tokens_per_day, requests_per_minute, proposed_by_party, "
              "proposed_by, proposed_at) VALUES (?,?,?,'proposed',?,?,?,?,?,?)",
              {id, window.id, partner_org_id, quota.requests_per_day, quota.tokens_per_day,
               quota.requests_per_minute, std::string(PartyName(party.first)), actor.user_id,
               ToUnixMicros(now)})
            .status();
    if (insert.code() == StatusCode::kAlreadyExists) {
      return Status(StatusCode::kAlreadyExists,
                    "organization " + partner_org_id + " is already a partner of this window",
                    {{"field", "partner_org_id"}});
    }
    BW_RETURN_IF_ERROR(insert);
    BW_ASSIGN_OR_RETURN(grant, Load(tx, kPartners, id));
    return Audit(tx, actor, "review.partner.propose", grant.id, party.second.grants);
  });
  if (!s.ok()) return s;
  return grant;
}

StatusOr<PartnerGrant> ReviewService::OpenOfficeAccess(const Principal& actor,
                                                       const std::string& window_id) {
  PartnerGrant grant;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(Decision office, Require(tx, actor, actions::kReviewProgram,
                                                 access::kPlatform, "window " + window_id));
    BW_ASSIGN_OR_RETURN(Window window, Load(tx, kWindows, window_id));
    if (window.StateAt(now) == WindowState::kClosed) {
      return Status(StatusCode::kFailedPrecondition, "the window is closed",
                    {{"rule", "partners_of_open_window"}});
    }
    BW_ASSIGN_OR_RETURN(std::vector<PartnerGrant> held,
                        Select(tx, kPartners,
                               "WHERE p.window_id = ? AND p.partner_org_id = ? AND p.state = "
                               "'active'",
                               {window.id, actor.org_id}));
    if (!held.empty()) {
      grant = std::move(held[0]);
      return OkStatus();
    }
    const std::string id = NewId("wpt", random_);
    BW_RETURN_IF_ERROR(
        tx.Execute(
              "INSERT INTO review_partners (id, window_id, partner_org_id, state, "
              "requests_per_day, tokens_per_day, requests_per_minute, proposed_by_party, "
              "proposed_by, proposed_at, concurred_by_party, concurred_by, concurred_at) "
              "VALUES (?,?,?,'active',?,?,?,'lab',?,?,'program_office',?,?)",
              {id, window.id, actor.org_id, kOfficeQuota.requests_per_day,
               kOfficeQuota.tokens_per_day, kOfficeQuota.requests_per_minute, window.created_by,
               ToUnixMicros(window.created_at), actor.user_id, ToUnixMicros(now)})
            .status());
    BW_ASSIGN_OR_RETURN(grant, Load(tx, kPartners, id));
    return Audit(tx, actor, "review.office.access", grant.id, office.grants);
  });
  if (!s.ok()) return s;
  return grant;
}

StatusOr<PartnerGrant> ReviewService::ConcurPartner(const Principal& actor,
                                                    const std::string& grant_id) {
  PartnerGrant grant;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(grant, Load(tx, kPartners, grant_id));
    BW_ASSIGN_OR_RETURN(Window window, Load(tx, kWindows, grant.window_id));
    BW_ASSIGN_OR_RETURN(auto party, PartyOf(tx, actor, window.org_id, "partner grant " + grant_id));
    if (Status rule = CheckConcurrence(grant.state, grant.proposed_by_party, party.first);
        !rule.ok()) {
      if (rule.code() == StatusCode::kPermissionDenied) {
        NoteDenial(actor, "review.partner.concur", grant.id);
      }
      return rule;
    }
    if (window.StateAt(now) == WindowState::kClosed) {
      return Status(StatusCode::kFailedPrecondition, "the window is closed",
                    {{"rule", "partners_of_open_window"}});
    }
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE review_partners SET state = 'active', "
                                  "concurred_by_party = ?, concurred_by = ?, concurred_at = ? "
                                  "WHERE id = ? AND state = 'proposed'",
                                  {std::string(PartyName(party.first)), actor.user_id,
                                   ToUnixMicros(now), grant.id})
                           .status());
    BW_ASSIGN_OR_RETURN(grant, Load(tx, kPartners, grant_id));
    return Audit(tx, actor, "review.partner.concur", grant.id, party.second.grants);
  });
  if (!s.ok()) return s;
  return grant;
}

StatusOr<PartnerGrant> ReviewService::RemovePartner(const Principal& actor,
                                                    const std::string& grant_id) {
  PartnerGrant grant;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(grant, Load(tx, kPartners, grant_id));
    BW_ASSIGN_OR_RETURN(Window window, Load(tx, kWindows, grant.window_id));
    BW_ASSIGN_OR_RETURN(auto party, PartyOf(tx, actor, window.org_id, "partner grant " + grant_id));
    if (grant.state == PartnerState::kRemoved) {
      return Status(StatusCode::kFailedPrecondition, "the partner was already removed",
                    {{"rule", "partner_transition"}});
    }
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE review_partners SET state = 'removed', removed_by = ?, "
                                  "removed_at = ? WHERE id = ?",
                                  {actor.user_id, ToUnixMicros(now), grant.id})
                           .status());
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE gateway_keys SET revoked_at = ?, revoked_by = ? WHERE "
                                  "grant_id = ? AND revoked_at IS NULL",
                                  {ToUnixMicros(now), actor.user_id, grant.id})
                           .status());
    BW_ASSIGN_OR_RETURN(grant, Load(tx, kPartners, grant_id));
    return Audit(tx, actor, "review.partner.remove", grant.id, party.second.grants);
  });
  if (!s.ok()) return s;
  return grant;
}

StatusOr<std::vector<PartnerGrant>> ReviewService::ListPartners(const Principal& actor,
                                                                const std::string& window_id) {
  std::vector<PartnerGrant> grants;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    grants.clear();
    BW_ASSIGN_OR_RETURN(Window window, Load(tx, kWindows, window_id));
    BW_RETURN_IF_ERROR(Require(tx, actor, actions::kReviewModelRead, window.org_id, window.id,
                               "window " + window_id)
                           .status());
    BW_ASSIGN_OR_RETURN(
        grants,
        Select(tx, kPartners, "WHERE p.window_id = ? ORDER BY p.proposed_at, p.id", {window_id}));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return grants;
}

StatusOr<std::vector<access::Organization>> ReviewService::ListPartnerCandidates(
    const Principal& actor) {
  std::vector<access::Organization> orgs;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    orgs.clear();
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(
        Decision lab, authorizer_.Check(tx, actor, actions::kReviewModelManage, actor.org_id, now));
    BW_ASSIGN_OR_RETURN(Decision office, authorizer_.Check(tx, actor, actions::kReviewProgram,
                                                           access::kPlatform, now));
    if (!lab.allowed && !office.allowed) {
      return Status(StatusCode::kPermissionDenied,
                    "only a lab's administrators and the program office choose trusted partners",
                    {{"action", std::string(actions::kReviewProgram)}});
    }
    BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                        tx.Query("SELECT id, name, kind, created_at FROM organizations WHERE "
                                 "kind IN ('agency', 'operator', 'partner', 'clearinghouse') "
                                 "ORDER BY name, id"));
    for (const Row& row : rows) {
      StatusOr<access::OrgKind> kind = access::ParseOrgKind(row.Text(2));
      orgs.push_back({row.Text(0), row.Text(1), kind.ok() ? *kind : access::OrgKind::kOperator,
                      FromUnixMicros(row.Int(3))});
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return orgs;
}

StatusOr<std::vector<PartnerGrant>> ReviewService::ListOwnGrants(const Principal& actor) {
  std::vector<PartnerGrant> grants;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    grants.clear();
    BW_ASSIGN_OR_RETURN(
        grants,
        Select(tx, kPartners, "WHERE p.partner_org_id = ? ORDER BY p.proposed_at DESC, p.id",
               {actor.org_id}));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return grants;
}

// ---- gateway keys ----

StatusOr<IssuedGatewayKey> ReviewService::IssueGatewayKey(const Principal& actor,
                                                          const std::string& grant_id,
                                                          const std::string& name,
                                                          std::optional<Time> expires_at) {
  BW_RETURN_IF_ERROR(ValidateText(name, "name", 1, 200));
  IssuedGatewayKey issued;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(Decision d,
                        Require(tx, actor, actions::kReviewKeyIssue, actor.user_id, actor.user_id));
    // Under a window's partner grant, or under defensive access.
    Value partner_grant, window_id, defensive_grant;
    std::string version_id;
    Time expiry;
    if (grant_id.starts_with("dfa_")) {
      BW_ASSIGN_OR_RETURN(DefensiveGrant grant, Load(tx, internal::kDefensive, grant_id));
      if (grant.org_id != actor.org_id) return NotFoundError("no grant " + grant_id);
      const DefensiveState state = grant.StateAt(now);
      if (state != DefensiveState::kActive) {
        return Status(StatusCode::kFailedPrecondition,
                      state == DefensiveState::kRequested
                          ? "the defensive access waits for the program office's and the lab's "
                            "approval"
                          : "the defensive access is " + std::string(DefensiveStateName(state)),
                      {{"rule", "keys_under_active_grant"}});
      }
      defensive_grant = grant.id;
      version_id = grant.version_id;
      expiry = grant.expires_at;
    } else {
      BW_ASSIGN_OR_RETURN(PartnerGrant grant, Load(tx, kPartners, grant_id));
      if (grant.partner_org_id != actor.org_id) return NotFoundError("no grant " + grant_id);
      if (grant.state != PartnerState::kActive) {
        return Status(StatusCode::kFailedPrecondition,
                      grant.state == PartnerState::kProposed
                          ? "the grant is proposed and waits for the other party's concurrence"
                          : "the grant was removed",
                      {{"rule", "keys_under_active_grant"}});
      }
      BW_ASSIGN_OR_RETURN(Window window, Load(tx, kWindows, grant.window_id));
      if (window.StateAt(now) == WindowState::kClosed) {
        return Status(StatusCode::kFailedPrecondition, "the access window is closed",
                      {{"rule", "keys_under_active_grant"}});
      }
      partner_grant = grant.id;
      window_id = window.id;
      version_id = window.version_id;
      expiry = window.ends_at;
    }
    if (expires_at) {
      if (*expires_at <= now) {
        return Status(StatusCode::kInvalidArgument, "expires_at must be in the future",
                      {{"field", "expires_at"}});
      }
      expiry = std::min(expiry, *expires_at);
    }
    issued.secret = access::NewSecret("bwg_", random_);
    const std::string id = NewId("gwk", random_);
    BW_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO gateway_keys (id, secret_hash, user_id, org_id, version_id, "
                   "grant_id, window_id, defensive_grant_id, name, created_at, expires_at) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   {id, store::Blob{access::HashSecret(issued.secret)}, actor.user_id, actor.org_id,
                    version_id, partner_grant, window_id, defensive_grant, name, ToUnixMicros(now),
                    ToUnixMicros(expiry)})
            .status());
    BW_ASSIGN_OR_RETURN(issued.key, Load(tx, kKeys, id));
    return Audit(tx, actor, "review.key.issue", id, d.grants);
  });
  if (!s.ok()) return s;
  return issued;
}

StatusOr<std::vector<GatewayKey>> ReviewService::ListGatewayKeys(const Principal& actor) {
  std::vector<GatewayKey> keys;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    keys.clear();
    BW_ASSIGN_OR_RETURN(
        keys,
        Select(tx, kKeys, "WHERE k.user_id = ? ORDER BY k.created_at DESC, k.id", {actor.user_id}));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return keys;
}

StatusOr<GatewayKey> ReviewService::RevokeGatewayKey(const Principal& actor,
                                                     const std::string& key_id) {
  GatewayKey key;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(key, Load(tx, kKeys, key_id));
    std::vector<std::string> grants;
    if (key.user_id == actor.user_id) {
      grants = {actor.credential_id};
    } else {
      BW_ASSIGN_OR_RETURN(ModelVersion version, Load(tx, kVersions, key.version_id));
      BW_ASSIGN_OR_RETURN(Decision admin,
                          authorizer_.Check(tx, actor, actions::kUserUpdate, key.user_id, now));
      BW_ASSIGN_OR_RETURN(Decision lab, authorizer_.Check(tx, actor, actions::kReviewModelManage,
                                                          version.org_id, now));
      BW_ASSIGN_OR_RETURN(Decision office, authorizer_.Check(tx, actor, actions::kReviewProgram,
                                                             access::kPlatform, now));
      const Decision* allowed = admin.allowed    ? &admin
                                : lab.allowed    ? &lab
                                : office.allowed ? &office
                                                 : nullptr;
      if (allowed == nullptr) {
        NoteDenial(actor, "review.key.revoke", key.id);
        return NotFoundError("no gateway key " + key_id);
      }
      grants = allowed->grants;
    }
    if (key.revoked_at) return OkStatus();
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE gateway_keys SET revoked_at = ?, revoked_by = ? WHERE "
                                  "id = ? AND revoked_at IS NULL",
                                  {ToUnixMicros(now), actor.user_id, key.id})
                           .status());
    BW_ASSIGN_OR_RETURN(key, Load(tx, kKeys, key_id));
    return Audit(tx, actor, "review.key.revoke", key.id, grants);
  });
  if (!s.ok()) return s;
  return key;
}

StatusOr<GatewayAccess> ReviewService::AuthorizeGatewayKey(std::string_view secret) {
  GatewayAccess access;
  Status s = db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(access, AuthorizeGatewayKey(tx, secret));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return access;
}

StatusOr<GatewayAccess> ReviewService::AuthorizeGatewayKey(Transaction& tx, std::string_view secret,
                                                           std::optional<GatewayKey>* known) {
  BW_ASSIGN_OR_RETURN(GatewayKeyRecord record, LoadGatewayKey(tx, secret));
  if (known != nullptr) *known = record.key;
  return AccessAt(record, clock_.Now());
}

StatusOr<GatewayKeyRecord> ReviewService::LoadGatewayKey(Transaction& tx, std::string_view secret) {
  if (!access::HasSecretShape(secret, "bwg_")) {
    return UnauthenticatedError("a gateway key (bwg_...) is required");
  }
  BW_ASSIGN_OR_RETURN(
      std::vector<GatewayKey> keys,
      Select(tx, kKeys, "WHERE k.secret_hash = ?", {store::Blob{access::HashSecret(secret)}}));
  if (keys.empty()) return UnauthenticatedError("this gateway key is not known");
  GatewayKeyRecord record;
  record.key = std::move(keys[0]);
  if (record.key.window_id.empty()) {
    BW_ASSIGN_OR_RETURN(record.defensive, Load(tx, internal::kDefensive, record.key.grant_id));
  } else {
    BW_ASSIGN_OR_RETURN(record.window, Load(tx, kWindows, record.key.window_id));
    BW_ASSIGN_OR_RETURN(record.partner, Load(tx, kPartners, record.key.grant_id));
  }
  BW_ASSIGN_OR_RETURN(record.version, Load(tx, kVersions, record.key.version_id));
  return record;
}

StatusOr<GatewayAccess> ReviewService::AccessAt(const GatewayKeyRecord& record, Time now) {
  GatewayAccess access;
  // The grant first: a key revoked because its window closed says so.
  if (record.defensive) {
    const DefensiveState state = record.defensive->StateAt(now);
    if (state != DefensiveState::kActive) {
      return PermissionDeniedError("this gateway key's defensive access is " +
                                   std::string(DefensiveStateName(state)));
    }
    access.access_ends_at = record.defensive->expires_at;
  } else {
    switch (record.window->StateAt(now)) {
      case WindowState::kScheduled:
        return PermissionDeniedError("this gateway key's access window has not opened yet");
      case WindowState::kClosed:
        return PermissionDeniedError("this gateway key's access window is closed");
      case WindowState::kOpen:
        break;
    }
    if (record.partner->state != PartnerState::kActive) {
      return PermissionDeniedError("this gateway key's partner grant is no longer active");
    }
    access.access_ends_at = record.window->ends_at;
    access.window = record.window;
  }
  if (record.key.revoked_at && *record.key.revoked_at <= now) {
    return PermissionDeniedError("this gateway key was revoked");
  }
  if (record.key.expires_at <= now) return PermissionDeniedError("this gateway key expired");
  access.key = record.key;
  access.version = record.version;
  return access;
}

StatusOr<int64_t> ReviewService::GatewayEpoch(Transaction& tx) {
  BW_ASSIGN_OR_RETURN(store::ResultSet rows, tx.Query("SELECT n FROM review_epoch WHERE id = 1"));
  if (rows.empty()) return Status(StatusCode::kDataLoss, "the review epoch is missing");
  return rows[0].Int(0);
}

namespace {

int64_t DayOf(Time t) { return ToUnixMicros(t) / (int64_t{86400} * 1000000); }

}  // namespace

StatusOr<QuotaUse> ReviewService::UsageIn(Transaction& tx, const std::string& key_id, int64_t day) {
  BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                      tx.Query("SELECT requests, tokens_used, tokens_reserved, requests_reserved "
                               "FROM gateway_usage WHERE key_id = ? AND day = ?",
                               {key_id, day}));
  if (rows.empty()) return QuotaUse{};
  return QuotaUse{rows[0].Int(0), rows[0].Int(1), rows[0].Int(2), rows[0].Int(3)};
}

Status ReviewService::QuotaRefusal(const GatewayKey& key, const QuotaUse& use, int64_t tokens) {
  if (use.requests + use.requests_reserved + 1 > key.quota.requests_per_day) {
    return Status(StatusCode::kResourceExhausted,
                  "this key's quota of " + std::to_string(key.quota.requests_per_day) +
                      " requests a day is used; it renews at 00:00 UTC",
                  {{"limit", "requests_per_day"}});
  }
  return Status(StatusCode::kResourceExhausted,
                "this call could use up to " + std::to_string(tokens) +
                    " tokens, more than is left of this key's " +
                    std::to_string(key.quota.tokens_per_day) +
                    " tokens a day (ask for fewer with max_tokens, or wait for 00:00 UTC)",
                {{"limit", "tokens_per_day"}});
}

Status ReviewService::ReturnQuotaLeases(Transaction& tx, const std::vector<QuotaLease>& leases) {
  for (const QuotaLease& lease : leases) {
    if (lease.requests <= 0 && lease.tokens <= 0) continue;
    BW_RETURN_IF_ERROR(
        tx.Execute(
              "UPDATE gateway_usage SET requests_reserved = CASE WHEN requests_reserved > ? "
              "THEN requests_reserved - ? ELSE 0 END, tokens_reserved = CASE WHEN "
              "tokens_reserved > ? THEN tokens_reserved - ? ELSE 0 END WHERE key_id = ? AND "
              "day = ?",
              {lease.requests, lease.requests, lease.tokens, lease.tokens, lease.key_id, lease.day})
            .status());
  }
  return OkStatus();
}

Status ReviewService::ReturnQuotaLeases(const std::vector<QuotaLease>& returning) {
  if (returning.empty()) return OkStatus();
  return db_.Transact(TxMode::kQueue,
                      [&](Transaction& tx) { return ReturnQuotaLeases(tx, returning); });
}

StatusOr<QuotaLease> ReviewService::LeaseQuota(const GatewayKey& key, int64_t tokens,
                                               const std::vector<QuotaLease>& returning) {
  tokens = std::max<int64_t>(tokens, 0);
  QuotaLease lease{key.id, DayOf(clock_.Now()), 0, 0};
  Status refused;
  Status s = db_.Transact(TxMode::kQueue, [&](Transaction& tx) -> Status {
    refused = OkStatus();
    BW_RETURN_IF_ERROR(ReturnQuotaLeases(tx, returning));
    BW_RETURN_IF_ERROR(tx.Execute("INSERT INTO gateway_usage (key_id, day, requests, tokens_used, "
                                  "tokens_reserved) VALUES (?, ?, 0, 0, 0) ON CONFLICT DO NOTHING",
                                  {key.id, lease.day})
                           .status());
    // What is left, then a conditional update that takes the lease only while it still fits
    // (on PostgreSQL another replica may take some in between: then look again).
    for (int attempt = 0; attempt < 8; ++attempt) {
      BW_ASSIGN_OR_RETURN(QuotaUse use, UsageIn(tx, key.id, lease.day));
      const int64_t requests_left =
          key.quota.requests_per_day - use.requests - use.requests_reserved;
      const int64_t tokens_left = key.quota.tokens_per_day - use.tokens_used - use.tokens_reserved;
      if (requests_left < 1 || tokens_left < tokens) {
        refused = QuotaRefusal(key, use, tokens);
        return OkStatus();  // what was given back stays given back
      }
      lease.requests =
          std::clamp<int64_t>(key.quota.requests_per_day / kLeaseShare, 1, requests_left);
      lease.tokens = std::clamp<int64_t>(std::max(tokens, key.quota.tokens_per_day / kLeaseShare),
                                         tokens, tokens_left);
      BW_ASSIGN_OR_RETURN(
          int64_t taken,
          tx.Execute("UPDATE gateway_usage SET requests_reserved = requests_reserved + ?, "
                     "tokens_reserved = tokens_reserved + ? WHERE key_id = ? AND day = ? AND "
                     "requests + requests_reserved + ? <= ? AND tokens_used + tokens_reserved + "
                     "? <= ?",
                     {lease.requests, lease.tokens, key.id, lease.day, lease.requests,
                      key.quota.requests_per_day, lease.tokens, key.quota.tokens_per_day}));
      if (taken == 1) return OkStatus();
    }
    return AbortedError("the key's quota changed too often to lease; try again");
  });
  if (!s.ok()) return s;
  if (!refused.ok()) return refused;
  return lease;
}

Status ReviewService::SettleQuota(const QuotaReservation& reservation, int64_t tokens_used) {
  return db_.Transact(TxMode::kQueue,
                      [&](Transaction& tx) { return SettleQuota(tx, reservation, tokens_used); });
}

Status ReviewService::SettleQuota(Transaction& tx, const QuotaReservation& reservation,
                                  int64_t tokens_used) {
  // The call's request moves from the lease to those made, and the key is marked used.
  BW_RETURN_IF_ERROR(tx.Execute("UPDATE gateway_keys SET last_used_at = ? WHERE id = ?",
                                {ToUnixMicros(clock_.Now()), reservation.key_id})
                         .status());
  return tx
      .Execute(
          "UPDATE gateway_usage SET tokens_reserved = CASE WHEN tokens_reserved > ? THEN "
          "tokens_reserved - ? ELSE 0 END, tokens_used = tokens_used + ?, requests = requests + "
          "1, requests_reserved = CASE WHEN requests_reserved > 0 THEN requests_reserved - 1 "
          "ELSE 0 END WHERE key_id = ? AND day = ?",
          {reservation.tokens, reservation.tokens, std::max<int64_t>(tokens_used, 0),
           reservation.key_id, reservation.day})
      .status();
}

StatusOr<QuotaUse> ReviewService::UsageOn(const std::string& key_id, Time at) {
  QuotaUse use;
  Status s = db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(use, UsageIn(tx, key_id, DayOf(at)));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return use;
}

StatusOr<std::vector<PartnerUsage>> ReviewService::WindowUsage(const Principal& actor,
                                                               const std::string& window_id) {
  std::vector<PartnerUsage> usage;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    usage.clear();
    BW_ASSIGN_OR_RETURN(Window window, Load(tx, kWindows, window_id));
    BW_RETURN_IF_ERROR(Require(tx, actor, actions::kReviewModelRead, window.org_id, window.id,
                               "window " + window_id)
                           .status());
    BW_ASSIGN_OR_RETURN(
        store::ResultSet rows,
        tx.Query("SELECT k.org_id, o.name, u.day, SUM(u.requests), SUM(u.tokens_used) FROM "
                 "gateway_usage u JOIN gateway_keys k ON k.id = u.key_id JOIN organizations o "
                 "ON o.id = k.org_id WHERE k.window_id = ? GROUP BY k.org_id, o.name, u.day "
                 "ORDER BY u.day, k.org_id",
                 {window_id}));
    for (const Row& row : rows) {
      usage.push_back({row.Text(0), row.Text(1), row.Int(2), row.Int(3), row.Int(4)});
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return usage;
}

StatusOr<int64_t> ReviewService::SweepWindows() {
  int64_t closed = 0;
  Status s = db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    closed = 0;
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(
        std::vector<Window> ended,
        Select(tx, kWindows, "WHERE closed_at IS NULL AND ends_at <= ? ORDER BY ends_at LIMIT 500",
               {ToUnixMicros(now)}));
    for (const Window& w : ended) {
      BW_RETURN_IF_ERROR(
          CloseWindow(tx, access::SystemPrincipal(), w, CloseReason::kEnded, w.ends_at));
      ++closed;
    }
    return closed == 0 ? OkStatus() : internal::BumpGatewayEpoch(tx);
  });
  if (!s.ok()) return s;
  return closed;
}

}  // namespace bulwark::review

namespace bulwark::review {

StatusOr<Window> ReviewService::WindowIn(Transaction& tx, const std::string& window_id) {
  return Load(tx, kWindows, window_id);
}

StatusOr<Inquiry> ReviewService::InquiryIn(Transaction& tx, const std::string& inquiry_id) {
  return Load(tx, kInquiries, inquiry_id);
}

Status ReviewService::RevokeKeyIn(Transaction& tx, const std::string& key_id,
                                  const std::string& by) {
  BW_RETURN_IF_ERROR(tx.Execute("UPDATE gateway_keys SET revoked_at = ?, revoked_by = ? WHERE "
                                "id = ? AND revoked_at IS NULL",
                                {ToUnixMicros(clock_.Now()), by, key_id})
                         .status());
  return internal::BumpGatewayEpoch(tx);
}

Status ReviewService::MoveInquiryIn(Transaction& tx, const std::string& inquiry_id, InquiryState to,
                                    const std::string& answer, const std::string& policy_ref,
                                    const std::string& designation_id) {
  BW_ASSIGN_OR_RETURN(Inquiry inquiry, Load(tx, kInquiries, inquiry_id));
  BW_RETURN_IF_ERROR(CheckInquiryTransition(inquiry.state, to));
  const int64_t now = ToUnixMicros(clock_.Now());
  if (to == InquiryState::kAnswered) {
    return tx
        .Execute(
            "UPDATE review_inquiries SET state = ?, answer = ?, policy_ref = ?, "
            "designation_id = ?, answered_at = ?, updated_at = ? WHERE id = ?",
            {std::string(InquiryStateName(to)), answer, policy_ref, designation_id, now, now,
             inquiry_id})
        .status();
  }
  return tx
      .Execute("UPDATE review_inquiries SET state = ?, updated_at = ? WHERE id = ?",
               {std::string(InquiryStateName(to)), now, inquiry_id})
      .status();
}

}  // namespace bulwark::review
