// klog-read -f: waits for appends with a libuv loop. Each partition
// directory is watched with uv_fs_event (inotify: fires when a file in it is
// written or a new segment appears); on an event the partition's reader is
// refreshed and drained and stdout flushed. There are no polling timers.
// SIGINT and SIGTERM (uv_signal) end the loop; the caller flushes and exits 0.
#pragma once

#include "cli/local/read_cmd.h"
#include "klog/status.h"

namespace klog::cli::local {

// Runs until the session is finished (count reached, every partition at
// --until, stdout gone) or a signal arrives. Errors reading a partition end
// the loop with that Status.
Status Follow(ReadSession& session);

}  // namespace klog::cli::local
