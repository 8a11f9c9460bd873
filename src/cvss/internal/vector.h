// The metrics of a CVSS vector: "NAME:VALUE/NAME:VALUE...", checked against a version's table of
// metrics and values. Shared by the calculators of every version.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace bulwark::cvss::internal {

struct MetricSpec {
  std::string_view name;
  std::string_view values;  // the values it takes, separated by spaces: "N A L P"
  bool required = false;    // a base metric, which every vector gives
};

struct ParsedVector {
  std::vector<std::pair<std::string, std::string>> metrics;  // in the vector's order

  // The metric's value, or `absent` when the vector does not give it.
  std::string_view Get(std::string_view name, std::string_view absent = "") const;
  // Whether the vector gives one of `names` a value other than `undefined`.
  bool AnyDefined(std::initializer_list<std::string_view> names, std::string_view undefined) const;
};

// InvalidArgument, naming `what` ("CVSS v3.1") and the fault: no metrics, an empty part, a part
// with no colon, an unknown metric, a value the metric does not take, a metric given twice, a
// base metric missing.
StatusOr<ParsedVector> ParseMetrics(std::string_view body, const std::vector<MetricSpec>& specs,
                                    std::string_view what);

}  // namespace bulwark::cvss::internal
