#include "review/rules.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <utility>

#include "base/time_format.h"

namespace bulwark::review {
namespace {

template <typename E, size_t N>
std::optional<E> ParseName(const std::array<std::pair<E, std::string_view>, N>& names,
                           std::string_view name) {
  for (const auto& [value, text] : names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& names, E value) {
  for (const auto& [v, text] : names) {
    if (v == value) return text;
  }
  return names[0].second;
}

constexpr std::array<std::pair<VersionStatus, std::string_view>, 4> kVersionStatuses = {{
    {VersionStatus::kInDevelopment, "in_development"},
    {VersionStatus::kUnderReview, "under_review"},
    {VersionStatus::kReleased, "released"},
    {VersionStatus::kWithdrawn, "withdrawn"},
}};

constexpr std::array<std::pair<InquiryState, std::string_view>, 5> kInquiryStates = {{
    {InquiryState::kSubmitted, "submitted"},
    {InquiryState::kAccepted, "accepted"},
    {InquiryState::kUnderEvaluation, "under_evaluation"},
    {InquiryState::kAnswered, "answered"},
    {InquiryState::kWithdrawn, "withdrawn"},
}};

constexpr std::array<std::pair<CloseReason, std::string_view>, 3> kCloseReasons = {{
    {CloseReason::kEnded, "ended"},
    {CloseReason::kReleased, "released"},
    {CloseReason::kWithdrawn, "withdrawn"},
}};

constexpr std::array<std::pair<PartnerState, std::string_view>, 3> kPartnerStates = {{
    {PartnerState::kProposed, "proposed"},
    {PartnerState::kActive, "active"},
    {PartnerState::kRemoved, "removed"},
}};

constexpr std::array<std::pair<DefensiveState, std::string_view>, 5> kDefensiveStates = {{
    {DefensiveState::kRequested, "requested"},
    {DefensiveState::kActive, "active"},
    {DefensiveState::kDenied, "denied"},
    {DefensiveState::kRevoked, "revoked"},
    {DefensiveState::kExpired, "expired"},
}};

constexpr std::array<std::pair<AlertKind, std::string_view>, 5> kAlertKinds = {{
    {AlertKind::kUsageAboveBaseline, "usage_above_baseline"},
    {AlertKind::kQuotaShare, "quota_share"},
    {AlertKind::kNewClientAddress, "new_client_address"},
    {AlertKind::kOutsideHours, "outside_hours"},
    {AlertKind::kBulkRetainedReads, "bulk_retained_reads"},
}};

constexpr std::array<std::pair<AlertScope, std::string_view>, 3> kAlertScopes = {{
    {AlertScope::kKey, "key"},
    {AlertScope::kOrganization, "organization"},
    {AlertScope::kReader, "reader"},
}};

constexpr std::array<std::pair<ContentReadState, std::string_view>, 5> kContentReadStates = {{
    {ContentReadState::kRequested, "requested"},
    {ContentReadState::kApproved, "approved"},
    {ContentReadState::kDenied, "denied"},
    {ContentReadState::kRevoked, "revoked"},
    {ContentReadState::kExpired, "expired"},
}};

Status Rule(std::string_view rule, std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message), {{"rule", std::string(rule)}});
}

}  // namespace

std::string_view VersionStatusName(VersionStatus status) {
  return NameOf(kVersionStatuses, status);
}
std::optional<VersionStatus> ParseVersionStatus(std::string_view name) {
  return ParseName(kVersionStatuses, name);
}

Status CheckVersionTransition(VersionStatus from, VersionStatus to) {
  if (from == to) return OkStatus();
  if (from == VersionStatus::kReleased || from == VersionStatus::kWithdrawn) {
    return Status(StatusCode::kFailedPrecondition,
                  "the version is " + std::string(VersionStatusName(from)) +
                      ", which is final; register a new version instead",
                  {{"rule", "version_status_final"}});
  }
  return OkStatus();
}

std::string_view InquiryStateName(InquiryState state) { return NameOf(kInquiryStates, state); }
std::optional<InquiryState> ParseInquiryState(std::string_view name) {
  return ParseName(kInquiryStates, name);
}

Status CheckInquiryTransition(InquiryState from, InquiryState to) {
  bool allowed = false;
  switch (to) {
    case InquiryState::kAccepted:
      allowed = from == InquiryState::kSubmitted;
      break;
    case InquiryState::kUnderEvaluation:
      allowed = from == InquiryState::kAccepted;
      break;
    case InquiryState::kAnswered:
      allowed = from == InquiryState::kAccepted || from == InquiryState::kUnderEvaluation;
      break;
    case InquiryState::kWithdrawn:
      allowed = from == InquiryState::kSubmitted || from == InquiryState::kAccepted ||
                from == InquiryState::kUnderEvaluation;
      break;
    case InquiryState::kSubmitted:
      allowed = false;
      break;
  }
  if (allowed) return OkStatus();
  return Status(StatusCode::kFailedPrecondition,
                "an inquiry that is " + std::string(InquiryStateName(from)) + " cannot become " +
                    std::string(InquiryStateName(to)),
                {{"rule", "inquiry_transition"}});
}

std::string_view CloseReasonName(CloseReason reason) { return NameOf(kCloseReasons, reason); }
std::optional<CloseReason> ParseCloseReason(std::string_view name) {
  return ParseName(kCloseReasons, name);
}

std::string_view WindowStateName(WindowState state) {
  switch (state) {
    case WindowState::kScheduled:
      return "scheduled";
    case WindowState::kOpen:
      return "open";
    case WindowState::kClosed:
      return "closed";
  }
  return "closed";
}

WindowState WindowStateAt(Time starts_at, Time ends_at, std::optional<Time> closed_at, Time now) {
  if ((closed_at && *closed_at <= now) || now >= ends_at) return WindowState::kClosed;
  if (now < starts_at) return WindowState::kScheduled;
  return WindowState::kOpen;
}

Duration WindowSpan(Time starts_at, Time ends_at, std::optional<Time> closed_at) {
  const Time end = closed_at ? std::min(*closed_at, ends_at) : ends_at;
  return end > starts_at ? end - starts_at : Duration::zero();
}

namespace {

Status CheckCap(Time starts_at, Time ends_at, Duration used, bool extension) {
  if (ends_at - starts_at + used <= kMaxWindowLength) return OkStatus();
  const Duration left = kMaxWindowLength - std::min(used, kMaxWindowLength);
  std::string message = std::string("a model version gets at most 30 days of access in total") +
                        (extension ? ", extensions included" : "") + ": from " +
                        FormatRfc3339(starts_at) + " this window can end no later than " +
                        FormatRfc3339(starts_at + left);
  if (used > Duration::zero()) {
    char days[32];
    std::snprintf(days, sizeof days, "%.1f", std::chrono::duration<double>(used).count() / 86400);
    message += " (its other windows used " + std::string(days) + " days)";
  }
  return Rule("window_at_most_30_days", message);
}

}  // namespace

Status CheckNewWindow(Time starts_at, Time ends_at, Time now, Duration used) {
  if (ends_at <= starts_at) {
    return Rule("window_end_after_start", "a window must end after it starts (ends_at " +
                                              FormatRfc3339(ends_at) + " is not after starts_at " +
                                              FormatRfc3339(starts_at) + ")");
  }
  if (ends_at <= now) {
    return Rule("window_in_the_future",
                "a window must end in the future (ends_at " + FormatRfc3339(ends_at) + ")");
  }
  return CheckCap(starts_at, ends_at, used, false);
}

Status CheckExtension(Time starts_at, Time ends_at, Time new_ends_at, Duration used) {
  if (new_ends_at <= ends_at) {
    return Rule("extension_later", "an extension must move the end later than " +
                                       FormatRfc3339(ends_at) + "; to end earlier, withdraw");
  }
  return CheckCap(starts_at, new_ends_at, used, true);
}

Status CheckUseHours(const UseHours& hours) {
  if (hours.start_hour < 0 || hours.start_hour > 23) {
    return Status(StatusCode::kInvalidArgument,
                  "hours_start must be a whole hour from 0 to 23 (UTC)",
                  {{"field", "hours_start"}, {"rule", "window_hours"}});
  }
  if (hours.end_hour < 1 || hours.end_hour > 24) {
    return Status(StatusCode::kInvalidArgument, "hours_end must be a whole hour from 1 to 24 (UTC)",
                  {{"field", "hours_end"}, {"rule", "window_hours"}});
  }
  if (hours.start_hour == hours.end_hour % 24) {
    return Status(StatusCode::kInvalidArgument,
                  "hours_start and hours_end must differ; leave both out for any hour",
                  {{"field", "hours_end"}, {"rule", "window_hours"}});
  }
  return OkStatus();
}

bool WithinUseHours(const UseHours& hours, Time at) {
  const auto day = std::chrono::floor<std::chrono::days>(at);
  const int hour = static_cast<int>(std::chrono::floor<std::chrono::hours>(at - day).count());
  if (hours.start_hour < hours.end_hour) {
    return hours.start_hour <= hour && hour < hours.end_hour;
  }
  return hour >= hours.start_hour || hour < hours.end_hour;
}

std::string_view PartnerStateName(PartnerState state) { return NameOf(kPartnerStates, state); }
std::optional<PartnerState> ParsePartnerState(std::string_view name) {
  return ParseName(kPartnerStates, name);
}

std::string_view PartyName(Party party) { return party == Party::kLab ? "lab" : "program_office"; }

Status CheckConcurrence(PartnerState state, Party proposed_by, Party concurring) {
  if (state != PartnerState::kProposed) {
    return Status(StatusCode::kFailedPrecondition,
                  "the partner is " + std::string(PartnerStateName(state)) +
                      "; only a proposed partner can be concurred with",
                  {{"rule", "partner_transition"}});
  }
  if (proposed_by == concurring) {
    return Status(StatusCode::kPermissionDenied,
                  "separation of duties: the " + std::string(PartyName(proposed_by)) +
                      " proposed this partner, so the other party must concur",
                  {{"rule", "separation_of_duties"}});
  }
  return OkStatus();
}

std::string_view DefensiveStateName(DefensiveState state) {
  return NameOf(kDefensiveStates, state);
}
std::optional<DefensiveState> ParseDefensiveState(std::string_view name) {
  return ParseName(kDefensiveStates, name);
}

DefensiveState DefensiveStateAt(DefensiveState stored, Time expires_at, Time now) {
  const bool live = stored == DefensiveState::kRequested || stored == DefensiveState::kActive;
  return live && now >= expires_at ? DefensiveState::kExpired : stored;
}

Status CheckDefensiveExpiry(Time expires_at, Time now) {
  if (expires_at <= now) {
    return Rule("defensive_access_ends_later", "expires_at must be in the future");
  }
  if (expires_at - now > kMaxDefensiveAccess) {
    return Rule("defensive_access_at_most_365_days",
                "defensive access lasts at most 365 days from its request; ask again to go on");
  }
  return OkStatus();
}

Status CheckDefensiveEligible(VersionStatus status, bool covered) {
  if (status == VersionStatus::kReleased) return OkStatus();
  if (covered && status != VersionStatus::kWithdrawn) return OkStatus();
  return Status(StatusCode::kFailedPrecondition,
                "the model version is " + std::string(VersionStatusName(status)) +
                    "; defensive access is for released models and models designated covered "
                    "(early access goes through a window's trusted partners)",
                {{"rule", "defensive_access_released_models"}});
}

Status CheckDefensiveDecision(DefensiveState state, bool party_already_approved) {
  if (state != DefensiveState::kRequested) {
    return Status(StatusCode::kFailedPrecondition,
                  "the request is " + std::string(DefensiveStateName(state)) +
                      "; only a pending request can be approved or denied",
                  {{"rule", "defensive_access_transition"}});
  }
  if (party_already_approved) {
    return Status(StatusCode::kFailedPrecondition,
                  "your side already approved this request; it waits for the other party",
                  {{"rule", "defensive_access_transition"}});
  }
  return OkStatus();
}

Status CheckRetentionDays(int64_t days) {
  if (days < 1 || days > kMaxRetentionDays) {
    return Status(StatusCode::kInvalidArgument,
                  "retention_days is how long each call's content is kept: 1 to " +
                      std::to_string(kMaxRetentionDays) + " days",
                  {{"field", "retention_days"}, {"rule", "retention_days"}});
  }
  return OkStatus();
}

std::string_view ContentReadStateName(ContentReadState state) {
  return NameOf(kContentReadStates, state);
}
std::optional<ContentReadState> ParseContentReadState(std::string_view name) {
  return ParseName(kContentReadStates, name);
}

ContentReadState ContentReadStateAt(ContentReadState stored, Time requested_at,
                                    std::optional<Time> expires_at, Time now) {
  if (stored == ContentReadState::kRequested && now >= requested_at + kContentReadPending) {
    return ContentReadState::kExpired;
  }
  if (stored == ContentReadState::kApproved && (!expires_at || now >= *expires_at)) {
    return ContentReadState::kExpired;
  }
  return stored;
}

Status CheckContentReadDecision(ContentReadState state, std::string_view requested_by,
                                std::string_view decider) {
  if (state != ContentReadState::kRequested) {
    return Status(StatusCode::kFailedPrecondition,
                  "the request to read is " + std::string(ContentReadStateName(state)) +
                      "; only a pending request can be approved or denied",
                  {{"rule", "content_read_transition"}});
  }
  if (requested_by == decider) {
    return Status(StatusCode::kPermissionDenied,
                  "the two-person rule: a second person must approve or deny a request to read "
                  "retained content, never the one who asked",
                  {{"rule", "two_person_rule"}});
  }
  return OkStatus();
}

std::string_view AlertKindName(AlertKind kind) { return NameOf(kAlertKinds, kind); }
std::optional<AlertKind> ParseAlertKind(std::string_view name) {
  return ParseName(kAlertKinds, name);
}

std::string_view AlertScopeName(AlertScope scope) { return NameOf(kAlertScopes, scope); }
std::optional<AlertScope> ParseAlertScope(std::string_view name) {
  return ParseName(kAlertScopes, name);
}

Status CheckQuota(const Quota& quota) {
  struct Limit {
    const char* field;
    int64_t value;
    int64_t max;
  };
  for (const Limit& l : {Limit{"requests_per_day", quota.requests_per_day, 10000000},
                         Limit{"tokens_per_day", quota.tokens_per_day, 10000000000},
                         Limit{"requests_per_minute", quota.requests_per_minute, 100000}}) {
    if (l.value < 1 || l.value > l.max) {
      return Status(StatusCode::kInvalidArgument,
                    std::string(l.field) + " must be from 1 to " + std::to_string(l.max),
                    {{"field", l.field}});
    }
  }
  return OkStatus();
}

}  // namespace bulwark::review
