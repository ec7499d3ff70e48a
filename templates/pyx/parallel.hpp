// pyx::parallel_guard: a C++ exception thrown in an OpenMP parallel region
// becomes the Python exception of the call, instead of std::terminate (an
// exception must not leave a region's structured block: GCC terminates).
//
//   pyx::parallel_guard guard;           // on the calling thread, before the region
//   #pragma omp parallel for
//   for (Py_ssize_t i = 0; i < n; ++i)
//     guard([&] { ...body that may throw... });
//
// The first exception is kept in the call's record (the one out-of-bounds
// errors use, pyx/detail/bounds.hpp); the other iterations still run (test
// guard.failed() to skip their work). After the region, guard.rethrow()
// throws it at once; otherwise the wrapper raises it when the function
// returns, translated as any exception (ValueError for std::invalid_argument...).
// Outside a parallel region, or without OpenMP, the body runs as it is and
// its exceptions propagate directly.
#pragma once

#include <exception>
#include <utility>

#include "pyx/detail/bounds.hpp"

namespace pyx {

class parallel_guard {
 public:
  parallel_guard() = default;
  parallel_guard(const parallel_guard&) = delete;
  parallel_guard& operator=(const parallel_guard&) = delete;

  template <class F>
  void operator()(F&& body) const {
#ifdef _OPENMP
    if (omp_get_level() == 0 || !record_) {  // inactive (one-thread) regions count too
      std::forward<F>(body)();
      return;
    }
    try {
      std::forward<F>(body)();
    } catch (...) {
      detail::record_exception(record_, std::current_exception());
    }
#else
    std::forward<F>(body)();
#endif
  }

  // Whether an iteration has failed (an exception or an out-of-bounds index).
  bool failed() const {
#ifdef _OPENMP
    return record_ && __atomic_load_n(&record_->set, __ATOMIC_ACQUIRE);
#else
    return false;
#endif
  }

  // Throws the recorded exception now (call it after the region).
  void rethrow() const {
#ifdef _OPENMP
    if (!record_ || !__atomic_load_n(&record_->set, __ATOMIC_ACQUIRE) || !record_->error) return;
    std::exception_ptr e = std::exchange(record_->error, nullptr);
    __atomic_store_n(&record_->set, false, __ATOMIC_RELAXED);
    std::rethrow_exception(e);
#endif
  }

 private:
#ifdef _OPENMP
  detail::call_record* record_ = detail::current_call();
#endif
};

}  // namespace pyx
