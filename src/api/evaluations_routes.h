// Evaluations and designation under /api/v1/evaluations (evaluations_openapi.json describes
// them): registered policies, imported suites, evaluations and their samples, and the
// recommendation and designation. Handlers parse, call the EvaluationService and render; the
// rules are the service's (docs/evaluations.md). No response carries a suite's tasks, a policy's
// criteria beyond its decision, or an evaluation's gateway key.
#pragma once

#include "api/authenticator.h"
#include "api/router.h"
#include "evaluations/service.h"

namespace bulwark::api {

void RegisterEvaluationsRoutes(Router& router, Authenticator& auth,
                               evaluations::EvaluationService& evaluations);

}  // namespace bulwark::api
