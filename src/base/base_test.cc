#include <gtest/gtest.h>

#include "base/clock.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/status.h"
#include "base/time_format.h"

namespace bulwark {
namespace {

TEST(TimeFormat, ShortDurations) {
  EXPECT_EQ(FormatShortDuration(0), "0s");
  EXPECT_EQ(FormatShortDuration(45), "45s");
  EXPECT_EQ(FormatShortDuration(185), "3m05s");
  EXPECT_EQ(FormatShortDuration(7620), "2h07m");
}

TEST(TimeFormat, RoundTripsAndNormalizesToUtc) {
  StatusOr<Time> t = ParseRfc3339("2026-07-01T12:00:00Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatRfc3339(*t), "2026-07-01T12:00:00Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2026-07-01T14:30:00.25+02:30")),
            "2026-07-01T12:00:00.25Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMicros(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2024-02-29t23:59:59.000001z")),
            "2024-02-29T23:59:59.000001Z");
}

TEST(TimeFormat, AcceptsTheFormsOsvFeedsWrite) {
  // Microseconds (GitHub), nanoseconds (truncated to microseconds), the zero time the Go
  // database writes for records never modified, and numeric offsets.
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2023-01-01T00:00:00.123456Z")),
            "2023-01-01T00:00:00.123456Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2023-06-12T18:45:41.123456789Z")),
            "2023-06-12T18:45:41.123456Z");
  StatusOr<Time> zero = ParseRfc3339("0001-01-01T00:00:00Z");
  ASSERT_TRUE(zero.ok()) << zero.status().ToString();
  EXPECT_EQ(ToUnixMicros(*zero), -62135596800LL * 1000000);
  EXPECT_EQ(FormatRfc3339(*zero), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2021-04-14T13:04:52.5-07:00")), "2021-04-14T20:04:52.5Z");
}

TEST(TimeFormat, RejectsMalformed) {
  for (const char* bad : {"", "2026-07-01", "2026-07-01T12:00:00", "2026-13-01T00:00:00Z",
                          "2026-02-30T00:00:00Z", "2026-07-01T12:00:00.Z", "2026-07-01T25:00:00Z",
                          "2026-07-01T12:00:00Zjunk", "2026-07-01T12:00:00+0200"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

TEST(Ids, HavePrefixAndAreValid) {
  std::string id = NewId("org");
  EXPECT_TRUE(IsValidId(id, "org")) << id;
  EXPECT_FALSE(IsValidId(id, "usr"));
  EXPECT_EQ(IdPrefix(id), "org");
  EXPECT_NE(NewId("org"), NewId("org"));
  EXPECT_FALSE(IsValidId("org_ILOU0000000000000000000000", "org"));
  DeterministicRandom a(7), b(7);
  EXPECT_EQ(NewId("x", a), NewId("x", b));
}

TEST(Json, MalformedInputNamesLineAndColumn) {
  StatusOr<boost::json::value> v = ParseJson("{\n  \"a\": 1,\n  \"b\": }");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(v.status().detail("line"), "3");
  EXPECT_EQ(v.status().detail("column"), "8");
  EXPECT_FALSE(ParseJson("").ok());
  EXPECT_FALSE(ParseJson("{} {}").ok());
  EXPECT_FALSE(ParseJson(std::string(100, '[') + std::string(100, ']')).ok());
}

TEST(Json, FieldsRejectUnknownMissingAndMistyped) {
  auto read = [](std::string_view text) {
    boost::json::value v = *ParseJson(text);
    JsonFields f(v);
    f.String("name");
    f.OptionalBool("n");
    f.OptionalTimestamp("at");
    return f.Finish();
  };
  EXPECT_TRUE(read(R"({"name":"x","n":true,"at":"2026-01-01T00:00:00Z"})").ok());
  EXPECT_TRUE(read(R"({"name":"x","n":null})").ok());
  EXPECT_EQ(read(R"({"n":3})").detail("field"), "name");
  EXPECT_EQ(read(R"({"name":""})").detail("field"), "name");
  EXPECT_EQ(read(R"({"name":"x","n":"true"})").detail("field"), "n");
  EXPECT_EQ(read(R"({"name":"x","at":"yesterday"})").detail("field"), "at");
  EXPECT_EQ(read(R"({"name":"x","extra":1})").detail("field"), "extra");
  EXPECT_FALSE(read("[1,2]").ok());
}

TEST(Json, FieldsReadWholeNumbers) {
  auto read = [](std::string_view text) -> StatusOr<std::optional<int64_t>> {
    boost::json::value v = *ParseJson(text);
    JsonFields f(v);
    std::optional<int64_t> n = f.OptionalInt("n");
    BW_RETURN_IF_ERROR(f.Finish());
    return n;
  };
  EXPECT_EQ(*read(R"({"n":42})"), 42);
  EXPECT_EQ(*read(R"({"n":-7})"), -7);
  EXPECT_EQ(*read(R"({"n":1e3})"), 1000);
  EXPECT_EQ(*read(R"({"n":null})"), std::nullopt);
  EXPECT_EQ(*read("{}"), std::nullopt);
  EXPECT_EQ(read(R"({"n":1.5})").status().detail("field"), "n");
  EXPECT_EQ(read(R"({"n":"42"})").status().detail("field"), "n");
  EXPECT_EQ(read(R"({"n":18446744073709551615})").status().detail("field"), "n");
  EXPECT_EQ(read(R"({"n":1e300})").status().detail("field"), "n");
}

TEST(Status, OrCarriesValueOrError) {
  StatusOr<std::string> ok("v");
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "v");
  StatusOr<std::string> bad(NotFoundError("gone"));
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(bad.status().ToString(), "not_found: gone");
}

TEST(FakeClock, Advances) {
  FakeClock clock(FromUnixMicros(0));
  clock.Advance(Days(30));
  EXPECT_EQ(FormatRfc3339(clock.Now()), "1970-01-31T00:00:00Z");
}

}  // namespace
}  // namespace bulwark

#include "base/encoding.h"

namespace bulwark {
namespace {

TEST(Encoding, Base64RoundTripsAndIsStrict) {
  for (std::string s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar",
                                                std::string("\0\xff\x10", 3)}) {
    std::string e = Base64Encode(s);
    StatusOr<std::string> d = Base64Decode(e);
    ASSERT_TRUE(d.ok()) << e;
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  for (const char* bad : {"Zm9", "Zm9v YmFy", "Zm9=", "Zm=v", "Zm9vYmF*", "Zn==", "Zm9=Zm9v"}) {
    EXPECT_FALSE(Base64Decode(bad).ok()) << bad;
  }
  EXPECT_EQ(HexEncode(std::string("\x01\xab", 2)), "01ab");
}

}  // namespace
}  // namespace bulwark

#include "base/text.h"

TEST(Text, ValidUtf8KeepsWellFormedTextAndReplacesTheRest) {
  using bulwark::ValidUtf8;
  const std::string good = "plain, \xC3\xA9t\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x94\x92";
  EXPECT_EQ(ValidUtf8(good), good);
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(ValidUtf8("a\xFF"
                      "b"),
            "a" + replacement + "b");
  EXPECT_EQ(ValidUtf8("\xC0\xAF"), replacement + replacement);                    // overlong
  EXPECT_EQ(ValidUtf8("\xED\xA0\x80"), replacement + replacement + replacement);  // surrogate
  EXPECT_EQ(ValidUtf8("\xF4\x90\x80\x80").size(), 4 * replacement.size());        // past U+10FFFF
  EXPECT_EQ(ValidUtf8("cut \xE2\x82"), "cut " + replacement + replacement);       // cut short
  EXPECT_EQ(ValidUtf8(""), "");
}

TEST(Text, ValidateTextChecksLengthAndControlCharacters) {
  using bulwark::StatusCode;
  using bulwark::ValidateText;
  EXPECT_TRUE(ValidateText("two lines\nand\ta tab", "note", 0, 100).ok());
  EXPECT_TRUE(ValidateText("", "note", 0, 10).ok());
  bulwark::Status short_one = ValidateText("", "name", 1, 10);
  EXPECT_EQ(short_one.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(short_one.message(), "name must be 1 to 10 characters");
  EXPECT_EQ(short_one.detail("field"), "name");
  EXPECT_EQ(ValidateText(std::string(11, 'x'), "name", 1, 10).code(), StatusCode::kInvalidArgument);
  bulwark::Status control = ValidateText("bell\a", "rationale", 0, 100);
  EXPECT_EQ(control.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(control.message(), "rationale must not contain control characters");
  EXPECT_EQ(control.detail("field"), "rationale");
}
