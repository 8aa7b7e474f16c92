# DebianV8.cmake — provides the imported target V8::V8 (headers, libnode.so.108, rpath).
#
# Order of attempts:
#   1. -DV8_ROOT=<dir>: a user's own V8 build. <dir>/include (or include/node) must hold
#      v8.h and v8-version.h; <dir>/lib (or <dir>, out/*) must hold libv8.so, libnode.so*
#      or libv8_monolith.a.
#   2. Debian's libnode108 + libnode-dev fetched with `apt-get download` and unpacked
#      with `dpkg -x` into ISOREPLAY_V8_CACHE (shared by all presets; never the system).
# Sets V8_VERSION (e.g. 10.2.154.26) and V8_SOURCE_DESC.

set(ISOREPLAY_V8_CACHE "${CMAKE_SOURCE_DIR}/build/_v8"
    CACHE PATH "where Debian's libnode packages are unpacked (shared by presets)")
set(V8_ROOT "" CACHE PATH "use this V8 build instead of Debian's libnode")
set(ISOREPLAY_V8_PACKAGES libnode108 libnode-dev)

function(_v8_read_version incdir outvar)
  file(STRINGS "${incdir}/v8-version.h" lines REGEX "^#define V8_(MAJOR_VERSION|MINOR_VERSION|BUILD_NUMBER|PATCH_LEVEL) ")
  set(parts "")
  foreach(key MAJOR_VERSION MINOR_VERSION BUILD_NUMBER PATCH_LEVEL)
    foreach(l IN LISTS lines)
      if(l MATCHES "V8_${key} +([0-9]+)")
        list(APPEND parts "${CMAKE_MATCH_1}")
      endif()
    endforeach()
  endforeach()
  list(JOIN parts "." v)
  set(${outvar} "${v}" PARENT_SCOPE)
endfunction()

function(_v8_from_root root)
  set(tried "")
  foreach(sub include include/node include/v8)
    if(EXISTS "${root}/${sub}/v8.h" AND EXISTS "${root}/${sub}/v8-version.h")
      set(inc "${root}/${sub}")
      break()
    endif()
    list(APPEND tried "${root}/${sub}/v8.h")
  endforeach()
  set(arch "${CMAKE_LIBRARY_ARCHITECTURE}")
  if(NOT arch)
    set(arch "x86_64-linux-gnu")
  endif()
  find_library(_v8_lib NAMES v8 node libnode.so.108 v8_monolith
               PATHS "${root}/lib" "${root}/lib/${arch}" "${root}" "${root}/out/x64.release"
                     "${root}/out.gn/x64.release/obj"
               NO_DEFAULT_PATH)
  if(NOT inc OR NOT _v8_lib)
    unset(_v8_lib CACHE)
    list(JOIN tried ", " tried_text)
    message(FATAL_ERROR
      "V8_ROOT=${root} does not look like a V8 build.\n"
      "  headers tried: ${tried_text}\n"
      "  libraries tried: libv8.so, libnode.so, libnode.so.108, libv8_monolith.a in ${root}/lib, "
      "${root}/lib/${arch}, ${root}, ${root}/out/x64.release\n"
      "Point V8_ROOT at a folder with include/v8.h and lib/libv8.so, or leave V8_ROOT empty "
      "to use Debian's libnode108 fetched into ${ISOREPLAY_V8_CACHE}.")
  endif()
  set(_V8_INC "${inc}" PARENT_SCOPE)
  set(_V8_LIB "${_v8_lib}" PARENT_SCOPE)
  set(_V8_DESC "V8_ROOT=${root}" PARENT_SCOPE)
endfunction()

function(_v8_from_debian cache)
  set(root "${cache}/root")
  set(libdir "${root}/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}")
  if(NOT CMAKE_LIBRARY_ARCHITECTURE)
    set(libdir "${root}/usr/lib/x86_64-linux-gnu")
  endif()
  set(stamp "${cache}/unpacked.stamp")
  file(MAKE_DIRECTORY "${cache}")
  file(LOCK "${cache}/.lock" GUARD FUNCTION TIMEOUT 600)
  if(NOT EXISTS "${stamp}")
    find_program(APT_GET apt-get)
    find_program(DPKG dpkg)
    if(NOT APT_GET OR NOT DPKG)
      message(FATAL_ERROR
        "V8: tried to fetch Debian's ${ISOREPLAY_V8_PACKAGES} but apt-get/dpkg are missing.\n"
        "Pass -DV8_ROOT=<your V8 build> instead.")
    endif()
    file(GLOB old "${cache}/*.deb")
    if(old)
      file(REMOVE ${old})
    endif()
    message(STATUS "V8: apt-get download ${ISOREPLAY_V8_PACKAGES} -> ${cache}")
    execute_process(COMMAND "${APT_GET}" download ${ISOREPLAY_V8_PACKAGES}
                    WORKING_DIRECTORY "${cache}"
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR
        "V8: `apt-get download ${ISOREPLAY_V8_PACKAGES}` failed in ${cache} (exit ${rc}):\n${err}\n"
        "Tried: V8_ROOT (empty), then Debian's packages.\n"
        "Fix: run `apt-get update` once (the package lists may be missing), check that the "
        "machine reaches Debian's mirror, or pass -DV8_ROOT=<your V8 build>.")
    endif()
    file(GLOB debs "${cache}/*.deb")
    foreach(deb IN LISTS debs)
      execute_process(COMMAND "${DPKG}" -x "${deb}" "${root}" RESULT_VARIABLE rc ERROR_VARIABLE err)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "V8: `dpkg -x ${deb} ${root}` failed (exit ${rc}): ${err}")
      endif()
    endforeach()
    file(WRITE "${stamp}" "${debs}\n")
  endif()
  set(inc "${root}/usr/include/node")
  set(lib "${libdir}/libnode.so.108")
  if(NOT EXISTS "${inc}/v8.h" OR NOT EXISTS "${lib}")
    message(FATAL_ERROR
      "V8: ${cache} holds no usable libnode (looked for ${inc}/v8.h and ${lib}).\n"
      "Delete ${cache} and configure again, or pass -DV8_ROOT=<your V8 build>.")
  endif()
  execute_process(COMMAND ldd "${lib}" OUTPUT_VARIABLE ldd_out ERROR_QUIET)
  string(REGEX MATCHALL "[^\n\t ]+ => not found" missing "${ldd_out}")
  if(missing)
    message(FATAL_ERROR
      "V8: ${lib} needs shared libraries this machine lacks: ${missing}\n"
      "Install them with apt-get (libuv1 libicu72 libc-ares2 libnghttp2-14 libbrotli1 libssl3); "
      "they do not conflict with nodejs.")
  endif()
  set(_V8_INC "${inc}" PARENT_SCOPE)
  set(_V8_LIB "${lib}" PARENT_SCOPE)
  file(READ "${stamp}" debs)
  string(STRIP "${debs}" debs)
  get_filename_component(deb1 "${debs}" NAME)
  set(_V8_DESC "Debian ${deb1} (unpacked in ${cache})" PARENT_SCOPE)
endfunction()

if(V8_ROOT)
  _v8_from_root("${V8_ROOT}")
else()
  _v8_from_debian("${ISOREPLAY_V8_CACHE}")
endif()

_v8_read_version("${_V8_INC}" V8_VERSION)
set(V8_SOURCE_DESC "${_V8_DESC}")
get_filename_component(_V8_LIBDIR "${_V8_LIB}" DIRECTORY)
add_library(V8::V8 UNKNOWN IMPORTED)
set_target_properties(V8::V8 PROPERTIES
  IMPORTED_LOCATION "${_V8_LIB}"
  INTERFACE_INCLUDE_DIRECTORIES "${_V8_INC}"
  INTERFACE_LINK_OPTIONS "LINKER:-rpath,${_V8_LIBDIR}")
message(STATUS "V8 ${V8_VERSION}: ${V8_SOURCE_DESC}")
