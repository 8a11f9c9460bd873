// The review service's internals shared by its source files: how each kind of row is read from
// the database. Not for use outside src/review.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "review/types.h"
#include "store/database.h"

namespace bulwark::review::internal {

using store::Row;
using store::Transaction;
using store::Value;

// "?,?,…": `n` placeholders for an IN list.
std::string Placeholders(size_t n);

// Counts a change to what gateway keys reach (ReviewService::GatewayEpoch), in `tx`: every
// transaction that may change a key, its grant, window, version or model, or the version's
// credential, calls it.
Status BumpGatewayEpoch(Transaction& tx);

// One kind of row: the SELECT that reads it (conditions are appended), how a row reads, the
// column its id is in, and what it is called in messages.
template <typename T>
struct RowKind {
  std::string_view select;
  T (*read)(const Row&);
  std::string_view id_column;
  std::string_view what;
};

// The rows of `kind` that `rest` ("WHERE ... ORDER BY ...") selects.
template <typename T>
StatusOr<std::vector<T>> Select(Transaction& tx, const RowKind<T>& kind, std::string_view rest,
                                const std::vector<Value>& params = {}) {
  BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                      tx.Query(std::string(kind.select) + " " + std::string(rest), params));
  std::vector<T> out;
  out.reserve(rows.size());
  for (const Row& row : rows) out.push_back(kind.read(row));
  return out;
}

// The row of `kind` with id `id`; NotFound naming it otherwise.
template <typename T>
StatusOr<T> Load(Transaction& tx, const RowKind<T>& kind, const std::string& id) {
  BW_ASSIGN_OR_RETURN(std::vector<T> found,
                      Select(tx, kind, "WHERE " + std::string(kind.id_column) + " = ?", {id}));
  if (found.empty()) return NotFoundError("no " + std::string(kind.what) + " " + id);
  return std::move(found[0]);
}

Model ReadModel(const Row& row);

inline constexpr RowKind<Model> kModels{
    "SELECT id, org_id, name, description, created_at FROM review_models", &ReadModel, "id",
    "model"};

ModelVersion ReadVersion(const Row& row);

inline constexpr RowKind<ModelVersion> kVersions{
    "SELECT v.id, v.model_id, m.org_id, v.version, v.provider, v.base_url, v.upstream_model, "
    "v.status, v.planned_release_at, v.released_at, v.created_at, v.updated_at, "
    "(SELECT COUNT(*) FROM secrets s WHERE s.owner_table = 'model_versions' AND s.owner_id = v.id "
    "AND s.owner_column = 'credential') "
    "FROM model_versions v JOIN review_models m ON m.id = v.model_id",
    &ReadVersion, "v.id", "model version"};

Inquiry ReadInquiry(const Row& row);

inline constexpr RowKind<Inquiry> kInquiries{
    "SELECT id, version_id, org_id, state, question, asked_at, asked_by, accepted_at, "
    "accepted_by, due_at, answered_at, answer, withdrawn_at, updated_at, policy_ref, "
    "designation_id FROM review_inquiries",
    &ReadInquiry, "id", "inquiry"};

Window ReadWindow(const Row& row);

inline constexpr RowKind<Window> kWindows{
    "SELECT id, version_id, org_id, starts_at, ends_at, created_at, created_by, closed_at, "
    "close_reason, closed_by, hours_start, hours_end, suspend_on_alert, retain_content, "
    "retention_days, CASE WHEN EXISTS (SELECT 1 FROM retained_calls r WHERE r.window_id = "
    "review_windows.id) THEN 1 ELSE 0 END FROM review_windows",
    &ReadWindow, "id", "window"};

PartnerGrant ReadPartner(const Row& row);

inline constexpr RowKind<PartnerGrant> kPartners{
    "SELECT p.id, p.window_id, p.partner_org_id, p.state, p.requests_per_day, p.tokens_per_day, "
    "p.requests_per_minute, p.proposed_by_party, p.proposed_by, p.proposed_at, p.concurred_by, "
    "p.concurred_at, p.removed_by, p.removed_at, o.name, m.name, v.version "
    "FROM review_partners p JOIN organizations o ON o.id = p.partner_org_id "
    "JOIN review_windows w ON w.id = p.window_id JOIN model_versions v ON v.id = w.version_id "
    "JOIN review_models m ON m.id = v.model_id",
    &ReadPartner, "p.id", "partner grant"};

GatewayKey ReadKey(const Row& row);

inline constexpr RowKind<GatewayKey> kKeys{
    "SELECT k.id, k.user_id, k.org_id, COALESCE(k.grant_id, k.defensive_grant_id), "
    "COALESCE(k.window_id, ''), k.version_id, k.name, "
    "COALESCE(p.requests_per_day, d.requests_per_day), "
    "COALESCE(p.tokens_per_day, d.tokens_per_day), "
    "COALESCE(p.requests_per_minute, d.requests_per_minute), k.created_at, k.expires_at, "
    "k.revoked_at, k.last_used_at, m.name, v.version "
    "FROM gateway_keys k LEFT JOIN review_partners p ON p.id = k.grant_id "
    "LEFT JOIN defensive_grants d ON d.id = k.defensive_grant_id "
    "JOIN model_versions v ON v.id = k.version_id JOIN review_models m ON m.id = v.model_id",
    &ReadKey, "k.id", "gateway key"};

DefensiveGrant ReadDefensive(const Row& row);

inline constexpr RowKind<DefensiveGrant> kDefensive{
    "SELECT d.id, d.version_id, d.lab_org_id, lo.name, d.org_id, o.name, m.name, v.version, "
    "d.purpose, d.state, d.requests_per_day, d.tokens_per_day, d.requests_per_minute, "
    "d.requested_by, d.requested_at, d.expires_at, d.office_approved_by, d.office_approved_at, "
    "d.lab_approved_by, d.lab_approved_at, d.closed_by, d.closed_at, d.close_note "
    "FROM defensive_grants d JOIN organizations lo ON lo.id = d.lab_org_id "
    "JOIN organizations o ON o.id = d.org_id JOIN model_versions v ON v.id = d.version_id "
    "JOIN review_models m ON m.id = v.model_id",
    &ReadDefensive, "d.id", "defensive access request"};

Alert ReadAlert(const Row& row);

inline constexpr RowKind<Alert> kAlerts{
    "SELECT a.id, a.kind, a.scope, COALESCE(a.key_id, ''), COALESCE(k.name, ''), a.org_id, "
    "o.name, a.lab_org_id, COALESCE(k.grant_id, k.defensive_grant_id, ''), "
    "COALESCE(a.window_id, ''), m.name, v.version, a.day, a.detail, a.key_suspended, "
    "a.created_at, a.acknowledged_by, a.acknowledged_at "
    "FROM review_alerts a LEFT JOIN gateway_keys k ON k.id = a.key_id "
    "LEFT JOIN review_windows w ON w.id = a.window_id "
    "JOIN organizations o ON o.id = a.org_id "
    "JOIN model_versions v ON v.id = COALESCE(k.version_id, w.version_id) "
    "JOIN review_models m ON m.id = v.model_id",
    &ReadAlert, "a.id", "alert"};

RetainedCall ReadRetainedCall(const Row& row);

inline constexpr RowKind<RetainedCall> kRetainedCalls{
    "SELECT c.id, c.window_id, c.key_id, k.name, c.org_id, o.name, c.user_id, c.request_id, "
    "c.status, c.streamed, c.request_bytes, c.response_bytes, c.truncated, c.request_sha256, "
    "c.response_sha256, c.created_at, c.purge_at "
    "FROM retained_calls c JOIN gateway_keys k ON k.id = c.key_id "
    "JOIN organizations o ON o.id = c.org_id",
    &ReadRetainedCall, "c.id", "retained call"};

ContentRead ReadContentRead(const Row& row);

inline constexpr RowKind<ContentRead> kContentReads{
    "SELECT r.id, r.window_id, r.lab_org_id, m.name, v.version, r.partner_org_id, "
    "COALESCE(po.name, ''), r.reason, r.state, r.requested_by, r.requester_org_id, "
    "r.requested_at, r.decided_by, r.decided_at, r.decision_note, r.expires_at, r.closed_by, "
    "r.closed_at, (SELECT COUNT(*) FROM content_read_log l WHERE l.read_id = r.id), "
    "COALESCE(ru.display_name, ''), COALESCE(du.display_name, '') "
    "FROM content_reads r JOIN review_windows w ON w.id = r.window_id "
    "JOIN model_versions v ON v.id = w.version_id JOIN review_models m ON m.id = v.model_id "
    "LEFT JOIN organizations po ON po.id = r.partner_org_id "
    "LEFT JOIN users ru ON ru.id = r.requested_by LEFT JOIN users du ON du.id = r.decided_by",
    &ReadContentRead, "r.id", "request to read retained content"};

}  // namespace bulwark::review::internal
