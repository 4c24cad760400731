// The metrics `tessera serve` registers beyond those http/metrics.h builds in: the store's
// operation latency, the worker pools' and connection pools' depths, the mail outbox, the audit
// writer, and the process's own resource use. docs/operations.md "Metrics" lists them all.
// Wiring only: called once, before serving.
#pragma once

#include "app/services.h"
#include "http/metrics.h"
#include "store/stores.h"

namespace tessera::app {

// tessera_store_operation_duration_seconds{backend,op} (histogram): the timer the stores are
// opened with (store::OperationTimer lists the backend/op pairs). `metrics` must outlive the
// stores.
store::OperationTimer store_operation_timer(http::Metrics& metrics);

// Every sampled metric of `s` (gauges and counters read at scrape time). `s` must outlive
// `metrics`' last render.
void add_server_metrics(http::Metrics& metrics, Services& s);

}  // namespace tessera::app
