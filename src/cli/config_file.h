// Configuration files for the bulwark command.
//
// Every option can come from a TOML file (--config or BULWARK_CONFIG), an environment variable,
// or a flag; a flag beats the environment, which beats the file, which beats the default.
// Keys at the top of the file are the global options; a [serve] (or [admin.create-user], ...)
// section holds a subcommand's options, by their long flag names without the dashes:
//
//   database = "sqlite:/var/lib/bulwark/bulwark.db"
//   [serve]
//   listen = "0.0.0.0:8443"
//   tls-cert = "/etc/bulwark/cert.pem"
//
// CLI11 reads flags and the environment; ApplyConfigFile then fills only the options neither
// of those set.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "base/status.h"

namespace bulwark::cli {

// An unknown key, a missing file or a malformed file is an error naming the key or the line.
Status ApplyConfigFile(CLI::App& app, const std::string& path);

}  // namespace bulwark::cli
