// The API's answers to bad input, its envelope, headers, sessions and rate limits, over real
// HTTP against a real server and database.
#include <algorithm>
#include <string>
#include <vector>

#include "api/openapi.h"
#include "api_fixture.h"

namespace bulwark::tests {
namespace {

class ApiTest : public ApiFixture {};

void ExpectError(const Reply& reply, int status, const std::string& code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  ASSERT_TRUE(reply.json.is_object()) << reply.body;
  const boost::json::object& error = reply.json.at("error").as_object();
  EXPECT_EQ(error.at("code").as_string(), code) << reply.body;
  EXPECT_FALSE(error.at("message").as_string().empty());
  EXPECT_TRUE(error.at("details").is_object());
}

TEST_F(ApiTest, MalformedJsonSaysWhereItBroke) {
  Reply r = Call("POST", "/api/v1/organizations", "{\"name\": \"X\",\n \"kind\": }", "director");
  ExpectError(r, 400, "invalid_argument");
  EXPECT_EQ(r.json.at("error").at("details").at("line").as_string(), "2");
  EXPECT_NE(r.json.at("error").at("message").as_string().find("line 2"), std::string::npos);
}

TEST_F(ApiTest, UnknownFieldsWrongTypesAndBadValuesAre400) {
  Reply unknown = Call("POST", "/api/v1/organizations",
                       R"({"name":"X","kind":"lab","colour":"red"})", "director");
  ExpectError(unknown, 400, "invalid_argument");
  EXPECT_EQ(unknown.json.at("error").at("details").at("field").as_string(), "colour");
  Reply wrong_type =
      Call("POST", "/api/v1/organizations", R"({"name":7,"kind":"lab"})", "director");
  ExpectError(wrong_type, 400, "invalid_argument");
  EXPECT_EQ(wrong_type.json.at("error").at("details").at("field").as_string(), "name");
  ExpectError(Call("POST", "/api/v1/organizations", R"({"name":"X","kind":"castle"})", "director"),
              400, "invalid_argument");
  ExpectError(Call("POST", "/api/v1/organizations", R"([1,2])", "director"), 400,
              "invalid_argument");
  ExpectError(Call("POST", "/api/v1/organizations", "", "director"), 400, "invalid_argument");
  ExpectError(Call("GET", "/api/v1/organizations?limit=0", "", "director"), 400,
              "invalid_argument");
  ExpectError(Call("POST", "/api/v1/users/{lab_member}/tokens",
                   R"({"name":"x","expires_at":"tomorrow"})", "lab_member"),
              400, "invalid_argument");
}

TEST_F(ApiTest, OversizedBodyIs413) {
  std::string big = "{\"name\":\"" + std::string(11 * 1024 * 1024, 'x') + "\",\"kind\":\"lab\"}";
  Reply r = Call("POST", "/api/v1/organizations", big, "director");
  ExpectError(r, 413, "resource_exhausted");
}

TEST_F(ApiTest, UnknownRouteIs404InTheEnvelopeWithARequestId) {
  Reply r = Call("GET", "/api/v1/nothing-here");
  ExpectError(r, 404, "not_found");
  EXPECT_FALSE(r.Header("x-request-id").empty());
  Reply echoed = Call("GET", "/healthz", "", "", {{"X-Request-Id", "trace-42.a_b"}});
  EXPECT_EQ(echoed.Header("x-request-id"), "trace-42.a_b");
}

TEST_F(ApiTest, CredentialProblemsAre401WithAReason) {
  ExpectError(Call("GET", "/api/v1/whoami"), 401, "unauthenticated");
  ExpectError(Call("GET", "/api/v1/whoami", "", "forged"), 401, "unauthenticated");
  Reply revoked = Call("GET", "/api/v1/whoami", "", "revoked");
  ExpectError(revoked, 401, "unauthenticated");
  EXPECT_NE(revoked.body.find("revoked"), std::string::npos);
  Reply expired = Call("GET", "/api/v1/whoami", "", "expired");
  EXPECT_NE(expired.body.find("expired"), std::string::npos);
  ExpectError(Call("GET", "/api/v1/whoami", "", "", {{"Authorization", "Basic dXNlcg=="}}), 401,
              "unauthenticated");
  EXPECT_EQ(Call("GET", "/api/v1/whoami").Header("www-authenticate"), "Bearer realm=\"bulwark\"");
}

TEST_F(ApiTest, WhoAmIDescribesThePrincipal) {
  Reply r = Call("GET", "/api/v1/whoami", "", "director");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json.at("user").at("id").as_string(), symbols_["director"]);
  EXPECT_EQ(r.json.at("organization").at("kind").as_string(), "program_office");
  EXPECT_EQ(r.json.at("credential").at("kind").as_string(), "api_token");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
}

TEST_F(ApiTest, TokenSecretIsShownOnceAndWorks) {
  Reply issued =
      Call("POST", "/api/v1/users/{lab_member}/tokens", R"({"name":"ci"})", "lab_member");
  ASSERT_EQ(issued.status, 201) << issued.body;
  std::string secret(issued.json.at("token").as_string());
  Reply me = HttpCall(port_, "GET", "/api/v1/whoami", "", {{"Authorization", "Bearer " + secret}});
  EXPECT_EQ(me.status, 200);
  Reply listed = Call("GET", "/api/v1/users/{lab_member}/tokens", "", "lab_member");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(secret), std::string::npos);
  EXPECT_EQ(listed.body.find("bwk_"), std::string::npos);
}

TEST_F(ApiTest, ConsoleSessionUsesAStrictCookieAndCsrfToken) {
  Reply bad = Call("POST", "/api/v1/session",
                   R"({"email":"lab_member@lab.example","password":"not the password"})");
  ExpectError(bad, 401, "unauthenticated");
  Reply r = Call("POST", "/api/v1/session",
                 R"({"email":"lab_member@lab.example","password":"password of lab_member"})");
  ASSERT_EQ(r.status, 201) << r.body;
  std::string set_cookie = r.Header("set-cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  std::string csrf(r.json.at("csrf_token").as_string());

  Reply me = Call("GET", "/api/v1/whoami", "", "", {{"Cookie", cookie}});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json.at("credential").at("kind").as_string(), "session");
  // A state-changing request without the CSRF token is refused; with it, accepted.
  ExpectError(Call("POST", "/api/v1/users/{lab_member}/tokens", R"({"name":"x"})", "",
                   {{"Cookie", cookie}}),
              403, "permission_denied");
  EXPECT_EQ(Call("POST", "/api/v1/users/{lab_member}/tokens", R"({"name":"x"})", "",
                 {{"Cookie", cookie}, {"X-CSRF-Token", csrf}})
                .status,
            201);
  EXPECT_EQ(Call("DELETE", "/api/v1/session", "", "", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}})
                .status,
            204);
  ExpectError(Call("GET", "/api/v1/whoami", "", "", {{"Cookie", cookie}}), 401, "unauthenticated");
}

TEST_F(ApiTest, MetricsAndHealth) {
  Call("GET", "/api/v1/whoami", "", "director");
  Reply metrics = Call("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.Header("content-type").find("text/plain"), std::string::npos);
  EXPECT_NE(metrics.body.find("bulwark_http_requests_total{"), std::string::npos);
  EXPECT_NE(metrics.body.find("route=\"/api/v1/whoami\""), std::string::npos);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
}

class RateLimitTest : public ApiFixture {
 protected:
  RateLimitTest() {
    app_options_.requests_per_second = 1;
    app_options_.request_burst = 3;
  }
};

TEST_F(RateLimitTest, ExhaustedBucketGives429WithRetryAfter) {
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(Call("GET", "/api/v1/whoami", "", "lab_member").status, 200);
  Reply limited = Call("GET", "/api/v1/whoami", "", "lab_member");
  ExpectError(limited, 429, "resource_exhausted");
  EXPECT_EQ(limited.Header("retry-after"), "1");
  // Another principal has a bucket of their own.
  EXPECT_EQ(Call("GET", "/api/v1/whoami", "", "bank_admin").status, 200);
  clock_.Advance(Seconds(1));
  EXPECT_EQ(Call("GET", "/api/v1/whoami", "", "lab_member").status, 200);
}

TEST_F(ApiTest, SignInsAreRateLimitedPerEmail) {
  const std::string body = R"({"email":"lab_member@lab.example","password":"guess guess guess"})";
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Call("POST", "/api/v1/session", body).status, 401);
  Reply limited = Call("POST", "/api/v1/session", body);
  ExpectError(limited, 429, "resource_exhausted");
  EXPECT_FALSE(limited.Header("retry-after").empty());
}

// ?sort= orders on the server: pages follow the sort and continue it through next_cursor.
TEST_F(ApiTest, ListsSortAndPageOnTheServer) {
  Reply all = Call("GET", "/api/v1/organizations/{office}/users?limit=200", "", "director");
  ASSERT_EQ(all.status, 200) << all.body;
  std::vector<std::string> want;
  for (const auto& user : all.json.at("items").as_array()) {
    want.emplace_back(user.at("email").as_string());
  }
  ASSERT_GE(want.size(), 3u);
  std::sort(want.rbegin(), want.rend());

  std::vector<std::string> got;
  std::string target = "/api/v1/organizations/{office}/users?sort=-email&limit=2";
  Reply page = Call("GET", target, "", "director");
  for (int pages = 0; pages < 10; ++pages) {
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_LE(page.json.at("items").as_array().size(), 2u);
    for (const auto& user : page.json.at("items").as_array()) {
      got.emplace_back(user.at("email").as_string());
    }
    const boost::json::value& next = page.json.at("next_cursor");
    if (next.is_null()) break;
    std::string cursor(next.as_string());
    // The cursor belongs to its sort: sent with another one, it is refused.
    ExpectError(
        Call("GET", "/api/v1/organizations/{office}/users?sort=email&limit=2&cursor=" + cursor, "",
             "director"),
        400, "invalid_argument");
    page = Call("GET", target + "&cursor=" + cursor, "", "director");
  }
  EXPECT_EQ(got, want);

  Reply secret =
      Call("GET", "/api/v1/organizations/{office}/users?sort=password_hash", "", "director");
  ExpectError(secret, 400, "invalid_argument");
  EXPECT_NE(secret.body.find("email, display_name, disabled, created_at"), std::string::npos)
      << secret.body;
  ExpectError(Call("GET", "/api/v1/organizations?cursor=not-a-cursor", "", "director"), 400,
              "invalid_argument");
  Reply tuples = Call("GET", "/api/v1/tuples?sort=-expires_at&limit=3", "", "director");
  EXPECT_EQ(tuples.status, 200) << tuples.body;
  Reply orgs = Call("GET", "/api/v1/organizations?sort=name", "", "director");
  ASSERT_EQ(orgs.status, 200) << orgs.body;
  EXPECT_EQ(orgs.json.at("items").as_array()[0].at("name").as_string(), "Community Bank");
}

// Every route the server serves is described in the OpenAPI document, and nothing else is.
TEST_F(ApiTest, OpenApiDocumentsEveryRoute) {
  Reply r = Call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(r.status, 200);
  ASSERT_TRUE(r.json.is_object()) << "openapi.json is not JSON";
  EXPECT_EQ(r.json.at("openapi").as_string(), "3.1.0");
  const boost::json::object& paths = r.json.at("paths").as_object();
  std::set<std::string> documented;
  for (const auto& [path, item] : paths) {
    for (const auto& [method, op] : item.as_object()) {
      std::string upper(method);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(upper + " " + std::string(path));
    }
  }
  std::set<std::string> served;
  for (const auto& [method, pattern] : router_.Routes()) served.insert(method + " " + pattern);
  for (const std::string& route : served) {
    EXPECT_TRUE(documented.contains(route)) << route << " is served but missing from openapi.json";
  }
  for (const std::string& route : documented) {
    EXPECT_TRUE(served.contains(route)) << route << " is in openapi.json but not served";
  }
}

}  // namespace
}  // namespace bulwark::tests
