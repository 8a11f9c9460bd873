#include "api/http.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace bulwark::api {
namespace {

TEST(HttpStatusFor, MapsEveryCanonicalCode) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAborted), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnknown), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDataLoss), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnimplemented), 500);
}

TEST(ErrorResponse, EnvelopeWithDetails) {
  HttpResponse r =
      ErrorResponse(InvalidArgumentError("email is malformed").WithDetail("field", "email"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  boost::json::value body = boost::json::parse(r.body);
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body.as_object().size(), 1u);
  const boost::json::object& error = body.at("error").as_object();
  EXPECT_EQ(error.size(), 3u);
  EXPECT_EQ(error.at("code").as_string(), "invalid_argument");
  EXPECT_EQ(error.at("message").as_string(), "email is malformed");
  EXPECT_EQ(error.at("details").as_object().at("field").as_string(), "email");
}

TEST(ErrorResponse, EmptyDetailsIsAnEmptyObject) {
  HttpResponse r = ErrorResponse(NotFoundError("no such user"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"no such user","details":{}}})");
}

TEST(ErrorResponse, ExplicitHttpStatusAndCode) {
  HttpResponse r = ErrorResponse(405, "method_not_allowed", "nope");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(boost::json::parse(r.body).at("error").at("code").as_string(), "method_not_allowed");
}

TEST(JsonResponse, SerializesBody) {
  HttpResponse r = JsonResponse(201, {{"id", "org_1"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"id":"org_1"})");
  EXPECT_EQ(r.content_type, "application/json");
}

TEST(HttpRequest, HeaderIsCaseInsensitive) {
  HttpRequest request;
  request.headers = {{"Content-Type", "application/json"}, {"X-Thing", "a"}, {"x-thing", "b"}};
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("X-THING"), "a");
  EXPECT_EQ(request.Header("Missing"), std::nullopt);
}

TEST(HttpRequest, Cookie) {
  HttpRequest request;
  request.headers = {{"Cookie", "a=1; bulwark_session=abc ;  quoted=\"x y\"; flag"},
                     {"cookie", "late=2"}};
  EXPECT_EQ(request.Cookie("a"), "1");
  EXPECT_EQ(request.Cookie("bulwark_session"), "abc");
  EXPECT_EQ(request.Cookie("quoted"), "x y");
  EXPECT_EQ(request.Cookie("late"), "2");
  EXPECT_EQ(request.Cookie("flag"), std::nullopt);
  EXPECT_EQ(request.Cookie("bulwark"), std::nullopt);
}

TEST(ParseTarget, PathAndQuery) {
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(ParseTarget("/a%20b/c?x=1&y=hello+world&z=%2F&x=2&flag", &path, &query).ok());
  EXPECT_EQ(path, "/a b/c");
  EXPECT_EQ(query.at("x"), "1");  // first wins
  EXPECT_EQ(query.at("y"), "hello world");
  EXPECT_EQ(query.at("z"), "/");
  EXPECT_EQ(query.at("flag"), "");
}

TEST(ParseTarget, RejectsMalformed) {
  std::string path;
  std::map<std::string, std::string> query;
  EXPECT_EQ(ParseTarget("http://example.com/", &path, &query).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("/a%2", &path, &query).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("/a%zz", &path, &query).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("/a%00", &path, &query).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("/a?q=%", &path, &query).code(), StatusCode::kInvalidArgument);
}

TEST(IsSaneRequestId, Rules) {
  EXPECT_TRUE(IsSaneRequestId("abc-DEF_1.2"));
  EXPECT_TRUE(IsSaneRequestId(std::string(128, 'a')));
  EXPECT_FALSE(IsSaneRequestId(std::string(129, 'a')));
  EXPECT_FALSE(IsSaneRequestId(""));
  EXPECT_FALSE(IsSaneRequestId("a b"));
  EXPECT_FALSE(IsSaneRequestId("a\"b"));
}

}  // namespace
}  // namespace bulwark::api
