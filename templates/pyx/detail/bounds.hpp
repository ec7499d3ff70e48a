// Checked indexing support. An out-of-bounds index throws pyx::index_error,
// except inside an OpenMP parallel region, where a throw would terminate the
// process: there the first error is recorded in the record of the call that
// owns the view or array, the access goes to a dummy element, and that call's
// wrapper raises IndexError once the function has returned.
//
// The record is per call, never process-wide: each exported call installs one
// (call_scope) for its thread, and every view or array made during the call
// carries a pointer to it (call_ref), so the worker threads of a parallel
// region report to the call whose data they index, while other calls (other
// threads, or calls back into the module) see only their own records.
// (Other threads started by user code must not index out of bounds: an
// exception escaping a std::thread terminates the process, as in any C++.)
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <array>
#include <exception>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "pyx/core.hpp"

namespace pyx::detail {

#ifdef _OPENMP

struct call_record {
  bool set = false;              // atomic accesses (GCC/Clang builtins: no <atomic> to compile)
  std::string message;           // written under the critical section
  std::exception_ptr error;      // or a C++ exception caught by a pyx::parallel_guard
  call_record* outer = nullptr;  // the call this one is nested in (a call back into the module)
  call_record* inner = nullptr;  // the record the next nested call on this thread reuses
};

// Records are reused per thread and nesting depth, and a thread's records go
// to a shared free list when it exits: a pointer kept past its call (a
// pyx::array in a static) still reaches valid memory. The list's lock is a
// spin lock: taken once per thread's first call and at thread exit.
class call_records {
 public:
  static call_record* take() {
    lock();
    call_record* r = free_list();
    if (r) free_list() = r->inner;
    unlock();
    if (!r) return new call_record;  // NOLINT: never deleted, see above
    r->inner = nullptr;
    return r;
  }
  ~call_records() {
    call_record* last = first;
    if (!last) return;
    for (call_record* r = first; r; r = r->inner) last = r;
    lock();
    last->inner = free_list();
    free_list() = first;
    unlock();
  }
  call_record* first = nullptr;
  call_record* current = nullptr;  // the innermost call running on this thread

 private:
  static inline bool busy = false;
  static void lock() {
    while (__atomic_test_and_set(&busy, __ATOMIC_ACQUIRE)) {
    }
  }
  static void unlock() { __atomic_clear(&busy, __ATOMIC_RELEASE); }
  static call_record*& free_list() {
    static call_record* head = nullptr;
    return head;
  }
};

inline thread_local call_records this_thread_calls;

inline call_record* current_call() { return this_thread_calls.current; }

// The wrapper's: installs a fresh record for this call on this thread.
class call_scope {
 public:
  call_scope() {
    call_records& t = this_thread_calls;
    call_record*& slot = t.current ? t.current->inner : t.first;
    if (!slot) {
      slot = call_records::take();
      slot->outer = t.current;
    }
    record_ = slot;
    __atomic_store_n(&record_->set, false, __ATOMIC_RELAXED);
    t.current = record_;
  }
  ~call_scope() { this_thread_calls.current = record_->outer; }
  call_scope(const call_scope&) = delete;
  call_scope& operator=(const call_scope&) = delete;

  bool failed() const { return __atomic_load_n(&record_->set, __ATOMIC_ACQUIRE); }
  // An exception from the function supersedes a recorded out-of-bounds access.
  void clear() {
    __atomic_store_n(&record_->set, false, __ATOMIC_RELAXED);
    record_->message.clear();
    record_->error = nullptr;
  }
  // Raises the recorded error as IndexError, or rethrows the recorded
  // exception (the wrapper translates it as if the function had thrown it).
  PYX_COLD void raise() {
    if (record_->error) {
      std::exception_ptr e = record_->error;
      clear();
      std::rethrow_exception(e);
    }
    PyErr_SetString(PyExc_IndexError, record_->message.c_str());
    clear();
  }

 private:
  call_record* record_;
};

// What a view or array carries: the record of the call it was made in.
struct call_ref {
  call_record* record = current_call();
};

#else

// Without OpenMP an out-of-bounds access always throws: nothing to record.
struct call_ref {};

class call_scope {
 public:
  static constexpr bool failed() { return false; }
  static void clear() {}
  static void raise() {}
};

#endif

// "index (1, 7) is out of bounds for array 'v' with shape (2, 3)"
PYX_COLD inline std::string oob_message(const char* name, const index_t* idx, const index_t* shape, int n) {
  auto tuple = [n](const index_t* v) {
    std::string s = "(";
    for (int k = 0; k < n; ++k) {
      if (k) s += ", ";
      s += std::to_string(v[k]);
    }
    if (n == 1) s += ",";
    return s + ")";
  };
  return "index " + tuple(idx) + " is out of bounds for array '" + (name ? name : "array") + "' with shape " +
         tuple(shape);
}

// Throws index_error, or records the error when called in a parallel region.
// Returns normally only in the latter case: the caller then uses a dummy element.
PYX_COLD inline void index_failure(std::string msg, [[maybe_unused]] call_ref where) {
#ifdef _OPENMP
  // omp_get_level, not omp_in_parallel: a region of one thread (OMP_NUM_THREADS=1,
  // an if() clause that is false) is inactive, yet a throw out of it still terminates.
  if (omp_get_level() > 0) {
    call_record* r = where.record ? where.record : current_call();
    if (!r) {
      // A view made on a worker thread from raw memory: no call to report to.
      std::fprintf(stderr, "cxximport: %s (in a parallel region, outside any exported call)\n", msg.c_str());
      return;
    }
#pragma omp critical(pyx_deferred_error)
    {
      if (!__atomic_load_n(&r->set, __ATOMIC_RELAXED)) {
        r->message = std::move(msg);
        __atomic_store_n(&r->set, true, __ATOMIC_RELEASE);
      }
    }
    return;
  }
#endif
  throw index_error(msg);
}

#ifdef _OPENMP
// Keeps the first error of a parallel region: an exception caught by a
// pyx::parallel_guard (bounds errors share the record: the first one wins).
PYX_COLD inline void record_exception(call_record* r, std::exception_ptr e) {
#pragma omp critical(pyx_deferred_error)
  {
    if (!__atomic_load_n(&r->set, __ATOMIC_RELAXED)) {
      r->error = std::move(e);
      __atomic_store_n(&r->set, true, __ATOMIC_RELEASE);
    }
  }
}
#endif

PYX_COLD inline void out_of_bounds(const char* name, const index_t* idx, const index_t* shape, int n, call_ref where) {
  index_failure(oob_message(name, idx, shape, n), where);
}

template <class T, std::size_t N>
T& out_of_bounds(const char* name, const index_t (&idx)[N], const std::array<index_t, N>& shape, call_ref where) {
  out_of_bounds(name, idx, shape.data(), static_cast<int>(N), where);
  static thread_local std::remove_const_t<T> dummy{};
  return dummy;
}

template <std::size_t N>
inline bool in_bounds(const index_t (&idx)[N], const std::array<index_t, N>& shape) {
  bool ok = true;
  for (std::size_t k = 0; k < N; ++k) ok &= static_cast<std::size_t>(idx[k]) < static_cast<std::size_t>(shape[k]);
  return ok;
}

}  // namespace pyx::detail
