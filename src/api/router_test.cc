#include "api/router.h"

#include <gtest/gtest.h>

namespace bulwark::api {
namespace {

Handler Named(std::string name) {
  return [name](HttpRequest&) {
    HttpResponse r;
    r.body = name;
    return r;
  };
}

std::string Call(const RouteMatch& match) {
  HttpRequest request;
  return (*match.handler)(request).body;
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add("GET", "/api/v1/organizations", Named("list orgs"));
    router_.Add("POST", "/api/v1/organizations", Named("create org"));
    router_.Add("GET", "/api/v1/organizations/{id}", Named("get org"));
    router_.Add("GET", "/api/v1/organizations/{id}/users", Named("list users"));
    router_.Add("GET", "/api/v1/organizations/{org}/users/{user}", Named("get user"));
    router_.Add("DELETE", "/api/v1/organizations/{org}/users/{user}", Named("delete user"));
    router_.Add("GET", "/api/v1/organizations/{org}/users/me", Named("me"));
    router_.Add("GET", "/", Named("root"));
  }
  Router router_;
};

TEST_F(RouterTest, LiteralRoute) {
  RouteMatch m = router_.Match("GET", "/api/v1/organizations");
  ASSERT_EQ(m.result, RouteMatch::Result::kFound);
  EXPECT_EQ(m.pattern, "/api/v1/organizations");
  EXPECT_TRUE(m.path_params.empty());
  EXPECT_EQ(Call(m), "list orgs");
  EXPECT_EQ(Call(router_.Match("POST", "/api/v1/organizations")), "create org");
  EXPECT_EQ(Call(router_.Match("GET", "/")), "root");
}

TEST_F(RouterTest, PathParameters) {
  RouteMatch m = router_.Match("GET", "/api/v1/organizations/org_1/users");
  ASSERT_EQ(m.result, RouteMatch::Result::kFound);
  EXPECT_EQ(m.pattern, "/api/v1/organizations/{id}/users");
  EXPECT_EQ(m.path_params.at("id"), "org_1");
  EXPECT_EQ(Call(m), "list users");

  m = router_.Match("DELETE", "/api/v1/organizations/o/users/u%2Fx");
  ASSERT_EQ(m.result, RouteMatch::Result::kFound);
  EXPECT_EQ(m.path_params.at("org"), "o");
  EXPECT_EQ(m.path_params.at("user"), "u/x");  // encoded slash stays in the segment
}

TEST_F(RouterTest, LiteralBeatsParameter) {
  RouteMatch m = router_.Match("GET", "/api/v1/organizations/o/users/me");
  ASSERT_EQ(m.result, RouteMatch::Result::kFound);
  EXPECT_EQ(Call(m), "me");
  EXPECT_EQ(m.path_params.at("org"), "o");
  EXPECT_EQ(Call(router_.Match("GET", "/api/v1/organizations/o/users/you")), "get user");
  // DELETE has only the parameter route.
  EXPECT_EQ(Call(router_.Match("DELETE", "/api/v1/organizations/o/users/me")), "delete user");
}

TEST_F(RouterTest, NotFound) {
  EXPECT_EQ(router_.Match("GET", "/api/v1/nothing").result, RouteMatch::Result::kNotFound);
  EXPECT_EQ(router_.Match("GET", "/api/v1/organizations/").result,
            RouteMatch::Result::kNotFound);  // empty segment is not a parameter
  EXPECT_EQ(router_.Match("GET", "/api/v1/organizations/a/b").result,
            RouteMatch::Result::kNotFound);
  EXPECT_EQ(router_.Match("GET", "/api/v1/ORGANIZATIONS").result, RouteMatch::Result::kNotFound);
}

TEST_F(RouterTest, MethodNotAllowedListsAllowed) {
  RouteMatch m = router_.Match("PUT", "/api/v1/organizations");
  ASSERT_EQ(m.result, RouteMatch::Result::kMethodNotAllowed);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"GET", "HEAD", "POST"}));

  m = router_.Match("POST", "/api/v1/organizations/o/users/u");
  ASSERT_EQ(m.result, RouteMatch::Result::kMethodNotAllowed);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"DELETE", "GET", "HEAD"}));
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  RouteMatch m = router_.Match("HEAD", "/api/v1/organizations/x");
  ASSERT_EQ(m.result, RouteMatch::Result::kFound);
  EXPECT_EQ(Call(m), "get org");
}

TEST_F(RouterTest, BadEscape) {
  EXPECT_EQ(router_.Match("GET", "/api/v1/organizations/%zz").result, RouteMatch::Result::kBadPath);
}

TEST_F(RouterTest, RoutesInRegistrationOrder) {
  std::vector<std::pair<std::string, std::string>> routes = router_.Routes();
  ASSERT_EQ(routes.size(), 8u);
  EXPECT_EQ(routes[0], (std::pair<std::string, std::string>{"GET", "/api/v1/organizations"}));
  EXPECT_EQ(routes[1], (std::pair<std::string, std::string>{"POST", "/api/v1/organizations"}));
  EXPECT_EQ(routes[7], (std::pair<std::string, std::string>{"GET", "/"}));
}

TEST_F(RouterTest, FallbackAnswersOnlyUnmatchedGetAndHead) {
  EXPECT_EQ(router_.Match("GET", "/organizations/org_1/users").result,
            RouteMatch::Result::kNotFound);
  router_.SetFallback(Named("console"));
  RouteMatch m = router_.Match("GET", "/organizations/org_1/users");
  ASSERT_EQ(m.result, RouteMatch::Result::kFound);
  EXPECT_EQ(m.pattern, "/*");
  EXPECT_EQ(Call(m), "console");
  EXPECT_EQ(Call(router_.Match("HEAD", "/assets/app.js")), "console");
  // Routes still win, other methods are not served, and 405 stays 405.
  EXPECT_EQ(Call(router_.Match("GET", "/api/v1/organizations")), "list orgs");
  EXPECT_EQ(router_.Match("POST", "/organizations").result, RouteMatch::Result::kNotFound);
  EXPECT_EQ(router_.Match("PUT", "/api/v1/organizations").result,
            RouteMatch::Result::kMethodNotAllowed);
  EXPECT_EQ(router_.Match("GET", "/a/%zz").result, RouteMatch::Result::kBadPath);
}

TEST(RouterDeathTest, RejectsBadPatterns) {
  Router router;
  router.Add("GET", "/a/{id}", Named("a"));
  EXPECT_DEATH(router.Add("GET", "/a/{id}", Named("again")), "registered twice");
  EXPECT_DEATH(router.Add("GET", "no-slash", Named("x")), "must start with");
  EXPECT_DEATH(router.Add("GET", "/a/{id}/{id}", Named("x")), "duplicate parameter");
  EXPECT_DEATH(router.Add("GET", "/a/x{id}", Named("x")), "whole segment");
  EXPECT_DEATH(router.Add("GET", "/a/{}", Named("x")), "malformed");
}

}  // namespace
}  // namespace bulwark::api
