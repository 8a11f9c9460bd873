#include "base/json.h"

#include "base/time_format.h"

namespace bulwark {

StatusOr<boost::json::value> ParseJson(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = 64;
  boost::json::stream_parser parser({}, options);
  boost::system::error_code ec;
  size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (!ec && consumed < text.size()) ec = boost::json::error::extra_data;
  if (ec) {
    size_t offset = std::min(consumed, text.size());
    size_t line = 1, column = 1;
    for (size_t i = 0; i < offset; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string reason = text.empty() ? "the body is empty" : ec.message();
    return Status(StatusCode::kInvalidArgument,
                  "malformed JSON at line " + std::to_string(line) + ", column " +
                      std::to_string(column) + ": " + reason,
                  {{"offset", std::to_string(offset)},
                   {"line", std::to_string(line)},
                   {"column", std::to_string(column)}});
  }
  return parser.release();
}

JsonFields::JsonFields(const boost::json::value& value, std::string what) : what_(std::move(what)) {
  object_ = value.if_object();
  if (object_ == nullptr) {
    first_error_ = InvalidArgumentError("the " + what_ + " must be a JSON object");
  }
}

void JsonFields::Fail(Status status) {
  if (first_error_.ok()) first_error_ = std::move(status);
}

const boost::json::value* JsonFields::Find(std::string_view key, bool required) {
  read_.insert(std::string(key));
  if (object_ == nullptr) return nullptr;
  const boost::json::value* v = object_->if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (required) {
      Fail(Status(StatusCode::kInvalidArgument,
                  "the " + what_ + " is missing the required field '" + std::string(key) + "'",
                  {{"field", std::string(key)}}));
    }
    return nullptr;
  }
  return v;
}

void JsonFields::TypeError(std::string_view key, std::string_view expected) {
  Fail(Status(
      StatusCode::kInvalidArgument,
      "field '" + std::string(key) + "' of the " + what_ + " must be " + std::string(expected),
      {{"field", std::string(key)}}));
}

std::optional<std::string> JsonFields::OptionalString(std::string_view key, size_t max_length) {
  const boost::json::value* v = Find(key, false);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    TypeError(key, "a string");
    return std::nullopt;
  }
  if (v->get_string().size() > max_length) {
    TypeError(key, "a string of at most " + std::to_string(max_length) + " bytes");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::string JsonFields::String(std::string_view key, size_t max_length) {
  if (Find(key, true) == nullptr) return {};
  std::optional<std::string> s = OptionalString(key, max_length);
  if (s && s->empty()) TypeError(key, "a non-empty string");
  return s.value_or("");
}

std::optional<bool> JsonFields::OptionalBool(std::string_view key) {
  const boost::json::value* v = Find(key, false);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) {
    TypeError(key, "true or false");
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<Time> JsonFields::OptionalTimestamp(std::string_view key) {
  std::optional<std::string> s = OptionalString(key, 64);
  if (!s) return std::nullopt;
  StatusOr<Time> t = ParseRfc3339(*s);
  if (!t.ok()) {
    TypeError(key, "an RFC 3339 date-time such as 2026-07-01T12:00:00Z");
    return std::nullopt;
  }
  return *t;
}

std::optional<int64_t> JsonFields::OptionalInt(std::string_view key) {
  const boost::json::value* v = Find(key, false);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->get_uint64());
  }
  if (v->is_double()) {
    const double d = v->get_double();
    if (d == static_cast<double>(static_cast<int64_t>(d)) && d > -9.2e18 && d < 9.2e18) {
      return static_cast<int64_t>(d);
    }
  }
  TypeError(key, "a whole number");
  return std::nullopt;
}

Status JsonFields::Finish() {
  if (!first_error_.ok()) return first_error_;
  for (const auto& [key, value] : *object_) {
    if (!read_.contains(key)) {
      return Status(StatusCode::kInvalidArgument,
                    "the " + what_ + " has an unknown field '" + std::string(key) + "'",
                    {{"field", std::string(key)}});
    }
  }
  return OkStatus();
}

std::string JsonQuote(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }

}  // namespace bulwark
