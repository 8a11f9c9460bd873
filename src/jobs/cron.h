// CronExpression: when a recurring job schedule runs, written as a cron expression.
//
// The five fields of cron, in UTC: minute (0-59), hour (0-23), day of the month (1-31), month
// (1-12 or JAN-DEC) and day of the week (0-7 or SUN-SAT; 0 and 7 are both Sunday). Each field is
// `*`, a value, a range `a-b`, a step over all values `*/n`, over a range `a-b/n` or from a value
// to the end `a/n`, or a comma-separated list of these. Names are case-insensitive. A macro may
// stand for the whole expression: @yearly (or @annually) is "0 0 1 1 *", @monthly "0 0 1 * *",
// @weekly "0 0 * * 0", @daily (or @midnight) "0 0 * * *", @hourly "0 * * * *".
//
// Days follow Vixie cron: when both day fields are restricted (neither starts with `*`), a day
// runs when either field matches it ("0 0 1 * MON" is the first of the month and every Monday);
// otherwise it must match both ("0 0 */2 * MON" is a Monday with an odd day of the month).
//
// Expressions come from configuration and from the database: Parse checks them as untrusted
// text (at most kMaxLength characters) and says which field is wrong and why. Worker schedules
// (jobs/worker.h) keep an expression's text and ask it for each next run.
//
// Thread-safety: immutable once parsed; safe to share between threads.
//
//   BW_ASSIGN_OR_RETURN(CronExpression cron, CronExpression::Parse("30 2 * * MON-FRI"));
//   std::optional<Time> next = cron.Next(clock.Now());  // 02:30 UTC on the next weekday
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace bulwark::jobs {

class CronExpression {
 public:
  // The longest expression Parse accepts, in bytes.
  static constexpr size_t kMaxLength = 256;
  // How far ahead Next looks: a little over ten years, enough for the 29th of February across a
  // century year that is not a leap year (2096 to 2104).
  static constexpr int kSearchDays = 10 * 366;

  // Parses a five-field expression or a macro; InvalidArgument naming the field and the value
  // that is wrong.
  static StatusOr<CronExpression> Parse(std::string_view text);

  // The first minute strictly after `after` that the expression matches (its seconds zero), or
  // nullopt when none falls within kSearchDays ("0 0 30 2 *" never does), or when `after` is
  // outside the years 1 to 9000.
  std::optional<Time> Next(Time after) const;

  // The expression as given to Parse, without surrounding whitespace.
  const std::string& text() const { return text_; }

 private:
  CronExpression() = default;

  // Whether a day runs by the day-of-month and day-of-week fields (either or both, as above);
  // Next checks the month apart. `weekday` is 0 for Sunday.
  bool DayMatches(unsigned day, unsigned weekday) const;

  std::string text_;
  uint64_t minutes_ = 0;                  // bit m for minute m
  uint64_t hours_ = 0;                    // bit h for hour h
  uint64_t days_of_month_ = 0;            // bit d for day d, 1-31
  uint64_t months_ = 0;                   // bit m for month m, 1-12
  uint64_t days_of_week_ = 0;             // bit w for weekday w, 0 (Sunday) to 6
  bool day_of_month_restricted_ = false;  // the field does not start with `*`
  bool day_of_week_restricted_ = false;
};

}  // namespace bulwark::jobs
