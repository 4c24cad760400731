#include "app/config_audit.h"

namespace tessera::app {

using detail::Field;
using detail::Problem;

std::vector<Field> AuditSection::fields() {
  return {
      {kName, "retention", &retention,
       "How long audit events are kept: older ones are deleted by every node's maintenance "
       "(every 10 minutes). Also how long finished mails (sent or given up) stay in the outbox. "
       "`0s`: kept for ever; otherwise at least `1d`."},
  };
}

std::optional<Problem> AuditSection::check() const {
  // Under a day, the log would not hold what an incident review needs (and a typo such as
  // "90" - seconds - would wipe it).
  if (retention != std::chrono::seconds{0} && retention < std::chrono::days{1}) {
    return Problem{"retention", "must be 0s (kept for ever) or at least 1d"};
  }
  return std::nullopt;
}

}  // namespace tessera::app
