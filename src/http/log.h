// The server's logs are base/log.h's (shared with auth and app, which must not depend on http);
// these names keep the http spelling its callers use.
#pragma once

#include "base/log.h"

namespace tessera::http {

using base::log_enabled;
using base::log_event;
using base::LogField;
using base::LogLevel;

}  // namespace tessera::http
