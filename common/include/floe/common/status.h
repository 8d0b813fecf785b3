// Errors as values across module boundaries.
//
// The rule (see STYLE.md): bad input from the network, the host or the user is
// returned as a Status/Result and reported; a broken invariant after start-up
// is a bug and may abort with a clear message.
#pragma once

#include <cassert>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace floe {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     // the caller sent something malformed
  kNotFound,            // the thing asked for does not exist
  kAlreadyExists,       // creating something that is already there
  kPermissionDenied,    // authenticated, but not allowed
  kUnauthenticated,     // no or bad credentials
  kFailedPrecondition,  // the system is not in a state that allows this
  kResourceExhausted,   // limits, quotas, rate limits
  kUnavailable,         // a dependency cannot be reached right now; retrying may help
  kDeadlineExceeded,    // ran out of time
  kIo,                  // local file/database I/O failed
  kInternal,            // a bug or an unexpected library failure
};

// Stable, lowercase names used in logs and in API error bodies.
std::string_view errorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool isOk() const { return code_ == ErrorCode::kOk; }
  explicit operator bool() const { return isOk(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Wraps the message with what was being attempted:
  // Status(kIo, "no such file").withContext("reading /etc/floe/floe.yaml")
  //   -> "reading /etc/floe/floe.yaml: no such file"
  Status withContext(std::string_view what) const {
    if (isOk()) return *this;
    return Status(code_, std::string(what) + ": " + message_);
  }

  std::string toString() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status invalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
inline Status notFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Status alreadyExists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
inline Status permissionDenied(std::string m) { return {ErrorCode::kPermissionDenied, std::move(m)}; }
inline Status unauthenticated(std::string m) { return {ErrorCode::kUnauthenticated, std::move(m)}; }
inline Status failedPrecondition(std::string m) { return {ErrorCode::kFailedPrecondition, std::move(m)}; }
inline Status resourceExhausted(std::string m) { return {ErrorCode::kResourceExhausted, std::move(m)}; }
inline Status unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
inline Status deadlineExceeded(std::string m) { return {ErrorCode::kDeadlineExceeded, std::move(m)}; }
inline Status ioError(std::string m) { return {ErrorCode::kIo, std::move(m)}; }
inline Status internalError(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

// A value or the Status saying why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(state_).isOk()) {
      // An ok Status carries no value: constructing a Result from one is a bug.
      std::cerr << "floe: bug: Result constructed from an ok Status\n";
      std::abort();
    }
  }

  bool isOk() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return isOk(); }

  const Status& status() const {
    static const Status kOk;
    return isOk() ? kOk : std::get<Status>(state_);
  }

  T& value() & { return checkedValue(); }
  const T& value() const& { return const_cast<Result*>(this)->checkedValue(); }
  T&& value() && { return std::move(checkedValue()); }

  T* operator->() { return &checkedValue(); }
  const T* operator->() const { return &const_cast<Result*>(this)->checkedValue(); }
  T& operator*() & { return checkedValue(); }
  const T& operator*() const& { return const_cast<Result*>(this)->checkedValue(); }

 private:
  T& checkedValue() {
    if (!isOk()) {
      std::cerr << "floe: bug: value() on an error Result: " << std::get<Status>(state_).toString()
                << "\n";
      std::abort();
    }
    return std::get<T>(state_);
  }

  std::variant<T, Status> state_;
};

}  // namespace floe

// Early return on error, for Status-returning functions.
#define FLOE_RETURN_IF_ERROR(expr)          \
  do {                                      \
    ::floe::Status floe_status_ = (expr);   \
    if (!floe_status_.isOk()) return floe_status_; \
  } while (0)

#define FLOE_CONCAT_INNER(a, b) a##b
#define FLOE_CONCAT(a, b) FLOE_CONCAT_INNER(a, b)
#define FLOE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.isOk()) return tmp.status();            \
  lhs = std::move(tmp).value()

// FLOE_ASSIGN_OR_RETURN(auto x, computeX());
#define FLOE_ASSIGN_OR_RETURN(lhs, expr) \
  FLOE_ASSIGN_OR_RETURN_IMPL(FLOE_CONCAT(floe_result_, __LINE__), lhs, expr)
