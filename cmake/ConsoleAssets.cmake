# The web console: ui/ is built by Vite (ui/build.sh, in the build directory so two
# build trees never share node_modules) and every file of its output becomes a byte
# array in a generated C++ source (cmake/EmbedConsoleAssets.cmake), linked into `floe`
# only. With FLOE_BUILD_CONSOLE=OFF the table is empty and the head says so on /.
set(_console_src ${PROJECT_SOURCE_DIR}/ui)
set(_console_work ${CMAKE_BINARY_DIR}/ui)
set(_console_cpp ${CMAKE_BINARY_DIR}/generated/console_assets_data.cpp)
set(_embed_script ${PROJECT_SOURCE_DIR}/cmake/EmbedConsoleAssets.cmake)

if(FLOE_BUILD_CONSOLE)
  file(GLOB_RECURSE _console_inputs CONFIGURE_DEPENDS ${_console_src}/src/* ${_console_src}/public/*)
  list(APPEND _console_inputs ${_console_src}/index.html ${_console_src}/package.json
       ${_console_src}/package-lock.json ${_console_src}/tsconfig.json ${_console_src}/vite.config.ts
       ${_console_src}/build.sh)
  add_custom_command(
    OUTPUT ${_console_cpp}
    COMMAND ${_console_src}/build.sh ${_console_src} ${_console_work}
    COMMAND ${CMAKE_COMMAND} -DDIST=${_console_work}/dist -DOUT=${_console_cpp} -P ${_embed_script}
    DEPENDS ${_console_inputs} ${_embed_script}
    COMMENT "Building the web console (ui/) with Vite and embedding it"
    VERBATIM)
else()
  add_custom_command(
    OUTPUT ${_console_cpp}
    COMMAND ${CMAKE_COMMAND} -DDIST= -DOUT=${_console_cpp} -P ${_embed_script}
    DEPENDS ${_embed_script}
    COMMENT "Embedding an empty web console (FLOE_BUILD_CONSOLE=OFF)"
    VERBATIM)
endif()

add_library(floe_console_assets STATIC ${_console_cpp})
target_include_directories(floe_console_assets PRIVATE ${PROJECT_SOURCE_DIR}/appliance)
target_link_libraries(floe_console_assets PRIVATE floe_common)
