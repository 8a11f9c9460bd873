// The clearinghouse's rules, in one place: the states of a finding (an asset's component matched
// by an advisory) and who may move it where, the VEX justifications of "not affected", risk
// acceptances that expire, and the remediation deadline a finding's BOD 26-04 timeline sets.
// Pure functions of their arguments and `now`; the clearinghouse service applies them inside its
// transactions, and docs/clearinghouse.md draws them.
//
//   open ──triage──> in_triage ──analysis──> not_affected (with a justification)
//     │                 │        └─────────> risk_accepted (until an expiry) ──expires──> open
//     └──────────┬──────┴─report fixed──> fixed ──a later inventory lacks it──> verified_fixed
//                └─a later inventory lacks the component's version──────────> verified_fixed
//   any state but open ──a later inventory has it again, or an analyst reopens──> open
//
// Thread-safety: values and pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "ssvc/ssvc.h"

namespace bulwark::clearinghouse {

enum class FindingState { kOpen, kInTriage, kNotAffected, kRiskAccepted, kFixed, kVerifiedFixed };
// "open", "in_triage", "not_affected", "risk_accepted", "fixed", "verified_fixed".
std::string_view FindingStateName(FindingState state);
std::optional<FindingState> ParseFindingState(std::string_view name);

// Whether the finding still asks something of its operator: open, in triage, or risk accepted
// (which comes back when it expires). Not affected, fixed and verified fixed do not.
bool IsActive(FindingState state);

// Who moves a finding: a person (the operator's staff or a clearinghouse analyst), or the
// monitor, which compares each new inventory with the findings of its asset.
enum class Mover { kPerson, kMonitor };

// The transitions a person may make: open -> in_triage; open or in_triage -> not_affected,
// risk_accepted or fixed; risk_accepted -> fixed; any state but open -> open (reopen). The
// monitor's: any state but verified_fixed -> verified_fixed (a later inventory no longer has the
// component's version); any state but open -> open (it has it again). FailedPrecondition with the
// rule "finding_transition" otherwise, saying what is allowed.
Status CheckFindingTransition(FindingState from, FindingState to, Mover mover);

// Why a component is not affected: the five justifications of the VEX minimum requirements
// (CSAF's `flags` labels, OpenVEX's justifications).
enum class Justification {
  kComponentNotPresent,
  kVulnerableCodeNotPresent,
  kVulnerableCodeNotInExecutePath,
  kVulnerableCodeCannotBeControlledByAdversary,
  kInlineMitigationsAlreadyExist,
};
// "component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
// "vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist".
std::string_view JustificationName(Justification justification);
std::optional<Justification> ParseJustification(std::string_view name);
// The nearest CycloneDX `analysis.justification`: code_not_present, code_not_reachable,
// requires_environment, protected_by_mitigating_control.
std::string_view CycloneDxJustification(Justification justification);

// A risk is accepted for at most this long; then the finding is open again.
inline constexpr Duration kMaxRiskAcceptance = Days(365);
// An acceptance's expiry lies after `now` and at most kMaxRiskAcceptance from it.
// InvalidArgument with the rule "risk_acceptance_expiry" otherwise.
Status CheckRiskAcceptance(Time expires_at, Time now);

// The state a finding is in at `now`: a risk acceptance that has expired is open again (the
// sweep writes it down; every read applies it first).
FindingState StateAt(FindingState stored, std::optional<Time> accepted_until, Time now);

// The deadline a BOD 26-04 timeline sets for a finding known to apply from `known_at`: 3, 14 or
// 60 days later; none for "fix on system upgrade".
std::optional<Time> RemediationDeadline(ssvc::RemediationTimeline timeline, Time known_at);

// Whether the deadline has passed at `now` while the finding still asks something (IsActive):
// what escalates to the operator's admins and the clearinghouse.
bool IsOverdue(FindingState state, std::optional<Time> deadline, Time now);

}  // namespace bulwark::clearinghouse
