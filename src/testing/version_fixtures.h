// The version-ordering fixtures of ../shared/conformance/versions: one "A <op> B" a line
// (op is <, = or >), '#' or '//' comments, blank lines. Shared by the ordering tests.
//
//   for (const VersionFixtureLine& l : ReadVersionFixture(VersionFixturePath("pypi-versions.txt")))
//     EXPECT_EQ(Sign(ordering.Compare(l.a, l.b)), ...);
#pragma once

#include <string>
#include <vector>

namespace bulwark::testing {

struct VersionFixtureLine {
  int number;        // 1-based line number in the file
  std::string text;  // the line as written, for messages
  std::string a;
  char op;  // '<', '=' or '>'
  std::string b;
};

// ../shared/conformance/versions/FILE, from the source tree.
std::string VersionFixturePath(const std::string& file);

// The file's "A op B" lines; any other line that is not a comment is a test failure (and
// skipped). An unreadable file gives no lines.
std::vector<VersionFixtureLine> ReadVersionFixture(const std::string& path);

}  // namespace bulwark::testing
