# One warning policy for every target of ours; third-party headers come in as SYSTEM includes.
add_library(embedscope_warnings INTERFACE)
target_compile_options(embedscope_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Wcast-qual -Wformat=2
  -Wimplicit-fallthrough -Wno-missing-field-initializers)
if(EMBEDSCOPE_WERROR)
  target_compile_options(embedscope_warnings INTERFACE -Werror)
endif()
# GCC 12 reports false "maybe-uninitialized" warnings inside its own avx512fintrin.h when Eigen's
# AVX-512 packets are inlined (GCC bug 105593); the warning carries no information there.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(embedscope_warnings INTERFACE -Wno-maybe-uninitialized)
endif()
