// For the ordering tests: cases "A op B" checked both ways round, with CoarseKey agreeing
// (a < b implies key(a) <= key(b); a = b implies equal keys).
//
//   ExpectOrderCasesForTest(OrderingFor(VersionScheme::kApk), ParseOrderCasesForTest({
//       "1.2_rc1 < 1.2", "1.0 > 1.00"}));
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vuln/version.h"

namespace bulwark::vuln {

struct OrderCase {
  std::string a;
  char op;  // '<', '=' or '>'
  std::string b;
};

// "A op B" with single spaces; neither side holds a space.
inline OrderCase ParseOrderCaseForTest(const std::string& line) {
  size_t first = line.find(' '), second = line.find(' ', first + 1);
  return {line.substr(0, first), line[first + 1], line.substr(second + 1)};
}

inline std::vector<OrderCase> ParseOrderCasesForTest(const std::vector<std::string>& lines) {
  std::vector<OrderCase> cases;
  for (const std::string& line : lines) cases.push_back(ParseOrderCaseForTest(line));
  return cases;
}

inline void ExpectOrderCasesForTest(const VersionOrdering& o, const std::vector<OrderCase>& cases) {
  auto sign = [](int v) { return (v > 0) - (v < 0); };
  for (const OrderCase& c : cases) {
    const int want = c.op == '<' ? -1 : c.op == '>' ? 1 : 0;
    EXPECT_EQ(sign(o.Compare(c.a, c.b)), want) << "[" << c.a << "] " << c.op << " [" << c.b << "]";
    EXPECT_EQ(sign(o.Compare(c.b, c.a)), -want)
        << "reversed: [" << c.a << "] " << c.op << " [" << c.b << "]";
    const uint64_t ka = o.CoarseKey(c.a), kb = o.CoarseKey(c.b);
    if (want < 0) {
      EXPECT_LE(ka, kb) << c.a << " < " << c.b;
    } else if (want > 0) {
      EXPECT_GE(ka, kb) << c.a << " > " << c.b;
    } else {
      EXPECT_EQ(ka, kb) << c.a << " = " << c.b;
    }
  }
}

}  // namespace bulwark::vuln
