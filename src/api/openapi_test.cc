#include "api/openapi.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace bulwark::api {
namespace {

TEST(OpenApiTest, CompiledFragmentsCompose) {
  StatusOr<std::string> document = ComposeOpenApi(OpenApiFragments());
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  boost::json::value parsed = boost::json::parse(*document);
  EXPECT_EQ(parsed.at("openapi").as_string(), "3.1.0");
  EXPECT_TRUE(parsed.at("paths").as_object().contains("/api/v1/jobs"));
  EXPECT_TRUE(parsed.at("components").at("schemas").as_object().contains("Error"));
  EXPECT_TRUE(parsed.at("components").at("schemas").as_object().contains("Organization"));
  bool users_sort_by_email = false;
  for (const auto& parameter : parsed.at("paths")
                                   .at("/api/v1/organizations/{org_id}/users")
                                   .at("get")
                                   .at("parameters")
                                   .as_array()) {
    if (parameter.at("name") == "sort") {
      for (const auto& value : parameter.at("schema").at("enum").as_array()) {
        users_sort_by_email |= value == "-email";
      }
    }
  }
  EXPECT_TRUE(users_sort_by_email);
}

TEST(OpenApiTest, MergesPathsAndComponents) {
  const OpenApiFragment fragments[] = {
      {"head", R"({"openapi":"3.1.0","components":{"schemas":{"Error":{}}}})"},
      {"one", R"({"paths":{"/a":{}},"components":{"schemas":{"A":{}}}})"},
      {"two", R"({"paths":{"/b":{}},"components":{"responses":{"Gone":{}}}})"}};
  StatusOr<std::string> document = ComposeOpenApi(fragments);
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  EXPECT_EQ(boost::json::parse(*document),
            boost::json::parse(R"({"openapi":"3.1.0","components":{"schemas":{"Error":{},"A":{}},
                                "responses":{"Gone":{}}},"paths":{"/a":{},"/b":{}}})"));
}

TEST(OpenApiTest, RefusesAPathOrSchemaDefinedTwice) {
  const OpenApiFragment paths[] = {{"head", R"({"openapi":"3.1.0"})"},
                                   {"one", R"({"paths":{"/a":{}}})"},
                                   {"two", R"({"paths":{"/a":{}}})"}};
  StatusOr<std::string> document = ComposeOpenApi(paths);
  ASSERT_FALSE(document.ok());
  EXPECT_EQ(document.status().message(), "two: path '/a' is defined twice");

  const OpenApiFragment schemas[] = {
      {"head", R"({"openapi":"3.1.0","components":{"schemas":{"Error":{}}}})"},
      {"one", R"({"components":{"schemas":{"Error":{}}}})"}};
  document = ComposeOpenApi(schemas);
  ASSERT_FALSE(document.ok());
  EXPECT_EQ(document.status().message(), "one: schemas 'Error' is defined twice");
}

TEST(OpenApiTest, RefusesFragmentsThatAreNotServiceParts) {
  const OpenApiFragment broken[] = {{"head", R"({"openapi":"3.1.0"})"}, {"one", "[1,2"}};
  EXPECT_FALSE(ComposeOpenApi(broken).ok());
  const OpenApiFragment head_again[] = {{"head", R"({"openapi":"3.1.0"})"},
                                        {"one", R"({"info":{}})"}};
  StatusOr<std::string> document = ComposeOpenApi(head_again);
  ASSERT_FALSE(document.ok());
  EXPECT_EQ(document.status().message(),
            "one: a service's fragment has only paths and components, not 'info'");
}

}  // namespace
}  // namespace bulwark::api
