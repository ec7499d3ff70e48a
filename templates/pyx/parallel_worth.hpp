// pyx::parallel_worth(work): whether an OpenMP region over `work` simple
// element operations pays, for `#pragma omp parallel for if(...)`.
// docs/language.md, "OpenMP on a busy machine".
//
// A region's threads meet at a barrier, so it runs at the pace of its slowest
// thread: when other processes hold the cores, a woken thread waits for a
// scheduler time slice (milliseconds) and a region of 50 us of work takes
// several ms. One thread loses only its own share. So: parallel when there is
// enough work and the machine has a core nobody else is running on right now
// (the runnable count of /proc/loadavg, read at most every 20 ms).
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <atomic>
#include <cstdio>
#include <ctime>
#include <unistd.h>

#include "pyx/core.hpp"

namespace pyx {

namespace detail {

// Runnable tasks other than the caller, from /proc/loadavg's "R/T" field; -1
// where it cannot be read (not Linux).
inline int others_running() {
  std::FILE* f = std::fopen("/proc/loadavg", "re");
  if (!f) return -1;
  double l1, l5, l15;
  int running = 0, total = 0;
  int got = std::fscanf(f, "%lf %lf %lf %d/%d", &l1, &l5, &l15, &running, &total);
  std::fclose(f);
  return got == 5 ? running - 1 : -1;
}

inline bool cores_idle_now() {
  static std::atomic<long long> checked_ms{-1000000};
  static std::atomic<bool> idle{true};
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  long long now = static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  long long last = checked_ms.load(std::memory_order_relaxed);
  if (now - last >= 20 && checked_ms.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
    static const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int others = others_running();
    idle.store(others < 0 || others < cores - 1 || cores <= 1, std::memory_order_relaxed);
  }
  return idle.load(std::memory_order_relaxed);
}

}  // namespace detail

/// True when a parallel region over `work` element operations is worth its
/// cost: work >= min_work and some other core is idle right now.
inline bool parallel_worth(index_t work, index_t min_work = 100000) {
  return work >= min_work && detail::cores_idle_now();
}

}  // namespace pyx
