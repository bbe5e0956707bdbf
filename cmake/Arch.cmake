# -march=native gives the AVX-512 paths on the build machine; a portable build (packagers, CI
# images shared between CPUs) turns EMBEDSCOPE_NATIVE off and gets plain x86-64.
add_library(embedscope_arch INTERFACE)
if(EMBEDSCOPE_NATIVE)
  include(CheckCXXCompilerFlag)
  check_cxx_compiler_flag("-march=native" EMBEDSCOPE_HAS_MARCH_NATIVE)
  if(EMBEDSCOPE_HAS_MARCH_NATIVE)
    target_compile_options(embedscope_arch INTERFACE -march=native)
  endif()
endif()
