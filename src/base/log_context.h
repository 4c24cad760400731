// The request id of the work a thread is doing, for log lines (base/log.h) and audit events.
//
// Contract: the HTTP session sets it (a RequestIdScope) around each synchronous call into a
// handler, never across a co_await (a coroutine may resume on another thread). Work handed to
// another thread carries it explicitly: auth::HashPool::submit captures the submitting
// thread's id and sets it around the job, so hashing and store offloads (api/store_routes.h)
// log under their request. Code that continues on a thread it does not own (a store driver's
// callback) has no id unless it sets one; audit events take theirs from the AuditActor first.
#pragma once

#include <string>
#include <string_view>

namespace tessera::base {

// The current thread's request id, or "" when it is handling none. Valid until the thread's
// current RequestIdScope ends.
std::string_view current_request_id();

// Sets the current request id for its lifetime, then restores the previous one (scopes nest).
class RequestIdScope {
 public:
  explicit RequestIdScope(std::string_view id);
  ~RequestIdScope();
  RequestIdScope(const RequestIdScope&) = delete;
  RequestIdScope& operator=(const RequestIdScope&) = delete;

 private:
  std::string_view previous_;
};

}  // namespace tessera::base
