// ReviewService's retained content: the calls the gateway keeps for a window whose lab chose so,
// and reading them under the two-person rule. See service.h and docs/review.md.
#include <utility>

#include "access/policy.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/text.h"
#include "base/time_format.h"
#include "review/internal.h"
#include "review/service.h"
#include "review/signals.h"

namespace bulwark::review {
namespace {

using access::Decision;
using access::Principal;
using internal::kContentReads;
using internal::kRetainedCalls;
using internal::kWindows;
using internal::Load;
using internal::Select;
using store::ResultSet;
using store::Row;
using store::Transaction;
using store::TxMode;
using store::Value;
namespace actions = access::actions;

// The secret holding a retained call's content.
secrets::SecretRef ContentRef(const std::string& call_id) {
  return {"retained_calls", call_id, "content"};
}

// A call's content as one secret: the request's length in decimal, a newline, the request, then
// the response. Bodies are bytes, not necessarily text, so no JSON here.
std::string PackContent(std::string_view request, std::string_view response) {
  std::string out = std::to_string(request.size()) + "\n";
  out.reserve(out.size() + request.size() + response.size());
  out.append(request);
  out.append(response);
  return out;
}

StatusOr<std::pair<std::string, std::string>> UnpackContent(std::string_view packed) {
  const size_t newline = packed.find('\n');
  size_t length = 0;
  bool ok = newline != std::string_view::npos && newline > 0 && newline <= 10;
  for (size_t i = 0; ok && i < newline; ++i) {
    ok = packed[i] >= '0' && packed[i] <= '9';
    length = length * 10 + static_cast<size_t>(packed[i] - '0');
  }
  if (!ok || length > packed.size() - newline - 1) {
    return Status(StatusCode::kDataLoss, "a retained call's content is not in its stored form");
  }
  std::string_view rest = packed.substr(newline + 1);
  return std::make_pair(std::string(rest.substr(0, length)), std::string(rest.substr(length)));
}

// The system, as the gateway's retention and its sweep act.
Principal RetentionPrincipal() {
  Principal p = access::SystemPrincipal();
  p.credential_id = "review.retention";
  return p;
}

}  // namespace

StatusOr<std::string> ReviewService::RetainCall(Transaction& tx, const GatewayAccess& access,
                                                const CallToRetain& call) {
  if (!access.window || !access.window->retain_content) {
    return FailedPreconditionError("the call's window does not retain content");
  }
  const Window& window = *access.window;
  const Time now = clock_.Now();
  const std::string id = NewId("rtc", random_);
  const bool truncated = call.request_bytes > static_cast<int64_t>(call.request.size()) ||
                         call.response_bytes > static_cast<int64_t>(call.response.size());
  BW_RETURN_IF_ERROR(
      tx.Execute("INSERT INTO retained_calls (id, window_id, key_id, org_id, user_id, request_id, "
                 "status, streamed, request_bytes, response_bytes, truncated, request_sha256, "
                 "response_sha256, created_at, purge_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                 {id, window.id, access.key.id, access.key.org_id, access.key.user_id,
                  call.request_id, int64_t{call.status}, int64_t{call.streamed ? 1 : 0},
                  call.request_bytes, call.response_bytes, int64_t{truncated ? 1 : 0},
                  call.request_sha256, call.response_sha256, ToUnixMicros(now),
                  ToUnixMicros(now + Days(window.retention_days))})
          .status());
  BW_RETURN_IF_ERROR(secrets_.Put(tx, ContentRef(id), PackContent(call.request, call.response)));
  return id;
}

StatusOr<ContentRead> ReviewService::RequestContentRead(const Principal& actor,
                                                        const NewContentRead& request) {
  BW_RETURN_IF_ERROR(ValidateText(request.reason, "reason", 10, 4000));
  ContentRead read;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(Window window, Load(tx, kWindows, request.window_id));
    BW_ASSIGN_OR_RETURN(auto party, PartyOf(tx, actor, window.org_id, "window " + window.id));
    // A window that no longer keeps content may still hold what it kept.
    if (!window.retain_content && !window.holds_content) {
      return Status(
          StatusCode::kFailedPrecondition,
          "window " + window.id + " keeps no content of its calls; there is nothing to read",
          {{"rule", "window_retains_content"}});
    }
    if (request.partner_org_id) {
      BW_ASSIGN_OR_RETURN(ResultSet partner,
                          tx.Query("SELECT id FROM review_partners WHERE window_id = ? AND "
                                   "partner_org_id = ?",
                                   {window.id, *request.partner_org_id}));
      if (partner.empty()) {
        return Status(StatusCode::kInvalidArgument,
                      "organization " + *request.partner_org_id +
                          " is not a partner on this window; leave partner_org_id out to read "
                          "every partner's calls",
                      {{"field", "partner_org_id"}});
      }
    }
    const std::string id = NewId("crd", random_);
    BW_RETURN_IF_ERROR(
        tx.Execute(
              "INSERT INTO content_reads (id, window_id, lab_org_id, partner_org_id, reason, "
              "state, requested_by, requester_org_id, requested_at, decision_note) VALUES "
              "(?,?,?,?,?,'requested',?,?,?,'')",
              {id, window.id, window.org_id,
               request.partner_org_id ? Value(*request.partner_org_id) : Value(std::monostate{}),
               request.reason, actor.user_id, actor.org_id, ToUnixMicros(now)})
            .status());
    BW_ASSIGN_OR_RETURN(read, Load(tx, kContentReads, id));
    if (audit_ == nullptr) return OkStatus();
    return audit_->Record(tx, {actor,
                               "review.content.request",
                               read.id,
                               true,
                               {window.id},
                               {{"window", window.id},
                                {"party", std::string(PartyName(party.first))},
                                {"partner", request.partner_org_id.value_or("")},
                                {"reason", request.reason}}});
  });
  if (!s.ok()) return s;
  return read;
}

StatusOr<ReviewService::ContentReadDecider> ReviewService::ContentReadForDecision(
    Transaction& tx, const Principal& actor, const std::string& read_id, std::string_view action) {
  BW_ASSIGN_OR_RETURN(ContentRead read, Load(tx, kContentReads, read_id));
  BW_ASSIGN_OR_RETURN(auto party,
                      PartyOf(tx, actor, read.lab_org_id, "request to read " + read_id));
  if (Status rule =
          CheckContentReadDecision(read.StateAt(clock_.Now()), read.requested_by, actor.user_id);
      !rule.ok()) {
    if (rule.code() == StatusCode::kPermissionDenied) NoteDenial(actor, action, read.id);
    return rule;
  }
  return ContentReadDecider{std::move(read), party.first, std::move(party.second)};
}

StatusOr<ContentRead> ReviewService::ApproveContentRead(const Principal& actor,
                                                        const std::string& read_id) {
  ContentRead read;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(ContentReadDecider decider,
                        ContentReadForDecision(tx, actor, read_id, "review.content.approve"));
    read = std::move(decider.read);
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE content_reads SET state = 'approved', decided_by = ?, "
                                  "decided_at = ?, expires_at = ? WHERE id = ? AND state = "
                                  "'requested'",
                                  {actor.user_id, ToUnixMicros(now),
                                   ToUnixMicros(now + kContentReadValidity), read.id})
                           .status());
    BW_ASSIGN_OR_RETURN(read, Load(tx, kContentReads, read_id));
    if (audit_ == nullptr) return OkStatus();
    return audit_->Record(tx, {actor,
                               "review.content.approve",
                               read.id,
                               true,
                               decider.decision.grants,
                               {{"window", read.window_id},
                                {"party", std::string(PartyName(decider.party))},
                                {"requested_by", read.requested_by},
                                {"expires_at", FormatRfc3339(*read.expires_at)}}});
  });
  if (!s.ok()) return s;
  return read;
}

StatusOr<ContentRead> ReviewService::DenyContentRead(const Principal& actor,
                                                     const std::string& read_id,
                                                     const std::string& note) {
  BW_RETURN_IF_ERROR(ValidateText(note, "note", 0, 4000));
  ContentRead read;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(ContentReadDecider decider,
                        ContentReadForDecision(tx, actor, read_id, "review.content.deny"));
    read = std::move(decider.read);
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE content_reads SET state = 'denied', decided_by = ?, "
                                  "decided_at = ?, decision_note = ? WHERE id = ? AND state = "
                                  "'requested'",
                                  {actor.user_id, ToUnixMicros(now), note, read.id})
                           .status());
    BW_ASSIGN_OR_RETURN(read, Load(tx, kContentReads, read_id));
    if (audit_ == nullptr) return OkStatus();
    return audit_->Record(tx, {actor,
                               "review.content.deny",
                               read.id,
                               true,
                               decider.decision.grants,
                               {{"window", read.window_id}, {"note", note}}});
  });
  if (!s.ok()) return s;
  return read;
}

StatusOr<ContentRead> ReviewService::RevokeContentRead(const Principal& actor,
                                                       const std::string& read_id,
                                                       const std::string& note) {
  BW_RETURN_IF_ERROR(ValidateText(note, "note", 0, 4000));
  ContentRead read;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(read, Load(tx, kContentReads, read_id));
    std::vector<std::string> grants;
    if (read.requested_by != actor.user_id) {
      BW_ASSIGN_OR_RETURN(auto party,
                          PartyOf(tx, actor, read.lab_org_id, "request to read " + read_id));
      grants = party.second.grants;
    }
    const ContentReadState state = read.StateAt(now);
    if (state != ContentReadState::kRequested && state != ContentReadState::kApproved) {
      return Status(StatusCode::kFailedPrecondition,
                    "the request to read is already " + std::string(ContentReadStateName(state)),
                    {{"rule", "content_read_transition"}});
    }
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE content_reads SET state = 'revoked', closed_by = ?, "
                                  "closed_at = ?, decision_note = ? WHERE id = ?",
                                  {actor.user_id, ToUnixMicros(now),
                                   note.empty() ? read.decision_note : note, read.id})
                           .status());
    BW_ASSIGN_OR_RETURN(read, Load(tx, kContentReads, read_id));
    if (audit_ == nullptr) return OkStatus();
    return audit_->Record(tx, {actor,
                               "review.content.revoke",
                               read.id,
                               true,
                               grants,
                               {{"window", read.window_id}, {"note", note}}});
  });
  if (!s.ok()) return s;
  return read;
}

StatusOr<std::vector<ContentRead>> ReviewService::ListContentReads(const Principal& actor) {
  std::vector<ContentRead> reads;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    reads.clear();
    BW_ASSIGN_OR_RETURN(std::vector<Value> labs, ReadableLabsIn(tx, actor, "content_reads"));
    if (labs.empty()) return OkStatus();
    BW_ASSIGN_OR_RETURN(
        reads,
        Select(tx, kContentReads,
               "WHERE r.lab_org_id IN (" + internal::Placeholders(labs.size()) +
                   ") ORDER BY r.requested_at DESC, r.id LIMIT " + std::to_string(kMaxListedReads),
               labs));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return reads;
}

StatusOr<ContentRead> ReviewService::ApprovedReadOf(Transaction& tx, const Principal& actor,
                                                    const std::string& read_id, Time now) {
  BW_ASSIGN_OR_RETURN(ContentRead read, Load(tx, kContentReads, read_id));
  if (read.requested_by != actor.user_id) {
    // To whom may not read the lab's models, the request is not there.
    BW_ASSIGN_OR_RETURN(bool visible,
                        Allowed(tx, actor, actions::kReviewModelRead, read.lab_org_id));
    if (!visible) return NotFoundError("no request to read retained content " + read_id);
    NoteDenial(actor, "review.content.read", read.id);
    return Status(StatusCode::kPermissionDenied,
                  "only the person who asked may read under an approval; ask for your own",
                  {{"rule", "two_person_rule"}});
  }
  // The asker reads only while still a party: a lab administrator or the program office.
  BW_RETURN_IF_ERROR(PartyOf(tx, actor, read.lab_org_id, "request to read " + read.id).status());
  const ContentReadState state = read.StateAt(now);
  if (state != ContentReadState::kApproved) {
    NoteDenial(actor, "review.content.read", read.id);
    return Status(StatusCode::kPermissionDenied,
                  state == ContentReadState::kRequested
                      ? std::string("the request to read waits for a second person's approval")
                      : "the request to read is " + std::string(ContentReadStateName(state)) +
                            "; ask again to read",
                  {{"rule", "content_read_approved"}});
  }
  return read;
}

StatusOr<std::vector<RetainedCall>> ReviewService::ListRetainedCalls(const Principal& actor,
                                                                     const std::string& read_id) {
  std::vector<RetainedCall> calls;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(ContentRead read, ApprovedReadOf(tx, actor, read_id, now));
    std::vector<Value> params = {read.window_id, ToUnixMicros(now)};
    std::string where = "WHERE c.window_id = ? AND c.purge_at > ?";
    if (read.partner_org_id) {
      where += " AND c.org_id = ?";
      params.push_back(*read.partner_org_id);
    }
    BW_ASSIGN_OR_RETURN(calls, Select(tx, kRetainedCalls,
                                      where + " ORDER BY c.created_at DESC, c.id LIMIT " +
                                          std::to_string(kMaxListedCalls),
                                      params));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return calls;
}

StatusOr<RetainedContent> ReviewService::ReadRetainedCall(const Principal& actor,
                                                          const std::string& read_id,
                                                          const std::string& call_id) {
  RetainedContent content;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(ContentRead read, ApprovedReadOf(tx, actor, read_id, now));
    BW_ASSIGN_OR_RETURN(content.call, Load(tx, kRetainedCalls, call_id));
    if (content.call.window_id != read.window_id ||
        (read.partner_org_id && content.call.org_id != *read.partner_org_id)) {
      return NotFoundError("no retained call " + call_id + " under this request to read");
    }
    if (content.call.purge_at <= now) {
      return NotFoundError("the content of call " + call_id + " was purged at " +
                           FormatRfc3339(content.call.purge_at) +
                           ", as the window's retention set");
    }
    BW_ASSIGN_OR_RETURN(secrets::SecretBytes packed, secrets_.Get(tx, ContentRef(call_id)));
    BW_ASSIGN_OR_RETURN(auto bodies, UnpackContent(packed.view()));
    content.request = std::move(bodies.first);
    content.response = std::move(bodies.second);
    BW_RETURN_IF_ERROR(tx.Execute("INSERT INTO content_read_log (read_id, call_id, reader_id, "
                                  "read_at) VALUES (?,?,?,?)",
                                  {read.id, call_id, actor.user_id, ToUnixMicros(now)})
                           .status());
    if (audit_ != nullptr) {
      BW_RETURN_IF_ERROR(audit_->Record(tx, {actor,
                                             "review.content.read",
                                             call_id,
                                             true,
                                             {read.id, read.window_id},
                                             {{"read", read.id},
                                              {"approved_by", read.decided_by.value_or("")},
                                              {"key", content.call.key_id},
                                              {"organization", content.call.org_id}}}));
    }
    return CheckBulkReads(tx, actor, read, now);
  });
  if (!s.ok()) return s;
  return content;
}

Status ReviewService::CheckBulkReads(Transaction& tx, const Principal& actor,
                                     const ContentRead& read, Time now) {
  const int64_t day = UtcDay(now);
  BW_ASSIGN_OR_RETURN(ResultSet today,
                      tx.Query("SELECT COUNT(*) FROM content_read_log WHERE reader_id = ? AND "
                               "read_at >= ?",
                               {actor.user_id, day * 86400 * 1000000}));
  const int64_t reads = today[0].Int(0);
  if (reads < kBulkReadsPerDay) return OkStatus();
  BW_ASSIGN_OR_RETURN(Window window, Load(tx, kWindows, read.window_id));
  std::string detail = "User " + actor.user_id + " read the retained content of " +
                       std::to_string(reads) + " calls today (UTC), " +
                       std::to_string(kBulkReadsPerDay) + " or more.";
  if (window.suspend_on_alert) {
    detail += " Their approval to read was revoked, as the lab chose for this window.";
  }
  const std::string id = NewId("ral", random_);
  BW_ASSIGN_OR_RETURN(
      int64_t inserted,
      tx.Execute("INSERT INTO review_alerts (id, kind, scope, subject_id, key_id, org_id, "
                 "lab_org_id, window_id, defensive_grant_id, day, detail, key_suspended, "
                 "created_at) VALUES (?,?,'reader',?,NULL,?,?,?,NULL,?,?,?,?) "
                 "ON CONFLICT DO NOTHING",
                 {id, std::string(AlertKindName(AlertKind::kBulkRetainedReads)), actor.user_id,
                  actor.org_id, read.lab_org_id, read.window_id, day, detail,
                  int64_t{window.suspend_on_alert ? 1 : 0}, ToUnixMicros(now)}));
  if (inserted == 0) return OkStatus();  // raised already today
  Log(LogLevel::kWarning, "review: insider-risk alert",
      {{"alert", id}, {"kind", "bulk_retained_reads"}, {"reader", actor.user_id}});
  if (window.suspend_on_alert) {
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE content_reads SET state = 'revoked', closed_by = "
                                  "'system', closed_at = ? WHERE id = ? AND state = 'approved'",
                                  {ToUnixMicros(now), read.id})
                           .status());
  }
  if (audit_ == nullptr) return OkStatus();
  BW_RETURN_IF_ERROR(
      audit_->Record(tx, {RetentionPrincipal(),
                          "review.alert.raise",
                          id,
                          true,
                          {read.id, read.window_id},
                          {{"kind", "bulk_retained_reads"},
                           {"scope", "reader"},
                           {"reader", actor.user_id},
                           {"organization", actor.org_id},
                           {"lab", read.lab_org_id},
                           {"key_suspended", window.suspend_on_alert ? "true" : "false"},
                           {"detail", detail}}}));
  if (!window.suspend_on_alert) return OkStatus();
  return audit_->Record(tx, {RetentionPrincipal(),
                             "review.content.revoke",
                             read.id,
                             true,
                             {read.window_id},
                             {{"alert", id}}});
}

StatusOr<int64_t> ReviewService::SweepRetainedContent() {
  constexpr int64_t kBatch = 200;
  int64_t purged = 0;
  while (true) {
    int64_t batch = 0;
    BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
      batch = 0;
      const Time now = clock_.Now();
      BW_ASSIGN_OR_RETURN(ResultSet due,
                          tx.Query("SELECT id, window_id FROM retained_calls WHERE purge_at <= ? "
                                   "ORDER BY purge_at, id LIMIT " +
                                       std::to_string(kBatch),
                                   {ToUnixMicros(now)}));
      std::map<std::string, int64_t> by_window;
      for (const Row& row : due) {
        BW_RETURN_IF_ERROR(secrets_.DeleteRow(tx, "retained_calls", row.Text(0)).status());
        BW_RETURN_IF_ERROR(
            tx.Execute("DELETE FROM retained_calls WHERE id = ?", {row.Text(0)}).status());
        ++by_window[row.Text(1)];
        ++batch;
      }
      if (audit_ == nullptr) return OkStatus();
      for (const auto& [window_id, count] : by_window) {
        BW_RETURN_IF_ERROR(audit_->Record(tx, {RetentionPrincipal(),
                                               "review.content.purge",
                                               window_id,
                                               true,
                                               {window_id},
                                               {{"calls", std::to_string(count)}}}));
      }
      return OkStatus();
    }));
    purged += batch;
    if (batch < kBatch) break;
  }
  // Requests to read that expired, as the rules compute them at each use.
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    const Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(
        std::vector<ContentRead> live,
        Select(tx, kContentReads, "WHERE r.state IN ('requested', 'approved') ORDER BY r.id"));
    for (const ContentRead& read : live) {
      if (read.StateAt(now) != ContentReadState::kExpired) continue;
      BW_RETURN_IF_ERROR(tx.Execute("UPDATE content_reads SET state = 'expired', closed_by = "
                                    "'system', closed_at = ? WHERE id = ?",
                                    {ToUnixMicros(now), read.id})
                             .status());
      if (audit_ != nullptr) {
        BW_RETURN_IF_ERROR(audit_->Record(
            tx, {RetentionPrincipal(), "review.content.expire", read.id, true, {read.window_id}}));
      }
    }
    return OkStatus();
  }));
  return purged;
}

}  // namespace bulwark::review
