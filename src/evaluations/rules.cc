#include "evaluations/rules.h"

#include <openssl/evp.h>

#include "base/encoding.h"

namespace bulwark::evaluations {
namespace {

constexpr std::pair<EvaluationState, std::string_view> kStates[] = {
    {EvaluationState::kRunning, "running"},         {EvaluationState::kPaused, "paused"},
    {EvaluationState::kCompleted, "completed"},     {EvaluationState::kCancelled, "cancelled"},
    {EvaluationState::kRecommended, "recommended"}, {EvaluationState::kDesignated, "designated"},
};

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A uniform integer in [0, bound), without modulo bias (rejection sampling).
uint64_t Below(uint64_t bound, uint64_t& state) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  for (;;) {
    const uint64_t x = SplitMix64(state);
    if (x < limit) return x % bound;
  }
}

}  // namespace

std::string_view EvaluationStateName(EvaluationState state) {
  for (const auto& [s, name] : kStates) {
    if (s == state) return name;
  }
  return "running";
}

std::optional<EvaluationState> ParseEvaluationState(std::string_view name) {
  for (const auto& [s, n] : kStates) {
    if (n == name) return s;
  }
  return std::nullopt;
}

Status CheckTransition(EvaluationState from, EvaluationState to) {
  using S = EvaluationState;
  bool allowed = false;
  switch (to) {
    case S::kPaused:
    case S::kCompleted:
      allowed = from == S::kRunning;
      break;
    case S::kRunning:
      allowed = from == S::kPaused;
      break;
    case S::kCancelled:
      allowed = from == S::kRunning || from == S::kPaused;
      break;
    case S::kRecommended:
      allowed = from == S::kCompleted;
      break;
    case S::kDesignated:
      allowed = from == S::kRecommended;
      break;
  }
  if (allowed) return OkStatus();
  return Status(StatusCode::kFailedPrecondition,
                "the evaluation is " + std::string(EvaluationStateName(from)) + "; it cannot be " +
                    std::string(EvaluationStateName(to)) + " from there",
                {{"rule", "evaluation_state"}});
}

Status CheckRecommendation(std::string_view outcome, std::string_view recommendation) {
  if (recommendation != "covered" && recommendation != "not_covered") {
    return Status(StatusCode::kInvalidArgument, "the recommendation is covered or not_covered",
                  {{"field", "recommendation"}});
  }
  const std::string_view follows = outcome == "exceeds" ? "covered"
                                   : outcome == "below" ? "not_covered"
                                                        : "";
  if (follows.empty()) {
    return Status(StatusCode::kFailedPrecondition,
                  "the decision under the policy is inconclusive: nothing may be recommended on "
                  "it; run more samples under the same policy",
                  {{"rule", "recommendation_follows_policy"}});
  }
  if (recommendation != follows) {
    return Status(StatusCode::kFailedPrecondition,
                  "the decision under the policy is " + std::string(outcome) +
                      ", so the recommendation is " + std::string(follows),
                  {{"rule", "recommendation_follows_policy"}});
  }
  return OkStatus();
}

std::vector<std::pair<std::string, int64_t>> SampleOrder(const std::vector<std::string>& task_ids,
                                                         int64_t epochs, uint64_t seed) {
  std::vector<std::pair<std::string, int64_t>> order;
  order.reserve(task_ids.size() * static_cast<size_t>(std::max<int64_t>(epochs, 0)));
  for (const std::string& id : task_ids) {
    for (int64_t e = 1; e <= epochs; ++e) order.emplace_back(id, e);
  }
  uint64_t state = seed;
  for (size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[Below(i, state)]);
  }
  return order;
}

std::string PolicyReference(std::string_view policy_hash) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(policy_hash.data(), policy_hash.size(), digest, &length, EVP_sha256(), nullptr);
  return "pol_" + HexEncode(std::string_view(reinterpret_cast<const char*>(digest), 8));
}

}  // namespace bulwark::evaluations
