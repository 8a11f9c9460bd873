// ReviewService's defensive access: agencies and operators using released models for defence,
// approved by both the program office and the lab. See service.h and docs/review.md.
#include <algorithm>
#include <iterator>
#include <utility>

#include "access/policy.h"
#include "base/ids.h"
#include "base/text.h"
#include "review/internal.h"
#include "review/service.h"

namespace bulwark::review {
namespace {

using access::Decision;
using access::Principal;
using internal::kDefensive;
using internal::kVersions;
using internal::Load;
using internal::Select;
using store::Row;
using store::Transaction;
using store::TxMode;
namespace actions = access::actions;

constexpr std::string_view kRequesterKinds[] = {"agency", "operator", "partner", "clearinghouse"};

// Revokes the keys issued under defensive access `grant_id`.
Status RevokeKeys(Transaction& tx, const std::string& grant_id, Time at, const std::string& by) {
  return tx
      .Execute(
          "UPDATE gateway_keys SET revoked_at = ?, revoked_by = ? WHERE defensive_grant_id = "
          "? AND revoked_at IS NULL",
          {ToUnixMicros(at), by, grant_id})
      .status();
}

// Ends defensive access `grant_id` as `state` (denied, revoked or expired) by `by` at `at`.
Status Close(Transaction& tx, const std::string& grant_id, std::string_view state,
             const std::string& by, Time at, const std::string& note) {
  return tx
      .Execute(
          "UPDATE defensive_grants SET state = ?, closed_by = ?, closed_at = ?, "
          "close_note = ? WHERE id = ?",
          {std::string(state), by, ToUnixMicros(at), note, grant_id})
      .status();
}

// 1 when version `v` is designated a covered frontier model: an inquiry about it answered so.
constexpr const char* kCoveredSql =
    "CAST(CASE WHEN EXISTS (SELECT 1 FROM review_inquiries q WHERE q.version_id = v.id AND "
    "q.state = 'answered' AND q.answer = 'covered') THEN 1 ELSE 0 END AS BIGINT)";

}  // namespace

StatusOr<std::vector<DefensiveModel>> ReviewService::ListDefensiveModels(const Principal& actor) {
  std::vector<DefensiveModel> models;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    models.clear();
    BW_RETURN_IF_ERROR(
        Require(tx, actor, actions::kReviewAccessRequest, actor.org_id, actor.org_id).status());
    BW_ASSIGN_OR_RETURN(
        store::ResultSet rows,
        tx.Query(std::string("SELECT v.id, m.name, v.version, o.name, v.released_at, ") +
                 kCoveredSql +
                 " FROM model_versions v JOIN review_models m ON m.id = v.model_id JOIN "
                 "organizations o ON o.id = m.org_id WHERE v.status = 'released' OR (v.status "
                 "<> 'withdrawn' AND " +
                 kCoveredSql + " = 1) ORDER BY o.name, m.name, v.version"));
    for (const Row& row : rows) {
      models.push_back({row.Text(0), ModelId(row.Text(1), row.Text(2)), row.Text(3),
                        row.OptionalTime(4), row.Int(5) != 0});
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return models;
}

StatusOr<DefensiveGrant> ReviewService::RequestDefensiveAccess(const Principal& actor,
                                                               const NewDefensiveRequest& request) {
  BW_RETURN_IF_ERROR(ValidateText(request.purpose, "purpose", 1, 4000));
  BW_RETURN_IF_ERROR(CheckQuota(request.quota));
  DefensiveGrant grant;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(
        Decision d, Require(tx, actor, actions::kReviewAccessRequest, actor.org_id, actor.org_id));
    BW_ASSIGN_OR_RETURN(store::ResultSet org,
                        tx.Query("SELECT kind FROM organizations WHERE id = ?", {actor.org_id}));
    const std::string kind = org.empty() ? "" : org[0].Text(0);
    if (std::find(std::begin(kRequesterKinds), std::end(kRequesterKinds), kind) ==
        std::end(kRequesterKinds)) {
      return Status(StatusCode::kPermissionDenied,
                    "defensive access is for agencies, operators, partners and clearinghouses; "
                    "your organization is a " +
                        kind,
                    {{"rule", "defensive_access_requester"}});
    }
    // A released version is public knowledge, and so to requesters is one designated covered;
    // any other is missing to those outside its lab.
    BW_ASSIGN_OR_RETURN(ModelVersion version, Load(tx, kVersions, request.version_id));
    BW_ASSIGN_OR_RETURN(
        store::ResultSet covered_row,
        tx.Query(std::string("SELECT ") + kCoveredSql + " FROM model_versions v WHERE v.id = ?",
                 {version.id}));
    const bool covered = !covered_row.empty() && covered_row[0].Int(0) != 0;
    if (version.status != VersionStatus::kReleased && !covered) {
      BW_ASSIGN_OR_RETURN(bool readable,
                          Allowed(tx, actor, actions::kReviewModelRead, version.org_id));
      if (!readable) return NotFoundError("no model version " + request.version_id);
    }
    BW_RETURN_IF_ERROR(CheckDefensiveEligible(version.status, covered));
    BW_RETURN_IF_ERROR(CheckDefensiveExpiry(request.expires_at, now));
    BW_ASSIGN_OR_RETURN(
        std::vector<DefensiveGrant> pending,
        Select(tx, kDefensive,
               "WHERE d.version_id = ? AND d.org_id = ? AND d.state IN ('requested', 'active') "
               "AND d.expires_at > ?",
               {version.id, actor.org_id, ToUnixMicros(now)}));
    if (!pending.empty()) {
      return Status(
          StatusCode::kAlreadyExists,
          "your organization already has defensive access to this version " +
              std::string(pending[0].state == DefensiveState::kActive ? "(active)"
                                                                      : "waiting for approval"),
          {{"rule", "one_defensive_access_per_version"}, {"id", pending[0].id}});
    }
    const std::string id = NewId("dfa", random_);
    BW_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO defensive_grants (id, version_id, lab_org_id, org_id, purpose, "
                   "state, requests_per_day, tokens_per_day, requests_per_minute, requested_by, "
                   "requested_at, expires_at, close_note) VALUES "
                   "(?,?,?,?,?,'requested',?,?,?,?,?,?,'')",
                   {id, version.id, version.org_id, actor.org_id, request.purpose,
                    request.quota.requests_per_day, request.quota.tokens_per_day,
                    request.quota.requests_per_minute, actor.user_id, ToUnixMicros(now),
                    ToUnixMicros(request.expires_at)})
            .status());
    BW_ASSIGN_OR_RETURN(grant, Load(tx, kDefensive, id));
    return Audit(tx, actor, "review.access.request", id, d.grants);
  });
  if (!s.ok()) return s;
  return grant;
}

StatusOr<ReviewService::DefensiveDecider> ReviewService::DefensiveForParty(
    Transaction& tx, const Principal& actor, const std::string& grant_id) {
  BW_ASSIGN_OR_RETURN(DefensiveGrant grant, Load(tx, kDefensive, grant_id));
  if (grant.org_id == actor.org_id) {
    NoteDenial(actor, "review.access.approve", grant.id);
    return Status(StatusCode::kPermissionDenied,
                  "the program office and the lab decide on a request; the requester does not",
                  {{"rule", "separation_of_duties"}});
  }
  BW_ASSIGN_OR_RETURN(auto party,
                      PartyOf(tx, actor, grant.lab_org_id, "defensive access request " + grant_id));
  return DefensiveDecider{std::move(grant), party.first, std::move(party.second)};
}

StatusOr<DefensiveGrant> ReviewService::ApproveDefensiveAccess(const Principal& actor,
                                                               const std::string& grant_id) {
  DefensiveGrant grant;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(DefensiveDecider found, DefensiveForParty(tx, actor, grant_id));
    grant = std::move(found.grant);
    const bool lab = found.party == Party::kLab;
    BW_RETURN_IF_ERROR(
        CheckDefensiveDecision(grant.StateAt(now), lab ? grant.lab_approved_at.has_value()
                                                       : grant.office_approved_at.has_value()));
    const std::optional<std::string>& other =
        lab ? grant.office_approved_by : grant.lab_approved_by;
    if (other == actor.user_id) {
      NoteDenial(actor, "review.access.approve", grant.id);
      return Status(StatusCode::kPermissionDenied,
                    "separation of duties: you approved this request for the other party",
                    {{"rule", "separation_of_duties"}});
    }
    const bool both = other.has_value();
    const std::string sql = std::string("UPDATE defensive_grants SET ") +
                            (lab ? "lab_approved_by = ?, lab_approved_at = ?"
                                 : "office_approved_by = ?, office_approved_at = ?") +
                            (both ? ", state = 'active'" : "") +
                            " WHERE id = ? AND state = 'requested'";
    BW_RETURN_IF_ERROR(tx.Execute(sql, {actor.user_id, ToUnixMicros(now), grant.id}).status());
    BW_ASSIGN_OR_RETURN(grant, Load(tx, kDefensive, grant_id));
    return Audit(tx, actor, both ? "review.access.activate" : "review.access.approve", grant.id,
                 found.decision.grants);
  });
  if (!s.ok()) return s;
  return grant;
}

StatusOr<DefensiveGrant> ReviewService::DenyDefensiveAccess(const Principal& actor,
                                                            const std::string& grant_id,
                                                            const std::string& note) {
  BW_RETURN_IF_ERROR(ValidateText(note, "note", 0, 4000));
  DefensiveGrant grant;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(DefensiveDecider found, DefensiveForParty(tx, actor, grant_id));
    grant = std::move(found.grant);
    BW_RETURN_IF_ERROR(CheckDefensiveDecision(grant.StateAt(now), false));
    BW_RETURN_IF_ERROR(Close(tx, grant.id, "denied", actor.user_id, now, note));
    BW_ASSIGN_OR_RETURN(grant, Load(tx, kDefensive, grant_id));
    return Audit(tx, actor, "review.access.deny", grant.id, found.decision.grants);
  });
  if (!s.ok()) return s;
  return grant;
}

StatusOr<DefensiveGrant> ReviewService::RevokeDefensiveAccess(const Principal& actor,
                                                              const std::string& grant_id,
                                                              const std::string& note) {
  BW_RETURN_IF_ERROR(ValidateText(note, "note", 0, 4000));
  DefensiveGrant grant;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(grant, Load(tx, kDefensive, grant_id));
    // The requester's admins, the lab and the program office.
    BW_ASSIGN_OR_RETURN(
        Decision requester,
        authorizer_.Check(tx, actor, actions::kReviewAccessRequest, grant.org_id, now));
    std::vector<std::string> grants = requester.grants;
    if (!requester.allowed) {
      BW_ASSIGN_OR_RETURN(auto party,
                          PartyOf(tx, actor, grant.lab_org_id, "defensive access " + grant_id));
      grants = party.second.grants;
    }
    const DefensiveState state = grant.StateAt(now);
    if (state != DefensiveState::kRequested && state != DefensiveState::kActive) {
      return Status(StatusCode::kFailedPrecondition,
                    "the defensive access is already " + std::string(DefensiveStateName(state)),
                    {{"rule", "defensive_access_transition"}});
    }
    BW_RETURN_IF_ERROR(Close(tx, grant.id, "revoked", actor.user_id, now, note));
    BW_RETURN_IF_ERROR(RevokeKeys(tx, grant.id, now, actor.user_id));
    BW_ASSIGN_OR_RETURN(grant, Load(tx, kDefensive, grant_id));
    return Audit(tx, actor, "review.access.revoke", grant.id, grants);
  });
  if (!s.ok()) return s;
  return grant;
}

StatusOr<std::vector<DefensiveGrant>> ReviewService::ListDefensiveAccess(const Principal& actor) {
  std::vector<DefensiveGrant> grants;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    grants.clear();
    BW_ASSIGN_OR_RETURN(bool office,
                        Allowed(tx, actor, actions::kReviewProgram, access::kPlatform));
    // Every request for the program office; otherwise one's own organization's, or, for a
    // lab's members, those on its models.
    if (office) {
      BW_ASSIGN_OR_RETURN(grants, Select(tx, kDefensive, "ORDER BY d.requested_at DESC, d.id"));
    } else {
      BW_ASSIGN_OR_RETURN(grants, Select(tx, kDefensive,
                                         "WHERE d.org_id = ? OR d.lab_org_id = ? "
                                         "ORDER BY d.requested_at DESC, d.id",
                                         {actor.org_id, actor.org_id}));
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return grants;
}

StatusOr<int64_t> ReviewService::SweepDefensiveAccess() {
  int64_t expired = 0;
  Status s = db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    expired = 0;
    BW_ASSIGN_OR_RETURN(std::vector<DefensiveGrant> ended,
                        Select(tx, kDefensive,
                               "WHERE d.state IN ('requested', 'active') AND d.expires_at <= ? "
                               "ORDER BY d.expires_at LIMIT 500",
                               {ToUnixMicros(clock_.Now())}));
    const Principal system = access::SystemPrincipal();
    for (const DefensiveGrant& grant : ended) {
      BW_RETURN_IF_ERROR(Close(tx, grant.id, "expired", system.user_id, grant.expires_at, ""));
      BW_RETURN_IF_ERROR(RevokeKeys(tx, grant.id, grant.expires_at, system.user_id));
      BW_RETURN_IF_ERROR(Audit(tx, system, "review.access.expire", grant.id, {}));
      ++expired;
    }
    return expired == 0 ? OkStatus() : internal::BumpGatewayEpoch(tx);
  });
  if (!s.ok()) return s;
  return expired;
}

}  // namespace bulwark::review
