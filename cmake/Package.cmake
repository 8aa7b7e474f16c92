# Package.cmake — `cpack` in a build directory makes a Debian package of what `cmake
# --install` lays out (Install.cmake), under /usr. It depends by Debian package name on
# what the installed files need: libnode.so.108's libraries (not libnode108 itself: it
# comes inside, as it conflicts with NodeSource's nodejs), jansson, libelf, and Debian's
# python3 with Jinja2 for the HTML report and the suite runner.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME isoreplay)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "isoreplay developers <isoreplay@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "replay, record and check V8 isolate lifetimes on real V8")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "isoreplay replays scenarios of threads and V8 isolates against real V8 of several versions (10.2 to 14.6) "
       "and reports every violation of isolate creation, entry and drop ordering beside what V8 did; it records "
       "real programs live and writes what they did as scenarios.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6 (>= 2.34), libstdc++6 (>= 11), libgcc-s1, libjansson4, libelf1, python3, python3-jinja2, \
libuv1 (>= 1.44.1), libicu72, libc-ares2, libnghttp2-14, libbrotli1, libssl3, zlib1g")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "bash-completion")
set(CPACK_STRIP_FILES OFF)  # node and libnode are shipped as their packages made them
include(CPack)
