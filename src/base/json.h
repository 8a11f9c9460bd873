// JSON on the wire: parsing untrusted request bodies, and reading their fields strictly.
//
// ParseJson reports where malformed input broke (byte offset, line and column). JsonFields
// reads an object's members by name and type, remembers the first problem (a missing field, a
// wrong type, an unknown field), and reports it from Finish(), so a handler reads like a
// declaration of its body:
//
//   BW_ASSIGN_OR_RETURN(boost::json::value body, ParseJson(request.body));
//   JsonFields f(body, "organization");
//   std::string name = f.String("name");
//   std::optional<std::string> kind = f.OptionalString("kind");
//   BW_RETURN_IF_ERROR(f.Finish());
//
// Thread-safety: JsonFields is a single-threaded value.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace bulwark {

// Parses a complete JSON text. Errors are InvalidArgument with details "offset", "line",
// "column".
StatusOr<boost::json::value> ParseJson(std::string_view text);

class JsonFields {
 public:
  // `what` names the object in messages ("request body", "organization").
  explicit JsonFields(const boost::json::value& value, std::string what = "request body");

  // A required, non-empty string. A missing or mistyped member records an error and returns "".
  std::string String(std::string_view key, size_t max_length = 1024);

  // Optional members: absent or null gives nullopt.
  std::optional<std::string> OptionalString(std::string_view key, size_t max_length = 1024);
  std::optional<bool> OptionalBool(std::string_view key);
  std::optional<Time> OptionalTimestamp(std::string_view key);
  // A whole number (a JSON integer, or a number with no fraction) that fits in int64.
  std::optional<int64_t> OptionalInt(std::string_view key);

  // The first error recorded, or an error naming the first member that was never read.
  Status Finish();

 private:
  // Records an error, if none was recorded yet.
  void Fail(Status status);
  const boost::json::value* Find(std::string_view key, bool required);
  void TypeError(std::string_view key, std::string_view expected);

  const boost::json::object* object_ = nullptr;
  std::string what_;
  std::set<std::string, std::less<>> read_;
  Status first_error_;
};

// A JSON string literal for `s` (quotes included), for hand-built JSON such as log lines.
std::string JsonQuote(std::string_view s);

}  // namespace bulwark
