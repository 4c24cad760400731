-- 0010: audit retention, as migrations/sqlite/0011 does (store/audit_store.h purge): the events
-- older than the retention are found by time, so `at` gets an index (also used by
-- `tessera audit --since`).
CREATE INDEX audit_events_by_at ON audit_events (at);
