// Checked indexing support. An out-of-bounds index throws pyx::index_error,
// except inside an OpenMP parallel region, where a throw would terminate the
// process: there the first error is recorded, the access goes to a dummy
// element, and the wrapper raises IndexError once the call has returned.
#pragma once

#include <array>
#include <atomic>
#include <mutex>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "pyx/core.hpp"

namespace pyx::detail {

struct deferred_error {
  std::atomic<bool> set{false};
  std::mutex mu;
  std::string message;
};

inline deferred_error& deferred() {
  static deferred_error d;
  return d;
}

// Returns and clears the recorded out-of-bounds message; empty when none.
inline std::string take_deferred_error() {
  auto& d = deferred();
  if (!d.set.load(std::memory_order_acquire)) return {};
  std::lock_guard<std::mutex> lock(d.mu);
  std::string m = std::move(d.message);
  d.message.clear();
  d.set.store(false, std::memory_order_release);
  return m;
}

template <std::size_t N>
std::string oob_message(const char* name, const index_t (&idx)[N], const std::array<index_t, N>& shape) {
  auto tuple = [](auto const& v, std::size_t n) {
    std::string s = "(";
    for (std::size_t k = 0; k < n; ++k) {
      if (k) s += ", ";
      s += std::to_string(v[k]);
    }
    if (n == 1) s += ",";
    return s + ")";
  };
  return "index " + tuple(idx, N) + " is out of bounds for array '" + (name ? name : "array") +
         "' with shape " + tuple(shape, N);
}

// Called on a bad index: throws, or records the error inside a parallel region.
template <class T, std::size_t N>
T& out_of_bounds(const char* name, const index_t (&idx)[N], const std::array<index_t, N>& shape) {
  std::string msg = oob_message(name, idx, shape);
#ifdef _OPENMP
  if (omp_in_parallel()) {
    auto& d = deferred();
    std::lock_guard<std::mutex> lock(d.mu);
    if (!d.set.load(std::memory_order_relaxed)) {
      d.message = std::move(msg);
      d.set.store(true, std::memory_order_release);
    }
    static thread_local std::remove_const_t<T> dummy{};
    return dummy;
  }
#endif
  throw index_error(msg);
}

template <std::size_t N>
inline bool in_bounds(const index_t (&idx)[N], const std::array<index_t, N>& shape) {
  bool ok = true;
  for (std::size_t k = 0; k < N; ++k) ok &= (idx[k] >= 0) & (idx[k] < shape[k]);
  return ok;
}

}  // namespace pyx::detail
