// The nouns of the pre-release review program: models and their versions, inquiries, access
// windows, trusted partners' grants, defensive-access grants, gateway keys and the alerts their
// use raises.
//
// Plain values; safe to copy between threads. A version's credential is never part of them: it
// lives encrypted in the secrets table and only the gateway reads it.
#pragma once

#include <optional>
#include <string>

#include "base/clock.h"
#include "review/rules.h"

namespace bulwark::review {

// The wire protocol of a model's API.
enum class Provider { kOpenAi, kAnthropic };
std::string_view ProviderName(Provider provider);  // "openai", "anthropic"
std::optional<Provider> ParseProvider(std::string_view name);

struct Model {
  std::string id;      // mdl_...
  std::string org_id;  // the lab
  std::string name;
  std::string description;
  Time created_at;
};

struct ModelVersion {
  std::string id;  // mdv_...
  std::string model_id;
  std::string org_id;  // the lab, as the model's
  std::string version;
  Provider provider = Provider::kOpenAi;
  std::string base_url;        // e.g. https://api.lab.example/v1
  std::string upstream_model;  // the model's name at base_url
  VersionStatus status = VersionStatus::kInDevelopment;
  std::optional<Time> planned_release_at;
  std::optional<Time> released_at;
  bool has_credential = false;
  Time created_at;
  Time updated_at;
};

struct Inquiry {
  std::string id;  // inq_...
  std::string version_id;
  std::string org_id;  // the lab
  InquiryState state = InquiryState::kSubmitted;
  std::string question;
  Time asked_at;
  std::string asked_by;
  std::optional<Time> accepted_at;
  std::optional<std::string> accepted_by;
  std::optional<Time> due_at;
  std::optional<Time> answered_at;
  // Set by the designation (evaluations/): "covered" or "not_covered", the opaque reference of
  // the policy it was decided under, and the designation (the evaluation's id).
  std::string answer;
  std::string policy_ref;
  std::string designation_id;
  std::optional<Time> withdrawn_at;
  Time updated_at;
};

struct Window {
  std::string id;  // win_...
  std::string version_id;
  std::string org_id;  // the lab
  Time starts_at;
  Time ends_at;
  Time created_at;
  std::string created_by;
  std::optional<Time> closed_at;
  std::optional<CloseReason> close_reason;
  std::optional<std::string> closed_by;
  // The lab's insider-risk settings (signals.h): the hours of use it states (none: any hour),
  // and whether a key that raises an alert is suspended (revoked) at once.
  std::optional<UseHours> hours;
  bool suspend_on_alert = false;
  // Whether the gateway keeps the content of calls under the window, encrypted, for
  // retention_days from each call, readable under the two-person rule (retention.cc).
  bool retain_content = false;
  int64_t retention_days = kDefaultRetentionDays;
  // Whether content of its calls is kept now (not yet purged), whether or not it still retains.
  bool holds_content = false;

  WindowState StateAt(Time now) const { return WindowStateAt(starts_at, ends_at, closed_at, now); }
};

struct PartnerGrant {
  std::string id;  // wpt_...
  std::string window_id;
  std::string partner_org_id;
  std::string partner_org_name;
  std::string gateway_model;  // the window's model as the gateway names it (ModelId)
  PartnerState state = PartnerState::kProposed;
  Quota quota;
  Party proposed_by_party = Party::kLab;
  std::string proposed_by;
  Time proposed_at;
  std::optional<std::string> concurred_by;
  std::optional<Time> concurred_at;
  std::optional<std::string> removed_by;
  std::optional<Time> removed_at;
};

// Defensive access to a released model for an agency or operator: requested by an admin of
// that organization, active once the program office and the lab both approved.
struct DefensiveGrant {
  std::string id;  // dfa_...
  std::string version_id;
  std::string lab_org_id;
  std::string lab_org_name;
  std::string org_id;  // the requesting agency or operator
  std::string org_name;
  std::string gateway_model;  // ModelId of the version
  std::string purpose;
  DefensiveState state = DefensiveState::kRequested;  // as stored; StateAt(now) for the truth
  Quota quota;
  std::string requested_by;
  Time requested_at;
  Time expires_at;
  std::optional<std::string> office_approved_by;
  std::optional<Time> office_approved_at;
  std::optional<std::string> lab_approved_by;
  std::optional<Time> lab_approved_at;
  std::optional<std::string> closed_by;  // who denied or revoked it
  std::optional<Time> closed_at;
  std::string close_note;  // the reason given for a denial or revocation

  DefensiveState StateAt(Time now) const { return DefensiveStateAt(state, expires_at, now); }
};

struct GatewayKey {
  std::string id;  // gwk_...
  std::string user_id;
  std::string org_id;
  // The grant it was issued under: a window's partner grant (wpt_..., with window_id) or
  // defensive access (dfa_..., window_id empty).
  std::string grant_id;
  std::string window_id;
  std::string version_id;
  std::string gateway_model;  // the model the key reaches, as the gateway names it (ModelId)
  std::string name;
  Quota quota;
  Time created_at;
  Time expires_at;
  std::optional<Time> revoked_at;
  std::optional<Time> last_used_at;
};

// An insider-risk alert (signals.h): a key's use, or its organization's under one grant, that
// the lab and the program office should look at. At most one per subject, kind and UTC day.
struct Alert {
  std::string id;  // ral_...
  AlertKind kind = AlertKind::kOutsideHours;
  AlertScope scope = AlertScope::kKey;
  std::string key_id;  // the key whose call raised it; empty for a reader
  std::string key_name;
  std::string org_id;  // the key's organization, or the reader's
  std::string org_name;
  std::string lab_org_id;
  std::string grant_id;   // the key's grant: a window's partner grant (wpt_) or defensive access
  std::string window_id;  // empty under defensive access
  std::string gateway_model;
  int64_t day = 0;             // days since 1970-01-01, UTC
  std::string detail;          // what happened, with the numbers, in words
  bool key_suspended = false;  // the key, or the reader's approval to read, was suspended
  Time created_at;
  std::optional<std::string> acknowledged_by;
  std::optional<Time> acknowledged_at;
};

// A call whose content the gateway kept, as the list of a read shows it (without content).
struct RetainedCall {
  std::string id;  // rtc_...
  std::string window_id;
  std::string key_id;
  std::string key_name;
  std::string org_id;  // the partner's
  std::string org_name;
  std::string user_id;
  std::string request_id;
  int status = 0;
  bool streamed = false;
  int64_t request_bytes = 0;  // as the client sent it
  int64_t response_bytes = 0;
  bool truncated = false;  // a side was longer than kMaxRetainedBytes; its start is kept
  std::string request_sha256;
  std::string response_sha256;
  Time created_at;
  Time purge_at;
};

// A retained call with its content, as a read under an approval returns it.
struct RetainedContent {
  RetainedCall call;
  std::string request;   // the body the client sent
  std::string response;  // the body the client got (a stream's events as they came)
};

// A request to read a window's retained content, under the two-person rule (rules.h).
struct ContentRead {
  std::string id;  // crd_...
  std::string window_id;
  std::string lab_org_id;
  std::string gateway_model;
  std::optional<std::string> partner_org_id;  // one partner's calls; all the window's if none
  std::string partner_org_name;
  std::string reason;
  ContentReadState state = ContentReadState::kRequested;  // as stored; StateAt(now) for the truth
  std::string requested_by;
  std::string requested_by_name;  // the asker's display name
  std::string requester_org_id;
  Time requested_at;
  std::optional<std::string> decided_by;
  std::string decided_by_name;  // "" while undecided
  std::optional<Time> decided_at;
  std::string decision_note;
  std::optional<Time> expires_at;        // approved: readable until then
  std::optional<std::string> closed_by;  // who revoked it ("system" for an alert)
  std::optional<Time> closed_at;
  int64_t calls_read = 0;

  ContentReadState StateAt(Time now) const {
    return ContentReadStateAt(state, requested_at, expires_at, now);
  }
};

// The model id partners use at the gateway: "<model name>/<version>".
std::string ModelId(std::string_view model_name, std::string_view version);

struct IssuedGatewayKey {
  GatewayKey key;
  std::string secret;  // "bwg_...", shown once
};

}  // namespace bulwark::review
