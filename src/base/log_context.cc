#include "base/log_context.h"

namespace tessera::base {
namespace {

thread_local std::string_view current;

}  // namespace

std::string_view current_request_id() { return current; }

RequestIdScope::RequestIdScope(std::string_view id) : previous_(current) { current = id; }

RequestIdScope::~RequestIdScope() { current = previous_; }

}  // namespace tessera::base
