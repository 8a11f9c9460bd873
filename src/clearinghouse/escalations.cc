// Escalations: the sweep's findings past their deadlines, told to the operator's admins and to the
// clearinghouse, one escalation per operator and sweep.
#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "access/policy.h"
#include "base/ids.h"
#include "base/json.h"
#include "clearinghouse/internal.h"
#include "clearinghouse/service.h"

namespace bulwark::clearinghouse {
namespace {

namespace json = boost::json;
using access::Principal;
using store::ResultSet;
using store::Row;
using store::Transaction;
using store::TxMode;
using store::Value;

// Findings one sweep escalates at most; the next sweep takes the rest.
constexpr int64_t kEscalatedPerSweep = 5000;

json::object ItemJson(const EscalatedFinding& f) {
  return {{"finding", f.finding_id},
          {"asset", f.asset_name},
          {"advisory", f.advisory_id},
          {"package", f.package},
          {"version", f.version},
          {"timeline", std::string(ssvc::Name(f.timeline))},
          {"deadline", ToUnixMicros(f.deadline)}};
}

std::string Field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

constexpr std::string_view kEscalationSelect =
    "SELECT e.id, e.org_id, o.name, e.created_at, e.findings, e.earliest_deadline, e.items, "
    "e.acknowledged_at, e.acknowledged_by FROM escalations e JOIN organizations o ON o.id = "
    "e.org_id";

Escalation ReadEscalation(const Row& r) {
  Escalation e;
  e.id = r.Text(0);
  e.org_id = r.Text(1);
  e.org_name = r.Text(2);
  e.created_at = FromUnixMicros(r.Int(3));
  e.findings = r.Int(4);
  e.earliest_deadline = FromUnixMicros(r.Int(5));
  if (StatusOr<json::value> items = ParseJson(r.Text(6)); items.ok() && items->is_array()) {
    for (const json::value& v : items->get_array()) {
      if (!v.is_object()) continue;
      const json::object& o = v.get_object();
      EscalatedFinding f;
      f.finding_id = Field(o, "finding");
      f.asset_name = Field(o, "asset");
      f.advisory_id = Field(o, "advisory");
      f.package = Field(o, "package");
      f.version = Field(o, "version");
      f.timeline = internal::ParseTimelineName(Field(o, "timeline"))
                       .value_or(ssvc::RemediationTimeline::kOnSystemUpgrade);
      const json::value* deadline = o.if_contains("deadline");
      if (deadline != nullptr && deadline->is_int64()) {
        f.deadline = FromUnixMicros(deadline->get_int64());
      }
      e.items.push_back(std::move(f));
    }
  }
  e.acknowledged_at = r.OptionalTime(7);
  e.acknowledged_by = r.IsNull(8) ? "" : r.Text(8);
  return e;
}

}  // namespace

Status ClearinghouseService::Escalate(Transaction& tx, SweepResult& result) {
  const int64_t now_us = ToUnixMicros(clock_.Now());
  BW_ASSIGN_OR_RETURN(
      ResultSet overdue,
      tx.Query("SELECT f.id, f.org_id, f.asset_id, a.name, f.advisory_id, f.package, f.version, "
               "f.timeline, f.deadline_at FROM findings f JOIN assets a ON a.id = f.asset_id "
               "WHERE f.active = 1 AND f.deadline_at <= ? AND f.escalated_at IS NULL ORDER BY "
               "f.org_id, f.deadline_at, f.id LIMIT ?",
               {now_us, kEscalatedPerSweep}));
  const Principal system = access::SystemPrincipal();
  std::map<std::string, std::vector<EscalatedFinding>> by_org;
  std::vector<Value> ids;
  for (const Row& r : overdue) {
    EscalatedFinding f;
    f.finding_id = r.Text(0);
    f.asset_name = r.Text(3);
    f.advisory_id = r.Text(4);
    f.package = r.Text(5);
    f.version = r.Text(6);
    f.timeline = internal::ParseTimelineName(r.Text(7)).value_or(
        ssvc::RemediationTimeline::kOnSystemUpgrade);
    f.deadline = FromUnixMicros(r.Int(8));
    BW_RETURN_IF_ERROR(Audit(tx, system, "clearinghouse.finding.overdue", f.finding_id, {},
                             {{"org", r.Text(1)},
                              {"asset", r.Text(2)},
                              {"advisory", f.advisory_id},
                              {"timeline", r.Text(7)},
                              {"deadline", std::to_string(r.Int(8))}}));
    ids.emplace_back(f.finding_id);
    by_org[r.Text(1)].push_back(std::move(f));
    ++result.escalated;
  }
  for (size_t start = 0; start < ids.size(); start += internal::kRowsPerInsert) {
    const size_t end = std::min(ids.size(), start + internal::kRowsPerInsert);
    std::vector<Value> params{now_us};
    params.insert(params.end(), ids.begin() + start, ids.begin() + end);
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE findings SET escalated_at = ? WHERE id IN (" +
                                      internal::Placeholders(end - start) + ")",
                                  params)
                           .status());
  }
  for (const auto& [org_id, findings] : by_org) {
    json::array items;
    for (size_t i = 0; i < findings.size() && i < kEscalationItems; ++i) {
      items.push_back(ItemJson(findings[i]));
    }
    const std::string id = NewId("esc");
    const int64_t earliest = ToUnixMicros(findings.front().deadline);
    BW_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO escalations (id, org_id, created_at, findings, earliest_deadline, "
                   "items, acknowledged_at, acknowledged_by) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
                   {id, org_id, now_us, static_cast<int64_t>(findings.size()), earliest,
                    json::serialize(items)})
            .status());
    BW_RETURN_IF_ERROR(Audit(tx, system, "clearinghouse.escalation", id, {},
                             {{"org", org_id},
                              {"findings", std::to_string(findings.size())},
                              {"earliest_deadline", std::to_string(earliest)}}));
    ++result.escalations;
  }
  return OkStatus();
}

StatusOr<std::vector<Escalation>> ClearinghouseService::ListEscalations(const Principal& actor,
                                                                        const std::string& org_id) {
  std::vector<Escalation> out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    out.clear();
    if (org_id.empty()) {
      BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseCoordinate,
                                 std::string(access::kPlatform))
                             .status());
    } else {
      BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseRead, org_id).status());
    }
    BW_ASSIGN_OR_RETURN(
        ResultSet rows,
        org_id.empty()
            ? tx.Query(std::string(kEscalationSelect) +
                       " ORDER BY e.created_at DESC, e.id LIMIT 200")
            : tx.Query(std::string(kEscalationSelect) +
                           " WHERE e.org_id = ? ORDER BY e.created_at DESC, e.id LIMIT 200",
                       {org_id}));
    for (const Row& r : rows) out.push_back(ReadEscalation(r));
    return OkStatus();
  }));
  return out;
}

StatusOr<Escalation> ClearinghouseService::AcknowledgeEscalation(const Principal& actor,
                                                                 const std::string& escalation_id) {
  Escalation out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query(std::string(kEscalationSelect) + " WHERE e.id = ?",
                                                 {escalation_id}));
    if (rows.empty()) return NotFoundError("no escalation " + escalation_id);
    out = ReadEscalation(rows[0]);
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kClearinghouseManage, out.org_id));
    if (out.acknowledged_at) return OkStatus();
    const Time now = clock_.Now();
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE escalations SET acknowledged_at = ?, acknowledged_by = ? "
                                  "WHERE id = ? AND acknowledged_at IS NULL",
                                  {ToUnixMicros(now), actor.user_id, out.id})
                           .status());
    out.acknowledged_at = now;
    out.acknowledged_by = actor.user_id;
    return Audit(tx, actor, "clearinghouse.escalation.acknowledge", out.id, d.grants,
                 {{"org", out.org_id}});
  }));
  return out;
}

}  // namespace bulwark::clearinghouse
