# DebianNode.cmake — Debian's own `node` program of the libnode the build uses (nodejs
# 18 on bookworm), for `isoreplay record` to observe a real Node that loads V8 from
# libnode.so.108: its tests and the record validation (bench/record_validation.py).
#
# nodejs conflicts with the NodeSource nodejs of these machines, so it is never
# installed: `apt-get download nodejs=<libnode's version>` and the three packages of
# builtins Debian keeps outside the binary (node-acorn, node-cjs-module-lexer,
# node-undici) are unpacked into ISOREPLAY_V8_CACHE/node, and bin/debian-node runs that
# node with those builtins overlaid on /usr/share inside a private mount namespace
# (`unshare -m`, root only), leaving the system untouched.
#
# Sets ISOREPLAY_DEBIAN_NODE: the path of bin/debian-node, or "" (with the reason in
# ISOREPLAY_DEBIAN_NODE_WHY) when it could not be fetched or the build uses V8_ROOT.

set(ISOREPLAY_DEBIAN_NODE "")
set(ISOREPLAY_DEBIAN_NODE_WHY "")
set(_dn_cache "${ISOREPLAY_V8_CACHE}/node")
if(V8_ROOT)
  set(ISOREPLAY_DEBIAN_NODE_WHY "the build uses V8_ROOT, not Debian's libnode")
else()
  file(READ "${ISOREPLAY_V8_CACHE}/unpacked.stamp" _dn_stamp)
  string(REGEX MATCH "libnode108_([^_]+)_" _dn_match "${_dn_stamp}")
  set(_dn_version "${CMAKE_MATCH_1}")
  file(MAKE_DIRECTORY "${_dn_cache}")
  file(LOCK "${_dn_cache}/.lock" GUARD FILE TIMEOUT 600)
  if(_dn_version AND NOT EXISTS "${_dn_cache}/unpacked.stamp")
    find_program(APT_GET apt-get)
    set(_dn_packages nodejs=${_dn_version} node-acorn node-cjs-module-lexer node-undici)
    message(STATUS "Debian node: apt-get download ${_dn_packages} -> ${_dn_cache}")
    execute_process(COMMAND "${APT_GET}" download ${_dn_packages} WORKING_DIRECTORY "${_dn_cache}"
                    RESULT_VARIABLE _dn_rc ERROR_VARIABLE _dn_err OUTPUT_QUIET)
    if(_dn_rc EQUAL 0)
      file(GLOB _dn_debs "${_dn_cache}/*.deb")
      foreach(deb IN LISTS _dn_debs)
        execute_process(COMMAND dpkg -x "${deb}" "${_dn_cache}/root" RESULT_VARIABLE _dn_rc)
      endforeach()
      if(_dn_rc EQUAL 0)
        file(WRITE "${_dn_cache}/unpacked.stamp" "${_dn_debs}\n")
      endif()
    else()
      string(STRIP "${_dn_err}" _dn_err)
      set(ISOREPLAY_DEBIAN_NODE_WHY "apt-get download ${_dn_packages} failed: ${_dn_err}")
    endif()
  endif()
  file(LOCK "${_dn_cache}/.lock" RELEASE)
  if(EXISTS "${_dn_cache}/unpacked.stamp" AND EXISTS "${_dn_cache}/root/usr/bin/node")
    set(DEBIAN_NODE_ROOT "${_dn_cache}/root")
    set(DEBIAN_NODE_LIBDIR "${_V8_LIBDIR}")
    configure_file("${CMAKE_CURRENT_LIST_DIR}/debian-node.sh.in" "${CMAKE_BINARY_DIR}/bin/debian-node" @ONLY
                   FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
                                    WORLD_EXECUTE)
    set(ISOREPLAY_DEBIAN_NODE "${CMAKE_BINARY_DIR}/bin/debian-node")
  elseif(NOT ISOREPLAY_DEBIAN_NODE_WHY)
    set(ISOREPLAY_DEBIAN_NODE_WHY "Debian's nodejs ${_dn_version} could not be unpacked into ${_dn_cache}")
  endif()
endif()
if(NOT ISOREPLAY_DEBIAN_NODE)
  message(STATUS "Debian node: not available: ${ISOREPLAY_DEBIAN_NODE_WHY}")
endif()
