// The clearinghouse under /api/v1/clearinghouse (clearinghouse_openapi.json describes it): an
// operator's assets and their inventories (an SBOM uploaded as the request body), findings by
// priority and the analyses that move them, the feeds, and the portfolio across operators.
// Handlers parse, call the ClearinghouseService and render; the rules are the service's
// (docs/clearinghouse.md).
#pragma once

#include "api/authenticator.h"
#include "api/router.h"
#include "clearinghouse/service.h"

namespace bulwark::api {

void RegisterClearinghouseRoutes(Router& router, Authenticator& auth,
                                 clearinghouse::ClearinghouseService& clearinghouse);

}  // namespace bulwark::api
