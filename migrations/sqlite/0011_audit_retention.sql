-- 0011: audit retention (audit.retention; store/audit_store.h purge): the events older than
-- the retention are found by time, so `at` gets an index (also used by `tessera audit --since`).
CREATE INDEX audit_events_by_at ON audit_events (at);
