# find_package(cxximport CONFIG) support: cxximport_add_module() for building
# .cxxpyx files into extension modules at wheel-build time (no import hook).
#
#   execute_process(COMMAND "${Python_EXECUTABLE}" -m cxximport --cmake-dir
#                   OUTPUT_VARIABLE cxximport_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
#   find_package(cxximport CONFIG REQUIRED)
#   cxximport_add_module(kernels src/pkg/kernels.cxxpyx MODULE_NAME pkg.kernels)
#
# Provides: cxximport_add_module(), cxximport_TEMPLATES_DIR,
# cxximport_NUMPY_INCLUDE_DIR, cxximport_VERSION. See docs/aot.md.

include(CMakeFindDependencyMacro)

if(NOT TARGET Python::Module)
  find_dependency(Python 3.10 COMPONENTS Interpreter Development.Module)
endif()

# The package layout: cxximport/cmake/ (this file) next to cxximport/templates/.
get_filename_component(cxximport_TEMPLATES_DIR "${CMAKE_CURRENT_LIST_DIR}/../templates" ABSOLUTE)
if(NOT EXISTS "${cxximport_TEMPLATES_DIR}/pyx/pyx.hpp")
  set(${CMAKE_FIND_PACKAGE_NAME}_FOUND FALSE)
  set(${CMAKE_FIND_PACKAGE_NAME}_NOT_FOUND_MESSAGE
      "cxximport's runtime headers are missing from ${cxximport_TEMPLATES_DIR}")
  return()
endif()

if(NOT cxximport_NUMPY_INCLUDE_DIR)
  execute_process(
    COMMAND "${Python_EXECUTABLE}" -c "import numpy; print(numpy.get_include())"
    OUTPUT_VARIABLE _cxximport_numpy OUTPUT_STRIP_TRAILING_WHITESPACE
    ERROR_VARIABLE _cxximport_numpy_err RESULT_VARIABLE _cxximport_rc)
  if(NOT _cxximport_rc EQUAL 0)
    set(${CMAKE_FIND_PACKAGE_NAME}_FOUND FALSE)
    set(${CMAKE_FIND_PACKAGE_NAME}_NOT_FOUND_MESSAGE
        "NumPy is needed to build .cxxpyx modules (add numpy to [build-system] requires): ${_cxximport_numpy_err}")
    return()
  endif()
  set(cxximport_NUMPY_INCLUDE_DIR "${_cxximport_numpy}" CACHE PATH "NumPy C headers for cxximport modules")
endif()

execute_process(
  COMMAND "${Python_EXECUTABLE}" -c "import cxximport; print(cxximport.__version__)"
  OUTPUT_VARIABLE cxximport_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)

include("${CMAKE_CURRENT_LIST_DIR}/cxximport.cmake")
