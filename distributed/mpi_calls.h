// Private: what the two MPI sources of the room (process_group.cpp, collectives.cpp) share.
// Included only under XGRAD_WITH_MPI; no public header reaches <mpi.h>.
#pragma once

#include <mpi.h>

namespace xg::dist::detail_pg {

/// Throws xg::Error naming `call` and this rank when an MPI call failed.
void check(int rc, const char* call);
/// The communicator collectives run on: the communication thread's own copy of the world
/// (or the world's, without a communication thread).
MPI_Comm job_comm();

}  // namespace xg::dist::detail_pg
