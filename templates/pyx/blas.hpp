// pyx::blas: BLAS and LAPACK from a kernel, on views of float or double,
// through the function pointers SciPy exports (scipy.linalg.cython_blas and
// cython_lapack's __pyx_capi__): no link-time dependency, no second BLAS in
// the process. Not part of pyx.hpp: `#include <pyx/blas.hpp>`.
//
//   pyx::blas::dot(x, y)                    -> x . y
//   pyx::blas::axpy(alpha, x, y)            y += alpha x
//   pyx::blas::gemv(alpha, A, x, beta, y)   y = alpha A x + beta y
//   pyx::blas::gemm(alpha, A, B, beta, C)   C = alpha A B + beta C
//   pyx::blas::gemv(alpha, A, x)            -> alpha A x, a new array (gemm(alpha, A, B): alpha A B)
//   pyx::blas::gesv(A, B)                   B = A^-1 B (A is overwritten by its LU factors)
//   pyx::blas::posv(A, B)                   the same for symmetric positive definite A (A: its Cholesky factor)
//   pyx::blas::posv(A, array B) -> B        (and gesv): an owning B is solved in place and returned
//
// Any strides: a matrix with a unit stride in either dimension is passed as
// it is (C or Fortran order), anything else is copied first. Shapes that do
// not match: std::invalid_argument (ValueError). SciPy missing: ImportError.
// The calls need no GIL (the first call of each routine takes it once, to
// look the routine up).
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <climits>
#include <memory>
#include <optional>
#include <string>

#include "pyx/array.hpp"
#include "pyx/core.hpp"
#include "pyx/view.hpp"

namespace pyx::blas {

namespace detail {

using pyx::detail::gil_acquire;

// The routine `name` of scipy.linalg.<module>, looked up once.
PYX_NOINLINE inline void* lookup(const char* module, const char* name) {
  gil_acquire gil;
  const std::string full = std::string("scipy.linalg.") + module;
  PyObject* m = PyImport_ImportModule(full.c_str());
  if (!m) {
    if (PyErr_ExceptionMatches(PyExc_ImportError)) {
      PyErr_Clear();
      PyErr_Format(PyExc_ImportError,
                   "pyx::blas needs SciPy: %s could not be imported (install SciPy: pip install scipy)", full.c_str());
    }
    throw error_already_set();
  }
  PyObject* capi = PyObject_GetAttrString(m, "__pyx_capi__");
  Py_DECREF(m);
  PyObject* cap = capi ? PyDict_GetItemString(capi, name) : nullptr;  // borrowed
  void* fn = cap ? PyCapsule_GetPointer(cap, PyCapsule_GetName(cap)) : nullptr;
  Py_XDECREF(capi);
  if (!fn) {
    PyErr_Clear();
    PyErr_Format(PyExc_ImportError, "pyx::blas: %s does not export %s (SciPy too old?)", full.c_str(), name);
    throw error_already_set();
  }
  return fn;
}

template <class F>
F routine(void*& cache, const char* module, const char* name) {
  void* p = __atomic_load_n(&cache, __ATOMIC_ACQUIRE);
  if (!p) {
    p = lookup(module, name);
    __atomic_store_n(&cache, p, __ATOMIC_RELEASE);
  }
  return reinterpret_cast<F>(p);
}

template <class T>
concept real = std::is_same_v<T, float> || std::is_same_v<T, double>;

template <class T>
T dot_sig(int*, T*, int*, T*, int*);
template <class T>
void axpy_sig(int*, T*, T*, int*, T*, int*);
template <class T>
void gemv_sig(char*, int*, int*, T*, T*, int*, T*, int*, T*, T*, int*);
template <class T>
void gemm_sig(char*, char*, int*, int*, int*, T*, T*, int*, T*, int*, T*, T*, int*);
template <class T>
void gesv_sig(int*, int*, T*, int*, int*, T*, int*, int*);
template <class T>
void posv_sig(char*, int*, int*, T*, int*, T*, int*, int*);

// dot_fn<T>() ... posv_fn<T>(): the routine for float (s...) or double (d...).
#define PYX_BLAS_ROUTINE(base, module)                                                                         \
  template <class T>                                                                                           \
  auto base##_fn() {                                                                                           \
    static void* cache = nullptr;                                                                              \
    return routine<decltype(&base##_sig<T>)>(cache, module, std::is_same_v<T, float> ? "s" #base : "d" #base); \
  }
PYX_BLAS_ROUTINE(dot, "cython_blas")
PYX_BLAS_ROUTINE(axpy, "cython_blas")
PYX_BLAS_ROUTINE(gemv, "cython_blas")
PYX_BLAS_ROUTINE(gemm, "cython_blas")
PYX_BLAS_ROUTINE(gesv, "cython_lapack")
PYX_BLAS_ROUTINE(posv, "cython_lapack")
#undef PYX_BLAS_ROUTINE

PYX_COLD inline void shape_error(const char* routine, const std::string& what) {
  throw std::invalid_argument(std::string("pyx::blas::") + routine + ": " + what);
}

inline int to_int(index_t n, const char* routine) {
  if (n > INT_MAX) shape_error(routine, "a dimension exceeds the BLAS integer range");
  return static_cast<int>(n);
}

// A vector as BLAS sees it: the lowest address and the increment.
template <class T>
struct vec {
  T* p;
  int n, inc;
  std::optional<array<std::remove_const_t<T>, 1>> copy;
};

template <class T, layout L>
vec<T> as_vec(const basic_view<T, 1, L>& v, const char* routine) {
  vec<T> r{v.data(), to_int(v.shape(0), routine), 0, std::nullopt};
  const index_t s = v.strides()[0];
  if (s == 0 || s % static_cast<index_t>(sizeof(T))) {  // broadcast or odd strides: copy
    r.copy.emplace(v.copy());
    r.p = r.copy->data();
    r.inc = 1;
    return r;
  }
  r.inc = static_cast<int>(s / static_cast<index_t>(sizeof(T)));
  if (r.inc < 0 && r.n > 0) r.p = v.data() + static_cast<index_t>(r.n - 1) * r.inc;
  return r;
}

// A matrix as BLAS sees it: `stored` (Fortran order, leading dimension ld)
// is the matrix itself (op 'N') or its transpose (op 'T', a C-order matrix).
template <class T>
struct mat {
  T* p;
  int ld;
  char op;
  std::optional<array<std::remove_const_t<T>, 2>> copy;
};

template <class T, layout L>
mat<T> as_mat(const basic_view<T, 2, L>& v, const char* routine) {
  const index_t m = v.shape(0), n = v.shape(1), e = sizeof(T);
  const index_t s0 = v.strides()[0], s1 = v.strides()[1];
  if (s0 == e && (n <= 1 || (s1 % e == 0 && s1 / e >= (m > 1 ? m : 1))))
    return {v.data(), to_int(n <= 1 ? (m > 1 ? m : 1) : s1 / e, routine), 'N', std::nullopt};
  if (s1 == e && (m <= 1 || (s0 % e == 0 && s0 / e >= (n > 1 ? n : 1))))
    return {v.data(), to_int(m <= 1 ? (n > 1 ? n : 1) : s0 / e, routine), 'T', std::nullopt};
  mat<T> r{nullptr, to_int(n > 1 ? n : 1, routine), 'T', std::nullopt};
  r.copy.emplace(v.copy());
  r.p = r.copy->data();
  return r;
}

inline char flip(char op) { return op == 'N' ? 'T' : 'N'; }

}  // namespace detail

// x . y
template <class T, class U, layout L, layout M>
  requires detail::real<std::remove_const_t<T>> && std::is_same_v<std::remove_const_t<T>, std::remove_const_t<U>>
std::remove_const_t<T> dot(const basic_view<T, 1, L>& x, const basic_view<U, 1, M>& y) {
  using R = std::remove_const_t<T>;
  if (x.shape(0) != y.shape(0))
    detail::shape_error("dot", "x has " + std::to_string(x.shape(0)) + " elements, y " + std::to_string(y.shape(0)));
  auto a = detail::as_vec(x, "dot");
  auto b = detail::as_vec(y, "dot");
  return detail::dot_fn<R>()(&a.n, const_cast<R*>(a.p), &a.inc, const_cast<R*>(b.p), &b.inc);
}

// y += alpha x
template <class T, class U, layout L, layout M>
  requires detail::real<T> && std::is_same_v<std::remove_const_t<U>, T>
void axpy(T alpha, const basic_view<U, 1, L>& x, const basic_view<T, 1, M>& y) {
  if (x.shape(0) != y.shape(0))
    detail::shape_error("axpy", "x has " + std::to_string(x.shape(0)) + " elements, y " + std::to_string(y.shape(0)));
  auto a = detail::as_vec(x, "axpy");
  auto b = detail::as_vec(y, "axpy");
  if (b.copy) detail::shape_error("axpy", "y needs a non-zero stride");
  detail::axpy_fn<T>()(&a.n, &alpha, const_cast<T*>(a.p), &a.inc, b.p, &b.inc);
}

// y = alpha A x + beta y
template <class T, class UA, class UX, layout LA, layout LX, layout LY>
  requires detail::real<T> && std::is_same_v<std::remove_const_t<UA>, T> && std::is_same_v<std::remove_const_t<UX>, T>
void gemv(T alpha, const basic_view<UA, 2, LA>& A, const basic_view<UX, 1, LX>& x, T beta,
          const basic_view<T, 1, LY>& y) {
  if (A.shape(1) != x.shape(0) || A.shape(0) != y.shape(0))
    detail::shape_error("gemv", "A is " + std::to_string(A.shape(0)) + "x" + std::to_string(A.shape(1)) + ", x has " +
                                    std::to_string(x.shape(0)) + " elements, y " + std::to_string(y.shape(0)));
  if (A.shape(0) == 0) return;
  auto a = detail::as_mat(A, "gemv");
  auto xv = detail::as_vec(x, "gemv");
  auto yv = detail::as_vec(y, "gemv");
  if (yv.copy) detail::shape_error("gemv", "y needs a non-zero stride");
  int rows = detail::to_int(a.op == 'N' ? A.shape(0) : A.shape(1), "gemv");
  int cols = detail::to_int(a.op == 'N' ? A.shape(1) : A.shape(0), "gemv");
  detail::gemv_fn<T>()(&a.op, &rows, &cols, &alpha, const_cast<T*>(a.p), &a.ld, const_cast<T*>(xv.p), &xv.inc, &beta,
                       yv.p, &yv.inc);
}

// C = alpha A B + beta C
template <class T, class UA, class UB, layout LA, layout LB, layout LC>
  requires detail::real<T> && std::is_same_v<std::remove_const_t<UA>, T> && std::is_same_v<std::remove_const_t<UB>, T>
void gemm(T alpha, const basic_view<UA, 2, LA>& A, const basic_view<UB, 2, LB>& B, T beta,
          const basic_view<T, 2, LC>& C) {
  const index_t m = A.shape(0), k = A.shape(1), n = B.shape(1);
  if (B.shape(0) != k || C.shape(0) != m || C.shape(1) != n)
    detail::shape_error("gemm", "A is " + std::to_string(m) + "x" + std::to_string(k) + ", B " +
                                    std::to_string(B.shape(0)) + "x" + std::to_string(n) + ", C " +
                                    std::to_string(C.shape(0)) + "x" + std::to_string(C.shape(1)));
  if (m == 0 || n == 0) return;
  auto a = detail::as_mat(A, "gemm");
  auto b = detail::as_mat(B, "gemm");
  auto c = detail::as_mat(C, "gemm");

  int im = detail::to_int(m, "gemm"), in = detail::to_int(n, "gemm"), ik = detail::to_int(k, "gemm");
  int lda = a.ld, ldb = b.ld;
  T* pa = const_cast<T*>(a.p);
  T* pb = const_cast<T*>(b.p);
  auto f = detail::gemm_fn<T>();
  if (c.op == 'N') {  // C stored as itself: C = op(A) op(B)
    f(&a.op, &b.op, &im, &in, &ik, &alpha, pa, &lda, pb, &ldb, &beta, c.p, &c.ld);
  } else {  // C stored transposed: C^T = B^T A^T
    char opb = detail::flip(b.op), opa = detail::flip(a.op);
    f(&opb, &opa, &in, &im, &ik, &alpha, pb, &ldb, pa, &lda, &beta, c.p, &c.ld);
  }
  if (c.copy) {  // C had no unit stride: write the result back
    for (index_t i = 0; i < m; ++i)
      for (index_t j = 0; j < n; ++j) C(i, j) = (*c.copy)(i, j);
  }
}

// The allocating forms, as NumPy's `alpha * A @ x` and `alpha * A @ B`: a new array.
template <class T, class UA, class UX, layout LA, layout LX>
  requires detail::real<T> && std::is_same_v<std::remove_const_t<UA>, T> && std::is_same_v<std::remove_const_t<UX>, T>
array<T, 1> gemv(T alpha, const basic_view<UA, 2, LA>& A, const basic_view<UX, 1, LX>& x) {
  auto y = zeros<T>(A.shape(0));
  gemv(alpha, A, x, T(0), y.view());
  return y;
}
template <class T, class UA, class UB, layout LA, layout LB>
  requires detail::real<T> && std::is_same_v<std::remove_const_t<UA>, T> && std::is_same_v<std::remove_const_t<UB>, T>
array<T, 2> gemm(T alpha, const basic_view<UA, 2, LA>& A, const basic_view<UB, 2, LB>& B) {
  auto C = zeros<T>(A.shape(0), B.shape(1));
  gemm(alpha, A, B, T(0), C.view());
  return C;
}

namespace detail {

// Solves with LAPACK `solve` (gesv or posv) on Fortran-ordered A and B.
template <class T, layout LA, layout LB, int NB, class Solve>
void fortran_solve(const char* routine, const basic_view<T, 2, LA>& A, const basic_view<T, NB, LB>& B, Solve solve) {
  const index_t n = A.shape(0);
  if (A.shape(1) != n || B.shape(0) != n)
    shape_error(routine, "A is " + std::to_string(A.shape(0)) + "x" + std::to_string(A.shape(1)) + ", B has " +
                             std::to_string(B.shape(0)) + " rows");
  if (n == 0) return;
  const index_t e = sizeof(T);
  const bool a_fortran = A.strides()[0] == e && A.strides()[1] % e == 0 && A.strides()[1] / e >= n;
  std::optional<array<T, 2, layout::f>> acopy;
  if (!a_fortran) acopy.emplace(A.copy_fortran());
  T* pa = a_fortran ? A.data() : acopy->data();
  int lda = to_int(a_fortran ? A.strides()[1] / e : n, routine);
  const index_t nrhs = NB == 1 ? 1 : B.shape(NB - 1);
  bool b_fortran = B.strides()[0] == e;
  if constexpr (NB == 2) b_fortran = b_fortran && (nrhs <= 1 || (B.strides()[1] % e == 0 && B.strides()[1] / e >= n));
  std::optional<array<T, NB, layout::f>> bcopy;
  if (!b_fortran) bcopy.emplace(B.copy_fortran());
  T* pb = b_fortran ? B.data() : bcopy->data();
  int ldb = to_int(NB == 2 && b_fortran && nrhs > 1 ? B.strides()[1] / e : n, routine);
  int in = to_int(n, routine), inrhs = to_int(nrhs, routine), info = 0;
  solve(&in, &inrhs, pa, &lda, pb, &ldb, &info);
  if (info > 0)
    throw std::domain_error(std::string("pyx::blas::") + routine + ": " +
                            (routine[0] == 'g' ? "the matrix is singular (U(" + std::to_string(info - 1) + ", " +
                                                     std::to_string(info - 1) + ") is exactly zero)"
                                               : "the matrix is not positive definite"));
  if (info < 0) shape_error(routine, "LAPACK refused argument " + std::to_string(-info));
  if (bcopy) {
    if constexpr (NB == 1) {
      for (index_t i = 0; i < n; ++i) B(i) = (*bcopy)(i);
    } else {
      for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < nrhs; ++j) B(i, j) = (*bcopy)(i, j);
    }
  }
}

}  // namespace detail

// Solves A X = B in place: B becomes X (1-D or 2-D), A its LU factors (when
// Fortran-ordered; otherwise A is copied and left unchanged). Singular:
// std::domain_error (ValueError).
template <class T, layout LA, layout LB, int NB>
  requires detail::real<T> && (NB == 1 || NB == 2)
void gesv(const basic_view<T, 2, LA>& A, const basic_view<T, NB, LB>& B) {
  detail::fortran_solve("gesv", A, B, [](int* n, int* nrhs, T* a, int* lda, T* b, int* ldb, int* info) {
    std::unique_ptr<int[]> ipiv(new int[static_cast<std::size_t>(*n)]);
    detail::gesv_fn<T>()(n, nrhs, a, lda, ipiv.get(), b, ldb, info);
  });
}

// The same for a symmetric positive definite A (its lower triangle is read):
// not positive definite is std::domain_error (ValueError).
template <class T, layout LA, layout LB, int NB>
  requires detail::real<T> && (NB == 1 || NB == 2)
void posv(const basic_view<T, 2, LA>& A, const basic_view<T, NB, LB>& B) {
  detail::fortran_solve("posv", A, B, [](int* n, int* nrhs, T* a, int* lda, T* b, int* ldb, int* info) {
    char uplo = 'L';
    detail::posv_fn<T>()(&uplo, n, nrhs, a, lda, b, ldb, info);
  });
}

// With an owning B (a pyx::array, e.g. from the allocating gemv): solves in
// place and returns B, as np.linalg.solve(A, B) (A is still overwritten).
template <class T, layout LA, int NB, layout LB>
  requires detail::real<T> && (NB == 1 || NB == 2)
array<T, NB, LB> gesv(const basic_view<T, 2, LA>& A, array<T, NB, LB> B) {
  gesv(A, B.view());
  return B;
}
template <class T, layout LA, int NB, layout LB>
  requires detail::real<T> && (NB == 1 || NB == 2)
array<T, NB, LB> posv(const basic_view<T, 2, LA>& A, array<T, NB, LB> B) {
  posv(A, B.view());
  return B;
}

}  // namespace pyx::blas
