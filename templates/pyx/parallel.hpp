// Exceptions out of OpenMP regions (an exception must not leave a construct's
// structured block: GCC terminates). The code generator handles plain
// `#pragma omp` code by itself (omp_* below); pyx::parallel_guard is the
// explicit form, for skipping work after a failure (failed()) and for
// regions the rewrite does not see (pragmas made by macros):
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
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <cstdio>
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

// What the code generator puts around the OpenMP constructs of a source
// compiled with `openmp` (src/codegen/omp_rewrite.cpp): every structured block
// and the body of every worksharing loop is wrapped in a try/catch that keeps
// the first exception in the call's record, and the outermost construct
// rethrows it right after the region. The record is read on the calling thread
// before the region (omp_record) and passed into the region as a firstprivate
// variable, since worker threads have no call of their own; `parallel` and
// `task` blocks also publish it to their thread (omp_region_scope) so that
// constructs in functions called from the block find it.
namespace detail {

#ifdef _OPENMP
inline thread_local call_record* omp_region_call = nullptr;

inline call_record* omp_record() {
  call_record* r = omp_region_call;
  return r && omp_get_level() > 0 ? r : current_call();
}

class omp_region_scope {
 public:
  explicit omp_region_scope(call_record* r) : saved_(omp_region_call) { omp_region_call = r; }
  ~omp_region_scope() { omp_region_call = saved_; }
  omp_region_scope(const omp_region_scope&) = delete;
  omp_region_scope& operator=(const omp_region_scope&) = delete;

 private:
  call_record* saved_;
};

PYX_COLD inline void omp_fatal(const char* file, int line, const char* why) noexcept {
  const char* what = "an exception that is not a std::exception";
  try {
    throw;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  std::fprintf(stderr, "cxximport: %s:%d: an exception (%s) left the OpenMP construct of this line %s\n", file, line,
               what, why);
  std::fflush(stderr);
  std::terminate();
}

// In the catch of a rewritten construct.
PYX_COLD inline void omp_caught(call_record* r, const char* file, int line) noexcept {
  if (!r)
    omp_fatal(file, line,
              "on a thread that runs no exported call (a region started from the body of a `parallel for`, or "
              "by a thread of your own): catch it inside the construct");
  record_exception(r, std::current_exception());
}

// In the catch of a bare `parallel` block that holds a barrier or a
// worksharing construct: the thread leaving the block early would never reach
// them, and the other threads would wait there forever.
PYX_COLD inline void omp_caught_in_synchronised_block(const char* file, int line) noexcept {
  omp_fatal(file, line,
            "outside its `for`/`single`/`sections` bodies, in a `parallel` block that has a barrier or a "
            "worksharing construct: deferring it could leave the other threads waiting there forever; catch it "
            "where it is thrown");
}

PYX_COLD inline void omp_throw_recorded(call_record* r) {
  std::exception_ptr e = std::exchange(r->error, nullptr);
  __atomic_store_n(&r->set, false, __ATOMIC_RELAXED);
  std::rethrow_exception(e);
}

// After the outermost construct: the recorded exception, now. Inside an
// enclosing region (a construct in a function called from one) it stays
// recorded for that region's end or for the wrapper.
inline void omp_rethrow(call_record* r) {
  if (r && __atomic_load_n(&r->set, __ATOMIC_ACQUIRE)) [[unlikely]]
    if (r->error && omp_get_level() == 0) omp_throw_recorded(r);
}
#else
inline void* omp_record() { return nullptr; }
struct omp_region_scope {
  explicit omp_region_scope(void*) {}
};
inline void omp_caught(void*, const char*, int) { throw; }
inline void omp_caught_in_synchronised_block(const char*, int) { throw; }
inline void omp_rethrow(void*) {}
#endif

}  // namespace detail
}  // namespace pyx
