// SIGINT and SIGTERM as a polite stop for the tools that run until told
// (klog-read -f and -g in broker mode, klog-replicate -f): the handler only
// sets a flag, which the tool's loop polls and then ends cleanly (commits,
// syncs, exit 0). The flag is process-wide by nature: a signal handler has no
// other way to reach the loop.
#pragma once

namespace klog::cli {

// Installs the handler for SIGINT and SIGTERM.
void CatchStopSignals();
// Whether SIGINT or SIGTERM has arrived since CatchStopSignals().
bool StopRequested();

}  // namespace klog::cli
