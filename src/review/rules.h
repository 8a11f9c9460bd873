// The pre-release review program's rules, in one place: the states of model versions,
// inquiries, access windows and partner grants, which transitions each allows, and the window
// rules with a time in them. Pure functions of their arguments and `now`; ReviewService
// applies them inside its transactions, and docs/review.md draws them.
//
// Thread-safety: values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace bulwark::review {

// An access window never lasts longer than this in total, extensions included: the order's
// "up to 30 days" of access before release. The database holds the same bound in a CHECK.
inline constexpr Duration kMaxWindowLength = Days(30);

// A model version's life. Marking it released (or withdrawn) ends its pre-release windows.
enum class VersionStatus { kInDevelopment, kUnderReview, kReleased, kWithdrawn };
std::string_view VersionStatusName(VersionStatus status);
std::optional<VersionStatus> ParseVersionStatus(std::string_view name);
// Released and withdrawn are final; any other change is allowed.
Status CheckVersionTransition(VersionStatus from, VersionStatus to);

// "Is my model covered?": submitted by the lab, accepted by the program office, then under
// evaluation and answered (by the designation service), or withdrawn by the lab before it is
// answered.
enum class InquiryState { kSubmitted, kAccepted, kUnderEvaluation, kAnswered, kWithdrawn };
std::string_view InquiryStateName(InquiryState state);
std::optional<InquiryState> ParseInquiryState(std::string_view name);
Status CheckInquiryTransition(InquiryState from, InquiryState to);
// How long the program office has to answer once it accepted an inquiry, by default.
inline constexpr Duration kInquiryAnswerTime = Days(30);

// Why a window closed.
enum class CloseReason { kEnded, kReleased, kWithdrawn };
std::string_view CloseReasonName(CloseReason reason);
std::optional<CloseReason> ParseCloseReason(std::string_view name);

// A window's state at a moment: scheduled before it starts, open from starts_at until
// ends_at, closed from then on, or from the moment it was closed early.
enum class WindowState { kScheduled, kOpen, kClosed };
std::string_view WindowStateName(WindowState state);
WindowState WindowStateAt(Time starts_at, Time ends_at, std::optional<Time> closed_at, Time now);

// The access a window gave or still gives: from its start to its end, or to the moment it was
// closed early (nothing for a window withdrawn before it started).
Duration WindowSpan(Time starts_at, Time ends_at, std::optional<Time> closed_at);

// A new window's span: it ends after it starts and does not end in the past, and with
// `used` (the spans of the version's other windows) it stays within kMaxWindowLength: the
// 30 days are a version's in total. InvalidArgument naming the rule otherwise.
Status CheckNewWindow(Time starts_at, Time ends_at, Time now, Duration used = Duration::zero());
// Moving an open or scheduled window's end to `new_ends_at`: later than the current end, and
// with `used` by the version's other windows still within kMaxWindowLength. InvalidArgument
// naming the rule otherwise.
Status CheckExtension(Time starts_at, Time ends_at, Time new_ends_at,
                      Duration used = Duration::zero());

// The hours of the day (UTC) in which a lab states its window is used: from `start_hour`
// (0 to 23) until `end_hour` (1 to 24), past midnight when it is not after the start (22 to 6
// is 22:00 to 06:00). A call outside them raises an insider-risk signal (signals.h).
struct UseHours {
  int start_hour = 0;
  int end_hour = 24;
  friend bool operator==(const UseHours&, const UseHours&) = default;
};
// The hours are whole hours in range and not the same (leave them out for any hour).
// InvalidArgument naming the field and rule `window_hours` otherwise.
Status CheckUseHours(const UseHours& hours);
// Whether `at` falls within the hours (a UTC hour h is within when start <= h < end, or, past
// midnight, h >= start or h < end).
bool WithinUseHours(const UseHours& hours, Time at);

// A trusted partner's grant on a window: proposed by one party (the lab or the program office),
// active once the other party concurs, removed by either at any time.
enum class PartnerState { kProposed, kActive, kRemoved };
std::string_view PartnerStateName(PartnerState state);
std::optional<PartnerState> ParsePartnerState(std::string_view name);

// The two parties to a window.
enum class Party { kLab, kProgramOffice };
std::string_view PartyName(Party party);

// Concurrence with a partner proposal: only the party that did not propose it may concur
// (separation of duties), and only while it is proposed. PermissionDenied or
// FailedPrecondition naming the rule otherwise.
Status CheckConcurrence(PartnerState state, Party proposed_by, Party concurring);

// Defensive access: an agency or operator asks to use a released model for defence. It is
// requested, active once both the program office and the lab approved (in either order),
// denied by either while requested, and revoked by either party or the requester at any time.
// It expires at its `expires_at`: a state computed at the moment of use.
enum class DefensiveState { kRequested, kActive, kDenied, kRevoked, kExpired };
std::string_view DefensiveStateName(DefensiveState state);
std::optional<DefensiveState> ParseDefensiveState(std::string_view name);
// The stored state (requested, active, denied, revoked) at `now`: a requested or active grant
// whose `expires_at` has passed is expired.
DefensiveState DefensiveStateAt(DefensiveState stored, Time expires_at, Time now);
// Defensive access lasts at most this long from its request; ask again to go on.
inline constexpr Duration kMaxDefensiveAccess = Days(365);
// A request's end: after `now` and within kMaxDefensiveAccess of it. InvalidArgument naming
// the rule otherwise.
Status CheckDefensiveExpiry(Time expires_at, Time now);
// Only a released model is open to defensive use (a covered one too, once designated).
// FailedPrecondition naming the rule otherwise.
Status CheckDefensiveEligible(VersionStatus status, bool covered);
// Approving or denying: only while requested, and each party once. FailedPrecondition naming
// the rule otherwise.
Status CheckDefensiveDecision(DefensiveState state, bool party_already_approved);

// Retained content (retention.h): a lab may choose, for a window, that the gateway keeps the
// content of its calls, encrypted, for kDefaultRetentionDays (1 to kMaxRetentionDays) from
// each call; each side of a call is kept up to kMaxRetainedBytes, the rest cut.
inline constexpr int64_t kDefaultRetentionDays = 90;
inline constexpr int64_t kMaxRetentionDays = 365;
inline constexpr size_t kMaxRetainedBytes = 1 << 20;
// InvalidArgument naming the field and rule `retention_days` unless 1 to kMaxRetentionDays.
Status CheckRetentionDays(int64_t days);

// Reading retained content, under the two-person rule: a person of either party (an
// administrator of the lab, or the program office) asks to read a window's retained calls,
// giving the reason; a second person of either party approves or denies, never the one who
// asked; the asker then reads, call by call, each read a ledger entry, for kContentReadValidity
// after the approval. A request nobody decided within kContentReadPending expires; either
// party may revoke an approval early, and a bulk-read alert does where the lab chose
// suspension. States computed at the moment of use, recorded by the sweep job.
enum class ContentReadState { kRequested, kApproved, kDenied, kRevoked, kExpired };
std::string_view ContentReadStateName(ContentReadState state);
std::optional<ContentReadState> ParseContentReadState(std::string_view name);
inline constexpr Duration kContentReadValidity = Hours(24);
inline constexpr Duration kContentReadPending = Days(7);
// The stored state at `now`: a request older than kContentReadPending, or an approval past its
// `expires_at`, is expired.
ContentReadState ContentReadStateAt(ContentReadState stored, Time requested_at,
                                    std::optional<Time> expires_at, Time now);
// Approving or denying: only while requested (FailedPrecondition), and never by the person who
// asked (PermissionDenied, rule `two_person_rule`).
Status CheckContentReadDecision(ContentReadState state, std::string_view requested_by,
                                std::string_view decider);
// The calls one person may read in one UTC day before a bulk-read alert is raised.
inline constexpr int64_t kBulkReadsPerDay = 50;

// Insider-risk signals (signals.h): the kinds of alert a gateway key's use raises, and
// bulk_retained_reads, raised by reading retained content; stored by name.
enum class AlertKind {
  kUsageAboveBaseline,
  kQuotaShare,
  kNewClientAddress,
  kOutsideHours,
  kBulkRetainedReads
};
std::string_view AlertKindName(AlertKind kind);
std::optional<AlertKind> ParseAlertKind(std::string_view name);
// What an alert is about: one key, an organization's keys under one grant together, or one
// person reading retained content.
enum class AlertScope { kKey, kOrganization, kReader };
std::string_view AlertScopeName(AlertScope scope);
std::optional<AlertScope> ParseAlertScope(std::string_view name);

// Limits a grant sets on each gateway key of a partner.
struct Quota {
  int64_t requests_per_day = 1000;
  int64_t tokens_per_day = 1000000;
  int64_t requests_per_minute = 60;
};
// Each limit is at least 1 and at most a sane ceiling; InvalidArgument naming the field.
Status CheckQuota(const Quota& quota);

}  // namespace bulwark::review
