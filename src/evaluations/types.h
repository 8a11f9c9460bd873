// The nouns of evaluations and designation: threshold policies registered before any run uses
// them, suites imported into the server, evaluations of a model version under a policy, their
// samples, and the recommendation and designation that answer a lab's inquiry.
//
// Plain values; safe to copy between threads. A suite's tasks and a sample's transcript are never
// part of them: they live encrypted in the secrets table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "evaluations/rules.h"

namespace bulwark::evaluations {

// A threshold policy as registered (its criteria stay in the secrets table: they are
// classified). The hash is of the policy file's bytes.
struct RegisteredPolicy {
  std::string hash;  // sha256:...
  std::string policy_id;
  int64_t version = 0;
  std::string description;
  bool sequential = false;
  std::vector<std::string> suite_hashes;  // the suites it names, by content hash
  Time registered_at;
  std::string registered_by;
};

// A suite imported into the server: what may be said of it without clearance.
struct StoredSuite {
  std::string hash;
  std::string name;
  std::string version;
  std::string description;
  int64_t tasks = 0;
  Time imported_at;
  std::string imported_by;
  // The task validity checks (evals/validity.h), run by a job after the import: "checking",
  // "valid", "invalid" or "error" (the sandbox failed; retried). Only a valid suite is run.
  std::string validity = "checking";
  std::string validity_report;  // the report as JSON, once checked
  std::optional<Time> checked_at;
};

struct Evaluation {
  std::string id;  // evl_...
  std::string version_id;
  std::string lab_org_id;
  std::string gateway_model;     // the version as the gateway names it ("Atlas/1.0")
  std::string gateway_protocol;  // the wire protocol it speaks there: "openai" or "anthropic"
  std::string window_id;         // the access window its calls go under
  std::string inquiry_id;        // the lab's inquiry it answers; "" for none
  std::string policy_hash;
  std::string policy_id;
  int64_t policy_version = 0;
  std::string suite_hash;
  std::string suite_name;
  int64_t epochs = 1;
  uint64_t seed = 0;  // of the order the samples run in
  EvaluationState state = EvaluationState::kRunning;
  std::string pause_reason;
  int64_t samples_total = 0;
  int64_t samples_done = 0;  // recorded results (infrastructure errors are not results)
  int64_t samples_passed = 0;
  int64_t infrastructure_errors = 0;  // attempts that failed on infrastructure, retried
  int64_t prefix_done = 0;            // samples recorded without a gap, in the run's order
  std::string started_by;
  Time started_at;
  Time updated_at;
  std::optional<Time> completed_at;
  std::string outcome;  // "exceeds", "below", "inconclusive"; "" until completed
  int64_t samples_used = 0;
  std::string decision;        // the decision with every statistic it used, as JSON
  std::string samples_sha256;  // of the samples' records in order (docs/evaluations.md)
  std::string recommendation;  // "covered", "not_covered"; "" until recommended
  std::string rationale;
  std::string recommended_by;
  std::optional<Time> recommended_at;
  std::string designated_by;
  std::optional<Time> designated_at;
  std::string designation_note;
};

// One sample of an evaluation, in the run's order. Its transcript is apart (encrypted).
struct EvaluationSample {
  int64_t position = 0;
  std::string task_id;
  int64_t epoch = 1;
  bool recorded = false;
  std::string end;  // evals::SampleEndName; "" until recorded
  bool passed = false;
  int64_t attempts = 0;
  int64_t messages = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t milliseconds = 0;
  std::string transcript_sha256;
  int64_t infrastructure_errors = 0;
  std::string last_error;
  std::optional<Time> recorded_at;
};

// A page of an evaluation's samples, from one position on, in the run's order.
struct SamplePage {
  std::vector<EvaluationSample> items;
  std::optional<int64_t> next;  // the position the next page starts at; none at the end
};

}  // namespace bulwark::evaluations
