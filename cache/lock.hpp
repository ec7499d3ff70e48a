// Build locks: one per key, across processes.
//
// Primary: flock(LOCK_EX) on a lock file, polled with LOCK_NB every 25 ms so a
// waiter can report the holder's pid (written into the file by the holder)
// about once a second and give up after a timeout. The kernel releases a
// flock when its holder dies, so there are no stale locks. After acquiring,
// the holder checks that the path still names the locked inode (someone may
// have deleted the lock file meanwhile) and retries if not, so lock files may
// be deleted at any time.
//
// Fallback, for file systems where flock fails with ENOLCK, EOPNOTSUPP or
// ENOSYS (NFS mounted without lock support), or when forced with
// CXXIMPORT_LOCK_MODE=file: an exclusive lock file `<path>.excl` created by
// link(2) from a fully written temporary file (atomic, also on NFS), holding
// the holder's pid, process start time, boot id and host name. It is stale,
// and is broken, when the holder is on this host and certainly dead (see
// process_id.hpp). A holder on another host cannot be checked: waiters time
// out naming that host. Breaking a stale lock can in rare races let two
// builders run at once; that costs a duplicate build, never a corrupt entry,
// because publishing is atomic and the first publisher wins.
#pragma once

#include <memory>
#include <string>

#include "cache/store.hpp"

namespace cxximport::cache {

enum class LockMode { kAuto, kFlock, kExclusiveFile };

// LockMode from $CXXIMPORT_LOCK_MODE: "flock", "file", else kAuto.
LockMode lock_mode_from_env();

// Acquires the lock at path (what names it in messages, e.g. the key).
// timeout_seconds < 0 waits forever; 0 tries once. on_wait may be empty.
// *timed_out (when given) is set when it fails because the holder kept it.
std::unique_ptr<KeyLock> acquire_lock(const std::string& path, const std::string& what, LockMode mode,
                                      double timeout_seconds, const WaitCallback& on_wait, std::string* err,
                                      bool* timed_out = nullptr);

// Pid written in a lock file by its holder (either kind), or 0.
int lock_holder_pid(const std::string& path);

}  // namespace cxximport::cache
