// Signals: the insider-risk signals of the model gateway. After each call the gateway answered
// and recorded, Signals looks at the use of the call's key, and of its organization's keys under
// the same grant, and raises an alert when it is unusual:
//
//   usage_above_baseline  a key's (or the organization's) requests or tokens today are at least
//                         kBaselineFactor times its daily average over the previous days, and
//                         above a floor (AboveBaseline);
//   quota_share           a key has used kQuotaSharePercent of a daily quota (QuotaShareReached);
//   new_client_address    a call from an address the key never used before; its first address
//                         is its baseline and raises nothing;
//   outside_hours         a call outside the hours the lab stated for the window (rules.h,
//                         UseHours); defensive access states none.
//
// An alert is a row of review_alerts and a ledger entry (`review.alert.raise`), written in one
// transaction, at most once per subject (the key, or the grant for the organization's), kind
// and UTC day: a unique index holds that across replicas. When the lab chose so for the window
// (suspend_on_alert), the same transaction revokes the key (for an organization's alert, every
// key of the organization under the grant) and records `review.key.suspend`; the gateway
// refuses it from the next call, as any revoked key. The lab's members and the program office
// see the alerts (ReviewService::ListAlerts) and acknowledge them.
//
// The rules are the pure functions below; the Signals class applies them. Its cost on the
// gateway's path: per call, checks in memory (the window's hours, the key's known addresses,
// when the key was last evaluated); a key's known addresses are read once per replica; the
// checks on the day's use read it at most once per kEvaluationInterval per key and per grant
// in each replica; the database is written only for an address a key never used and for an
// alert.
//
// Thread-safety: Signals is safe from any thread; each replica keeps its own memory, and the
// database decides what was raised.
//
// Example (the gateway, once a call's ledger entry committed):
//   Signals signals(db, clock, &audit);
//   signals.Observe(exchange.access(), call.client_address);
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "access/audit.h"
#include "base/clock.h"
#include "base/random.h"
#include "review/service.h"
#include "store/database.h"

namespace bulwark::review {

// ---- the rules ----

// Use far above the baseline: today's use at least this many times the daily average ...
inline constexpr int64_t kBaselineFactor = 5;
// ... over at most this many whole UTC days before today, those since the key (or the grant's
// first key) was issued; with none (issued today) there is no baseline yet ...
inline constexpr int64_t kBaselineDays = 7;
// ... and at least this much, so that a little use after a quiet spell is not an alert.
inline constexpr int64_t kBaselineFloorRequests = 100;
inline constexpr int64_t kBaselineFloorTokens = 100000;
// A key has used this share of its requests or tokens for the day.
inline constexpr int64_t kQuotaSharePercent = 80;
// How often each replica reads a key's (and a grant's) use for the checks above, at most.
inline constexpr Duration kEvaluationInterval = Seconds(60);

// Days since 1970-01-01, UTC.
int64_t UtcDay(Time t);

struct DayUse {
  int64_t requests = 0;
  int64_t tokens = 0;
};

// A subject's use: today's so far, and the total over its days of history.
struct UseHistory {
  DayUse today;
  DayUse previous;           // summed over the days of history
  int64_t history_days = 0;  // 0 to kBaselineDays
};

// The whole UTC days before `today` since `first_day` (the day the subject was issued), at most
// kBaselineDays.
int64_t HistoryDays(int64_t today, int64_t first_day);

// A measure that passed a rule's line, with its numbers.
struct Excess {
  std::string_view measure;  // "requests" or "tokens"
  int64_t today = 0;
  double average = 0;  // usage_above_baseline: the daily average over the days of history
  int64_t limit = 0;   // quota_share: the day's quota
};

// Use above the baseline: with at least one day of history, today's requests (or tokens) are
// at least kBaselineFactor × the daily average over the history and at least
// kBaselineFloorRequests (kBaselineFloorTokens). Requests are looked at first.
std::optional<Excess> AboveBaseline(const UseHistory& use);
// A key's share of its quota: today's requests (or tokens) are at least kQuotaSharePercent of
// its requests_per_day (tokens_per_day).
std::optional<Excess> QuotaShareReached(const DayUse& today, const Quota& quota);
// A call at `at` outside the window's stated hours (never when it states none).
bool OutsideHours(const std::optional<UseHours>& hours, Time at);

// What each alert says, in words a person can act on, with the numbers. `key` names the key
// (KeyLabel: "Key “laptop” (gwk_…)"), `subject` what the baseline is about (the key, or its
// organization's keys); each is the start of a sentence.
std::string KeyLabel(const GatewayKey& key);
std::string BaselineDetail(std::string_view subject, const Excess& excess, int64_t history_days);
std::string QuotaShareDetail(std::string_view key, const Excess& excess);
std::string NewAddressDetail(std::string_view key, std::string_view address,
                             const std::vector<std::string>& known, int64_t known_count);
std::string OutsideHoursDetail(std::string_view key, Time at, const UseHours& hours);

// ---- applying them ----

class Signals {
 public:
  // `audit` receives the alerts' ledger entries (may be null in tests of the rules alone).
  Signals(store::Database& db, const Clock& clock, access::AuditTrail* audit,
          Random& random = SecureRandom::Get());

  // Looks at a call the gateway finished under `access`, from `client_address`, and raises
  // the alerts it calls for. A failure is logged; the call it is about already happened.
  void Observe(const GatewayAccess& access, const std::string& client_address);

 private:
  struct Alarm {
    AlertKind kind;
    AlertScope scope;
    std::string subject_id;  // the key, or the grant for the organization's keys
    std::string detail;
  };
  // Whether this replica saw `alarm` raised today already (memory only; the database decides).
  bool AlreadyRaised(const Alarm& alarm, int64_t day);
  void NoteRaised(const Alarm& alarm, int64_t day);
  // Raises `alarm` in its own transaction, unless this replica knows it was raised.
  void Raise(const GatewayAccess& access, const Alarm& alarm, Time now);
  // Writes the alert, its ledger entry and, when the lab chose so, the suspension, in `tx`;
  // nothing when it was raised already today.
  Status RaiseIn(store::Transaction& tx, const GatewayAccess& access, const Alarm& alarm, Time now);
  void CheckAddress(const GatewayAccess& access, const std::string& address, Time now);
  // Whether `subject` is due for the checks on the day's use; claims it when it is.
  bool DueForEvaluation(const std::string& subject, Time now);
  void CheckUse(const GatewayAccess& access, Time now);

  store::Database& db_;
  const Clock& clock_;
  access::AuditTrail* audit_;
  Random& random_;

  std::mutex mu_;
  // The addresses each key was used from, read from the database once per replica.
  struct KnownAddresses {
    bool loaded = false;
    std::set<std::string> addresses;
  };
  std::map<std::string, KnownAddresses> addresses_;  // GUARDED_BY(mu_), by key id
  std::map<std::string, Time> evaluated_;            // GUARDED_BY(mu_), by key or grant id
  std::set<std::string> raised_;                     // GUARDED_BY(mu_), "subject kind day"
};

}  // namespace bulwark::review
