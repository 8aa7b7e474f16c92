# Install.cmake — `cmake --install BUILD --prefix P`: an isoreplay that works from any
# directory with the source tree gone (nothing is located relative to the checkout):
#
#   P/bin/isoreplay[-asan|-tsan]     the command of this build's flavor; its rpath finds
#                                    libnode in P/lib/isoreplay (patchelf at install)
#   P/bin/isoreplay-suite            the suite runner (runner/) as a command
#   P/lib/libisoreplay-record.so     what `record` preloads (one for every flavor)
#   P/lib/isoreplay/libnode.so.108   the built-in V8 (Debian's libnode, never installed
#                                    system-wide: it conflicts with NodeSource's nodejs)
#   P/lib/isoreplay/node/VERSION/    each Node runtime's node binary
#   P/lib/isoreplay/FLAVOR/          the runtimes manifest (paths relative to it) and the
#                                    probe addons of this flavor
#   P/lib/cmake/isoreplay/           find_package(isoreplay): isoreplay_add_scenarios()
#   P/share/isoreplay/{reports,runner}, P/share/doc/isoreplay, P/share/man/man1,
#   P/share/bash-completion/completions/isoreplay
#
# Flavors install side by side into one prefix: the shared files are the same from each.
# CPack makes a Debian package of the same tree (package.cmake, at the end).
set(_iso_exe "isoreplay")
if(NOT ISOREPLAY_FLAVOR STREQUAL "default")
  set(_iso_exe "isoreplay-${ISOREPLAY_FLAVOR}")
endif()
find_program(ISOREPLAY_PATCHELF patchelf)
find_program(ISOREPLAY_HELP2MAN help2man)

install(TARGETS isoreplay RUNTIME DESTINATION bin)
install(CODE "
  set(_bin \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/bin\")
  if(NOT \"${_iso_exe}\" STREQUAL \"isoreplay\")
    file(RENAME \"\${_bin}/isoreplay\" \"\${_bin}/${_iso_exe}\")
  endif()
  if(NOT EXISTS \"${ISOREPLAY_PATCHELF}\")
    message(FATAL_ERROR \"install: patchelf is needed to point the installed isoreplay at its libnode (apt-get install patchelf)\")
  endif()
  execute_process(COMMAND \"${ISOREPLAY_PATCHELF}\" --set-rpath \"\\\$ORIGIN/../lib/isoreplay\" \"\${_bin}/${_iso_exe}\"
                  RESULT_VARIABLE _rc)
  if(_rc)
    message(FATAL_ERROR \"install: patchelf failed on \${_bin}/${_iso_exe}\")
  endif()")
install(TARGETS isoreplay_record LIBRARY DESTINATION lib)
# The built-in V8's library, by its SONAME, as the binary asks for it.
install(FILES "${_V8_LIB}" DESTINATION lib/isoreplay)

# The Node runtimes: node binaries (shared by every flavor), this flavor's addons, and
# the manifest, its paths relative to itself.
set(_iso_manifest "# V8 version\torigin\tnode\taddon (installed: paths relative to this file)\n")
foreach(id IN LISTS ISOREPLAY_NODE_RUNTIMES)
  get_filename_component(_ver "${NODE_${id}_ROOT}" DIRECTORY)
  get_filename_component(_ver "${_ver}" NAME)
  install(PROGRAMS "${NODE_${id}_ROOT}/bin/node" DESTINATION lib/isoreplay/node/${_ver}/bin)
  install(FILES $<TARGET_FILE:isoreplay_child_${id}> DESTINATION lib/isoreplay/${ISOREPLAY_FLAVOR}/runtimes/${id})
  string(APPEND _iso_manifest
         "${NODE_${id}_V8}\t${NODE_${id}_ORIGIN}\t../node/${_ver}/bin/node\truntimes/${id}/isoreplay-child.node\n")
endforeach()
file(WRITE "${CMAKE_BINARY_DIR}/install/runtimes.tsv" "${_iso_manifest}")
# The suppression files a sanitizer build's node children read (harness/replay/child.c
# points them here when the build tree's copies are gone).
if(NOT ISOREPLAY_FLAVOR STREQUAL "default")
  install(FILES "${CMAKE_BINARY_DIR}/sanitizers/tsan.supp" "${CMAKE_BINARY_DIR}/sanitizers/lsan.supp"
          DESTINATION lib/isoreplay/${ISOREPLAY_FLAVOR})
endif()
install(FILES "${CMAKE_BINARY_DIR}/install/runtimes.tsv" DESTINATION lib/isoreplay/${ISOREPLAY_FLAVOR})

# The HTML report's renderer and the suite runner, laid out as in the source tree (the
# runner finds reports/ beside itself), and the runner as a command.
install(DIRECTORY reports/ DESTINATION share/isoreplay/reports
        FILES_MATCHING PATTERN "*.py" PATTERN "*.j2" PATTERN "*.css" PATTERN "*.js" PATTERN "tests" EXCLUDE)
install(DIRECTORY runner/ DESTINATION share/isoreplay/runner
        FILES_MATCHING PATTERN "*.py" PATTERN "tests" EXCLUDE PATTERN "__pycache__" EXCLUDE)
install(PROGRAMS cmake/isoreplay-suite.sh DESTINATION bin RENAME isoreplay-suite)
install(DIRECTORY docs/ DESTINATION share/doc/isoreplay)
install(FILES README.md DESTINATION share/doc/isoreplay)
install(FILES completions/isoreplay.bash DESTINATION share/bash-completion/completions RENAME isoreplay)

# A man page per command, from its --help (help2man), so they never drift from it.
set(_iso_pages "")
if(ISOREPLAY_HELP2MAN)
  foreach(cmd run check versions record new codes)
    set(_page "${CMAKE_BINARY_DIR}/man/isoreplay-${cmd}.1")
    set(_wrapper "${CMAKE_BINARY_DIR}/man/isoreplay-${cmd}")
    file(GENERATE OUTPUT "${_wrapper}" CONTENT "#!/bin/sh\nexec $<TARGET_FILE:isoreplay> ${cmd} \"$@\"\n"
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
    add_custom_command(OUTPUT "${_page}" DEPENDS isoreplay
                       COMMAND "${ISOREPLAY_HELP2MAN}" --no-info --no-discard-stderr --version-string=${PROJECT_VERSION}
                               "--name=isoreplay ${cmd}" --output "${_page}" "${_wrapper}"
                       COMMENT "man page isoreplay-${cmd}.1")
    list(APPEND _iso_pages "${_page}")
  endforeach()
  set(_page "${CMAKE_BINARY_DIR}/man/isoreplay.1")
  add_custom_command(OUTPUT "${_page}" DEPENDS isoreplay
                     COMMAND "${ISOREPLAY_HELP2MAN}" --no-info --version-string=${PROJECT_VERSION}
                             "--name=replay and check V8 isolate lifetimes" --output "${_page}" $<TARGET_FILE:isoreplay>
                     COMMENT "man page isoreplay.1")
  list(APPEND _iso_pages "${_page}")
  add_custom_target(isoreplay_man ALL DEPENDS ${_iso_pages})
  install(FILES ${_iso_pages} DESTINATION share/man/man1)
else()
  message(STATUS "help2man not found: no man pages (apt-get install help2man)")
endif()

# find_package(isoreplay) for a user's project.
include(CMakePackageConfigHelpers)
write_basic_package_version_file("${CMAKE_BINARY_DIR}/install/isoreplayConfigVersion.cmake"
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES cmake/isoreplayConfig.cmake "${CMAKE_BINARY_DIR}/install/isoreplayConfigVersion.cmake"
        DESTINATION lib/cmake/isoreplay)

include(cmake/Package.cmake)
