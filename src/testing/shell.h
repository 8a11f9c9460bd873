// Running a command line in tests, as a user would type it: through /bin/sh, capturing its
// standard output (append "2>&1" to the command to capture standard error too).
//
//   std::string out;
//   EXPECT_EQ(RunShell(std::string(BULWARK_BINARY) + " version", &out), 0);
#pragma once

#include <string>

namespace bulwark::testing {

// Returns the command's exit status (-1 when it could not be started) and stores its standard
// output in `output`.
int RunShell(const std::string& command, std::string* output);

}  // namespace bulwark::testing
