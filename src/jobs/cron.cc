#include "jobs/cron.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <span>
#include <vector>

#include "base/text.h"

namespace bulwark::jobs {
namespace {

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"sun", "mon", "tue", "wed",
                                                           "thu", "fri", "sat"};

// One of the five fields: its name in messages, its values, and the names that may stand for
// them (the first name is the value `min`).
struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  std::span<const std::string_view> names = {};
  std::string_view name_range = "";  // "JAN-DEC", for messages
};

constexpr FieldSpec kMinute{.name = "minute", .min = 0, .max = 59};
constexpr FieldSpec kHour{.name = "hour", .min = 0, .max = 23};
constexpr FieldSpec kDayOfMonth{.name = "day-of-month", .min = 1, .max = 31};
constexpr FieldSpec kMonth{
    .name = "month", .min = 1, .max = 12, .names = kMonthNames, .name_range = "JAN-DEC"};
// 7 is Sunday as well as 0; it is folded into 0 once the field is parsed.
constexpr FieldSpec kDayOfWeek{
    .name = "day-of-week", .min = 0, .max = 7, .names = kWeekdayNames, .name_range = "SUN-SAT"};

struct Macro {
  std::string_view name;
  std::string_view fields;
};

constexpr std::array<Macro, 7> kMacros = {{{"@yearly", "0 0 1 1 *"},
                                           {"@annually", "0 0 1 1 *"},
                                           {"@monthly", "0 0 1 * *"},
                                           {"@weekly", "0 0 * * 0"},
                                           {"@daily", "0 0 * * *"},
                                           {"@midnight", "0 0 * * *"},
                                           {"@hourly", "0 * * * *"}}};

// Untrusted text as it is shown in a message: control characters escaped, and cut short.
std::string Shown(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  if (text.size() <= kMaxShown) return PrintableText(text);
  return PrintableText(text.substr(0, kMaxShown)) + "...";
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IsDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A number of digits only, saturated at a value beyond any field's range so that a long run of
// digits cannot overflow.
int DigitsValue(std::string_view digits) {
  constexpr int kSaturated = 1'000'000;
  int value = 0;
  for (char c : digits) value = std::min(kSaturated, value * 10 + (c - '0'));
  return value;
}

Status FieldError(const FieldSpec& field, const std::string& message) {
  return InvalidArgumentError("cron field '" + std::string(field.name) + "': " + message);
}

std::string RangeText(const FieldSpec& field) {
  return std::to_string(field.min) + "-" + std::to_string(field.max);
}

// One value of a field, in `item`: a number in its range, or one of its names.
StatusOr<int> ParseValue(const FieldSpec& field, std::string_view text, std::string_view item) {
  if (IsDigits(text)) {
    const int value = DigitsValue(text);
    if (value < field.min || value > field.max) {
      return FieldError(field, Shown(text) + " is out of range " + RangeText(field));
    }
    return value;
  }
  for (size_t i = 0; i < field.names.size(); ++i) {
    if (EqualsIgnoringCase(text, field.names[i])) return field.min + static_cast<int>(i);
  }
  if (text.empty()) return FieldError(field, "'" + Shown(item) + "' is missing a value");
  std::string expected = "a number " + RangeText(field);
  if (!field.names.empty()) expected += " or a name " + std::string(field.name_range);
  return FieldError(field, "'" + Shown(text) + "' is not " + expected);
}

// One item of a field's list: `*`, `v`, `a-b`, each optionally with `/step`. Returns the bits
// of the values it covers.
StatusOr<uint64_t> ParseItem(const FieldSpec& field, std::string_view item) {
  std::string_view range = item, step_text;
  bool has_step = false;
  if (size_t slash = item.find('/'); slash != std::string_view::npos) {
    range = item.substr(0, slash);
    step_text = item.substr(slash + 1);
    has_step = true;
  }
  int low = field.min, high = field.max;
  if (range != "*") {
    if (size_t dash = range.find('-'); dash != std::string_view::npos) {
      BW_ASSIGN_OR_RETURN(low, ParseValue(field, range.substr(0, dash), item));
      BW_ASSIGN_OR_RETURN(high, ParseValue(field, range.substr(dash + 1), item));
      if (low > high) {
        return FieldError(field, "the range " + Shown(range) +
                                     " goes backwards; ranges run from low to high (a range "
                                     "that wraps around is two, such as " +
                                     std::to_string(low) + "-" + std::to_string(field.max) + "," +
                                     std::to_string(field.min) + "-" + std::to_string(high) + ")");
      }
    } else {
      BW_ASSIGN_OR_RETURN(low, ParseValue(field, range, item));
      // `a/n` runs from a to the end of the field.
      high = has_step ? field.max : low;
    }
  }
  int step = 1;
  if (has_step) {
    const int widest = field.max - field.min + 1;
    if (!IsDigits(step_text)) {
      return FieldError(field, "the step '" + Shown(step_text) + "' in '" + Shown(item) +
                                   "' is not a number 1-" + std::to_string(widest));
    }
    step = DigitsValue(step_text);
    if (step < 1 || step > widest) {
      return FieldError(field, "the step " + Shown(step_text) + " in '" + Shown(item) +
                                   "' is out of range 1-" + std::to_string(widest));
    }
  }
  uint64_t bits = 0;
  for (int value = low; value <= high; value += step) bits |= uint64_t{1} << value;
  return bits;
}

// A whole field: a comma-separated list of items.
StatusOr<uint64_t> ParseField(const FieldSpec& field, std::string_view text) {
  uint64_t bits = 0;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.empty()) {
      return FieldError(field, "'" + Shown(text) + "' has an empty item in its list");
    }
    BW_ASSIGN_OR_RETURN(uint64_t item_bits, ParseItem(field, item));
    bits |= item_bits;
    if (comma == std::string_view::npos) return bits;
    start = comma + 1;
  }
}

std::vector<std::string_view> SplitOnWhitespace(std::string_view text) {
  std::vector<std::string_view> words;
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && space(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !space(text[i])) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

bool HasBit(uint64_t bits, unsigned i) { return (bits >> i) & 1; }

}  // namespace

StatusOr<CronExpression> CronExpression::Parse(std::string_view text) {
  if (text.size() > kMaxLength) {
    return InvalidArgumentError("a cron expression is at most " + std::to_string(kMaxLength) +
                                " characters; this one has " + std::to_string(text.size()));
  }
  text = TrimAsciiWhitespace(text);
  if (text.empty()) {
    return InvalidArgumentError(
        "the cron expression is empty; write five fields (minute hour day-of-month month "
        "day-of-week) such as '0 3 * * *', or a macro such as @daily");
  }
  std::string_view fields_text = text;
  if (text.front() == '@') {
    fields_text = {};
    for (const Macro& macro : kMacros) {
      if (EqualsIgnoringCase(text, macro.name)) fields_text = macro.fields;
    }
    if (fields_text.empty()) {
      return InvalidArgumentError(
          "'" + Shown(text) +
          "' is not a cron macro; the macros are @yearly, @annually, @monthly, @weekly, @daily, "
          "@midnight and @hourly");
    }
  }
  const std::vector<std::string_view> fields = SplitOnWhitespace(fields_text);
  if (fields.size() != 5) {
    return InvalidArgumentError(
        "a cron expression has five fields (minute hour day-of-month month day-of-week); '" +
        Shown(text) + "' has " + std::to_string(fields.size()));
  }
  CronExpression cron;
  BW_ASSIGN_OR_RETURN(cron.minutes_, ParseField(kMinute, fields[0]));
  BW_ASSIGN_OR_RETURN(cron.hours_, ParseField(kHour, fields[1]));
  BW_ASSIGN_OR_RETURN(cron.days_of_month_, ParseField(kDayOfMonth, fields[2]));
  BW_ASSIGN_OR_RETURN(cron.months_, ParseField(kMonth, fields[3]));
  BW_ASSIGN_OR_RETURN(uint64_t days_of_week, ParseField(kDayOfWeek, fields[4]));
  if (HasBit(days_of_week, 7)) days_of_week |= 1;  // Sunday
  cron.days_of_week_ = days_of_week & 0x7f;
  cron.day_of_month_restricted_ = fields[2].front() != '*';
  cron.day_of_week_restricted_ = fields[4].front() != '*';
  cron.text_ = std::string(text);
  return cron;
}

bool CronExpression::DayMatches(unsigned day, unsigned weekday) const {
  const bool day_of_month = HasBit(days_of_month_, day);
  const bool day_of_week = HasBit(days_of_week_, weekday);
  if (day_of_month_restricted_ && day_of_week_restricted_) return day_of_month || day_of_week;
  return day_of_month && day_of_week;
}

std::optional<Time> CronExpression::Next(Time after) const {
  using namespace std::chrono;
  constexpr sys_days kEarliest = sys_days(year(1) / January / 1);
  constexpr sys_days kLatest = sys_days(year(9000) / January / 1);
  if (after < kEarliest || after >= kLatest) return std::nullopt;

  const sys_time<minutes> start = floor<minutes>(after) + minutes(1);
  sys_days day = floor<days>(start);
  const sys_days last = day + days(kSearchDays);
  // The first minute of the day to look at: the start's on its own day, then midnight.
  int first_minute = static_cast<int>((start - day).count());
  while (day <= last) {
    const year_month_day date(day);
    if (!HasBit(months_, unsigned(date.month()))) {
      // The whole month is out: go on from the first of the next one.
      day = sys_days(year_month_day(date.year() / date.month() / 1) + months(1));
      first_minute = 0;
      continue;
    }
    if (DayMatches(unsigned(date.day()), weekday(day).c_encoding())) {
      for (int hour = first_minute / 60; hour < 24; ++hour) {
        if (!HasBit(hours_, hour)) continue;
        const int from = hour == first_minute / 60 ? first_minute % 60 : 0;
        for (int minute = from; minute < 60; ++minute) {
          if (HasBit(minutes_, minute)) return Time(day + hours(hour) + minutes(minute));
        }
      }
    }
    day += days(1);
    first_minute = 0;
  }
  return std::nullopt;
}

}  // namespace bulwark::jobs
