#include "api/render.h"

#include "api/route_helpers.h"
#include "base/time_format.h"

namespace bulwark::api {

boost::json::object RenderOrganization(const access::Organization& org) {
  return {{"id", org.id},
          {"name", org.name},
          {"kind", access::OrgKindName(org.kind)},
          {"created_at", FormatRfc3339(org.created_at)}};
}

boost::json::object RenderUser(const access::User& user) {
  return {{"id", user.id},
          {"org_id", user.org_id},
          {"email", user.email},
          {"display_name", user.display_name},
          {"disabled", user.disabled},
          {"has_password", user.has_password},
          {"created_at", FormatRfc3339(user.created_at)}};
}

boost::json::object RenderToken(const access::ApiToken& token, Time now) {
  std::string_view state = "active";
  if (token.revoked_at) {
    state = "revoked";
  } else if (token.expires_at && *token.expires_at <= now) {
    state = "expired";
  }
  return {{"id", token.id},
          {"user_id", token.user_id},
          {"name", token.name},
          {"state", state},
          {"created_at", FormatRfc3339(token.created_at)},
          {"expires_at", OptTime(token.expires_at)},
          {"revoked_at", OptTime(token.revoked_at)},
          {"last_used_at", OptTime(token.last_used_at)}};
}

boost::json::object RenderTuple(const access::RelationshipTuple& t, Time now) {
  std::string_view state = "active";
  if (t.revoked_at) {
    state = "revoked";
  } else if (!t.approved_at) {
    state = "pending_approval";
  } else if (t.expires_at && *t.expires_at <= now) {
    state = "expired";
  } else if (now < t.valid_from) {
    state = "scheduled";
  }
  return {{"id", t.id},
          {"object", t.object},
          {"relation", t.relation},
          {"subject", t.subject},
          {"state", state},
          {"valid_from", FormatRfc3339(t.valid_from)},
          {"expires_at", OptTime(t.expires_at)},
          {"created_at", FormatRfc3339(t.created_at)},
          {"created_by", t.created_by},
          {"approved_by", t.approved_by ? boost::json::value(*t.approved_by) : nullptr},
          {"approved_at", OptTime(t.approved_at)},
          {"revoked_at", OptTime(t.revoked_at)},
          {"revoked_by", t.revoked_by ? boost::json::value(*t.revoked_by) : nullptr}};
}

boost::json::object RenderDecision(const access::Decision& d) {
  boost::json::array grants;
  for (const std::string& g : d.grants) grants.push_back(boost::json::value(g));
  return {{"allowed", d.allowed}, {"reason", d.reason}, {"rule", d.rule}, {"grants", grants}};
}

}  // namespace bulwark::api
