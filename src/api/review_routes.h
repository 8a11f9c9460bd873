// The pre-release review program's API under /api/v1/review: models and versions, inquiries,
// access windows, trusted partners and gateway keys (review_openapi.json describes them).
// Handlers parse, call the ReviewService, and render; the rules are the service's
// (docs/review.md). A version's credential is accepted and never returned; a gateway key's
// secret is returned once, when issued.
#pragma once

#include "api/authenticator.h"
#include "api/router.h"
#include "base/clock.h"
#include "review/service.h"

namespace bulwark::api {

void RegisterReviewRoutes(Router& router, Authenticator& auth, review::ReviewService& review,
                          const Clock& clock);

}  // namespace bulwark::api
