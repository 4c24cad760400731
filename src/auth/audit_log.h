// The log line of an audit event (issue 19): every event AuditService::record stores is also
// written to the log (base/log.h), so that auth events reach log pipelines with their request
// id, even when the audit store could not be written.
//
// One line: msg "audit", event (the type, "login.failure"), user (the actor's id, when known),
// ip, request_id, then the event's detail fields. Level: warn for events that are refusals or
// signs of an attack (audit_log_level); info for the others.
//
// What is left out: the user agent (long, and in the stored event), and emails (detail fields
// "email", "new_email"): an email is personal data that log pipelines should not collect; the
// user id says who, and the stored event (with its retention, audit.retention) keeps the rest.
// Details never carry credentials (audit.h), so no secret reaches the line.
#pragma once

#include <nlohmann/json.hpp>

#include "auth/audit.h"
#include "base/log.h"

namespace tessera::auth {

base::LogLevel audit_log_level(AuditType type);

void log_audit_event(AuditType type, const AuditActor& actor, const nlohmann::json& detail);

}  // namespace tessera::auth
