// The module's instruction sets against the running CPU, checked in PyInit:
// a module compiled with -march=x86-64-v3, -mavx512f... and loaded on a CPU
// without them raises ImportError naming the missing extension instead of
// dying of SIGILL in the middle of a call. The cache key already covers the
// CPU for `arch = auto` and `arch = native`; this guards explicit `arch`
// values and -m flags on a cache shared by different machines.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

namespace pyx::detail {

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

// Compiled for the baseline whatever -march says, so the check itself cannot
// use an instruction it is about to find missing.
__attribute__((target("arch=x86-64"))) inline const char* missing_cpu_feature() {
  __builtin_cpu_init();
#define PYX_REQUIRE(name) \
  if (!__builtin_cpu_supports(name)) return name;
#ifdef __SSE3__
  PYX_REQUIRE("sse3")
#endif
#ifdef __SSSE3__
  PYX_REQUIRE("ssse3")
#endif
#ifdef __SSE4_1__
  PYX_REQUIRE("sse4.1")
#endif
#ifdef __SSE4_2__
  PYX_REQUIRE("sse4.2")
#endif
#ifdef __SSE4A__
  PYX_REQUIRE("sse4a")
#endif
#ifdef __POPCNT__
  PYX_REQUIRE("popcnt")
#endif
#ifdef __AVX__
  PYX_REQUIRE("avx")
#endif
#ifdef __AVX2__
  PYX_REQUIRE("avx2")
#endif
#ifdef __FMA__
  PYX_REQUIRE("fma")
#endif
#ifdef __FMA4__
  PYX_REQUIRE("fma4")
#endif
#ifdef __XOP__
  PYX_REQUIRE("xop")
#endif
#ifdef __BMI__
  PYX_REQUIRE("bmi")
#endif
#ifdef __BMI2__
  PYX_REQUIRE("bmi2")
#endif
#ifdef __AVX512F__
  PYX_REQUIRE("avx512f")
#endif
#ifdef __AVX512BW__
  PYX_REQUIRE("avx512bw")
#endif
#ifdef __AVX512CD__
  PYX_REQUIRE("avx512cd")
#endif
#ifdef __AVX512DQ__
  PYX_REQUIRE("avx512dq")
#endif
#ifdef __AVX512VL__
  PYX_REQUIRE("avx512vl")
#endif
#ifdef __AVX512VBMI__
  PYX_REQUIRE("avx512vbmi")
#endif
#ifdef __AVX512IFMA__
  PYX_REQUIRE("avx512ifma")
#endif
#ifdef __AVX512VBMI2__
  PYX_REQUIRE("avx512vbmi2")
#endif
#ifdef __AVX512VNNI__
  PYX_REQUIRE("avx512vnni")
#endif
#ifdef __AVX512BITALG__
  PYX_REQUIRE("avx512bitalg")
#endif
#ifdef __AVX512VPOPCNTDQ__
  PYX_REQUIRE("avx512vpopcntdq")
#endif
#ifdef __AVX512BF16__
  PYX_REQUIRE("avx512bf16")
#endif
#undef PYX_REQUIRE
  return nullptr;
}

#else

inline const char* missing_cpu_feature() { return nullptr; }

#endif

}  // namespace pyx::detail
