#include "access/types.h"

#include <array>
#include <utility>

namespace bulwark::access {
namespace {
constexpr std::array<std::pair<OrgKind, std::string_view>, 6> kKinds = {{
    {OrgKind::kLab, "lab"},
    {OrgKind::kAgency, "agency"},
    {OrgKind::kOperator, "operator"},
    {OrgKind::kPartner, "partner"},
    {OrgKind::kClearinghouse, "clearinghouse"},
    {OrgKind::kProgramOffice, "program_office"},
}};
}  // namespace

std::string_view OrgKindName(OrgKind kind) {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return name;
  }
  return "operator";
}

StatusOr<OrgKind> ParseOrgKind(std::string_view name) {
  for (const auto& [k, n] : kKinds) {
    if (n == name) return k;
  }
  return Status(StatusCode::kInvalidArgument,
                "'" + std::string(name.substr(0, 64)) +
                    "' is not an organization kind; use one of lab, agency, operator, partner, "
                    "clearinghouse, program_office",
                {{"field", "kind"}});
}

std::string_view OrgRoleName(OrgRole role) { return role == OrgRole::kAdmin ? "admin" : "member"; }

StatusOr<OrgRole> ParseOrgRole(std::string_view name) {
  if (name == "admin") return OrgRole::kAdmin;
  if (name == "member") return OrgRole::kMember;
  return Status(StatusCode::kInvalidArgument,
                "'" + std::string(name.substr(0, 64)) + "' is not a role; use member or admin",
                {{"field", "role"}});
}

bool RelationshipTuple::EffectiveAt(Time now) const {
  return approved_at.has_value() && !revoked_at.has_value() && valid_from <= now &&
         (!expires_at.has_value() || now < *expires_at);
}

}  // namespace bulwark::access
