# One warning policy for every target of ours; third-party headers come in as SYSTEM includes.
add_library(embedscope_warnings INTERFACE)
target_compile_options(embedscope_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Wcast-qual -Wformat=2
  -Wimplicit-fallthrough -Wno-missing-field-initializers)
if(EMBEDSCOPE_WERROR)
  target_compile_options(embedscope_warnings INTERFACE -Werror)
endif()
