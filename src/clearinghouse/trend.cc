// The trend of findings: how many were active at the end of each day, by BOD 26-04 timeline, and
// how long remediation took. Counted by the database from each finding's known and closed times
// (a finding is active from known_at until closed_at), so the days cost a few grouped scans, not
// a read of every finding.
#include <algorithm>
#include <cmath>

#include "access/policy.h"
#include "base/time_format.h"
#include "clearinghouse/internal.h"
#include "clearinghouse/service.h"

namespace bulwark::clearinghouse {
namespace {

using access::Principal;
using store::ResultSet;
using store::Row;
using store::Transaction;
using store::TxMode;
using store::Value;

constexpr int64_t kDayMicros = int64_t{86400} * 1000000;

std::optional<size_t> UrgencyIndex(std::string_view timeline) {
  for (size_t i = 0; i < kTimelinesByUrgency.size(); ++i) {
    if (ssvc::Name(kTimelinesByUrgency[i]) == timeline) return i;
  }
  return std::nullopt;
}

// The day (0 for the first of the trend) a time falls in, as SQL: -1 before the first day.
std::string DayOf(std::string_view column) {
  const std::string c(column);
  return "CASE WHEN " + c + " < ? THEN -1 ELSE (" + c + " - ?) / " + std::to_string(kDayMicros) +
         " END";
}

// The value at quantile q (0..1) of sorted `v`, interpolated between the nearest ranks.
double Quantile(const std::vector<double>& v, double q) {
  const double at = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(at));
  const size_t hi = std::min(v.size() - 1, lo + 1);
  return v[lo] + (v[hi] - v[lo]) * (at - static_cast<double>(lo));
}

}  // namespace

StatusOr<FindingTrend> ClearinghouseService::Trend(const Principal& actor,
                                                   const std::string& org_id, int days) {
  if (days < kMinTrendDays || days > kMaxTrendDays) {
    return Status(
        StatusCode::kInvalidArgument,
        "days is from " + std::to_string(kMinTrendDays) + " to " + std::to_string(kMaxTrendDays),
        {{"parameter", "days"}});
  }
  FindingTrend out;
  out.org_id = org_id;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    if (org_id.empty()) {
      BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseCoordinate,
                                 std::string(access::kPlatform))
                             .status());
    } else {
      BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseRead, org_id).status());
    }
    out.as_of = clock_.Now();
    const int64_t now = ToUnixMicros(out.as_of);
    const int64_t today = now - ((now % kDayMicros) + kDayMicros) % kDayMicros;
    const int64_t start = today - static_cast<int64_t>(days - 1) * kDayMicros;
    const std::string org = org_id.empty() ? "" : " AND org_id = ?";
    auto params = [&](std::vector<Value> head) {
      if (!org_id.empty()) head.emplace_back(org_id);
      return head;
    };
    // Findings active at the start or since: those known by the end of day d, less those also
    // closed by then (a finding closes after it is known).
    std::vector<std::array<int64_t, 5>> known(days), closed(days);
    std::vector<int64_t> due(days, 0), settled(days, 0);
    auto add = [&](std::vector<std::array<int64_t, 5>>& into, const ResultSet& rows) {
      for (const Row& r : rows) {
        std::optional<size_t> t = UrgencyIndex(r.Text(0));
        if (!t) continue;
        into[std::clamp<int64_t>(r.Int(1), 0, days - 1)][*t] += r.Int(2);
      }
    };
    BW_ASSIGN_OR_RETURN(
        ResultSet k,
        tx.Query("SELECT timeline, " + DayOf("known_at") +
                     " AS d, COUNT(*) FROM findings WHERE (closed_at IS NULL OR closed_at >= ?)" +
                     org + " GROUP BY timeline, d",
                 params({start, start, start})));
    add(known, k);
    BW_ASSIGN_OR_RETURN(ResultSet c,
                        tx.Query("SELECT timeline, " + DayOf("closed_at") +
                                     " AS d, COUNT(*) FROM findings WHERE closed_at >= ?" + org +
                                     " GROUP BY timeline, d",
                                 params({start, start, start})));
    add(closed, c);
    // Overdue at the end of day d: past its deadline by then and not closed by then.
    BW_ASSIGN_OR_RETURN(
        ResultSet dl,
        tx.Query("SELECT " + DayOf("deadline_at") +
                     " AS d, COUNT(*) FROM findings WHERE deadline_at IS NOT NULL AND (closed_at "
                     "IS NULL OR closed_at >= ?)" +
                     org + " GROUP BY d",
                 params({start, start, start})));
    // A deadline after today is not due within the days.
    for (const Row& r : dl) {
      if (r.Int(0) < days) due[std::max<int64_t>(r.Int(0), 0)] += r.Int(1);
    }
    BW_ASSIGN_OR_RETURN(
        ResultSet st,
        tx.Query(
            "SELECT " +
                DayOf("CASE WHEN deadline_at > closed_at THEN deadline_at ELSE closed_at END") +
                " AS d, COUNT(*) FROM findings WHERE deadline_at IS NOT NULL AND closed_at >= "
                "?" +
                org + " GROUP BY d",
            params({start, start, start})));
    for (const Row& r : st) {
      if (r.Int(0) < days) settled[std::max<int64_t>(r.Int(0), 0)] += r.Int(1);
    }
    std::array<int64_t, 5> active{};
    int64_t overdue = 0;
    for (int d = 0; d < days; ++d) {
      TrendDay day;
      day.date = FormatRfc3339(FromUnixMicros(start + d * kDayMicros)).substr(0, 10);
      for (size_t t = 0; t < 5; ++t) {
        active[t] += known[d][t] - closed[d][t];
        day.by_timeline[t] = active[t];
      }
      overdue += due[d] - settled[d];
      day.overdue = overdue;
      out.days.push_back(day);
    }
    // Remediation: findings fixed (reported, or verified by a later inventory) within the days.
    BW_ASSIGN_OR_RETURN(
        ResultSet fixed,
        tx.Query("SELECT timeline, known_at, closed_at, deadline_at FROM findings WHERE state IN "
                 "('fixed', 'verified_fixed') AND closed_at >= ?" +
                     org,
                 params({start})));
    std::array<std::vector<double>, 5> times;
    for (size_t t = 0; t < 5; ++t) out.remediation[t].timeline = kTimelinesByUrgency[t];
    for (const Row& r : fixed) {
      std::optional<size_t> t = UrgencyIndex(r.Text(0));
      if (!t) continue;
      times[*t].push_back(static_cast<double>(r.Int(2) - r.Int(1)) /
                          static_cast<double>(kDayMicros));
      if (r.IsNull(3) || r.Int(2) <= r.Int(3)) ++out.remediation[*t].within_deadline;
    }
    for (size_t t = 0; t < 5; ++t) {
      std::vector<double>& v = times[t];
      out.remediation[t].remediated = static_cast<int64_t>(v.size());
      if (v.empty()) continue;
      std::sort(v.begin(), v.end());
      out.remediation[t].median_days = Quantile(v, 0.5);
      out.remediation[t].p90_days = Quantile(v, 0.9);
    }
    return OkStatus();
  }));
  return out;
}

}  // namespace bulwark::clearinghouse
