// The pyx runtime: everything a .cxxpyx file and its generated bindings use.
// Views and arrays: pyx/view.hpp, pyx/array.hpp. Conversions: pyx/detail/cast_*.hpp.
#pragma once
// A system header: -Wall -Wextra count the user's code, never the runtime's.
#pragma GCC system_header

#include "pyx/core.hpp"
#include "pyx/detail/cpu_check.hpp"
#include "pyx/dtype.hpp"
#include "pyx/object.hpp"
#include "pyx/view.hpp"
#include "pyx/array.hpp"
#include "pyx/detail/cast_scalar.hpp"
#include "pyx/detail/cast_string.hpp"
#include "pyx/detail/cast_compound.hpp"
#include "pyx/detail/cast_array.hpp"
#include "pyx/growable.hpp"
#include "pyx/anyview.hpp"
#include "pyx/numeric.hpp"
#include "pyx/parallel.hpp"
#include "pyx/parallel_worth.hpp"
#include "pyx/reductions.hpp"
#include "pyx/function.hpp"
#include "pyx/python.hpp"
#include "pyx/detail/invoke.hpp"
