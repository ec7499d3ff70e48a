// Forced into every module (-include, GCC only) unless `vecmath = false`:
// declares glibc's libmvec vector variants of the math functions, so that
// with -fno-math-errno a loop of std::exp/log/sin/cos/pow vectorises into
// calls such as _ZGVdN4v_exp (AVX2, 4 doubles a call). glibc declares them
// itself only under -ffast-math; libmvec's documented accuracy is <= 4 ULP
// (the scalar functions: <= 1 ULP). docs/language.md, "Numerics defaults".
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include <math.h>

#if defined(__x86_64__) && defined(__GLIBC__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__FAST_MATH__) && !defined(PYX_NO_VECMATH)
#define PYX_VECMATH_DECL_ __attribute__((__simd__("notinbranch")))
extern "C" {
double exp(double) noexcept PYX_VECMATH_DECL_;
double log(double) noexcept PYX_VECMATH_DECL_;
double sin(double) noexcept PYX_VECMATH_DECL_;
double cos(double) noexcept PYX_VECMATH_DECL_;
double pow(double, double) noexcept PYX_VECMATH_DECL_;
float expf(float) noexcept PYX_VECMATH_DECL_;
float logf(float) noexcept PYX_VECMATH_DECL_;
float sinf(float) noexcept PYX_VECMATH_DECL_;
float cosf(float) noexcept PYX_VECMATH_DECL_;
float powf(float, float) noexcept PYX_VECMATH_DECL_;
}
#undef PYX_VECMATH_DECL_
#endif
