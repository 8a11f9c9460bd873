#include "review/internal.h"

namespace bulwark::review::internal {

Model ReadModel(const Row& row) {
  return {row.Text(0), row.Text(1), row.Text(2), row.Text(3), FromUnixMicros(row.Int(4))};
}
ModelVersion ReadVersion(const Row& row) {
  ModelVersion v;
  v.id = row.Text(0);
  v.model_id = row.Text(1);
  v.org_id = row.Text(2);
  v.version = row.Text(3);
  v.provider = ParseProvider(row.Text(4)).value_or(Provider::kOpenAi);
  v.base_url = row.Text(5);
  v.upstream_model = row.Text(6);
  v.status = ParseVersionStatus(row.Text(7)).value_or(VersionStatus::kInDevelopment);
  v.planned_release_at = row.OptionalTime(8);
  v.released_at = row.OptionalTime(9);
  v.created_at = FromUnixMicros(row.Int(10));
  v.updated_at = FromUnixMicros(row.Int(11));
  v.has_credential = row.Int(12) > 0;
  return v;
}
Inquiry ReadInquiry(const Row& row) {
  Inquiry q;
  q.id = row.Text(0);
  q.version_id = row.Text(1);
  q.org_id = row.Text(2);
  q.state = ParseInquiryState(row.Text(3)).value_or(InquiryState::kSubmitted);
  q.question = row.Text(4);
  q.asked_at = FromUnixMicros(row.Int(5));
  q.asked_by = row.Text(6);
  q.accepted_at = row.OptionalTime(7);
  q.accepted_by = row.OptionalText(8);
  q.due_at = row.OptionalTime(9);
  q.answered_at = row.OptionalTime(10);
  q.answer = row.Text(11);
  q.withdrawn_at = row.OptionalTime(12);
  q.updated_at = FromUnixMicros(row.Int(13));
  q.policy_ref = row.Text(14);
  q.designation_id = row.Text(15);
  return q;
}
std::string Placeholders(size_t n) {
  std::string marks;
  for (size_t i = 0; i < n; ++i) marks += i == 0 ? "?" : ",?";
  return marks;
}

Status BumpGatewayEpoch(Transaction& tx) {
  return tx.Execute("UPDATE review_epoch SET n = n + 1 WHERE id = 1").status();
}

Window ReadWindow(const Row& row) {
  Window w;
  w.id = row.Text(0);
  w.version_id = row.Text(1);
  w.org_id = row.Text(2);
  w.starts_at = FromUnixMicros(row.Int(3));
  w.ends_at = FromUnixMicros(row.Int(4));
  w.created_at = FromUnixMicros(row.Int(5));
  w.created_by = row.Text(6);
  w.closed_at = row.OptionalTime(7);
  if (!row.IsNull(8)) w.close_reason = ParseCloseReason(row.Text(8));
  w.closed_by = row.OptionalText(9);
  if (!row.IsNull(10) && !row.IsNull(11)) {
    w.hours = UseHours{static_cast<int>(row.Int(10)), static_cast<int>(row.Int(11))};
  }
  w.suspend_on_alert = row.Int(12) != 0;
  w.retain_content = row.Int(13) != 0;
  w.retention_days = row.Int(14);
  w.holds_content = row.Int(15) != 0;
  return w;
}
PartnerGrant ReadPartner(const Row& row) {
  PartnerGrant g;
  g.id = row.Text(0);
  g.window_id = row.Text(1);
  g.partner_org_id = row.Text(2);
  g.state = ParsePartnerState(row.Text(3)).value_or(PartnerState::kRemoved);
  g.quota = {row.Int(4), row.Int(5), row.Int(6)};
  g.proposed_by_party = row.Text(7) == "lab" ? Party::kLab : Party::kProgramOffice;
  g.proposed_by = row.Text(8);
  g.proposed_at = FromUnixMicros(row.Int(9));
  g.concurred_by = row.OptionalText(10);
  g.concurred_at = row.OptionalTime(11);
  g.removed_by = row.OptionalText(12);
  g.removed_at = row.OptionalTime(13);
  g.partner_org_name = row.Text(14);
  g.gateway_model = ModelId(row.Text(15), row.Text(16));
  return g;
}
GatewayKey ReadKey(const Row& row) {
  GatewayKey k;
  k.id = row.Text(0);
  k.user_id = row.Text(1);
  k.org_id = row.Text(2);
  k.grant_id = row.Text(3);
  k.window_id = row.Text(4);
  k.version_id = row.Text(5);
  k.name = row.Text(6);
  k.quota = {row.Int(7), row.Int(8), row.Int(9)};
  k.created_at = FromUnixMicros(row.Int(10));
  k.expires_at = FromUnixMicros(row.Int(11));
  k.revoked_at = row.OptionalTime(12);
  k.last_used_at = row.OptionalTime(13);
  k.gateway_model = ModelId(row.Text(14), row.Text(15));
  return k;
}

DefensiveGrant ReadDefensive(const Row& row) {
  DefensiveGrant d;
  d.id = row.Text(0);
  d.version_id = row.Text(1);
  d.lab_org_id = row.Text(2);
  d.lab_org_name = row.Text(3);
  d.org_id = row.Text(4);
  d.org_name = row.Text(5);
  d.gateway_model = ModelId(row.Text(6), row.Text(7));
  d.purpose = row.Text(8);
  d.state = ParseDefensiveState(row.Text(9)).value_or(DefensiveState::kRevoked);
  d.quota = {row.Int(10), row.Int(11), row.Int(12)};
  d.requested_by = row.Text(13);
  d.requested_at = FromUnixMicros(row.Int(14));
  d.expires_at = FromUnixMicros(row.Int(15));
  d.office_approved_by = row.OptionalText(16);
  d.office_approved_at = row.OptionalTime(17);
  d.lab_approved_by = row.OptionalText(18);
  d.lab_approved_at = row.OptionalTime(19);
  d.closed_by = row.OptionalText(20);
  d.closed_at = row.OptionalTime(21);
  d.close_note = row.Text(22);
  return d;
}

Alert ReadAlert(const Row& row) {
  Alert a;
  a.id = row.Text(0);
  a.kind = ParseAlertKind(row.Text(1)).value_or(AlertKind::kOutsideHours);
  a.scope = ParseAlertScope(row.Text(2)).value_or(AlertScope::kKey);
  a.key_id = row.Text(3);
  a.key_name = row.Text(4);
  a.org_id = row.Text(5);
  a.org_name = row.Text(6);
  a.lab_org_id = row.Text(7);
  a.grant_id = row.Text(8);
  a.window_id = row.Text(9);
  a.gateway_model = ModelId(row.Text(10), row.Text(11));
  a.day = row.Int(12);
  a.detail = row.Text(13);
  a.key_suspended = row.Int(14) != 0;
  a.created_at = FromUnixMicros(row.Int(15));
  a.acknowledged_by = row.OptionalText(16);
  a.acknowledged_at = row.OptionalTime(17);
  return a;
}

RetainedCall ReadRetainedCall(const Row& row) {
  RetainedCall c;
  c.id = row.Text(0);
  c.window_id = row.Text(1);
  c.key_id = row.Text(2);
  c.key_name = row.Text(3);
  c.org_id = row.Text(4);
  c.org_name = row.Text(5);
  c.user_id = row.Text(6);
  c.request_id = row.Text(7);
  c.status = static_cast<int>(row.Int(8));
  c.streamed = row.Int(9) != 0;
  c.request_bytes = row.Int(10);
  c.response_bytes = row.Int(11);
  c.truncated = row.Int(12) != 0;
  c.request_sha256 = row.Text(13);
  c.response_sha256 = row.Text(14);
  c.created_at = FromUnixMicros(row.Int(15));
  c.purge_at = FromUnixMicros(row.Int(16));
  return c;
}

ContentRead ReadContentRead(const Row& row) {
  ContentRead r;
  r.id = row.Text(0);
  r.window_id = row.Text(1);
  r.lab_org_id = row.Text(2);
  r.gateway_model = ModelId(row.Text(3), row.Text(4));
  r.partner_org_id = row.OptionalText(5);
  r.partner_org_name = row.Text(6);
  r.reason = row.Text(7);
  r.state = ParseContentReadState(row.Text(8)).value_or(ContentReadState::kRevoked);
  r.requested_by = row.Text(9);
  r.requester_org_id = row.Text(10);
  r.requested_at = FromUnixMicros(row.Int(11));
  r.decided_by = row.OptionalText(12);
  r.decided_at = row.OptionalTime(13);
  r.decision_note = row.Text(14);
  r.expires_at = row.OptionalTime(15);
  r.closed_by = row.OptionalText(16);
  r.closed_at = row.OptionalTime(17);
  r.calls_read = row.Int(18);
  r.requested_by_name = row.Text(19);
  r.decided_by_name = row.Text(20);
  return r;
}

}  // namespace bulwark::review::internal
