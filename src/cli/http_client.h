// A small blocking HTTP/1.1 client for the command line's remote operations (verifying a
// server's ledger). https:// URLs verify the server's certificate against the system's trust
// store and its host name.
//
// Thread-safety: independent calls may run on different threads.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace bulwark::cli {

struct HttpReply {
  int status = 0;
  std::string body;
};

// GETs `url` (http:// or https://). Transport errors are kUnavailable with the reason.
StatusOr<HttpReply> HttpGet(const std::string& url,
                            const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace bulwark::cli
