// Tests of cron expressions: what parses and the errors for what does not, and the next run
// after a time, against times computed by hand (weekdays from a calendar).
#include "jobs/cron.h"

#include <gtest/gtest.h>

#include <array>

#include "base/random.h"
#include "base/time_format.h"

namespace bulwark::jobs {
namespace {

Time At(std::string_view rfc3339) {
  StatusOr<Time> t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : Time();
}

// The next run of `expression` after `after`, as RFC 3339, "never", or the parse error.
std::string NextAfter(std::string_view expression, std::string_view after) {
  StatusOr<CronExpression> cron = CronExpression::Parse(expression);
  if (!cron.ok()) return cron.status().ToString();
  std::optional<Time> next = cron->Next(At(after));
  return next ? FormatRfc3339(*next) : "never";
}

struct NextCase {
  std::string_view expression;
  std::string_view after;
  std::string_view next;
};

void ExpectNext(std::initializer_list<NextCase> cases) {
  for (const NextCase& c : cases) {
    EXPECT_EQ(NextAfter(c.expression, c.after), c.next)
        << "'" << c.expression << "' after " << c.after;
  }
}

// 2026-07-01 is a Wednesday; 2026-07-03 a Friday, 2026-07-05 a Sunday, 2026-07-06 a Monday.

TEST(CronExpression, NextIsTheFirstMatchingMinuteStrictlyAfter) {
  ExpectNext({
      {"* * * * *", "2026-07-01T12:00:00Z", "2026-07-01T12:01:00Z"},
      {"* * * * *", "2026-07-01T12:00:59.999999Z", "2026-07-01T12:01:00Z"},
      {"* * * * *", "2026-07-01T11:59:59.999999Z", "2026-07-01T12:00:00Z"},
      {"*/15 * * * *", "2026-07-01T12:00:00Z", "2026-07-01T12:15:00Z"},
      {"*/15 * * * *", "2026-07-01T12:46:00Z", "2026-07-01T13:00:00Z"},
      {"30 2 * * *", "2026-07-01T02:29:59Z", "2026-07-01T02:30:00Z"},
      {"30 2 * * *", "2026-07-01T02:30:00Z", "2026-07-02T02:30:00Z"},
  });
}

TEST(CronExpression, NextCrossesDayMonthAndYearEnds) {
  ExpectNext({
      {"0 0 * * *", "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z"},
      {"59 23 31 12 *", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z"},
      {"30 2 1 * *", "2026-01-31T03:00:00Z", "2026-02-01T02:30:00Z"},
      {"0 12 31 * *", "2026-04-01T00:00:00Z", "2026-05-31T12:00:00Z"},  // April has 30 days
      {"0 0 1 1 *", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"},
      {"15 10 * * *", "2026-02-28T11:00:00Z", "2026-03-01T10:15:00Z"},
  });
}

TEST(CronExpression, LeapYears) {
  ExpectNext({
      {"0 0 29 2 *", "2023-06-01T00:00:00Z", "2024-02-29T00:00:00Z"},
      {"0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
      // 2100 is not a leap year: eight years from one 29th of February to the next.
      {"0 0 29 2 *", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z"},
      {"59 23 28-29 2 *", "2026-02-28T23:59:00Z", "2027-02-28T23:59:00Z"},
      {"59 23 28-29 2 *", "2028-02-28T23:59:00Z", "2028-02-29T23:59:00Z"},
      {"0 0 * 3 *", "2028-02-29T00:00:00Z", "2028-03-01T00:00:00Z"},
  });
}

TEST(CronExpression, ExpressionsThatNeverMatch) {
  ExpectNext({
      {"0 0 30 2 *", "2026-07-01T00:00:00Z", "never"},
      {"0 0 31 4,6,9,11 *", "2026-07-01T00:00:00Z", "never"},
      {"0 0 31 apr *", "2026-07-01T00:00:00Z", "never"},
  });
  // Times outside the years 1 to 9000 have no next run, rather than an overflow.
  CronExpression every_minute = CronExpression::Parse("* * * * *").value();
  EXPECT_FALSE(every_minute.Next(Time::max()).has_value());
  EXPECT_FALSE(every_minute.Next(Time::min()).has_value());
  EXPECT_TRUE(every_minute.Next(At("8999-12-31T23:59:00Z")).has_value());
}

TEST(CronExpression, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  ExpectNext({
      // Every 13th and every Friday, not only Friday the 13th.
      {"0 0 13 * FRI", "2026-07-01T00:00:00Z", "2026-07-03T00:00:00Z"},
      {"0 0 13 * FRI", "2026-07-10T00:00:00Z", "2026-07-13T00:00:00Z"},
      {"0 0 1 * MON", "2026-07-01T00:00:00Z", "2026-07-06T00:00:00Z"},
      {"0 0 1 * MON", "2026-07-27T00:00:00Z", "2026-08-01T00:00:00Z"},
      // One field starts with `*`: both must match (Monday the 13th is the first odd Monday).
      {"0 0 */2 * MON", "2026-07-01T00:00:00Z", "2026-07-13T00:00:00Z"},
      {"0 0 * * MON", "2026-07-01T00:00:00Z", "2026-07-06T00:00:00Z"},
      {"0 0 1 * *", "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z"},
      {"0 0 1 * */1", "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z"},
  });
}

TEST(CronExpression, RangesStepsAndLists) {
  ExpectNext({
      {"0-30/10 9-17/4 * * *", "2026-07-01T09:31:00Z", "2026-07-01T13:00:00Z"},
      {"0-30/10 9-17/4 * * *", "2026-07-01T13:25:00Z", "2026-07-01T13:30:00Z"},
      {"0-30/10 9-17/4 * * *", "2026-07-01T17:30:00Z", "2026-07-02T09:00:00Z"},
      {"5/20 * * * *", "2026-07-01T12:45:00Z", "2026-07-01T13:05:00Z"},
      {"5/20 * * * *", "2026-07-01T12:05:00Z", "2026-07-01T12:25:00Z"},
      {"0 */6 * * *", "2026-07-01T12:00:00Z", "2026-07-01T18:00:00Z"},
      {"7,3,59 * * * *", "2026-07-01T12:04:00Z", "2026-07-01T12:07:00Z"},
      {"7,3,59 * * * *", "2026-07-01T12:07:00Z", "2026-07-01T12:59:00Z"},
      {"0 0 1-7,15 * *", "2026-07-08T00:00:00Z", "2026-07-15T00:00:00Z"},
      {"*/60 * * * *", "2026-07-01T12:00:00Z", "2026-07-01T13:00:00Z"},
      // Tabs and repeated spaces separate fields as well as one space.
      {"  0\t12  * * *  ", "2026-07-01T00:00:00Z", "2026-07-01T12:00:00Z"},
  });
}

TEST(CronExpression, MonthAndWeekdayNamesAndSundayAsSeven) {
  ExpectNext({
      {"0 0 1 jan-mar,Oct *", "2026-03-01T00:00:00Z", "2026-10-01T00:00:00Z"},
      {"0 0 1 JAN-MAR,OCT *", "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"},
      {"0 9 * * mon-FRI", "2026-07-03T09:00:00Z", "2026-07-06T09:00:00Z"},
      {"0 9 * * 1-5", "2026-07-03T09:00:00Z", "2026-07-06T09:00:00Z"},
      {"0 0 * * 7", "2026-07-01T00:00:00Z", "2026-07-05T00:00:00Z"},
      {"0 0 * * 0", "2026-07-01T00:00:00Z", "2026-07-05T00:00:00Z"},
      {"0 0 * * Sun", "2026-07-01T00:00:00Z", "2026-07-05T00:00:00Z"},
      {"0 0 * * 5-7", "2026-07-04T00:00:00Z", "2026-07-05T00:00:00Z"},  // Fri, Sat and Sun
      {"0 0 * * SAT-SAT", "2026-07-01T00:00:00Z", "2026-07-04T00:00:00Z"},
      {"0 0 1 dec/1 *", "2026-07-01T00:00:00Z", "2026-12-01T00:00:00Z"},
  });
}

TEST(CronExpression, Macros) {
  ExpectNext({
      {"@hourly", "2026-07-01T12:00:00Z", "2026-07-01T13:00:00Z"},
      {"@daily", "2026-07-01T12:00:00Z", "2026-07-02T00:00:00Z"},
      {"@midnight", "2026-07-01T12:00:00Z", "2026-07-02T00:00:00Z"},
      {"@weekly", "2026-07-01T12:00:00Z", "2026-07-05T00:00:00Z"},
      {"@monthly", "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z"},
      {"@yearly", "2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"},
      {"@annually", "2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"},
      {" @DAILY ", "2026-07-01T12:00:00Z", "2026-07-02T00:00:00Z"},
  });
  EXPECT_EQ(CronExpression::Parse(" @Daily\n")->text(), "@Daily");
  EXPECT_EQ(CronExpression::Parse("*/5 *  * * *")->text(), "*/5 *  * * *");
}

TEST(CronExpression, ErrorsNameTheFieldAndTheValue) {
  struct ErrorCase {
    std::string expression;
    std::string message;
  };
  for (const ErrorCase& c : std::initializer_list<ErrorCase>{
           {"0 24 * * *", "cron field 'hour': 24 is out of range 0-23"},
           {"60 * * * *", "cron field 'minute': 60 is out of range 0-59"},
           {"0 0 0 * *", "cron field 'day-of-month': 0 is out of range 1-31"},
           {"0 0 32 * *", "cron field 'day-of-month': 32 is out of range 1-31"},
           {"0 0 * 13 *", "cron field 'month': 13 is out of range 1-12"},
           {"0 0 * * 8", "cron field 'day-of-week': 8 is out of range 0-7"},
           {"99999999999999999999 * * * *",
            "cron field 'minute': 99999999999999999999 is out of range 0-59"},
           {"0 0 * FOO *", "cron field 'month': 'FOO' is not a number 1-12 or a name JAN-DEC"},
           {"0 0 * * MONDAY",
            "cron field 'day-of-week': 'MONDAY' is not a number 0-7 or a name SUN-SAT"},
           {"0 0 * * JAN", "cron field 'day-of-week': 'JAN' is not a number 0-7 or a name SUN-SAT"},
           {"0 MON * * *", "cron field 'hour': 'MON' is not a number 0-23"},
           {"? * * * *", "cron field 'minute': '?' is not a number 0-59"},
           {"0 0 L * *", "cron field 'day-of-month': 'L' is not a number 1-31"},
           {"0 0 * * 1#2", "cron field 'day-of-week': '1#2' is not a number 0-7 or a name SUN-SAT"},
           {"-1 * * * *", "cron field 'minute': '-1' is missing a value"},
           {"1- * * * *", "cron field 'minute': '1-' is missing a value"},
           {"/5 * * * *", "cron field 'minute': '/5' is missing a value"},
           {"*-5 * * * *", "cron field 'minute': '*' is not a number 0-59"},
           {"1,,2 * * * *", "cron field 'minute': '1,,2' has an empty item in its list"},
           {"1, * * * *", "cron field 'minute': '1,' has an empty item in its list"},
           {"*/0 * * * *", "cron field 'minute': the step 0 in '*/0' is out of range 1-60"},
           {"0 */25 * * *", "cron field 'hour': the step 25 in '*/25' is out of range 1-24"},
           {"*/x * * * *", "cron field 'minute': the step 'x' in '*/x' is not a number 1-60"},
           {"*/ * * * *", "cron field 'minute': the step '' in '*/' is not a number 1-60"},
           {"1/2/3 * * * *", "cron field 'minute': the step '2/3' in '1/2/3' is not a number 1-60"},
           {"0 22-2 * * *",
            "cron field 'hour': the range 22-2 goes backwards; ranges run from low to high (a "
            "range that wraps around is two, such as 22-23,0-2)"},
           {"0 0 * * FRI-MON",
            "cron field 'day-of-week': the range FRI-MON goes backwards; ranges run from low to "
            "high (a range that wraps around is two, such as 5-7,0-1)"},
           {"* * * *",
            "a cron expression has five fields (minute hour day-of-month month day-of-week); "
            "'* * * *' has 4"},
           {"0 0 * * * 2026",
            "a cron expression has five fields (minute hour day-of-month month day-of-week); "
            "'0 0 * * * 2026' has 6"},
           {"@reboot",
            "'@reboot' is not a cron macro; the macros are @yearly, @annually, @monthly, @weekly, "
            "@daily, @midnight and @hourly"},
           {"@daily 5", "'@daily 5' is not a cron macro; the macros are"},
           {"",
            "the cron expression is empty; write five fields (minute hour day-of-month month "
            "day-of-week) such as '0 3 * * *', or a macro such as @daily"},
           {" \t\n", "the cron expression is empty"},
           // Control characters are shown escaped, and long values cut short.
           {"0 0 * * \x1b[2J", "cron field 'day-of-week': '\\x1b[2J' is not a number 0-7"},
           {"0 0 * * " + std::string(60, 'x'),
            "cron field 'day-of-week': '" + std::string(40, 'x') + "...' is not a number 0-7"},
       }) {
    StatusOr<CronExpression> cron = CronExpression::Parse(c.expression);
    ASSERT_FALSE(cron.ok()) << c.expression;
    EXPECT_EQ(cron.status().code(), StatusCode::kInvalidArgument) << c.expression;
    EXPECT_EQ(cron.status().message().substr(0, c.message.size()), c.message) << c.expression;
  }
  // Lengths are bounded before anything else is looked at.
  StatusOr<CronExpression> long_one = CronExpression::Parse(std::string(300, '1'));
  EXPECT_EQ(long_one.status().message(),
            "a cron expression is at most 256 characters; this one has 300");
  EXPECT_TRUE(CronExpression::Parse("0,1,2,3,4,5,6,7,8,9,10 * * * *").ok());
}

// A field of random items, often wrong: values beyond the ranges, names of the wrong field,
// stray characters.
std::string RandomField(Random& random) {
  constexpr std::array<std::string_view, 8> kNames = {"jan", "DEC", "Mon", "sun",
                                                      "SAT", "x",   "",    "?"};
  auto value = [&]() -> std::string {
    switch (random.Uint64() % 8) {
      case 0:
        return std::string(kNames[random.Uint64() % kNames.size()]);
      case 1:
        return std::to_string(random.Uint64() % 70);
      default:
        return std::to_string(1 + random.Uint64() % 12);  // in every field's range
    }
  };
  std::string field;
  const int items = 1 + static_cast<int>(random.Uint64() % 2);
  for (int i = 0; i < items; ++i) {
    if (i > 0) field += ",";
    field += random.Uint64() % 2 == 0 ? "*" : value();
    if (random.Uint64() % 4 == 0) field += "-" + value();
    if (random.Uint64() % 4 == 0) field += "/" + value();
  }
  return field;
}

// Whatever the text, Parse returns an expression or an error, and Next a time after its
// argument, on a whole minute, that Next finds again from just before it.
TEST(CronExpression, ArbitraryTextNeverCrashes) {
  constexpr std::string_view kStray = "*/-, \t@#L\x01";
  DeterministicRandom random(42);
  const Time after = At("2026-07-01T12:34:56Z");
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    int fields = 5;
    if (random.Uint64() % 8 == 0) fields = random.Uint64() % 2 == 0 ? 4 : 6;
    for (int f = 0; f < fields; ++f) text += (f > 0 ? " " : "") + RandomField(random);
    if (random.Uint64() % 8 == 0) {
      text.insert(random.Uint64() % (text.size() + 1), 1, kStray[random.Uint64() % kStray.size()]);
    }
    StatusOr<CronExpression> cron = CronExpression::Parse(text);
    if (!cron.ok()) {
      EXPECT_EQ(cron.status().code(), StatusCode::kInvalidArgument) << text;
      continue;
    }
    ++parsed;
    std::optional<Time> next = cron->Next(after);
    if (!next) continue;
    EXPECT_GT(*next, after) << text;
    EXPECT_EQ(ToUnixMicros(*next) % 60'000'000, 0) << text;
    EXPECT_EQ(cron->Next(*next - Seconds(1)), next) << text;
  }
  EXPECT_GT(parsed, 500);  // about 700 parse
}

}  // namespace
}  // namespace bulwark::jobs
