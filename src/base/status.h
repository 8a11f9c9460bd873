// Status and StatusOr<T>: how every Bulwark module reports failure.
//
// No exception crosses a module boundary; a function that can fail returns a Status (or a
// StatusOr<T> carrying either a value or a Status). The codes are the canonical ones; pick by
// what the caller should do about it:
//
//   kInvalidArgument     the input is wrong whatever the state of the system (bad JSON, a
//                        malformed version string). HTTP 400.
//   kUnauthenticated     no credential, or one that is expired, revoked or forged. HTTP 401.
//   kPermissionDenied    the caller is known but may not do this. HTTP 403.
//   kNotFound            the object does not exist, or must stay invisible to the caller. 404.
//   kAlreadyExists       a create collided with an existing object. HTTP 409.
//   kFailedPrecondition  the system is not in the state the operation needs (a window already
//                        closed, a row referenced by others). HTTP 409.
//   kAborted             a concurrency conflict; retrying the whole operation may succeed. 409.
//   kResourceExhausted   a quota or rate limit, or a body over the size limit. HTTP 429 / 413.
//   kUnavailable         a dependency is down for now; retry later. HTTP 503.
//   kInternal            a broken invariant of ours. HTTP 500.
//
// Thread-safety: values; safe to copy between threads.
//
// Example:
//   StatusOr<Organization> org = service.CreateOrganization(request);
//   if (!org.ok()) return org.status();
//   BW_ASSIGN_OR_RETURN(User user, service.CreateUser(org->id, email));
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace bulwark {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// The snake_case name of a code as it appears on the wire ("invalid_argument").
std::string_view StatusCodeName(StatusCode code);

// One machine-readable fact about an error, such as {"field", "email"} or {"line", "3"}.
struct StatusDetail {
  std::string key;
  std::string value;
  friend bool operator==(const StatusDetail&, const StatusDetail&) = default;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::vector<StatusDetail> details = {})
      : code_(code), message_(std::move(message)), details_(std::move(details)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<StatusDetail>& details() const { return details_; }

  // Returns the value of detail `key`, if present.
  std::optional<std::string> detail(std::string_view key) const;

  // Returns a copy with one more detail.
  Status WithDetail(std::string key, std::string value) const;
  // Returns a copy whose message is "prefix: message".
  Status WithPrefix(std::string_view prefix) const;

  // "invalid_argument: message" or "ok".
  std::string ToString() const;

  // Does nothing; marks a status deliberately dropped.
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::vector<StatusDetail> details_;
};

inline Status OkStatus() { return Status(); }
Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnauthenticatedError(std::string message);
Status FailedPreconditionError(std::string message);
Status AbortedError(std::string message);
Status ResourceExhaustedError(std::string message);
Status UnavailableError(std::string message);
Status InternalError(std::string message);
Status DeadlineExceededError(std::string message);
Status UnimplementedError(std::string message);
Status DataLossError(std::string message);

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // REQUIRES: !status.ok()
  StatusOr(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(data_).ok());
  }
  StatusOr(const T& value) : data_(value) {}        // NOLINT
  StatusOr(T&& value) : data_(std::move(value)) {}  // NOLINT
  template <typename U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, T> &&
           !std::is_same_v<std::decay_t<U>, Status> &&
           !std::is_same_v<std::decay_t<U>, StatusOr<T>>) StatusOr(U&& value)
      : data_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(data_); }
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }

  // REQUIRES: ok()
  const T& value() const& { return std::get<T>(data_); }
  T& value() & { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<Status, T> data_;
};

namespace internal {
inline const Status& AsStatus(const Status& s) { return s; }
template <typename T>
Status AsStatus(const StatusOr<T>& s) {
  return s.status();
}
}  // namespace internal

}  // namespace bulwark

#define BW_CONCAT_INNER(a, b) a##b
#define BW_CONCAT(a, b) BW_CONCAT_INNER(a, b)

// Returns from the current function when `expr` (a Status or StatusOr) is not ok.
#define BW_RETURN_IF_ERROR(expr)                                            \
  do {                                                                      \
    auto&& bw_status_ = (expr);                                             \
    if (!bw_status_.ok()) return ::bulwark::internal::AsStatus(bw_status_); \
  } while (0)

// `BW_ASSIGN_OR_RETURN(T x, Call())` declares x from an ok StatusOr, or returns its status.
#define BW_ASSIGN_OR_RETURN(lhs, expr) \
  BW_ASSIGN_OR_RETURN_IMPL(BW_CONCAT(bw_statusor_, __LINE__), lhs, expr)
#define BW_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
