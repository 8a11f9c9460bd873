// The authorization policy: which relations permit which action on which kind of object,
// which relations need two parties, and which relations imply others. Data, not code paths;
// docs/authorization.md shows it as a table.
//
// An object is named by its id; its type is the id's prefix ("org", "usr", "tup"), or
// "platform" for the one object that stands for the whole deployment.
//
// Thread-safety: immutable after static initialization.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bulwark::access {

inline constexpr std::string_view kPlatform = "platform";
inline constexpr std::string_view kParentRelation = "parent";

// Actions. A handler names exactly one when it calls Check.
namespace actions {
inline constexpr std::string_view kOrganizationCreate = "organization.create";
inline constexpr std::string_view kOrganizationRead = "organization.read";
inline constexpr std::string_view kOrganizationUpdate = "organization.update";
inline constexpr std::string_view kUserCreate = "user.create";
inline constexpr std::string_view kUserRead = "user.read";
inline constexpr std::string_view kUserUpdate = "user.update";
inline constexpr std::string_view kTokenManage = "token.manage";
inline constexpr std::string_view kTokenRevoke = "token.revoke";
inline constexpr std::string_view kTupleRead = "tuple.read";
inline constexpr std::string_view kTupleWrite = "tuple.write";
inline constexpr std::string_view kTupleApprove = "tuple.approve";
inline constexpr std::string_view kLedgerRead = "ledger.read";  // every entry, not only one's own
inline constexpr std::string_view kLedgerSign = "ledger.sign";  // a checkpoint on demand
inline constexpr std::string_view kJobsRead = "jobs.read";      // the job queue's state
inline constexpr std::string_view kJobsRetry = "jobs.retry";    // a dead job back in the queue
// The pre-release review program (review/). Model actions are checked on the lab organization
// that owns the model; the program office's on the platform.
inline constexpr std::string_view kReviewModelRegister = "review.model.register";
inline constexpr std::string_view kReviewModelRead = "review.model.read";
inline constexpr std::string_view kReviewModelManage = "review.model.manage";
inline constexpr std::string_view kReviewProgram = "review.program";
inline constexpr std::string_view kReviewKeyIssue = "review.key.issue";  // one's own keys
// Defensive access to released models, requested (and revoked) for the requester's organization.
inline constexpr std::string_view kReviewAccessRequest = "review.access.request";
// Evaluations and designation (evaluations/), all checked on the platform: evaluators register
// policies, import suites, run evaluations and recommend; a director designates; reading a
// suite's tasks needs clearance.
inline constexpr std::string_view kEvaluationRead = "evaluation.read";
inline constexpr std::string_view kEvaluationRun = "evaluation.run";
inline constexpr std::string_view kEvaluationDesignate = "evaluation.designate";
inline constexpr std::string_view kSuiteContentRead = "suite.content.read";
// The clearinghouse (clearinghouse/). Operator actions are checked on the operator organization
// that owns the asset: its members read, its admins manage assets, upload inventories and decide
// on findings. The clearinghouse's staff (the platform relation `clearinghouse`) read every
// operator's, import feeds and decide on findings across operators.
inline constexpr std::string_view kClearinghouseRead = "clearinghouse.read";
inline constexpr std::string_view kClearinghouseManage = "clearinghouse.manage";
inline constexpr std::string_view kClearinghouseCoordinate = "clearinghouse.coordinate";
}  // namespace actions

struct PolicyRule {
  std::string_view action;
  std::string_view object_type;
  std::vector<std::string_view> on_object;    // relations held on the object itself
  std::vector<std::string_view> on_parent;    // relations held on the object's parent
  std::vector<std::string_view> on_platform;  // relations held on the platform
  bool self = false;                          // the principal's own user object
  // Reading under this action is itself recorded in the audit trail (who looked at the
  // access configuration, or at someone's credentials).
  bool sensitive = false;
};

const std::vector<PolicyRule>& PolicyRules();
// The rule for `action`, or nullptr when the action is unknown.
const PolicyRule* FindRule(std::string_view action);

// The type of an object id: "platform", or the id's prefix.
std::string_view ObjectType(std::string_view object);

// Relations that holding `relation` also grants (including itself): admin -> {admin, member}.
std::vector<std::string_view> ImpliedRelations(std::string_view relation);

// True when a tuple of this relation on this type of object takes effect only after a second
// principal approves it.
bool IsDualControl(std::string_view object_type, std::string_view relation);

// True when the relation may be written on this type of object at all.
bool IsKnownRelation(std::string_view object_type, std::string_view relation);

}  // namespace bulwark::access
