// Who a process is, in a form that survives pid reuse and reboots: written by
// builders into their temporary directory and by the fallback lock into its
// lock file, read back to decide whether the writer is still alive.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cxximport::cache {

struct ProcessIdentity {
  int pid = 0;
  std::uint64_t start_time = 0;  // /proc/<pid>/stat field 22 (clock ticks since boot)
  std::string boot_id;           // /proc/sys/kernel/random/boot_id
  std::string host;              // gethostname()
};

ProcessIdentity self_identity();

// One line: "pid=<n> start=<n> boot=<id> host=<name>\n".
std::string format_identity(const ProcessIdentity& id);
bool parse_identity(std::string_view text, ProcessIdentity* id);

enum class Liveness { kAlive, kDead, kUnknown };

// kDead when the process is on this host and certainly gone (other boot, no
// such pid, a zombie, or a different process under a reused pid); kUnknown
// for another host.
Liveness liveness(const ProcessIdentity& id);

}  // namespace cxximport::cache
