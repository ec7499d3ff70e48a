# cxximport_add_module(<target> <file.cxxpyx>
#                      [MODULE_NAME <pkg.name>] [DESTINATION <dir>] [NO_INSTALL])
#
# Builds <file.cxxpyx> into a Python extension module, as the import hook
# would, but at build time:
#   - configure time: `python -m cxximport flags --cmake` reads the file's
#     directives and [tool.cxximport] of the nearest pyproject.toml (editing
#     either re-runs the configure step);
#   - build time: `python -m cxximport generate` writes <target>_module.cpp and
#     <target>.pyi (re-run when the file, a `depends` file or cxximport's code
#     templates change; headers the file includes are tracked by the compiler's
#     dependency scanning of the generated source);
#   - Python_add_library(<target> MODULE WITH_SOABI) with the runtime headers,
#     NumPy's headers, the same flags as the hook and OpenMP::OpenMP_CXX when
#     the module uses OpenMP;
#   - install(): the module and its .pyi into DESTINATION (default: the
#     package directory of MODULE_NAME, e.g. pkg/ for pkg.name), unless NO_INSTALL.
# MODULE_NAME defaults to <target>.

function(cxximport_add_module target source)
  cmake_parse_arguments(PARSE_ARGV 2 arg "NO_INSTALL" "MODULE_NAME;DESTINATION" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "cxximport_add_module(${target}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_MODULE_NAME)
    set(arg_MODULE_NAME "${target}")
  endif()
  get_filename_component(source "${source}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${source}")
    message(FATAL_ERROR "cxximport_add_module(${target}): no such file: ${source}")
  endif()

  # The module's own name is the last part of MODULE_NAME; its package, the rest.
  string(REGEX REPLACE "^.*\\." "" leaf "${arg_MODULE_NAME}")
  if(NOT DEFINED arg_DESTINATION)
    string(REGEX MATCH "^(.*)\\." has_package "${arg_MODULE_NAME}")
    if(has_package)
      string(REPLACE "." "/" arg_DESTINATION "${CMAKE_MATCH_1}")
    else()
      set(arg_DESTINATION ".")
    endif()
  endif()

  # Configure time: the flags from the directives and pyproject.toml.
  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/cxximport/${target}")
  file(MAKE_DIRECTORY "${out_dir}")
  execute_process(
    COMMAND "${Python_EXECUTABLE}" -m cxximport flags --cmake "${source}"
    OUTPUT_FILE "${out_dir}/flags.cmake"
    ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cxximport_add_module(${target}): cannot read ${source}:\n${err}")
  endif()
  include("${out_dir}/flags.cmake")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CXXIMPORT_CONFIG_FILES})

  # Build time: the module's C++ source and stub.
  set(cpp "${out_dir}/${leaf}_module.cpp")
  set(pyi "${out_dir}/${leaf}.pyi")
  file(GLOB templates "${cxximport_TEMPLATES_DIR}/codegen/*")
  # Reproducible wheels: the docstring, the stub and __FILE__ name the source
  # relative to the project, never by a path of the machine that built it.
  file(RELATIVE_PATH shown "${CMAKE_SOURCE_DIR}" "${source}")
  add_custom_command(
    OUTPUT "${cpp}" "${pyi}"
    COMMAND "${Python_EXECUTABLE}" -m cxximport generate "${source}"
            --module "${arg_MODULE_NAME}" -o "${cpp}" --pyi "${pyi}" --display-path "${shown}"
    DEPENDS "${source}" ${CXXIMPORT_DEPENDS} ${templates}
    COMMENT "cxximport: generating ${arg_MODULE_NAME} from ${source}"
    VERBATIM)

  Python_add_library(${target} MODULE WITH_SOABI "${cpp}" ${CXXIMPORT_SOURCES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME "${leaf}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON)
  # The runtime first, so a user header can never shadow pyx/.
  target_include_directories(${target} PRIVATE "${cxximport_TEMPLATES_DIR}" ${CXXIMPORT_INCLUDE_DIRS})
  target_include_directories(${target} SYSTEM PRIVATE "${cxximport_NUMPY_INCLUDE_DIR}")
  target_compile_options(${target} PRIVATE ${CXXIMPORT_CXXFLAGS}
    "-ffile-prefix-map=${CMAKE_SOURCE_DIR}/=" "-ffile-prefix-map=${CMAKE_BINARY_DIR}/="
    "-ffile-prefix-map=${cxximport_TEMPLATES_DIR}/=cxximport/"
    "-ffile-prefix-map=${cxximport_NUMPY_INCLUDE_DIR}/=numpy/")
  target_link_libraries(${target} PRIVATE ${CXXIMPORT_LDFLAGS})
  if(CXXIMPORT_OPENMP)
    find_package(OpenMP REQUIRED COMPONENTS CXX)
    target_link_libraries(${target} PRIVATE OpenMP::OpenMP_CXX)
  endif()
  set_property(TARGET ${target} PROPERTY CXXIMPORT_PYI "${pyi}")

  if(NOT arg_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION "${arg_DESTINATION}")
    install(FILES "${pyi}" DESTINATION "${arg_DESTINATION}")
  endif()
endfunction()
