// The evaluation's state machine, in one place (docs/evaluations.md draws it):
//
//   running ──pause (evaluator, or the window closing)──► paused ──resume──► running
//      │                                                    │
//      ├──the decision is made (every sample, or a sequential crossing)──► completed
//      │                                                    │                 │
//      └─────────────cancel (evaluator)─────────────────────┴──► cancelled    │
//                                                                             ▼
//                    completed ──recommend (evaluator)──► recommended ──designate (director,
//                                                                       not the recommender)──►
//                                                                       designated
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace bulwark::evaluations {

enum class EvaluationState { kRunning, kPaused, kCompleted, kCancelled, kRecommended, kDesignated };
std::string_view EvaluationStateName(EvaluationState state);
std::optional<EvaluationState> ParseEvaluationState(std::string_view name);

// FailedPrecondition (rule "evaluation_state") unless `to` may follow `from`.
Status CheckTransition(EvaluationState from, EvaluationState to);

// The recommendation a decision allows: "covered" for exceeds, "not_covered" for below; an
// inconclusive decision allows none (run more samples under the same policy). InvalidArgument
// for a recommendation that is neither; FailedPrecondition (rule "recommendation_follows_policy")
// when it contradicts the decision.
Status CheckRecommendation(std::string_view outcome, std::string_view recommendation);

// The order samples run in: every (task, epoch) pair, tasks in suite order and epochs 1..epochs,
// shuffled by a Fisher–Yates shuffle driven by SplitMix64 from `seed`, so the order is the same
// on every platform and can be recomputed from the seed recorded in the evaluation.
std::vector<std::pair<std::string, int64_t>> SampleOrder(const std::vector<std::string>& task_ids,
                                                         int64_t epochs, uint64_t seed);

// The reference a lab sees for the policy its model was designated under: "pol_" and 16 hex
// digits of SHA-256 of the policy's hash. Opaque: it names the policy to those who hold it and
// says nothing of its content.
std::string PolicyReference(std::string_view policy_hash);

}  // namespace bulwark::evaluations
