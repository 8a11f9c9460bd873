#include "cvss/internal/vector.h"

#include <algorithm>

namespace bulwark::cvss::internal {
namespace {

// "N, A, L or P" from "N A L P".
std::string ValueList(std::string_view values) {
  std::vector<std::string_view> each;
  for (size_t at = 0; at < values.size();) {
    size_t space = values.find(' ', at);
    if (space == std::string_view::npos) space = values.size();
    each.push_back(values.substr(at, space - at));
    at = space + 1;
  }
  std::string out;
  for (size_t i = 0; i < each.size(); ++i) {
    if (i > 0) out += i + 1 == each.size() ? " or " : ", ";
    out += each[i];
  }
  return out;
}

bool Takes(std::string_view values, std::string_view value) {
  for (size_t at = 0; at < values.size();) {
    size_t space = values.find(' ', at);
    if (space == std::string_view::npos) space = values.size();
    if (values.substr(at, space - at) == value) return true;
    at = space + 1;
  }
  return false;
}

// What a person can read of untrusted text: at most 40 bytes, printable ASCII.
std::string Shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > 40) out += "...";
  return out;
}

}  // namespace

std::string_view ParsedVector::Get(std::string_view name, std::string_view absent) const {
  for (const auto& [metric, value] : metrics) {
    if (metric == name) return value;
  }
  return absent;
}

bool ParsedVector::AnyDefined(std::initializer_list<std::string_view> names,
                              std::string_view undefined) const {
  return std::any_of(names.begin(), names.end(), [&](std::string_view name) {
    std::string_view value = Get(name, undefined);
    return value != undefined;
  });
}

StatusOr<ParsedVector> ParseMetrics(std::string_view body, const std::vector<MetricSpec>& specs,
                                    std::string_view what) {
  const std::string label(what);
  if (body.empty()) return InvalidArgumentError("the " + label + " vector has no metrics");
  ParsedVector out;
  size_t at = 0;
  while (true) {
    size_t slash = body.find('/', at);
    const std::string_view part =
        body.substr(at, slash == std::string_view::npos ? std::string_view::npos : slash - at);
    if (part.empty()) {
      return InvalidArgumentError("the " + label +
                                  " vector has an empty metric (two slashes, or one at an end)");
    }
    const size_t colon = part.find(':');
    if (colon == std::string_view::npos) {
      return InvalidArgumentError("'" + Shown(part) + "' in the " + label +
                                  " vector is not METRIC:VALUE");
    }
    const std::string_view name = part.substr(0, colon);
    const std::string_view value = part.substr(colon + 1);
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const MetricSpec& s) { return s.name == name; });
    if (spec == specs.end()) {
      return InvalidArgumentError("unknown metric '" + Shown(name) + "' in the " + label +
                                  " vector");
    }
    if (!Takes(spec->values, value)) {
      return InvalidArgumentError("metric '" + std::string(name) + "' has value '" + Shown(value) +
                                  "'; in " + label + " it takes " + ValueList(spec->values));
    }
    if (!out.Get(name).empty()) {
      return InvalidArgumentError("metric '" + std::string(name) + "' is given twice in the " +
                                  label + " vector");
    }
    out.metrics.emplace_back(std::string(name), std::string(value));
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  for (const MetricSpec& spec : specs) {
    if (spec.required && out.Get(spec.name).empty()) {
      return InvalidArgumentError("the " + label + " vector lacks the base metric '" +
                                  std::string(spec.name) + "'");
    }
  }
  return out;
}

}  // namespace bulwark::cvss::internal
