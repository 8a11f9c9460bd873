// The insider-risk signals (signals.h), and ReviewService's side of their alerts: listing and
// acknowledging them. See docs/review.md, "Insider-risk signals".
#include "review/signals.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "access/authorizer.h"
#include "access/policy.h"
#include "base/ids.h"
#include "base/log.h"
#include "review/internal.h"

namespace bulwark::review {
namespace {

using internal::kAlerts;
using internal::Load;
using internal::Select;
using store::ResultSet;
using store::Row;
using store::Transaction;
using store::TxMode;
using store::Value;

// 1234567 as "1,234,567".
std::string Grouped(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

// 1234.56 as "1,234.6".
std::string OneDecimal(double v) {
  const int64_t tenths = std::llround(v * 10);
  return Grouped(tenths / 10) + "." + std::to_string(std::abs(tenths % 10));
}

std::string HourText(int hour) { return (hour < 10 ? "0" : "") + std::to_string(hour) + ":00"; }

std::string DaysText(int64_t n) { return n == 1 ? "day" : std::to_string(n) + " days"; }

// Who the signals act as in the ledger: the platform itself.
access::Principal SignalsPrincipal() {
  access::Principal p = access::SystemPrincipal();
  p.credential_id = "review.signals";
  return p;
}

// The column of gateway_keys holding a key's grant.
std::string_view GrantColumn(const GatewayKey& key) {
  return key.window_id.empty() ? "defensive_grant_id" : "grant_id";
}

}  // namespace

// ---- the rules ----

int64_t UtcDay(Time t) {
  return std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
}

int64_t HistoryDays(int64_t today, int64_t first_day) {
  return std::clamp<int64_t>(today - first_day, 0, kBaselineDays);
}

std::optional<Excess> AboveBaseline(const UseHistory& use) {
  if (use.history_days <= 0) return std::nullopt;
  const double days = static_cast<double>(use.history_days);
  struct Measure {
    std::string_view name;
    int64_t today, previous, floor;
  };
  for (const Measure& m :
       {Measure{"requests", use.today.requests, use.previous.requests, kBaselineFloorRequests},
        Measure{"tokens", use.today.tokens, use.previous.tokens, kBaselineFloorTokens}}) {
    // today >= factor × previous / days, in integers: today × days >= factor × previous.
    if (m.today >= m.floor && m.today * use.history_days >= kBaselineFactor * m.previous) {
      return Excess{m.name, m.today, static_cast<double>(m.previous) / days, 0};
    }
  }
  return std::nullopt;
}

std::optional<Excess> QuotaShareReached(const DayUse& today, const Quota& quota) {
  if (today.requests * 100 >= kQuotaSharePercent * quota.requests_per_day) {
    return Excess{"requests", today.requests, 0, quota.requests_per_day};
  }
  if (today.tokens * 100 >= kQuotaSharePercent * quota.tokens_per_day) {
    return Excess{"tokens", today.tokens, 0, quota.tokens_per_day};
  }
  return std::nullopt;
}

bool OutsideHours(const std::optional<UseHours>& hours, Time at) {
  return hours.has_value() && !WithinUseHours(*hours, at);
}

std::string KeyLabel(const GatewayKey& key) {
  return "Key \u201c" + key.name + "\u201d (" + key.id + ")";
}

std::string BaselineDetail(std::string_view subject, const Excess& excess, int64_t history_days) {
  std::string text = std::string(subject) + " made " + Grouped(excess.today) + " " +
                     std::string(excess.measure) + " today (UTC)";
  if (excess.average <= 0) {
    return text + ", after none on the previous " + DaysText(history_days) + ".";
  }
  return text + ": " + OneDecimal(static_cast<double>(excess.today) / excess.average) +
         " times the daily average of " + OneDecimal(excess.average) + " over the previous " +
         DaysText(history_days) + ".";
}

std::string QuotaShareDetail(std::string_view key, const Excess& excess) {
  const int64_t percent = excess.limit > 0 ? excess.today * 100 / excess.limit : 100;
  return std::string(key) + " has used " + Grouped(excess.today) + " of its " +
         Grouped(excess.limit) + " " + std::string(excess.measure) +
         " for today (UTC): " + std::to_string(percent) + "%.";
}

std::string NewAddressDetail(std::string_view key, std::string_view address,
                             const std::vector<std::string>& known, int64_t known_count) {
  std::string text = std::string(key) + " was used from " + std::string(address) +
                     ", an address it had not used before; until now it was used from ";
  for (size_t i = 0; i < known.size(); ++i) {
    const bool last = i + 1 == known.size() && known_count == static_cast<int64_t>(known.size());
    if (i > 0) text += last ? " and " : ", ";
    text += known[i];
  }
  const int64_t more = known_count - static_cast<int64_t>(known.size());
  if (more > 0) text += " and " + Grouped(more) + " more";
  return text + ".";
}

std::string OutsideHoursDetail(std::string_view key, Time at, const UseHours& hours) {
  const auto day = std::chrono::floor<std::chrono::days>(at);
  const auto minutes = std::chrono::floor<std::chrono::minutes>(at - day).count();
  char clock[16];
  std::snprintf(clock, sizeof clock, "%02d:%02d", static_cast<int>(minutes / 60),
                static_cast<int>(minutes % 60));
  return std::string(key) + " was used at " + clock +
         " UTC, outside the hours the lab stated for the window: " + HourText(hours.start_hour) +
         " to " + HourText(hours.end_hour) + " UTC.";
}

// ---- Signals ----

Signals::Signals(store::Database& db, const Clock& clock, access::AuditTrail* audit, Random& random)
    : db_(db), clock_(clock), audit_(audit), random_(random) {}

void Signals::Observe(const GatewayAccess& access, const std::string& client_address) {
  const Time now = clock_.Now();
  const GatewayKey& key = access.key;
  if (access.window && OutsideHours(access.window->hours, now)) {
    Raise(access,
          {AlertKind::kOutsideHours, AlertScope::kKey, key.id,
           OutsideHoursDetail(KeyLabel(key), now, *access.window->hours)},
          now);
  }
  if (!client_address.empty()) CheckAddress(access, client_address, now);
  CheckUse(access, now);
}

bool Signals::AlreadyRaised(const Alarm& alarm, int64_t day) {
  std::lock_guard<std::mutex> lock(mu_);
  return raised_.count(alarm.subject_id + " " + std::string(AlertKindName(alarm.kind)) + " " +
                       std::to_string(day)) != 0;
}

void Signals::NoteRaised(const Alarm& alarm, int64_t day) {
  std::lock_guard<std::mutex> lock(mu_);
  if (raised_.size() > 100000) raised_.clear();  // the database remembers
  raised_.insert(alarm.subject_id + " " + std::string(AlertKindName(alarm.kind)) + " " +
                 std::to_string(day));
}

void Signals::Raise(const GatewayAccess& access, const Alarm& alarm, Time now) {
  const int64_t day = UtcDay(now);
  if (AlreadyRaised(alarm, day)) return;
  Status s = db_.Transact(TxMode::kReadWrite,
                          [&](Transaction& tx) { return RaiseIn(tx, access, alarm, now); });
  if (!s.ok()) {
    Log(LogLevel::kError, "review: an insider-risk alert could not be raised",
        {{"kind", std::string(AlertKindName(alarm.kind))},
         {"key", access.key.id},
         {"error", s.ToString()}});
    return;
  }
  NoteRaised(alarm, day);
}

Status Signals::RaiseIn(Transaction& tx, const GatewayAccess& access, const Alarm& alarm,
                        Time now) {
  const GatewayKey& key = access.key;
  const int64_t day = UtcDay(now);
  // The lab's choice as it is now, and the keys it suspends: this one, or for an
  // organization's alert, the organization's keys under the grant.
  std::vector<std::string> suspended;
  if (!key.window_id.empty()) {
    BW_ASSIGN_OR_RETURN(
        ResultSet window,
        tx.Query("SELECT suspend_on_alert FROM review_windows WHERE id = ?", {key.window_id}));
    if (!window.empty() && window[0].Int(0) != 0) {
      BW_ASSIGN_OR_RETURN(
          ResultSet keys,
          alarm.scope == AlertScope::kKey
              ? tx.Query("SELECT id FROM gateway_keys WHERE id = ? AND revoked_at IS NULL",
                         {key.id})
              : tx.Query("SELECT id FROM gateway_keys WHERE grant_id = ? AND revoked_at IS NULL "
                         "ORDER BY id",
                         {key.grant_id}));
      for (const Row& row : keys) suspended.push_back(row.Text(0));
    }
  }
  std::string detail = alarm.detail;
  if (!suspended.empty()) {
    detail += alarm.scope == AlertScope::kKey
                  ? " The key was suspended, as the lab chose for this window."
                  : " The organization's " +
                        (suspended.size() == 1 ? std::string("key")
                                               : std::to_string(suspended.size()) + " keys") +
                        " under this grant " + (suspended.size() == 1 ? "was" : "were") +
                        " suspended, as the lab chose for this window.";
  }
  const std::string id = NewId("ral", random_);
  const std::string kind(AlertKindName(alarm.kind));
  BW_ASSIGN_OR_RETURN(
      int64_t inserted,
      tx.Execute(
          "INSERT INTO review_alerts (id, kind, scope, subject_id, key_id, org_id, lab_org_id, "
          "window_id, defensive_grant_id, day, detail, key_suspended, created_at) VALUES "
          "(?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
          {id, kind, std::string(AlertScopeName(alarm.scope)), alarm.subject_id, key.id, key.org_id,
           access.version.org_id,
           key.window_id.empty() ? Value(std::monostate{}) : Value(key.window_id),
           key.window_id.empty() ? Value(key.grant_id) : Value(std::monostate{}), day, detail,
           int64_t{suspended.empty() ? 0 : 1}, ToUnixMicros(now)}));
  if (inserted == 0) return OkStatus();  // raised already today, here or by another replica
  for (const std::string& suspend : suspended) {
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE gateway_keys SET revoked_at = ?, revoked_by = 'system' "
                                  "WHERE id = ? AND revoked_at IS NULL",
                                  {ToUnixMicros(now), suspend})
                           .status());
  }
  if (!suspended.empty()) BW_RETURN_IF_ERROR(internal::BumpGatewayEpoch(tx));
  Log(LogLevel::kWarning, "review: insider-risk alert",
      {{"alert", id}, {"kind", kind}, {"key", key.id}, {"detail", detail}});
  if (audit_ == nullptr) return OkStatus();
  std::vector<std::string> grants = {key.grant_id};
  if (!key.window_id.empty()) grants.push_back(key.window_id);
  BW_RETURN_IF_ERROR(audit_->Record(tx, {SignalsPrincipal(),
                                         "review.alert.raise",
                                         id,
                                         true,
                                         grants,
                                         {{"kind", kind},
                                          {"scope", std::string(AlertScopeName(alarm.scope))},
                                          {"key", key.id},
                                          {"organization", key.org_id},
                                          {"lab", access.version.org_id},
                                          {"key_suspended", suspended.empty() ? "false" : "true"},
                                          {"detail", detail}}}));
  for (const std::string& suspend : suspended) {
    BW_RETURN_IF_ERROR(audit_->Record(
        tx, {SignalsPrincipal(), "review.key.suspend", suspend, true, grants, {{"alert", id}}}));
  }
  return OkStatus();
}

void Signals::CheckAddress(const GatewayAccess& access, const std::string& address, Time now) {
  const GatewayKey& key = access.key;
  bool loaded = false, known = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = addresses_.find(key.id);
    if (it != addresses_.end()) {
      loaded = it->second.loaded;
      known = it->second.addresses.count(address) != 0;
    }
  }
  if (known) return;
  if (!loaded) {
    // The key's addresses so far, once per replica.
    std::vector<std::string> stored;
    Status s = db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
      stored.clear();
      BW_ASSIGN_OR_RETURN(ResultSet rows,
                          tx.Query("SELECT address FROM gateway_key_addresses WHERE key_id = ? "
                                   "ORDER BY first_seen_at LIMIT 1000",
                                   {key.id}));
      for (const Row& row : rows) stored.push_back(row.Text(0));
      return OkStatus();
    });
    if (!s.ok()) {
      Log(LogLevel::kError, "review: a key's client addresses could not be read",
          {{"key", key.id}, {"error", s.ToString()}});
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (addresses_.size() > 100000) addresses_.clear();  // read again when needed
    KnownAddresses& memory = addresses_[key.id];
    memory.loaded = true;
    memory.addresses.insert(stored.begin(), stored.end());
    if (memory.addresses.count(address) != 0) return;
  }
  // An address this replica has not seen the key use: record it; the first a key ever used is
  // its baseline, any later one an alert.
  Status s = db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(int64_t inserted,
                        tx.Execute("INSERT INTO gateway_key_addresses (key_id, address, "
                                   "first_seen_at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                                   {key.id, address, ToUnixMicros(now)}));
    if (inserted == 0) return OkStatus();  // another replica recorded it
    BW_ASSIGN_OR_RETURN(ResultSet others,
                        tx.Query("SELECT address FROM gateway_key_addresses WHERE key_id = ? "
                                 "AND address <> ? ORDER BY first_seen_at, address",
                                 {key.id, address}));
    if (others.empty()) return OkStatus();
    std::vector<std::string> known;
    for (size_t i = 0; i < others.size() && i < 3; ++i) known.push_back(others[i].Text(0));
    return RaiseIn(
        tx, access,
        {AlertKind::kNewClientAddress, AlertScope::kKey, key.id,
         NewAddressDetail(KeyLabel(key), address, known, static_cast<int64_t>(others.size()))},
        now);
  });
  if (!s.ok()) {
    Log(LogLevel::kError, "review: a key's new client address could not be recorded",
        {{"key", key.id}, {"error", s.ToString()}});
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  addresses_[key.id].addresses.insert(address);
}

bool Signals::DueForEvaluation(const std::string& subject, Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (evaluated_.size() > 100000) evaluated_.clear();
  auto [it, first] = evaluated_.emplace(subject, now);
  if (first) return true;
  if (now - it->second < kEvaluationInterval) return false;
  it->second = now;
  return true;
}

void Signals::CheckUse(const GatewayAccess& access, Time now) {
  const GatewayKey& key = access.key;
  const bool key_due = DueForEvaluation(key.id, now);
  const bool grant_due = DueForEvaluation(key.grant_id, now);
  if (!key_due && !grant_due) return;
  const int64_t today = UtcDay(now);
  UseHistory key_use, grant_use;
  int64_t grant_keys = 0;
  Status s = db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    key_use = grant_use = {};
    auto add = [today](UseHistory& use, const Row& row) {
      DayUse& into = row.Int(0) == today ? use.today : use.previous;
      into.requests += row.Int(1);
      into.tokens += row.Int(2);
    };
    if (key_due) {
      BW_ASSIGN_OR_RETURN(ResultSet rows,
                          tx.Query("SELECT day, requests, tokens_used FROM gateway_usage WHERE "
                                   "key_id = ? AND day >= ? AND day <= ?",
                                   {key.id, today - kBaselineDays, today}));
      key_use.history_days = HistoryDays(today, UtcDay(key.created_at));
      for (const Row& row : rows) {
        if (row.Int(0) >= today - key_use.history_days) add(key_use, row);
      }
    }
    if (grant_due) {
      const std::string column(GrantColumn(key));
      BW_ASSIGN_OR_RETURN(
          ResultSet first,
          tx.Query("SELECT MIN(created_at), COUNT(*) FROM gateway_keys WHERE " + column + " = ?",
                   {key.grant_id}));
      grant_keys = first.empty() ? 0 : first[0].Int(1);
      // With one key, the key's own alerts say it all.
      if (grant_keys < 2) return OkStatus();
      grant_use.history_days = HistoryDays(today, UtcDay(FromUnixMicros(first[0].Int(0))));
      BW_ASSIGN_OR_RETURN(
          ResultSet rows,
          tx.Query("SELECT u.day, SUM(u.requests), SUM(u.tokens_used) FROM gateway_usage u "
                   "JOIN gateway_keys k ON k.id = u.key_id WHERE k." +
                       column + " = ? AND u.day >= ? AND u.day <= ? GROUP BY u.day",
                   {key.grant_id, today - grant_use.history_days, today}));
      for (const Row& row : rows) add(grant_use, row);
    }
    return OkStatus();
  });
  if (!s.ok()) {
    Log(LogLevel::kError, "review: a key's use could not be read for its signals",
        {{"key", key.id}, {"error", s.ToString()}});
    return;
  }
  const std::string label = KeyLabel(key);
  if (key_due) {
    if (std::optional<Excess> over = AboveBaseline(key_use)) {
      Raise(access,
            {AlertKind::kUsageAboveBaseline, AlertScope::kKey, key.id,
             BaselineDetail(label, *over, key_use.history_days)},
            now);
    }
    if (std::optional<Excess> share = QuotaShareReached(key_use.today, key.quota)) {
      Raise(access,
            {AlertKind::kQuotaShare, AlertScope::kKey, key.id, QuotaShareDetail(label, *share)},
            now);
    }
  }
  if (grant_due && grant_keys >= 2) {
    if (std::optional<Excess> over = AboveBaseline(grant_use)) {
      Raise(access,
            {AlertKind::kUsageAboveBaseline, AlertScope::kOrganization, key.grant_id,
             BaselineDetail("The organization's " + std::to_string(grant_keys) +
                                " keys under grant " + key.grant_id + " together",
                            *over, grant_use.history_days)},
            now);
    }
  }
}

// ---- ReviewService: the alerts ----

StatusOr<std::vector<Alert>> ReviewService::ListAlerts(const access::Principal& actor) {
  std::vector<Alert> alerts;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    alerts.clear();
    BW_ASSIGN_OR_RETURN(std::vector<Value> labs, ReadableLabsIn(tx, actor, "review_alerts"));
    if (labs.empty()) return OkStatus();
    BW_ASSIGN_OR_RETURN(
        alerts,
        Select(tx, kAlerts,
               "WHERE a.lab_org_id IN (" + internal::Placeholders(labs.size()) +
                   ") ORDER BY a.created_at DESC, a.id LIMIT " + std::to_string(kMaxListedAlerts),
               labs));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return alerts;
}

StatusOr<Alert> ReviewService::AcknowledgeAlert(const access::Principal& actor,
                                                const std::string& alert_id) {
  Alert alert;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(alert, Load(tx, kAlerts, alert_id));
    BW_ASSIGN_OR_RETURN(auto party, PartyOf(tx, actor, alert.lab_org_id, "alert " + alert_id));
    if (alert.acknowledged_at) {
      return Status(StatusCode::kFailedPrecondition,
                    "the alert was already acknowledged by " + alert.acknowledged_by.value_or(""),
                    {{"rule", "alert_acknowledged"}});
    }
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE review_alerts SET acknowledged_by = ?, "
                                  "acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL",
                                  {actor.user_id, ToUnixMicros(now), alert.id})
                           .status());
    BW_ASSIGN_OR_RETURN(alert, Load(tx, kAlerts, alert_id));
    return Audit(tx, actor, "review.alert.acknowledge", alert.id, party.second.grants);
  });
  if (!s.ok()) return s;
  return alert;
}

}  // namespace bulwark::review
