// Patch notices, their webhooks and deliveries: the part of ClearinghouseService that tells an
// operator what a new advisory asks of it and follows that to a verified fix.
#include <openssl/hmac.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <thread>

#include "access/credentials.h"
#include "access/policy.h"
#include "base/encoding.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/log.h"
#include "base/text.h"
#include "base/time_format.h"
#include "clearinghouse/internal.h"
#include "clearinghouse/service.h"
#include "ledger/merkle.h"
#include "net/http_client.h"

namespace bulwark::clearinghouse {
namespace {

namespace json = boost::json;
using access::Principal;
using internal::Placeholders;
using store::ResultSet;
using store::Row;
using store::Transaction;
using store::TxMode;
using store::Value;

constexpr std::string_view kNoticeColumns =
    "n.id, n.org_id, n.advisory_id, n.summary, n.created_at, n.priority_rank, n.timeline, "
    "n.deadline_at, n.findings, n.document, n.state, n.acknowledged_at, n.acknowledged_by, "
    "n.remediation, n.justification, n.remediation_note, n.remediated_at, n.remediated_by, "
    "n.verified_at, "
    "(SELECT COUNT(*) FROM deliveries d WHERE d.notice_id = n.id AND d.state = 'pending'), "
    "(SELECT COUNT(*) FROM deliveries d WHERE d.notice_id = n.id AND d.state = 'delivered'), "
    "(SELECT COUNT(*) FROM deliveries d WHERE d.notice_id = n.id AND d.state = 'dead')";

std::optional<NoticeState> ParseNoticeState(std::string_view name) {
  for (NoticeState s : {NoticeState::kSent, NoticeState::kAcknowledged, NoticeState::kRemediated,
                        NoticeState::kVerified}) {
    if (NoticeStateName(s) == name) return s;
  }
  return std::nullopt;
}

Notice ReadNotice(const Row& r, Time now) {
  Notice n;
  n.id = r.Text(0);
  n.org_id = r.Text(1);
  n.advisory_id = r.Text(2);
  n.summary = r.Text(3);
  n.created_at = FromUnixMicros(r.Int(4));
  n.rank = r.Int(5);
  n.timeline =
      internal::ParseTimelineName(r.Text(6)).value_or(ssvc::RemediationTimeline::kOnSystemUpgrade);
  n.deadline = r.OptionalTime(7);
  n.findings = r.Int(8);
  n.document = r.Text(9);
  n.state = ParseNoticeState(r.Text(10)).value_or(NoticeState::kSent);
  n.acknowledged_at = r.OptionalTime(11);
  n.acknowledged_by = r.Text(12);
  n.remediation = ParseRemediation(r.Text(13));
  n.justification = ParseJustification(r.Text(14));
  n.remediation_note = r.Text(15);
  n.remediated_at = r.OptionalTime(16);
  n.remediated_by = r.Text(17);
  n.verified_at = r.OptionalTime(18);
  n.deliveries_pending = r.Int(19);
  n.deliveries_delivered = r.Int(20);
  n.deliveries_dead = r.Int(21);
  n.overdue = n.deadline && *n.deadline <= now &&
              (n.state == NoticeState::kSent || n.state == NoticeState::kAcknowledged);
  return n;
}

constexpr std::string_view kDeliverySelect =
    "SELECT d.id, d.notice_id, n.advisory_id, d.webhook_id, w.url, d.state, d.attempts, "
    "d.last_status, d.last_error, d.created_at, d.updated_at, d.delivered_at FROM deliveries d "
    "JOIN webhooks w ON w.id = d.webhook_id JOIN notices n ON n.id = d.notice_id";

Delivery ReadDelivery(const Row& r) {
  Delivery d;
  d.id = r.Text(0);
  d.notice_id = r.Text(1);
  d.advisory_id = r.Text(2);
  d.webhook_id = r.Text(3);
  d.url = r.Text(4);
  d.state = r.Text(5);
  d.attempts = r.Int(6);
  if (!r.IsNull(7)) d.last_status = r.Int(7);
  d.last_error = r.Text(8);
  d.created_at = FromUnixMicros(r.Int(9));
  d.updated_at = FromUnixMicros(r.Int(10));
  d.delivered_at = r.OptionalTime(11);
  return d;
}

Webhook ReadWebhook(const Row& r) {
  return {r.Text(0), r.Text(1), r.Text(2), FromUnixMicros(r.Int(3)), r.Text(4), r.OptionalTime(5)};
}

secrets::SecretRef WebhookSecretRef(const std::string& webhook_id) {
  return {"webhooks", webhook_id, "hmac_key"};
}

}  // namespace

std::string_view NoticeStateName(NoticeState state) {
  switch (state) {
    case NoticeState::kSent:
      return "sent";
    case NoticeState::kAcknowledged:
      return "acknowledged";
    case NoticeState::kRemediated:
      return "remediated";
    case NoticeState::kVerified:
      return "verified";
  }
  return "";
}

std::string_view RemediationName(Remediation remediation) {
  switch (remediation) {
    case Remediation::kFixed:
      return "fixed";
    case Remediation::kMitigated:
      return "mitigated";
    case Remediation::kNotAffected:
      return "not_affected";
  }
  return "";
}

std::optional<Remediation> ParseRemediation(std::string_view name) {
  for (Remediation r : {Remediation::kFixed, Remediation::kMitigated, Remediation::kNotAffected}) {
    if (RemediationName(r) == name) return r;
  }
  return std::nullopt;
}

std::string WebhookSignature(std::string_view secret, std::string_view timestamp,
                             std::string_view body) {
  std::string message;
  message.reserve(timestamp.size() + 1 + body.size());
  message.append(timestamp).append(1, '.').append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  return "sha256=" + HexEncode(std::string_view(reinterpret_cast<const char*>(mac), length));
}

StatusOr<std::string> VerifyNotice(std::string_view signed_note, std::string_view verifier_key) {
  BW_ASSIGN_OR_RETURN(std::unique_ptr<ledger::NoteVerifier> verifier,
                      ledger::NewEd25519Verifier(verifier_key));
  const ledger::NoteVerifier* verifiers[] = {verifier.get()};
  StatusOr<std::vector<std::string>> names = ledger::VerifyNote(signed_note, verifiers);
  if (!names.ok()) {
    return Status(StatusCode::kUnauthenticated, "the notice's signature does not verify with " +
                                                    std::string(verifier_key) + ": " +
                                                    names.status().message());
  }
  const size_t blank = signed_note.find("\n\n");
  return std::string(signed_note.substr(0, blank + 1));
}

std::string NoticeInclusionJson(const NoticeInclusion& inclusion) {
  json::array proof;
  for (const std::string& hash : inclusion.proof) proof.push_back(json::value(hash));
  return json::serialize(json::object{{"notice", inclusion.notice_id},
                                      {"advisory", inclusion.advisory_id},
                                      {"revision", inclusion.revision},
                                      {"index", inclusion.index},
                                      {"size", inclusion.size},
                                      {"root", inclusion.root},
                                      {"proof", std::move(proof)}});
}

StatusOr<NoticeInclusion> ParseNoticeInclusion(std::string_view json_text) {
  auto invalid = [](const std::string& why) {
    return InvalidArgumentError("the inclusion proof " + why);
  };
  boost::system::error_code error;
  const json::value parsed = json::parse(json_text, error);
  if (error || !parsed.is_object()) return invalid("is not a JSON object");
  const json::object& o = parsed.get_object();
  NoticeInclusion out;
  auto text = [&](std::string_view key, std::string& into) -> Status {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) return invalid("has no \"" + std::string(key) + "\"");
    into = std::string(v->get_string());
    return OkStatus();
  };
  auto count = [&](std::string_view key, uint64_t& into) -> Status {
    const json::value* v = o.if_contains(key);
    if (v != nullptr && v->is_uint64()) {
      into = v->get_uint64();
    } else if (v != nullptr && v->is_int64() && v->get_int64() >= 0) {
      into = static_cast<uint64_t>(v->get_int64());
    } else {
      return invalid("has no \"" + std::string(key) + "\" that is a count (0 or more)");
    }
    return OkStatus();
  };
  BW_RETURN_IF_ERROR(text("notice", out.notice_id));
  BW_RETURN_IF_ERROR(text("advisory", out.advisory_id));
  // The advisory's modified time: before 1970 for some (the Go database writes 0001-01-01).
  const json::value* revision = o.if_contains("revision");
  if (revision == nullptr || !revision->is_int64()) {
    return invalid("has no \"revision\" that is a whole number");
  }
  out.revision = revision->get_int64();
  BW_RETURN_IF_ERROR(count("index", out.index));
  BW_RETURN_IF_ERROR(count("size", out.size));
  BW_RETURN_IF_ERROR(text("root", out.root));
  const json::value* proof = o.if_contains("proof");
  if (proof == nullptr || !proof->is_array()) return invalid("has no \"proof\" array");
  for (const json::value& hash : proof->get_array()) {
    if (!hash.is_string()) return invalid("has a \"proof\" entry that is not a string");
    out.proof.emplace_back(hash.get_string());
  }
  return out;
}

Status VerifyNoticeInclusion(std::string_view signed_note, const NoticeInclusion& inclusion) {
  const std::optional<ledger::Hash> root = ledger::HashFromHex(inclusion.root);
  if (!root)
    return InvalidArgumentError("the inclusion proof's root is not 64 lowercase hex digits");
  std::vector<ledger::Hash> proof;
  for (const std::string& hex : inclusion.proof) {
    const std::optional<ledger::Hash> hash = ledger::HashFromHex(hex);
    if (!hash)
      return InvalidArgumentError(
          "the inclusion proof has a hash that is not 64 lowercase hex digits");
    proof.push_back(*hash);
  }
  const Status verified = ledger::VerifyInclusion(ledger::HashLeaf(signed_note), inclusion.index,
                                                  inclusion.size, proof, *root);
  if (!verified.ok()) {
    return InvalidArgumentError("the notice is not leaf " + std::to_string(inclusion.index) +
                                " of the " + std::to_string(inclusion.size) +
                                " notices under root " + inclusion.root + ": " +
                                verified.message());
  }
  return OkStatus();
}

// ---- Issuing ----

Status ClearinghouseService::IssueNotices(Transaction& tx, const std::string& advisory_id,
                                          int64_t revision,
                                          std::vector<internal::NoticeItem>& items,
                                          const std::function<Status()>& write_findings) {
  if (signer_ == nullptr || items.empty()) return write_findings();
  const Time now = clock_.Now();
  // The findings, by operator, most urgent first.
  std::map<std::string, std::vector<internal::NoticeItem*>> by_org;
  for (internal::NoticeItem& item : items) by_org[item.org_id].push_back(&item);
  BW_ASSIGN_OR_RETURN(ResultSet hooks,
                      tx.Query("SELECT id, org_id FROM webhooks WHERE disabled_at IS NULL"));
  std::map<std::string, std::vector<std::string>> hooks_by_org;
  for (const Row& h : hooks) hooks_by_org[h.Text(1)].push_back(h.Text(0));
  // Operators this revision of the advisory told already (a monitor that ran twice) are skipped.
  BW_ASSIGN_OR_RETURN(ResultSet told,
                      tx.Query("SELECT org_id FROM notices WHERE advisory_id = ? AND revision = ?",
                               {advisory_id, revision}));
  for (const Row& r : told) by_org.erase(r.Text(0));

  // Each notice's text and its signature, on every core: they are most of a fan-out's own work.
  struct Draft {
    std::string id;
    std::string org_id;
    std::vector<internal::NoticeItem*>* items = nullptr;  // most urgent first
    const internal::NoticeItem* first = nullptr;
    size_t findings = 0;
    std::optional<Time> deadline;
    std::string document;
    ledger::Hash leaf{};  // of the signed note, in the fan-out's ledgered tree
  };
  std::vector<Draft> drafts;
  drafts.reserve(by_org.size());
  for (auto& [org_id, list] : by_org) {
    Draft draft{NewId("ntc"), org_id, &list, nullptr, list.size()};
    for (internal::NoticeItem* item : list) item->notice_id = draft.id;
    drafts.push_back(std::move(draft));
  }
  const std::string issued_at = FormatRfc3339(now);
  const std::string issuer(signer_->name());
  auto write = [&](Draft& draft) -> Status {
    std::vector<internal::NoticeItem*>& list = *draft.items;
    std::sort(list.begin(), list.end(), [](const auto* a, const auto* b) {
      return a->rank != b->rank ? a->rank < b->rank : a->finding_id < b->finding_id;
    });
    const internal::NoticeItem& first = *list.front();
    draft.first = &first;
    json::array affected;
    for (const internal::NoticeItem* item : list) {
      if (item->deadline && (!draft.deadline || *item->deadline < *draft.deadline)) {
        draft.deadline = item->deadline;
      }
      affected.push_back(json::object{
          {"finding", item->finding_id},
          {"asset_id", item->asset_id},
          {"asset", item->asset_name},
          {"package", item->package},
          {"version", item->version},
          {"purl", item->purl},
          {"upgrade_to",
           item->upgrade_to.empty() ? json::value(nullptr) : json::value(item->upgrade_to)},
          {"timeline", item->timeline},
          {"deadline",
           item->deadline ? json::value(FormatRfc3339(*item->deadline)) : json::value(nullptr)},
          {"cisa_level", item->cisa_level}});
    }
    json::array cves;
    for (std::string_view rest = first.cves; !rest.empty();) {
      const size_t space = rest.find(' ');
      cves.push_back(json::value(std::string(rest.substr(0, space))));
      if (space == std::string_view::npos) break;
      rest.remove_prefix(space + 1);
    }
    const json::object notice{
        {"type", "bulwark.patch_notice"},
        {"version", 1},
        {"id", draft.id},
        {"issued_at", issued_at},
        {"issuer", issuer},
        {"operator", json::object{{"id", draft.org_id}, {"name", first.org_name}}},
        {"advisory",
         json::object{{"id", advisory_id}, {"cves", std::move(cves)}, {"summary", first.summary}}},
        {"priority",
         json::object{{"rank", std::to_string(first.rank)},
                      {"timeline", first.timeline},
                      {"cisa_level", first.cisa_level},
                      {"deadline", draft.deadline ? json::value(FormatRfc3339(*draft.deadline))
                                                  : json::value(nullptr)}}},
        {"affected", std::move(affected)}};
    ledger::NoteSigner* signers[] = {signer_};
    BW_ASSIGN_OR_RETURN(draft.document, ledger::SignNote(json::serialize(notice) + "\n", signers));
    draft.leaf = ledger::HashLeaf(draft.document);
    return OkStatus();
  };
  // The findings, which name their notices, are written meanwhile: the database's work and the
  // signatures overlap.
  const size_t parts = drafts.size() >= 64 ? 2 : 1;
  std::vector<Status> failures(parts);
  auto sign = [&](size_t part) {
    for (size_t i = part; i < drafts.size(); i += parts) {
      failures[part] = write(drafts[i]);
      if (!failures[part].ok()) return;
    }
  };
  std::vector<std::thread> signing;
  for (size_t part = 0; part < parts; ++part) signing.emplace_back(sign, part);
  const Status wrote = write_findings();
  for (std::thread& thread : signing) thread.join();
  BW_RETURN_IF_ERROR(wrote);
  for (const Status& failure : failures) BW_RETURN_IF_ERROR(failure);

  // The notices are ledgered together: one entry names the root of the tree of their signed
  // notes, in id order (GetNoticeInclusion proves one of them in it).
  std::sort(drafts.begin(), drafts.end(),
            [](const Draft& a, const Draft& b) { return a.id < b.id; });
  ledger::MemoryTree tree;
  int64_t findings = 0;
  for (const Draft& draft : drafts) {
    tree.AppendHash(draft.leaf);
    findings += static_cast<int64_t>(draft.findings);
  }
  std::vector<jobs::JobSpec> jobs;
  std::vector<std::vector<Value>> notices, deliveries;
  for (Draft& draft : drafts) {
    const internal::NoticeItem& first = *draft.first;
    for (const std::string& hook : hooks_by_org[draft.org_id]) {
      const std::string delivery = NewId("dlv");
      deliveries.push_back({delivery, draft.id, hook, std::string("pending"), int64_t{0}, Value(),
                            std::string(), ToUnixMicros(now), ToUnixMicros(now)});
      // Most urgent first: the job queue runs higher priorities first.
      jobs.push_back({.kind = std::string(kDeliveryJobKind),
                      .payload = json::serialize(json::object{{"delivery", delivery}}),
                      .priority = -first.rank,
                      .idempotency_key = delivery,
                      .max_attempts = kDeliveryAttempts});
    }
    notices.push_back({draft.id, draft.org_id, advisory_id, revision, ToUnixMicros(now), first.rank,
                       first.timeline, store::TimeOrNull(draft.deadline),
                       static_cast<int64_t>(draft.findings), first.summary,
                       std::move(draft.document), std::string("sent"), std::string(),
                       std::string()});
  }
  BW_RETURN_IF_ERROR(tx.InsertMany("notices (id, org_id, advisory_id, revision, created_at, "
                                   "priority_rank, timeline, deadline_at, findings, summary, "
                                   "document, state, justification, remediation_note)",
                                   notices)
                         .status());
  BW_RETURN_IF_ERROR(tx.InsertMany("deliveries (id, notice_id, webhook_id, state, attempts, "
                                   "last_status, last_error, created_at, updated_at)",
                                   deliveries)
                         .status());
  if (!jobs.empty()) BW_RETURN_IF_ERROR(queue_.EnqueueMany(tx, jobs).status());
  BW_RETURN_IF_ERROR(Audit(tx, access::SystemPrincipal(), "clearinghouse.notices.issue",
                           advisory_id, {},
                           {{"advisory", advisory_id},
                            {"revision", std::to_string(revision)},
                            {"notices", std::to_string(drafts.size())},
                            {"findings", std::to_string(findings)},
                            {"notices_root", ledger::HashToHex(tree.Root())}}));
  return OkStatus();
}

Status ClearinghouseService::VerifyNotices(Transaction& tx,
                                           const std::vector<std::string>& finding_ids) {
  if (finding_ids.empty()) return OkStatus();
  const int64_t now = ToUnixMicros(clock_.Now());
  for (size_t start = 0; start < finding_ids.size(); start += 400) {
    const size_t end = std::min(finding_ids.size(), start + 400);
    BW_ASSIGN_OR_RETURN(
        ResultSet notices,
        tx.Query("SELECT DISTINCT n.id, n.org_id, n.advisory_id FROM notices n JOIN findings "
                 "told ON told.notice_id = n.id WHERE n.state <> 'verified' AND told.id IN (" +
                     Placeholders(end - start) +
                     ") AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.notice_id = n.id AND "
                     "f.state <> 'verified_fixed')",
                 std::vector<Value>(finding_ids.begin() + start, finding_ids.begin() + end)));
    for (const Row& n : notices) {
      BW_RETURN_IF_ERROR(tx.Execute("UPDATE notices SET state = 'verified', verified_at = ? WHERE "
                                    "id = ?",
                                    {now, n.Text(0)})
                             .status());
      BW_RETURN_IF_ERROR(Audit(tx, access::SystemPrincipal(), "clearinghouse.notice.verify",
                               n.Text(0), {},
                               {{"org", n.Text(1)},
                                {"advisory", n.Text(2)},
                                {"reason", "a later inventory no longer has the versions"}}));
    }
  }
  return OkStatus();
}

// ---- The inbox ----

StatusOr<Notice> ClearinghouseService::LoadNotice(Transaction& tx, const std::string& notice_id) {
  BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query("SELECT " + std::string(kNoticeColumns) +
                                                   " FROM notices n WHERE n.id = ?",
                                               {notice_id}));
  if (rows.empty()) return NotFoundError("no notice " + notice_id);
  return ReadNotice(rows[0], clock_.Now());
}

StatusOr<std::vector<Notice>> ClearinghouseService::ListNotices(const Principal& actor,
                                                                const std::string& org_id) {
  std::vector<Notice> out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseRead, org_id).status());
    // Open notices first, most urgent first; then the ones dealt with, newest first.
    BW_ASSIGN_OR_RETURN(
        ResultSet rows,
        tx.Query("SELECT " + std::string(kNoticeColumns) +
                     " FROM notices n WHERE n.org_id = ? ORDER BY CASE WHEN n.state IN ('sent', "
                     "'acknowledged') THEN 0 ELSE 1 END, CASE WHEN n.state IN ('sent', "
                     "'acknowledged') THEN n.priority_rank ELSE -n.created_at END, n.id LIMIT 1000",
                 {org_id}));
    const Time now = clock_.Now();
    for (const Row& r : rows) out.push_back(ReadNotice(r, now));
    return OkStatus();
  }));
  return out;
}

StatusOr<Notice> ClearinghouseService::GetNotice(const Principal& actor,
                                                 const std::string& notice_id) {
  Notice out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(out, LoadNotice(tx, notice_id));
    if (!Require(tx, actor, access::actions::kClearinghouseRead, out.org_id).ok()) {
      return NotFoundError("no notice " + notice_id);
    }
    return OkStatus();
  }));
  return out;
}

StatusOr<NoticeInclusion> ClearinghouseService::GetNoticeInclusion(const Principal& actor,
                                                                   const std::string& notice_id) {
  NoticeInclusion out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet found,
                        tx.Query("SELECT org_id, advisory_id, revision, created_at FROM notices "
                                 "WHERE id = ?",
                                 {notice_id}));
    if (found.empty() ||
        !Require(tx, actor, access::actions::kClearinghouseRead, found[0].Text(0)).ok()) {
      return NotFoundError("no notice " + notice_id);
    }
    out.notice_id = notice_id;
    out.advisory_id = found[0].Text(1);
    out.revision = found[0].Int(2);
    // The fan-out's notices: the advisory's revision, issued in one transaction.
    BW_ASSIGN_OR_RETURN(ResultSet batch,
                        tx.Query("SELECT id, document FROM notices WHERE advisory_id = ? AND "
                                 "revision = ? AND created_at = ? ORDER BY id",
                                 {out.advisory_id, out.revision, found[0].Int(3)}));
    ledger::MemoryTree tree;
    for (const Row& r : batch) {
      const uint64_t index = tree.Append(r.Text(1));
      if (r.Text(0) == notice_id) out.index = index;
    }
    out.size = tree.size();
    out.root = ledger::HashToHex(tree.Root());
    BW_ASSIGN_OR_RETURN(std::vector<ledger::Hash> proof,
                        ledger::InclusionProof(out.index, out.size, tree));
    for (const ledger::Hash& hash : proof) out.proof.push_back(ledger::HashToHex(hash));
    return OkStatus();
  }));
  return out;
}

StatusOr<Notice> ClearinghouseService::AcknowledgeNotice(const Principal& actor,
                                                         const std::string& notice_id) {
  Notice out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(Notice n, LoadNotice(tx, notice_id));
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kClearinghouseManage, n.org_id));
    if (n.state != NoticeState::kSent) {
      out = n;  // acknowledging twice changes nothing
      return OkStatus();
    }
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE notices SET state = 'acknowledged', acknowledged_at = ?, "
                                  "acknowledged_by = ? WHERE id = ?",
                                  {ToUnixMicros(clock_.Now()), actor.user_id, notice_id})
                           .status());
    BW_RETURN_IF_ERROR(Audit(tx, actor, "clearinghouse.notice.acknowledge", notice_id, d.grants,
                             {{"org", n.org_id}, {"advisory", n.advisory_id}}));
    BW_ASSIGN_OR_RETURN(out, LoadNotice(tx, notice_id));
    return OkStatus();
  }));
  return out;
}

StatusOr<Notice> ClearinghouseService::ReportRemediation(const Principal& actor,
                                                         const std::string& notice_id,
                                                         const NewRemediation& report) {
  BW_RETURN_IF_ERROR(ValidateText(report.note, "note", 0, 4000));
  if (report.remediation == Remediation::kNotAffected && !report.justification) {
    return Status(StatusCode::kInvalidArgument,
                  "not affected needs a justification (one of the five VEX justifications)",
                  {{"field", "justification"}, {"rule", "vex_justification"}});
  }
  if (report.remediation != Remediation::kNotAffected && report.justification) {
    return Status(StatusCode::kInvalidArgument, "a justification goes only with not_affected",
                  {{"field", "justification"}});
  }
  // Mitigated is not affected because mitigations already exist, in VEX's words.
  const Justification justification =
      report.remediation == Remediation::kMitigated
          ? Justification::kInlineMitigationsAlreadyExist
          : report.justification.value_or(Justification::kComponentNotPresent);
  const FindingState to =
      report.remediation == Remediation::kFixed ? FindingState::kFixed : FindingState::kNotAffected;
  Notice out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(Notice n, LoadNotice(tx, notice_id));
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kClearinghouseManage, n.org_id));
    if (n.state == NoticeState::kVerified) {
      return Status(StatusCode::kFailedPrecondition,
                    "the notice is verified already: a later inventory no longer has its versions",
                    {{"rule", "notice_state"}});
    }
    const int64_t now = ToUnixMicros(clock_.Now());
    // The notice's findings that still ask something move as reported.
    BW_ASSIGN_OR_RETURN(
        ResultSet findings,
        tx.Query("SELECT id, state, accepted_until FROM findings WHERE notice_id = ?",
                 {notice_id}));
    int64_t moved = 0;
    for (const Row& f : findings) {
      const FindingState state = StateAt(ParseFindingState(f.Text(1)).value_or(FindingState::kOpen),
                                         f.OptionalTime(2), clock_.Now());
      if (!IsActive(state) || !CheckFindingTransition(state, to, Mover::kPerson).ok()) continue;
      BW_RETURN_IF_ERROR(
          tx.Execute(
                "UPDATE findings SET state = ?, active = 0, justification = ?, note = ?, "
                "accepted_until = NULL, closed_at = ?, updated_at = ?, updated_by = ? WHERE "
                "id = ?",
                {std::string(FindingStateName(to)),
                 to == FindingState::kNotAffected ? std::string(JustificationName(justification))
                                                  : std::string(),
                 report.note, now, now, actor.user_id, f.Text(0)})
              .status());
      ++moved;
    }
    BW_RETURN_IF_ERROR(
        tx.Execute("UPDATE notices SET state = 'remediated', remediation = ?, justification = ?, "
                   "remediation_note = ?, remediated_at = ?, remediated_by = ?, acknowledged_at = "
                   "COALESCE(acknowledged_at, ?), acknowledged_by = COALESCE(acknowledged_by, ?) "
                   "WHERE id = ?",
                   {std::string(RemediationName(report.remediation)),
                    report.remediation == Remediation::kFixed
                        ? std::string()
                        : std::string(JustificationName(justification)),
                    report.note, now, actor.user_id, now, actor.user_id, notice_id})
            .status());
    BW_RETURN_IF_ERROR(Audit(tx, actor, "clearinghouse.notice.remediate", notice_id, d.grants,
                             {{"org", n.org_id},
                              {"advisory", n.advisory_id},
                              {"remediation", std::string(RemediationName(report.remediation))},
                              {"findings_moved", std::to_string(moved)}}));
    BW_ASSIGN_OR_RETURN(out, LoadNotice(tx, notice_id));
    return OkStatus();
  }));
  return out;
}

// ---- Webhooks and deliveries ----

StatusOr<IssuedWebhook> ClearinghouseService::CreateWebhook(const Principal& actor,
                                                            const std::string& org_id,
                                                            const std::string& url) {
  if (secrets_ == nullptr) {
    return Status(StatusCode::kFailedPrecondition,
                  "webhooks need the secrets key, which this process was started without");
  }
  BW_RETURN_IF_ERROR(ValidateText(url, "url", 1, 2000));
  StatusOr<net::HttpUrl> parsed = net::ParseHttpUrl(url);
  if (!parsed.ok()) {
    return Status(
        StatusCode::kInvalidArgument,
        "url is an http:// or https:// address without a query: " + parsed.status().message(),
        {{"field", "url"}});
  }
  IssuedWebhook out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kClearinghouseManage, org_id));
    const std::string id = NewId("whk");
    const std::string secret = access::NewSecret("whsec_");
    const int64_t now = ToUnixMicros(clock_.Now());
    BW_RETURN_IF_ERROR(tx.Execute("INSERT INTO webhooks (id, org_id, url, created_at, created_by) "
                                  "VALUES (?, ?, ?, ?, ?)",
                                  {id, org_id, url, now, actor.user_id})
                           .status());
    BW_RETURN_IF_ERROR(secrets_->Put(tx, WebhookSecretRef(id), secret));
    BW_RETURN_IF_ERROR(Audit(tx, actor, "clearinghouse.webhook.create", id, d.grants,
                             {{"org", org_id}, {"url", url}}));
    out.webhook = {id, org_id, url, FromUnixMicros(now), actor.user_id, std::nullopt};
    out.secret = secret;
    return OkStatus();
  }));
  return out;
}

StatusOr<std::vector<Webhook>> ClearinghouseService::ListWebhooks(const Principal& actor,
                                                                  const std::string& org_id) {
  std::vector<Webhook> out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseRead, org_id).status());
    BW_ASSIGN_OR_RETURN(ResultSet rows,
                        tx.Query("SELECT id, org_id, url, created_at, created_by, disabled_at FROM "
                                 "webhooks WHERE org_id = ? ORDER BY created_at, id",
                                 {org_id}));
    for (const Row& r : rows) out.push_back(ReadWebhook(r));
    return OkStatus();
  }));
  return out;
}

StatusOr<Webhook> ClearinghouseService::DisableWebhook(const Principal& actor,
                                                       const std::string& webhook_id) {
  Webhook out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows,
                        tx.Query("SELECT id, org_id, url, created_at, created_by, disabled_at FROM "
                                 "webhooks WHERE id = ?",
                                 {webhook_id}));
    if (rows.empty()) return NotFoundError("no webhook " + webhook_id);
    out = ReadWebhook(rows[0]);
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kClearinghouseManage, out.org_id));
    if (out.disabled_at) return OkStatus();
    out.disabled_at = clock_.Now();
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE webhooks SET disabled_at = ? WHERE id = ?",
                                  {ToUnixMicros(*out.disabled_at), webhook_id})
                           .status());
    BW_RETURN_IF_ERROR(secrets_ != nullptr
                           ? secrets_->Delete(tx, WebhookSecretRef(webhook_id)).status()
                           : OkStatus());
    return Audit(tx, actor, "clearinghouse.webhook.disable", webhook_id, d.grants,
                 {{"org", out.org_id}});
  }));
  return out;
}

StatusOr<std::vector<Delivery>> ClearinghouseService::ListDeliveries(const Principal& actor,
                                                                     const std::string& org_id) {
  std::vector<Delivery> out;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseRead, org_id).status());
    // Dead letters first, then the pending, then the delivered; newest first in each.
    BW_ASSIGN_OR_RETURN(
        ResultSet rows,
        tx.Query(std::string(kDeliverySelect) +
                     " WHERE w.org_id = ? ORDER BY CASE d.state WHEN 'dead' THEN 0 WHEN 'pending' "
                     "THEN 1 ELSE 2 END, d.updated_at DESC, d.id LIMIT 500",
                 {org_id}));
    for (const Row& r : rows) out.push_back(ReadDelivery(r));
    return OkStatus();
  }));
  return out;
}

Status ClearinghouseService::Deliver(const jobs::Job& job, jobs::JobContext& ctx) {
  StatusOr<json::value> payload = ParseJson(job.payload);
  if (!payload.ok() || !payload->is_object() || !payload->get_object().contains("delivery") ||
      !payload->get_object().at("delivery").is_string()) {
    return Status(StatusCode::kInvalidArgument, "a delivery job names its delivery");
  }
  const std::string id(payload->get_object().at("delivery").get_string());
  std::string url, body, secret, webhook_id;
  bool skip = false;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows,
                        tx.Query("SELECT d.state, w.url, w.disabled_at, n.document, w.id FROM "
                                 "deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN notices "
                                 "n ON n.id = d.notice_id WHERE d.id = ?",
                                 {id}));
    if (rows.empty()) return NotFoundError("no delivery " + id);
    if (rows[0].Text(0) != "pending" || !rows[0].IsNull(2) || secrets_ == nullptr) {
      skip = true;
      return OkStatus();
    }
    url = rows[0].Text(1);
    webhook_id = rows[0].Text(4);
    body = json::serialize(json::object{{"delivery", id}, {"signed_note", rows[0].Text(3)}});
    BW_ASSIGN_OR_RETURN(secrets::SecretBytes key, secrets_->Get(tx, WebhookSecretRef(webhook_id)));
    secret = std::string(key.view());
    return OkStatus();
  }));
  if (skip) return OkStatus();
  // One attempt: POST the notice, signed; a 2xx answer delivers it.
  const std::string timestamp = std::to_string(ToUnixMicros(clock_.Now()) / 1000000);
  std::optional<int64_t> status;
  std::string error;
  StatusOr<net::HttpUrl> parsed = net::ParseHttpUrl(url);
  if (!parsed.ok()) {
    error = parsed.status().message();
  } else {
    StatusOr<std::unique_ptr<net::HttpClient>> client =
        net::HttpClient::Create(*parsed, {.timeout_s = kWebhookTimeoutSeconds,
                                          .user_agent = "bulwark-notices",
                                          .max_response_bytes = 1 << 20,
                                          .max_idle_connections = 0});
    if (!client.ok()) {
      error = client.status().message();
    } else {
      StatusOr<net::HttpResponse> reply =
          (*client)->Post({.target = parsed->path.empty() ? "/" : parsed->path,
                           .headers = {{std::string(kWebhookSignatureHeader),
                                        WebhookSignature(secret, timestamp, body)},
                                       {"X-Bulwark-Timestamp", timestamp},
                                       {"X-Bulwark-Delivery", id}},
                           .body = body});
      if (!reply.ok()) {
        error = reply.status().message();
      } else {
        status = reply->status;
        if (reply->status < 200 || reply->status > 299) {
          error = "the endpoint answered " + std::to_string(reply->status);
        }
      }
    }
  }
  const int64_t now = ToUnixMicros(clock_.Now());
  if (error.empty()) {
    return ctx.Commit([&](Transaction& tx) -> Status {
      BW_RETURN_IF_ERROR(tx.Execute("UPDATE deliveries SET state = 'delivered', attempts = "
                                    "attempts + 1, last_status = ?, last_error = '', updated_at = "
                                    "?, delivered_at = ? WHERE id = ? AND state = 'pending'",
                                    {*status, now, now, id})
                             .status());
      return Audit(tx, access::SystemPrincipal(), "clearinghouse.notice.deliver", id, {},
                   {{"webhook", webhook_id}, {"status", std::to_string(*status)}});
    });
  }
  // Failed: counted now; dead once the job has no attempt left.
  const bool last = job.attempts >= job.max_attempts;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(
        tx.Execute("UPDATE deliveries SET state = ?, attempts = attempts + 1, "
                   "last_status = ?, last_error = ?, updated_at = ? WHERE id = ? "
                   "AND state = 'pending'",
                   {std::string(last ? "dead" : "pending"), status ? Value(*status) : Value(),
                    error.substr(0, 500), now, id})
            .status());
    if (!last) return OkStatus();
    return Audit(tx, access::SystemPrincipal(), "clearinghouse.notice.dead_letter", id, {},
                 {{"webhook", webhook_id}, {"error", error.substr(0, 200)}});
  }));
  return Status(StatusCode::kUnavailable, "webhook " + url + ": " + error);
}

}  // namespace bulwark::clearinghouse
