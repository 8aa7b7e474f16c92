# Sanitizers.cmake — compile and link flags for ISOREPLAY_FLAVOR.
#   asan: AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer on), frame pointers
#   tsan: ThreadSanitizer
# libnode stays as shipped (uninstrumented); the runtime options and suppressions are in
# sanitizers/ and compiled into every executable.
if(ISOREPLAY_FLAVOR STREQUAL "asan")
  # vptr needs RTTI of V8 classes, which libnode (built -fno-rtti) does not export.
  set(_san -fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=undefined
           -fno-omit-frame-pointer)
elseif(ISOREPLAY_FLAVOR STREQUAL "tsan")
  set(_san -fsanitize=thread -fno-omit-frame-pointer)
elseif(ISOREPLAY_FLAVOR STREQUAL "fuzz")
  # clang 14: the libraries get coverage for libFuzzer; tests/fuzz links the fuzzer main.
  set(_san -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize=vptr -fno-sanitize-recover=undefined
           -fno-omit-frame-pointer)
elseif(NOT ISOREPLAY_FLAVOR STREQUAL "default")
  message(FATAL_ERROR "ISOREPLAY_FLAVOR must be default, asan, tsan or fuzz (got '${ISOREPLAY_FLAVOR}')")
endif()
if(_san)
  add_compile_options(${_san})
  add_link_options(${_san})
endif()
# What the binaries report as their flags (sanitizers/build_info.h).
set(ISOREPLAY_SANITIZER_FLAGS "${_san}")
