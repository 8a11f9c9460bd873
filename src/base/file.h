// Reading whole files with a size limit, for inputs a person names on the command line (an
// SBOM, a key, a proof). The limit turns "someone passed /dev/zero" into an error instead of
// exhausting memory.
//
// Thread-safety: pure functions.
//
//   BW_ASSIGN_OR_RETURN(std::string sbom, ReadFileToString(path, 256 << 20));
#pragma once

#include <cstddef>
#include <string>

#include "base/status.h"

namespace bulwark {

// The file's bytes. NotFound when it does not exist, InvalidArgument when it is a directory
// or cannot be read, ResourceExhausted when it is larger than `max_bytes`. "-" reads standard
// input.
StatusOr<std::string> ReadFileToString(const std::string& path, size_t max_bytes);

}  // namespace bulwark
