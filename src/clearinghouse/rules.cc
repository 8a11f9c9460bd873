#include "clearinghouse/rules.h"

#include <array>
#include <string>

namespace bulwark::clearinghouse {
namespace {

constexpr std::array<std::string_view, 6> kStateNames = {
    "open", "in_triage", "not_affected", "risk_accepted", "fixed", "verified_fixed"};

constexpr std::array<std::string_view, 5> kJustificationNames = {
    "component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist"};

template <typename T, size_t N>
std::optional<T> ParseName(std::string_view name, const std::array<std::string_view, N>& names) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<T>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view FindingStateName(FindingState state) {
  return kStateNames[static_cast<size_t>(state)];
}

std::optional<FindingState> ParseFindingState(std::string_view name) {
  return ParseName<FindingState>(name, kStateNames);
}

bool IsActive(FindingState state) {
  return state == FindingState::kOpen || state == FindingState::kInTriage ||
         state == FindingState::kRiskAccepted;
}

Status CheckFindingTransition(FindingState from, FindingState to, Mover mover) {
  using S = FindingState;
  bool allowed = false;
  std::string_view allowed_text;
  if (to == S::kOpen) {
    allowed = from != S::kOpen;
    allowed_text = "a finding that is not open may be reopened";
  } else if (mover == Mover::kMonitor) {
    allowed = to == S::kVerifiedFixed && from != S::kVerifiedFixed;
    allowed_text = "the monitor only verifies fixes and reopens";
  } else {
    switch (to) {
      case S::kInTriage:
        allowed = from == S::kOpen;
        allowed_text = "only an open finding goes into triage";
        break;
      case S::kNotAffected:
      case S::kRiskAccepted:
        allowed = from == S::kOpen || from == S::kInTriage;
        allowed_text = "an analysis concludes an open finding or one in triage";
        break;
      case S::kFixed:
        allowed = from == S::kOpen || from == S::kInTriage || from == S::kRiskAccepted;
        allowed_text = "a fix is reported for a finding that still asks for one";
        break;
      case S::kVerifiedFixed:
        allowed_text = "only a later inventory verifies a fix";
        break;
      case S::kOpen:
        break;
    }
  }
  if (allowed) return OkStatus();
  return Status(StatusCode::kFailedPrecondition,
                "a finding that is " + std::string(FindingStateName(from)) + " cannot become " +
                    std::string(FindingStateName(to)) + ": " + std::string(allowed_text),
                {{"rule", "finding_transition"}});
}

std::string_view JustificationName(Justification justification) {
  return kJustificationNames[static_cast<size_t>(justification)];
}

std::optional<Justification> ParseJustification(std::string_view name) {
  return ParseName<Justification>(name, kJustificationNames);
}

std::string_view CycloneDxJustification(Justification justification) {
  switch (justification) {
    case Justification::kComponentNotPresent:
    case Justification::kVulnerableCodeNotPresent:
      return "code_not_present";
    case Justification::kVulnerableCodeNotInExecutePath:
      return "code_not_reachable";
    case Justification::kVulnerableCodeCannotBeControlledByAdversary:
      return "requires_environment";
    case Justification::kInlineMitigationsAlreadyExist:
      return "protected_by_mitigating_control";
  }
  return "code_not_present";
}

Status CheckRiskAcceptance(Time expires_at, Time now) {
  if (expires_at <= now) {
    return Status(StatusCode::kInvalidArgument, "a risk acceptance expires in the future",
                  {{"rule", "risk_acceptance_expiry"}});
  }
  if (expires_at - now > kMaxRiskAcceptance) {
    return Status(StatusCode::kInvalidArgument,
                  "a risk is accepted for at most 365 days; accept it again when it expires",
                  {{"rule", "risk_acceptance_expiry"}});
  }
  return OkStatus();
}

FindingState StateAt(FindingState stored, std::optional<Time> accepted_until, Time now) {
  if (stored == FindingState::kRiskAccepted && accepted_until && *accepted_until <= now) {
    return FindingState::kOpen;
  }
  return stored;
}

std::optional<Time> RemediationDeadline(ssvc::RemediationTimeline timeline, Time known_at) {
  std::optional<Duration> allowed = ssvc::TimelineDuration(timeline);
  if (!allowed) return std::nullopt;
  return known_at + *allowed;
}

bool IsOverdue(FindingState state, std::optional<Time> deadline, Time now) {
  return IsActive(state) && deadline.has_value() && *deadline <= now;
}

}  // namespace bulwark::clearinghouse
