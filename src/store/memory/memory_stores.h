// The in-memory backend: every store in process memory, gone at exit. For tests and benchmarks
// (and the services' unit tests), never for data anyone needs to keep. Thread-safe: each store
// guards its state with one lock (a shared_mutex where reads dominate), so every method is
// atomic with respect to the others on the same store. The OAuth client, code and consent
// stores share one lock and one set of records: a code or a consent belongs to its client.
#pragma once

#include "store/stores.h"

namespace tessera::store::memory {

// Fresh, empty stores. `ready` always answers true.
Stores open_stores();

}  // namespace tessera::store::memory
