#include "api/app.h"

#include <charconv>

#include "access/policy.h"
#include "api/jobs_routes.h"
#include "api/openapi.h"
#include "api/render.h"
#include "base/encoding.h"
#include "base/json.h"
#include "base/time_format.h"
#include "ledger/audit_entry.h"

namespace bulwark::api {
namespace {

using access::Principal;

bool IsSafeMethod(const std::string& method) { return method == "GET" || method == "HEAD"; }

StatusOr<access::PageRequest> ReadPage(const HttpRequest& request) {
  access::PageRequest page;
  if (auto it = request.query.find("cursor"); it != request.query.end()) page.after = it->second;
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

App::App(access::Directory& directory, ledger::TransparencyLog& ledger, store::Database& db,
         const Clock& clock, Metrics& metrics, AppOptions options)
    : directory_(directory),
      ledger_(ledger),
      db_(db),
      clock_(clock),
      metrics_(metrics),
      options_(options),
      principal_limiter_(options.requests_per_second, options.request_burst, clock),
      anonymous_limiter_(options.anonymous_per_second, options.anonymous_burst, clock),
      sign_in_limiter_(options.sign_ins_per_minute / 60.0, options.sign_ins_per_minute, clock),
      jobs_(db, clock) {}

std::optional<HttpResponse> App::Limit(TokenBucketLimiter& limiter, const std::string& key) {
  std::optional<Duration> wait = limiter.Acquire(key);
  if (!wait) return std::nullopt;
  int64_t seconds = std::max<int64_t>(1, (wait->count() + 999999) / 1000000);
  HttpResponse response =
      ErrorResponse(Status(StatusCode::kResourceExhausted,
                           "rate limit exceeded; retry in " + std::to_string(seconds) + " s",
                           {{"retry_after_seconds", std::to_string(seconds)}}));
  response.headers.emplace_back("Retry-After", std::to_string(seconds));
  return response;
}

Handler App::Authenticated(AuthedHandler handler) {
  return [this, handler = std::move(handler)](HttpRequest& request) -> HttpResponse {
    StatusOr<Principal> principal = UnauthenticatedError(
        "authentication required: send 'Authorization: Bearer bwk_...' or sign in at "
        "POST /api/v1/session");
    if (std::optional<std::string> auth = request.Header("Authorization")) {
      std::string_view value = *auth;
      if (value.size() > 7 &&
          (value.substr(0, 7) == "Bearer " || value.substr(0, 7) == "bearer ")) {
        principal = directory_.AuthenticateToken(value.substr(7));
      } else {
        principal = UnauthenticatedError("the Authorization header must be 'Bearer <token>'");
      }
    } else if (std::optional<std::string> cookie = request.Cookie(kSessionCookie)) {
      std::string csrf = request.Header("X-CSRF-Token").value_or("");
      std::optional<std::string_view> required_csrf;
      if (!IsSafeMethod(request.method)) required_csrf = csrf;
      principal = directory_.AuthenticateSession(*cookie, required_csrf);
    }
    if (!principal.ok()) {
      if (std::optional<HttpResponse> limited =
              Limit(anonymous_limiter_, "addr:" + request.remote_address)) {
        return *limited;
      }
      HttpResponse response = ErrorResponse(principal.status());
      if (principal.status().code() == StatusCode::kUnauthenticated) {
        response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"bulwark\"");
      }
      return response;
    }
    if (std::optional<HttpResponse> limited = Limit(principal_limiter_, principal->user_id)) {
      limited->principal = principal->user_id;
      return *limited;
    }
    // The request this principal acts in, for the audit trail.
    principal->request_id = request.request_id;
    if (!request.body.empty()) principal->body_sha256 = HexEncode(access::HashSecret(request.body));
    HttpResponse response = handler(request, *principal);
    response.principal = principal->user_id;
    return response;
  };
}

void App::Register(Router& router) {
  RegisterSystem(router);
  RegisterSessions(router);
  RegisterOrganizations(router);
  RegisterUsers(router);
  RegisterTuples(router);
  RegisterLedger(router);
  RegisterJobs(router);
}

void App::RegisterSystem(Router& router) {
  // "/" itself is the web console (console_files.h).
  router.Add("GET", "/api/v1", [](HttpRequest&) {
    return JsonResponse(200, {{"name", "Bulwark"},
                              {"api", "/api/v1"},
                              {"openapi", "/api/v1/openapi.json"},
                              {"console", "/"},
                              {"health", "/healthz"}});
  });
  router.Add("GET", "/healthz", [](HttpRequest&) { return JsonResponse(200, {{"status", "ok"}}); });
  router.Add("GET", "/readyz", [this](HttpRequest&) {
    Status s = db_.Transact(store::TxMode::kReadOnly, [](store::Transaction& tx) -> Status {
      return tx.Query("SELECT 1").status();
    });
    if (!s.ok()) {
      return ErrorResponse(UnavailableError("the database is not reachable: " + s.message()));
    }
    return JsonResponse(200, {{"status", "ready"}});
  });
  auto job_metrics = std::make_shared<JobMetrics>(metrics_, jobs_, clock_);
  router.Add("GET", "/metrics", [this, job_metrics](HttpRequest&) {
    job_metrics->Update(worker_);
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics_.Render();
    return response;
  });
  router.Add("GET", "/api/v1/openapi.json", [](HttpRequest&) {
    HttpResponse response;
    response.body = std::string(OpenApiDocument());
    return response;
  });
  router.Add("GET", "/api/v1/whoami", Authenticated([this](HttpRequest&, const Principal& p) {
               StatusOr<access::Identity> id = directory_.WhoAmI(p);
               if (!id.ok()) return ErrorResponse(id.status());
               boost::json::array grants;
               for (const access::RelationshipTuple& t : id->grants) {
                 grants.push_back(RenderTuple(t, clock_.Now()));
               }
               boost::json::object body = {
                   {"user", RenderUser(id->user)},
                   {"organization", RenderOrganization(id->organization)},
                   {"credential",
                    {{"id", p.credential_id}, {"kind", p.via_session ? "session" : "api_token"}}},
                   {"grants", std::move(grants)}};
               return JsonResponse(200, body);
             }));
}

void App::RegisterSessions(Router& router) {
  router.Add(
      "POST", "/api/v1/session",
      [this](HttpRequest& request) {
        StatusOr<boost::json::value> body = ParseJson(request.body);
        if (!body.ok()) return ErrorResponse(body.status());
        JsonFields f(*body);
        std::string email = f.String("email", 254);
        std::string password = f.String("password", 1024);
        if (Status s = f.Finish(); !s.ok()) return ErrorResponse(s);
        if (auto limited = Limit(sign_in_limiter_, "addr:" + request.remote_address))
          return *limited;
        if (auto limited = Limit(sign_in_limiter_, "email:" + email)) return *limited;
        StatusOr<access::IssuedSession> session = directory_.SignIn(email, password);
        if (!session.ok()) return ErrorResponse(session.status());
        HttpResponse response =
            JsonResponse(201, {{"user_id", session->principal.user_id},
                               {"org_id", session->principal.org_id},
                               {"csrf_token", session->csrf_token},
                               {"expires_at", FormatRfc3339(session->expires_at)}});
        response.headers.emplace_back(
            "Set-Cookie",
            SessionCookie(session->secret, access::Directory::kSessionLifetime.count() / 1000000,
                          options_.secure_cookies || request.tls));
        response.principal = session->principal.user_id;
        return response;
      },
      Execution::kBlocking);
  router.Add("DELETE", "/api/v1/session",
             Authenticated([this](HttpRequest& request, const Principal&) {
               if (std::optional<std::string> cookie = request.Cookie(kSessionCookie)) {
                 if (Status s = directory_.SignOut(*cookie); !s.ok()) return ErrorResponse(s);
               }
               HttpResponse response;
               response.status = 204;
               response.headers.emplace_back(
                   "Set-Cookie", SessionCookie("", 0, options_.secure_cookies || request.tls));
               return response;
             }));
}

void App::RegisterOrganizations(Router& router) {
  router.Add("GET", "/api/v1/organizations",
             Authenticated([this](HttpRequest& request, const Principal& p) {
               StatusOr<access::PageRequest> page = ReadPage(request);
               if (!page.ok()) return ErrorResponse(page.status());
               StatusOr<access::Page<access::Organization>> orgs =
                   directory_.ListOrganizations(p, *page);
               if (!orgs.ok()) return ErrorResponse(orgs.status());
               return JsonResponse(200, RenderPage(*orgs, RenderOrganization));
             }));
  router.Add("POST", "/api/v1/organizations",
             Authenticated([this](HttpRequest& request, const Principal& p) {
               StatusOr<boost::json::value> body = ParseJson(request.body);
               if (!body.ok()) return ErrorResponse(body.status());
               JsonFields f(*body);
               std::string name = f.String("name", 200);
               std::string kind_name = f.String("kind", 64);
               if (Status s = f.Finish(); !s.ok()) return ErrorResponse(s);
               StatusOr<access::OrgKind> kind = access::ParseOrgKind(kind_name);
               if (!kind.ok()) return ErrorResponse(kind.status());
               StatusOr<access::Organization> org = directory_.CreateOrganization(p, name, *kind);
               if (!org.ok()) return ErrorResponse(org.status());
               return JsonResponse(201, RenderOrganization(*org));
             }));
  router.Add("GET", "/api/v1/organizations/{org_id}",
             Authenticated([this](HttpRequest& request, const Principal& p) {
               StatusOr<access::Organization> org =
                   directory_.GetOrganization(p, request.path_params["org_id"]);
               if (!org.ok()) return ErrorResponse(org.status());
               return JsonResponse(200, RenderOrganization(*org));
             }));
}

void App::RegisterUsers(Router& router) {
  router.Add("GET", "/api/v1/organizations/{org_id}/users",
             Authenticated([this](HttpRequest& request, const Principal& p) {
               StatusOr<access::PageRequest> page = ReadPage(request);
               if (!page.ok()) return ErrorResponse(page.status());
               StatusOr<access::Page<access::User>> users =
                   directory_.ListUsers(p, request.path_params["org_id"], *page);
               if (!users.ok()) return ErrorResponse(users.status());
               return JsonResponse(200, RenderPage(*users, RenderUser));
             }));
  router.Add("POST", "/api/v1/organizations/{org_id}/users",
             Authenticated([this](HttpRequest& request, const Principal& p) {
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
               StatusOr<access::User> user = directory_.CreateUser(p, spec);
               if (!user.ok()) return ErrorResponse(user.status());
               return JsonResponse(201, RenderUser(*user));
             }),
             Execution::kBlocking);
  router.Add("GET", "/api/v1/users/{user_id}",
             Authenticated([this](HttpRequest& request, const Principal& p) {
               StatusOr<access::User> user = directory_.GetUser(p, request.path_params["user_id"]);
               if (!user.ok()) return ErrorResponse(user.status());
               return JsonResponse(200, RenderUser(*user));
             }));
  router.Add("PATCH", "/api/v1/users/{user_id}",
             Authenticated([this](HttpRequest& request, const Principal& p) {
               StatusOr<boost::json::value> body = ParseJson(request.body);
               if (!body.ok()) return ErrorResponse(body.status());
               JsonFields f(*body);
               std::optional<std::string> password = f.OptionalString("password", 1024);
               std::optional<bool> disabled = f.OptionalBool("disabled");
               if (Status s = f.Finish(); !s.ok()) return ErrorResponse(s);
               const std::string& id = request.path_params["user_id"];
               if (password) {
                 if (Status s = directory_.SetPassword(p, id, *password); !s.ok()) {
                   return ErrorResponse(s);
                 }
               }
               if (disabled) {
                 if (Status s = directory_.SetDisabled(p, id, *disabled); !s.ok()) {
                   return ErrorResponse(s);
                 }
               }
               StatusOr<access::User> user = directory_.GetUser(p, id);
               if (!user.ok()) return ErrorResponse(user.status());
               return JsonResponse(200, RenderUser(*user));
             }),
             Execution::kBlocking);
  router.Add("GET", "/api/v1/users/{user_id}/tokens",
             Authenticated([this](HttpRequest& request, const Principal& p) {
               StatusOr<std::vector<access::ApiToken>> tokens =
                   directory_.ListTokens(p, request.path_params["user_id"]);
               if (!tokens.ok()) return ErrorResponse(tokens.status());
               boost::json::array items;
               for (const access::ApiToken& t : *tokens)
                 items.push_back(RenderToken(t, clock_.Now()));
               return JsonResponse(200, {{"items", std::move(items)}, {"next_cursor", nullptr}});
             }));
  router.Add("POST", "/api/v1/users/{user_id}/tokens",
             Authenticated([this](HttpRequest& request, const Principal& p) {
               StatusOr<boost::json::value> body = ParseJson(request.body);
               if (!body.ok()) return ErrorResponse(body.status());
               JsonFields f(*body);
               std::string name = f.String("name", 200);
               std::optional<Time> expires_at = f.OptionalTimestamp("expires_at");
               if (Status s = f.Finish(); !s.ok()) return ErrorResponse(s);
               StatusOr<access::IssuedToken> issued =
                   directory_.IssueToken(p, request.path_params["user_id"], name, expires_at);
               if (!issued.ok()) return ErrorResponse(issued.status());
               boost::json::object out = RenderToken(issued->token, clock_.Now());
               out["token"] = issued->secret;
               return JsonResponse(201, out);
             }));
  router.Add("DELETE", "/api/v1/tokens/{token_id}",
             Authenticated([this](HttpRequest& request, const Principal& p) {
               StatusOr<access::ApiToken> token =
                   directory_.RevokeToken(p, request.path_params["token_id"]);
               if (!token.ok()) return ErrorResponse(token.status());
               return JsonResponse(200, RenderToken(*token, clock_.Now()));
             }));
}

void App::RegisterTuples(Router& router) {
  router.Add(
      "GET", "/api/v1/tuples", Authenticated([this](HttpRequest& request, const Principal& p) {
        StatusOr<access::PageRequest> page = ReadPage(request);
        if (!page.ok()) return ErrorResponse(page.status());
        access::TupleFilter filter;
        if (auto it = request.query.find("object"); it != request.query.end())
          filter.object = it->second;
        if (auto it = request.query.find("subject"); it != request.query.end()) {
          filter.subject = it->second;
        }
        StatusOr<access::Page<access::RelationshipTuple>> tuples =
            directory_.ListTuples(p, filter, *page);
        if (!tuples.ok()) return ErrorResponse(tuples.status());
        Time now = clock_.Now();
        return JsonResponse(200, RenderPage(*tuples, [now](const access::RelationshipTuple& t) {
                              return RenderTuple(t, now);
                            }));
      }));
  router.Add("POST", "/api/v1/tuples",
             Authenticated([this](HttpRequest& request, const Principal& p) {
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
               StatusOr<access::RelationshipTuple> tuple = directory_.WriteTuple(p, spec);
               if (!tuple.ok()) return ErrorResponse(tuple.status());
               return JsonResponse(201, RenderTuple(*tuple, clock_.Now()));
             }));
  router.Add("GET", "/api/v1/tuples/{tuple_id}",
             Authenticated([this](HttpRequest& request, const Principal& p) {
               StatusOr<access::RelationshipTuple> tuple =
                   directory_.GetTuple(p, request.path_params["tuple_id"]);
               if (!tuple.ok()) return ErrorResponse(tuple.status());
               return JsonResponse(200, RenderTuple(*tuple, clock_.Now()));
             }));
  router.Add("POST", "/api/v1/tuples/{tuple_id}/approve",
             Authenticated([this](HttpRequest& request, const Principal& p) {
               if (!request.body.empty()) {
                 StatusOr<boost::json::value> body = ParseJson(request.body);
                 if (!body.ok()) return ErrorResponse(body.status());
                 if (Status s = JsonFields(*body).Finish(); !s.ok()) return ErrorResponse(s);
               }
               StatusOr<access::RelationshipTuple> tuple =
                   directory_.ApproveTuple(p, request.path_params["tuple_id"]);
               if (!tuple.ok()) return ErrorResponse(tuple.status());
               return JsonResponse(200, RenderTuple(*tuple, clock_.Now()));
             }));
  router.Add("DELETE", "/api/v1/tuples/{tuple_id}",
             Authenticated([this](HttpRequest& request, const Principal& p) {
               StatusOr<access::RelationshipTuple> tuple =
                   directory_.RevokeTuple(p, request.path_params["tuple_id"]);
               if (!tuple.ok()) return ErrorResponse(tuple.status());
               return JsonResponse(200, RenderTuple(*tuple, clock_.Now()));
             }));
  router.Add("GET", "/api/v1/authz/check",
             Authenticated([this](HttpRequest& request, const Principal& p) {
               auto action = request.query.find("action");
               auto object = request.query.find("object");
               if (action == request.query.end() || object == request.query.end()) {
                 return ErrorResponse(Status(StatusCode::kInvalidArgument,
                                             "give the query parameters action and object",
                                             {{"parameter", "action"}}));
               }
               StatusOr<access::Decision> d = directory_.Check(p, action->second, object->second);
               if (!d.ok()) return ErrorResponse(d.status());
               return JsonResponse(200, RenderDecision(*d));
             }));
}

}  // namespace bulwark::api

namespace bulwark::api {
namespace {

// Reads a non-negative integer query parameter; `fallback` when absent.
StatusOr<uint64_t> ReadCount(const HttpRequest& request, const std::string& name,
                             std::optional<uint64_t> fallback) {
  auto it = request.query.find(name);
  if (it == request.query.end()) {
    if (fallback) return *fallback;
    return Status(StatusCode::kInvalidArgument, "give the query parameter " + name,
                  {{"parameter", name}});
  }
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (ec != std::errc() || ptr != it->second.data() + it->second.size()) {
    return Status(StatusCode::kInvalidArgument, name + " must be a non-negative integer",
                  {{"parameter", name}});
  }
  return value;
}

boost::json::array RenderHashes(const std::vector<ledger::Hash>& hashes) {
  boost::json::array out;
  for (const ledger::Hash& h : hashes) {
    out.push_back(boost::json::value(
        Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()))));
  }
  return out;
}

std::string HashText(const ledger::Hash& h) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

}  // namespace

void App::RegisterLedger(Router& router) {
  router.Add("GET", "/api/v1/ledger/key", [this](HttpRequest&) {
    return TextResponse(200, "text/plain; charset=utf-8", ledger_.verifier_key() + "\n");
  });
  router.Add(
      "GET", "/api/v1/ledger/checkpoint", Authenticated([this](HttpRequest&, const Principal&) {
        StatusOr<std::optional<ledger::SignedCheckpoint>> latest = ledger_.LatestCheckpoint();
        if (!latest.ok()) return ErrorResponse(latest.status());
        if (!*latest) {
          StatusOr<ledger::SignedCheckpoint> signed_now = ledger_.SignCheckpoint();
          if (!signed_now.ok()) return ErrorResponse(signed_now.status());
          *latest = *signed_now;
        }
        return TextResponse(200, "text/plain; charset=utf-8", (*latest)->note);
      }));
  router.Add("POST", "/api/v1/ledger/checkpoint",
             Authenticated([this](HttpRequest&, const Principal& p) {
               StatusOr<access::Decision> d =
                   directory_.Check(p, access::actions::kLedgerSign, access::kPlatform);
               if (!d.ok()) return ErrorResponse(d.status());
               if (!d->allowed) return ErrorResponse(PermissionDeniedError(d->reason));
               StatusOr<ledger::SignedCheckpoint> c = ledger_.SignCheckpoint();
               if (!c.ok()) return ErrorResponse(c.status());
               return TextResponse(201, "text/plain; charset=utf-8", c->note);
             }));
  router.Add(
      "GET", "/api/v1/ledger/entries",
      Authenticated([this](HttpRequest& request, const Principal& p) {
        StatusOr<uint64_t> start = ReadCount(request, "start", 0);
        StatusOr<uint64_t> limit = ReadCount(request, "limit", 100);
        if (!start.ok()) return ErrorResponse(start.status());
        if (!limit.ok()) return ErrorResponse(limit.status());
        if (*limit < 1 || *limit > 1000) {
          return ErrorResponse(Status(StatusCode::kInvalidArgument, "limit must be from 1 to 1000",
                                      {{"parameter", "limit"}}));
        }
        StatusOr<access::Decision> d =
            directory_.Check(p, access::actions::kLedgerRead, access::kPlatform);
        if (!d.ok()) return ErrorResponse(d.status());
        // Everyone sees the entries about their own actions, their user and their organization.
        std::optional<ledger::TransparencyLog::EntryFilter> only;
        if (!d->allowed)
          only = ledger::TransparencyLog::EntryFilter{p.user_id, {p.user_id, p.org_id}};
        StatusOr<std::vector<ledger::Entry>> entries = ledger_.Entries(*start, *limit, only);
        if (!entries.ok()) return ErrorResponse(entries.status());
        boost::json::array items;
        for (const ledger::Entry& e : *entries) {
          boost::system::error_code ec;
          boost::json::value parsed = boost::json::parse(e.leaf, ec);
          items.push_back({{"index", e.index},
                           {"leaf_hash", HashText(e.leaf_hash)},
                           {"appended_at", FormatRfc3339(e.appended_at)},
                           {"leaf", Base64Encode(e.leaf)},
                           {"entry", ec ? boost::json::value(nullptr) : parsed}});
        }
        uint64_t next = entries->empty() ? *start : entries->back().index + 1;
        return JsonResponse(200,
                            {{"items", std::move(items)},
                             {"next_start", entries->size() < *limit ? boost::json::value(nullptr)
                                                                     : boost::json::value(next)}});
      }));
  router.Add("GET", "/api/v1/ledger/proof/inclusion",
             Authenticated([this](HttpRequest& request, const Principal&) {
               StatusOr<uint64_t> index = ReadCount(request, "index", std::nullopt);
               StatusOr<uint64_t> size = ReadCount(request, "size", std::nullopt);
               if (!index.ok()) return ErrorResponse(index.status());
               if (!size.ok()) return ErrorResponse(size.status());
               StatusOr<std::vector<ledger::Hash>> proof = ledger_.InclusionProof(*index, *size);
               if (!proof.ok()) return ErrorResponse(proof.status());
               StatusOr<ledger::Hash> root = ledger_.Root(*size);
               if (!root.ok()) return ErrorResponse(root.status());
               return JsonResponse(200, {{"index", *index},
                                         {"size", *size},
                                         {"root", HashText(*root)},
                                         {"proof", RenderHashes(*proof)}});
             }));
  router.Add("GET", "/api/v1/ledger/proof/consistency",
             Authenticated([this](HttpRequest& request, const Principal&) {
               StatusOr<uint64_t> size1 = ReadCount(request, "size1", std::nullopt);
               StatusOr<uint64_t> size2 = ReadCount(request, "size2", std::nullopt);
               if (!size1.ok()) return ErrorResponse(size1.status());
               if (!size2.ok()) return ErrorResponse(size2.status());
               StatusOr<std::vector<ledger::Hash>> proof = ledger_.ConsistencyProof(*size1, *size2);
               if (!proof.ok()) return ErrorResponse(proof.status());
               StatusOr<ledger::Hash> root1 = ledger_.Root(*size1);
               StatusOr<ledger::Hash> root2 = ledger_.Root(*size2);
               if (!root1.ok()) return ErrorResponse(root1.status());
               if (!root2.ok()) return ErrorResponse(root2.status());
               return JsonResponse(200, {{"size1", *size1},
                                         {"size2", *size2},
                                         {"root1", HashText(*root1)},
                                         {"root2", HashText(*root2)},
                                         {"proof", RenderHashes(*proof)}});
             }));
}

}  // namespace bulwark::api
