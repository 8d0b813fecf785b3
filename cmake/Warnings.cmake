# Warnings on for our code; third-party headers come in as SYSTEM includes.
# No -Wnull-dereference: at -O2 g++ 12 reports false positives inside Boost.Asio
# and libstdc++ that no code of ours can silence.
add_library(floe_warnings INTERFACE)
target_compile_options(floe_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wformat=2
  -Wimplicit-fallthrough)
option(FLOE_WERROR "Treat warnings as errors" ON)
if(FLOE_WERROR)
  target_compile_options(floe_warnings INTERFACE -Werror)
endif()
