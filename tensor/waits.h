// Private: the host's waits for a GPU, counted and, in the sync-debug mode, checked
// (xg::cuda::set_sync_debug_mode; docs/design.md "What waits for the GPU").
#pragma once

namespace xg::detail {

/// Called by every copy or synchronisation that blocks the host until a GPU has finished:
/// counts it; under kWarn/kError an implicit wait (one inside an operation that is not on the
/// documented list of waiting calls) prints a warning or throws xg::Error naming the user's
/// operation. `op` is what the copy was asked for by ("item", "to", ...).
void note_host_wait(const char* op);

/// Whether a wait reached from the user's call `call` is one the documentation lists.
bool is_documented_wait(const char* call);

}  // namespace xg::detail
