#include "api/access_routes.h"

#include <charconv>
#include <span>
#include <string_view>

#include "api/render.h"
#include "base/json.h"
#include "base/time_format.h"

namespace bulwark::api {
namespace {

using access::Principal;

// Reads ?cursor=, ?limit= and ?sort= (one of `sort_columns`, "-" prefixed for descending).
StatusOr<access::PageRequest> ReadPage(const HttpRequest& request,
                                       std::span<const std::string_view> sort_columns) {
  access::PageRequest page;
  if (auto it = request.query.find("cursor"); it != request.query.end()) page.after = it->second;
  if (auto it = request.query.find("sort"); it != request.query.end()) {
    BW_ASSIGN_OR_RETURN(page.sort, access::ParseSortOrder(it->second, sort_columns));
  }
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    int limit = 0;
    auto [ptr, ec] =
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), limit);
    if (ec != std::errc() || ptr != it->second.data() + it->second.size() || limit < 1 ||
        limit > 200) {
      return Status(StatusCode::kInvalidArgument, "limit must be an integer from 1 to 200",
                    {{"parameter", "limit"}});
    }
    page.limit = limit;
  }
  return page;
}

std::string SessionCookie(const std::string& value, int64_t max_age_seconds, bool secure) {
  std::string cookie =
      std::string(kSessionCookie) + "=" + value +
      "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_seconds);
  if (secure) cookie += "; Secure";
  return cookie;
}

}  // namespace

void RegisterAccessRoutes(Router& router, Authenticator& auth, access::Directory& directory,
                          const Clock& clock, bool secure_cookies) {
  router.Add("GET", "/api/v1/whoami",
             auth.Require([&directory, &clock](HttpRequest&, const Principal& p) {
               StatusOr<access::Identity> id = directory.WhoAmI(p);
               if (!id.ok()) return ErrorResponse(id.status());
               boost::json::array grants;
               for (const access::RelationshipTuple& t : id->grants) {
                 grants.push_back(RenderTuple(t, clock.Now()));
               }
               boost::json::object body = {
                   {"user", RenderUser(id->user)},
                   {"organization", RenderOrganization(id->organization)},
                   {"credential",
                    {{"id", p.credential_id}, {"kind", p.via_session ? "session" : "api_token"}}},
                   {"grants", std::move(grants)}};
               return JsonResponse(200, body);
             }));

  router.Add(
      "POST", "/api/v1/session",
      [&auth, &directory, secure_cookies](HttpRequest& request) {
        StatusOr<boost::json::value> body = ParseJson(request.body);
        if (!body.ok()) return ErrorResponse(body.status());
        JsonFields f(*body);
        std::string email = f.String("email", 254);
        std::string password = f.String("password", 1024);
        if (Status s = f.Finish(); !s.ok()) return ErrorResponse(s);
        if (auto limited = auth.LimitSignIn(request.remote_address, email)) return *limited;
        StatusOr<access::IssuedSession> session = directory.SignIn(email, password);
        if (!session.ok()) return ErrorResponse(session.status());
        HttpResponse response =
            JsonResponse(201, {{"user_id", session->principal.user_id},
                               {"org_id", session->principal.org_id},
                               {"csrf_token", session->csrf_token},
                               {"expires_at", FormatRfc3339(session->expires_at)}});
        response.headers.emplace_back(
            "Set-Cookie",
            SessionCookie(session->secret, access::Directory::kSessionLifetime.count() / 1000000,
                          secure_cookies || request.tls));
        response.principal = session->principal.user_id;
        return response;
      },
      Execution::kBlocking);
  router.Add("DELETE", "/api/v1/session",
             auth.Require([&directory, secure_cookies](HttpRequest& request, const Principal&) {
               if (std::optional<std::string> cookie = request.Cookie(kSessionCookie)) {
                 if (Status s = directory.SignOut(*cookie); !s.ok()) return ErrorResponse(s);
               }
               HttpResponse response;
               response.status = 204;
               response.headers.emplace_back("Set-Cookie",
                                             SessionCookie("", 0, secure_cookies || request.tls));
               return response;
             }));

  router.Add(
      "GET", "/api/v1/organizations",
      auth.Require([&directory](HttpRequest& request, const Principal& p) {
        StatusOr<access::PageRequest> page = ReadPage(request, access::kOrganizationSortColumns);
        if (!page.ok()) return ErrorResponse(page.status());
        StatusOr<access::Page<access::Organization>> orgs = directory.ListOrganizations(p, *page);
        if (!orgs.ok()) return ErrorResponse(orgs.status());
        return JsonResponse(200, RenderPage(*orgs, RenderOrganization));
      }));
  router.Add("POST", "/api/v1/organizations",
             auth.Require([&directory](HttpRequest& request, const Principal& p) {
               StatusOr<boost::json::value> body = ParseJson(request.body);
               if (!body.ok()) return ErrorResponse(body.status());
               JsonFields f(*body);
               std::string name = f.String("name", 200);
               std::string kind_name = f.String("kind", 64);
               if (Status s = f.Finish(); !s.ok()) return ErrorResponse(s);
               StatusOr<access::OrgKind> kind = access::ParseOrgKind(kind_name);
               if (!kind.ok()) return ErrorResponse(kind.status());
               StatusOr<access::Organization> org = directory.CreateOrganization(p, name, *kind);
               if (!org.ok()) return ErrorResponse(org.status());
               return JsonResponse(201, RenderOrganization(*org));
             }));
  router.Add("GET", "/api/v1/organizations/{org_id}",
             auth.Require([&directory](HttpRequest& request, const Principal& p) {
               StatusOr<access::Organization> org =
                   directory.GetOrganization(p, request.path_params["org_id"]);
               if (!org.ok()) return ErrorResponse(org.status());
               return JsonResponse(200, RenderOrganization(*org));
             }));

  router.Add("GET", "/api/v1/organizations/{org_id}/users",
             auth.Require([&directory](HttpRequest& request, const Principal& p) {
               StatusOr<access::PageRequest> page = ReadPage(request, access::kUserSortColumns);
               if (!page.ok()) return ErrorResponse(page.status());
               StatusOr<access::Page<access::User>> users =
                   directory.ListUsers(p, request.path_params["org_id"], *page);
               if (!users.ok()) return ErrorResponse(users.status());
               return JsonResponse(200, RenderPage(*users, RenderUser));
             }));
  router.Add("POST", "/api/v1/organizations/{org_id}/users",
             auth.Require([&directory](HttpRequest& request, const Principal& p) {
               StatusOr<boost::json::value> body = ParseJson(request.body);
               if (!body.ok()) return ErrorResponse(body.status());
               JsonFields f(*body);
               access::NewUser spec;
               spec.org_id = request.path_params["org_id"];
               spec.email = f.String("email", 254);
               spec.display_name = f.String("display_name", 200);
               spec.password = f.OptionalString("password", 1024);
               std::optional<std::string> role = f.OptionalString("role", 32);
               if (Status s = f.Finish(); !s.ok()) return ErrorResponse(s);
               if (role) {
                 StatusOr<access::OrgRole> r = access::ParseOrgRole(*role);
                 if (!r.ok()) return ErrorResponse(r.status());
                 spec.role = *r;
               }
               StatusOr<access::User> user = directory.CreateUser(p, spec);
               if (!user.ok()) return ErrorResponse(user.status());
               return JsonResponse(201, RenderUser(*user));
             }),
             Execution::kBlocking);
  router.Add("GET", "/api/v1/users/{user_id}",
             auth.Require([&directory](HttpRequest& request, const Principal& p) {
               StatusOr<access::User> user = directory.GetUser(p, request.path_params["user_id"]);
               if (!user.ok()) return ErrorResponse(user.status());
               return JsonResponse(200, RenderUser(*user));
             }));
  router.Add("PATCH", "/api/v1/users/{user_id}",
             auth.Require([&directory](HttpRequest& request, const Principal& p) {
               StatusOr<boost::json::value> body = ParseJson(request.body);
               if (!body.ok()) return ErrorResponse(body.status());
               JsonFields f(*body);
               std::optional<std::string> password = f.OptionalString("password", 1024);
               std::optional<bool> disabled = f.OptionalBool("disabled");
               if (Status s = f.Finish(); !s.ok()) return ErrorResponse(s);
               const std::string& id = request.path_params["user_id"];
               if (password) {
                 if (Status s = directory.SetPassword(p, id, *password); !s.ok()) {
                   return ErrorResponse(s);
                 }
               }
               if (disabled) {
                 if (Status s = directory.SetDisabled(p, id, *disabled); !s.ok()) {
                   return ErrorResponse(s);
                 }
               }
               StatusOr<access::User> user = directory.GetUser(p, id);
               if (!user.ok()) return ErrorResponse(user.status());
               return JsonResponse(200, RenderUser(*user));
             }),
             Execution::kBlocking);
  router.Add("GET", "/api/v1/users/{user_id}/tokens",
             auth.Require([&directory, &clock](HttpRequest& request, const Principal& p) {
               StatusOr<std::vector<access::ApiToken>> tokens =
                   directory.ListTokens(p, request.path_params["user_id"]);
               if (!tokens.ok()) return ErrorResponse(tokens.status());
               boost::json::array items;
               for (const access::ApiToken& t : *tokens)
                 items.push_back(RenderToken(t, clock.Now()));
               return JsonResponse(200, {{"items", std::move(items)}, {"next_cursor", nullptr}});
             }));
  router.Add("POST", "/api/v1/users/{user_id}/tokens",
             auth.Require([&directory, &clock](HttpRequest& request, const Principal& p) {
               StatusOr<boost::json::value> body = ParseJson(request.body);
               if (!body.ok()) return ErrorResponse(body.status());
               JsonFields f(*body);
               std::string name = f.String("name", 200);
               std::optional<Time> expires_at = f.OptionalTimestamp("expires_at");
               if (Status s = f.Finish(); !s.ok()) return ErrorResponse(s);
               StatusOr<access::IssuedToken> issued =
                   directory.IssueToken(p, request.path_params["user_id"], name, expires_at);
               if (!issued.ok()) return ErrorResponse(issued.status());
               boost::json::object out = RenderToken(issued->token, clock.Now());
               out["token"] = issued->secret;
               return JsonResponse(201, out);
             }));
  router.Add("DELETE", "/api/v1/tokens/{token_id}",
             auth.Require([&directory, &clock](HttpRequest& request, const Principal& p) {
               StatusOr<access::ApiToken> token =
                   directory.RevokeToken(p, request.path_params["token_id"]);
               if (!token.ok()) return ErrorResponse(token.status());
               return JsonResponse(200, RenderToken(*token, clock.Now()));
             }));

  router.Add("GET", "/api/v1/tuples",
             auth.Require([&directory, &clock](HttpRequest& request, const Principal& p) {
               StatusOr<access::PageRequest> page = ReadPage(request, access::kTupleSortColumns);
               if (!page.ok()) return ErrorResponse(page.status());
               access::TupleFilter filter;
               if (auto it = request.query.find("object"); it != request.query.end())
                 filter.object = it->second;
               if (auto it = request.query.find("subject"); it != request.query.end()) {
                 filter.subject = it->second;
               }
               StatusOr<access::Page<access::RelationshipTuple>> tuples =
                   directory.ListTuples(p, filter, *page);
               if (!tuples.ok()) return ErrorResponse(tuples.status());
               Time now = clock.Now();
               return JsonResponse(200,
                                   RenderPage(*tuples, [now](const access::RelationshipTuple& t) {
                                     return RenderTuple(t, now);
                                   }));
             }));
  router.Add("POST", "/api/v1/tuples",
             auth.Require([&directory, &clock](HttpRequest& request, const Principal& p) {
               StatusOr<boost::json::value> body = ParseJson(request.body);
               if (!body.ok()) return ErrorResponse(body.status());
               JsonFields f(*body);
               access::NewTuple spec;
               spec.object = f.String("object", 128);
               spec.relation = f.String("relation", 64);
               spec.subject = f.String("subject", 128);
               spec.valid_from = f.OptionalTimestamp("valid_from");
               spec.expires_at = f.OptionalTimestamp("expires_at");
               if (Status s = f.Finish(); !s.ok()) return ErrorResponse(s);
               StatusOr<access::RelationshipTuple> tuple = directory.WriteTuple(p, spec);
               if (!tuple.ok()) return ErrorResponse(tuple.status());
               return JsonResponse(201, RenderTuple(*tuple, clock.Now()));
             }));
  router.Add("GET", "/api/v1/tuples/{tuple_id}",
             auth.Require([&directory, &clock](HttpRequest& request, const Principal& p) {
               StatusOr<access::RelationshipTuple> tuple =
                   directory.GetTuple(p, request.path_params["tuple_id"]);
               if (!tuple.ok()) return ErrorResponse(tuple.status());
               return JsonResponse(200, RenderTuple(*tuple, clock.Now()));
             }));
  router.Add("POST", "/api/v1/tuples/{tuple_id}/approve",
             auth.Require([&directory, &clock](HttpRequest& request, const Principal& p) {
               if (!request.body.empty()) {
                 StatusOr<boost::json::value> body = ParseJson(request.body);
                 if (!body.ok()) return ErrorResponse(body.status());
                 if (Status s = JsonFields(*body).Finish(); !s.ok()) return ErrorResponse(s);
               }
               StatusOr<access::RelationshipTuple> tuple =
                   directory.ApproveTuple(p, request.path_params["tuple_id"]);
               if (!tuple.ok()) return ErrorResponse(tuple.status());
               return JsonResponse(200, RenderTuple(*tuple, clock.Now()));
             }));
  router.Add("DELETE", "/api/v1/tuples/{tuple_id}",
             auth.Require([&directory, &clock](HttpRequest& request, const Principal& p) {
               StatusOr<access::RelationshipTuple> tuple =
                   directory.RevokeTuple(p, request.path_params["tuple_id"]);
               if (!tuple.ok()) return ErrorResponse(tuple.status());
               return JsonResponse(200, RenderTuple(*tuple, clock.Now()));
             }));
  router.Add("GET", "/api/v1/authz/check",
             auth.Require([&directory](HttpRequest& request, const Principal& p) {
               auto action = request.query.find("action");
               auto object = request.query.find("object");
               if (action == request.query.end() || object == request.query.end()) {
                 return ErrorResponse(Status(StatusCode::kInvalidArgument,
                                             "give the query parameters action and object",
                                             {{"parameter", "action"}}));
               }
               StatusOr<access::Decision> d = directory.Check(p, action->second, object->second);
               if (!d.ok()) return ErrorResponse(d.status());
               return JsonResponse(200, RenderDecision(*d));
             }));
}

}  // namespace bulwark::api
