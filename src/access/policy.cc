#include "access/policy.h"

#include <algorithm>

#include "base/ids.h"

namespace bulwark::access {

const std::vector<PolicyRule>& PolicyRules() {
  using namespace actions;
  static const std::vector<PolicyRule> kRules = {
      {kOrganizationCreate, "platform", {}, {}, {"admin"}},
      {kOrganizationRead, "org", {"member"}, {}, {"admin", "auditor"}},
      {kOrganizationUpdate, "org", {"admin"}, {}, {"admin"}},
      {kUserCreate, "org", {"admin"}, {}, {"admin"}},
      {kUserRead, "usr", {}, {"member"}, {"admin", "auditor"}, /*self=*/true},
      {kUserUpdate, "usr", {}, {"admin"}, {"admin"}, /*self=*/true},
      {kTokenManage, "usr", {}, {}, {}, /*self=*/true},
      {kTokenRevoke, "usr", {}, {"admin"}, {"admin"}, /*self=*/true, /*sensitive=*/true},
      {kTupleRead, "platform", {}, {}, {"admin", "auditor"}, /*self=*/false, /*sensitive=*/true},
      {kTupleWrite, "platform", {}, {}, {"admin"}},
      {kTupleApprove, "tup", {}, {}, {"admin"}},
      {kLedgerRead, "platform", {}, {}, {"admin", "auditor"}},
      {kLedgerSign, "platform", {}, {}, {"admin"}},
      {kJobsRead, "platform", {}, {}, {"admin", "auditor"}},
      {kJobsRetry, "platform", {}, {}, {"admin"}},
      {kReviewModelRegister, "org", {"admin"}, {}, {}},
      {kReviewModelRead, "org", {"member"}, {}, {"program_office", "auditor"}},
      {kReviewModelManage, "org", {"admin"}, {}, {}},
      {kReviewProgram, "platform", {}, {}, {"program_office"}},
      {kReviewKeyIssue, "usr", {}, {}, {}, /*self=*/true},
      {kReviewAccessRequest, "org", {"admin"}, {}, {}},
      {kEvaluationRead, "platform", {}, {}, {"evaluator", "director", "auditor"}},
      {kEvaluationRun, "platform", {}, {}, {"evaluator"}},
      {kEvaluationDesignate, "platform", {}, {}, {"director"}},
      {kSuiteContentRead, "platform", {}, {}, {"cleared"}, /*self=*/false, /*sensitive=*/true},
      {kClearinghouseRead, "org", {"member"}, {}, {"clearinghouse", "auditor"}},
      {kClearinghouseManage, "org", {"admin"}, {}, {"clearinghouse"}},
      {kClearinghouseCoordinate, "platform", {}, {}, {"clearinghouse"}},
  };
  return kRules;
}

const PolicyRule* FindRule(std::string_view action) {
  for (const PolicyRule& rule : PolicyRules()) {
    if (rule.action == action) return &rule;
  }
  return nullptr;
}

std::string_view ObjectType(std::string_view object) {
  if (object == kPlatform) return kPlatform;
  return IdPrefix(object);
}

std::vector<std::string_view> ImpliedRelations(std::string_view relation) {
  if (relation == "admin") return {"admin", "member"};
  return {relation};
}

namespace {

bool IsPlatformRelation(std::string_view relation) {
  return relation == "admin" || relation == "auditor" || relation == "program_office" ||
         relation == "evaluator" || relation == "director" || relation == "cleared" ||
         relation == "clearinghouse";
}

}  // namespace

bool IsDualControl(std::string_view object_type, std::string_view relation) {
  return object_type == kPlatform && IsPlatformRelation(relation);
}

bool IsKnownRelation(std::string_view object_type, std::string_view relation) {
  if (object_type == kPlatform) return IsPlatformRelation(relation);
  if (object_type == "org") return relation == "admin" || relation == "member";
  if (object_type == "usr") return relation == kParentRelation;
  return false;
}

}  // namespace bulwark::access
