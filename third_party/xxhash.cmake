# Where the build finds xxhash.h (XXH3-128, the cache key's hash; used inline,
# no library is linked). We do not keep a copy of xxHash in this repository:
#
#   1. a system copy (libxxhash-dev, or XXHASH_INCLUDE_DIR=<dir> given to CMake)
#      is preferred when present;
#   2. otherwise the header is taken from the `xxhash` release on the Python
#      package index, whose sdist bundles the xxHash sources; the exact file is
#      pinned by SHA-256, so what is compiled cannot change under us.
#
# CXXIMPORT_XXHASH selects: auto (1 then 2), system (1 only), download (2 only;
# also how the tests prove the route works on a machine that has the header).
# CXXIMPORT_XXHASH_URL overrides the address (a mirror, or file:///path/to/sdist).
# Defines XXHASH_INCLUDE_DIR, and XXHASH_LICENSE_FILE when the download is used
# (installed next to the extension: the binary contains xxHash's code).

set(CXXIMPORT_XXHASH "auto" CACHE STRING "Where xxhash.h comes from: auto, system or download")
set_property(CACHE CXXIMPORT_XXHASH PROPERTY STRINGS auto system download)
set(CXXIMPORT_XXHASH_URL
    "https://files.pythonhosted.org/packages/02/84/30869e01909fb37a6cc7e18688ee8bf1e42d57e7e0777636bd47524c43c7/xxhash-3.6.0.tar.gz"
    CACHE STRING "The xxhash 3.6.0 sdist (bundles xxHash 0.8.3) used when no system xxhash.h is found")
set(CXXIMPORT_XXHASH_SHA256 "f0162a78b13a0d7617b2845b90c763339d1f1d82bb04a4b07f4ab535cc5e05d6")

if(NOT CXXIMPORT_XXHASH MATCHES "^(auto|system|download)$")
  message(FATAL_ERROR "CXXIMPORT_XXHASH must be auto, system or download, not '${CXXIMPORT_XXHASH}'")
endif()

if(NOT CXXIMPORT_XXHASH STREQUAL "download")
  find_path(XXHASH_INCLUDE_DIR xxhash.h)
  if(XXHASH_INCLUDE_DIR)
    message(STATUS "xxHash: system header in ${XXHASH_INCLUDE_DIR}")
    return()
  endif()
  if(CXXIMPORT_XXHASH STREQUAL "system")
    message(FATAL_ERROR
      "cxximport: xxhash.h not found (CXXIMPORT_XXHASH=system). Install the xxHash headers "
      "(Debian/Ubuntu: apt-get install libxxhash-dev; or run sh scripts/setup-system.sh), or "
      "pass -DXXHASH_INCLUDE_DIR=<directory containing xxhash.h>.")
  endif()
endif()

set(_xxhash_dir "${CMAKE_BINARY_DIR}/_deps/xxhash")
set(_xxhash_sdist "${_xxhash_dir}/xxhash-sdist.tar.gz")
set(_xxhash_header "${_xxhash_dir}/include/xxhash.h")
if(NOT EXISTS "${_xxhash_header}")
  message(STATUS "xxHash: no system xxhash.h; downloading ${CXXIMPORT_XXHASH_URL}")
  file(DOWNLOAD "${CXXIMPORT_XXHASH_URL}" "${_xxhash_sdist}"
       STATUS _status TLS_VERIFY ON)
  list(GET _status 0 _code)
  list(GET _status 1 _why)
  if(_code EQUAL 0)
    file(SHA256 "${_xxhash_sdist}" _sha)
    if(NOT _sha STREQUAL CXXIMPORT_XXHASH_SHA256)
      set(_code 1)
      set(_why "its SHA-256 is ${_sha}, not the pinned one")
    endif()
  endif()
  if(NOT _code EQUAL 0)
    file(REMOVE "${_xxhash_sdist}")
    message(FATAL_ERROR
      "cxximport: xxhash.h is missing. No system copy was found and the download of\n"
      "  ${CXXIMPORT_XXHASH_URL}\n"
      "failed (${_why}). Either install the xxHash headers (Debian/Ubuntu: "
      "apt-get install libxxhash-dev; or run sh scripts/setup-system.sh), or pass "
      "-DXXHASH_INCLUDE_DIR=<directory containing xxhash.h>, or make that URL reachable "
      "(-DCXXIMPORT_XXHASH_URL=file:///path/to/xxhash-3.6.0.tar.gz for a local copy, "
      "SHA-256 ${CXXIMPORT_XXHASH_SHA256}).")
  endif()
  file(ARCHIVE_EXTRACT INPUT "${_xxhash_sdist}" DESTINATION "${_xxhash_dir}/src"
       PATTERNS "*/deps/xxhash/xxhash.h" "*/deps/xxhash/LICENSE")
  file(GLOB _found "${_xxhash_dir}/src/*/deps/xxhash/xxhash.h")
  file(GLOB _licence "${_xxhash_dir}/src/*/deps/xxhash/LICENSE")
  if(NOT _found OR NOT _licence)
    message(FATAL_ERROR "cxximport: ${CXXIMPORT_XXHASH_URL} holds no deps/xxhash/xxhash.h and LICENSE")
  endif()
  file(MAKE_DIRECTORY "${_xxhash_dir}/include")
  file(COPY_FILE "${_found}" "${_xxhash_header}")
  file(COPY_FILE "${_licence}" "${_xxhash_dir}/include/LICENSE")
endif()
set(XXHASH_INCLUDE_DIR "${_xxhash_dir}/include")
set(XXHASH_LICENSE_FILE "${_xxhash_dir}/include/LICENSE")
message(STATUS "xxHash: header from ${CXXIMPORT_XXHASH_URL}")
