# hanabi_bot_core: every piece of the bot that needs no Discord library (arguments, config,
# rendering, the gateway interface, the offline gateway and its scripts), so that CI builds
# and tests it. Included by examples/bot/CMakeLists.txt and, when the examples are off (the
# sanitizer build), by tests/CMakeLists.txt for the bot's unit tests.
include_guard(GLOBAL)
find_path(HANABI_TOMLPP_INCLUDE toml++/toml.h REQUIRED)
set(hanabi_bot_dir ${CMAKE_CURRENT_LIST_DIR})
find_package(SQLite3 REQUIRED)
# Two unity batches (cmake/hanabi_unity.cmake), each parsing Asio and hanabi's session headers once
# instead of once per file; two so that both cores compile them. Apart: the files with a same-named
# file-scope helper (args.cpp and config.cpp: trim) go in different batches, and the two router files
# are compiled on their own (in a batch, g++ sees their lambdas in coroutine frames as coming from a
# header and reports -Wsubobject-linkage; router_library.cpp's `using namespace replies` would also
# make now_playing.cpp's as_result ambiguous).
set(hanabi_bot_core_a
  ${hanabi_bot_dir}/core/errors.cpp ${hanabi_bot_dir}/core/args.cpp
  ${hanabi_bot_dir}/core/render.cpp ${hanabi_bot_dir}/core/commands.cpp
  ${hanabi_bot_dir}/core/requests.cpp ${hanabi_bot_dir}/core/now_playing.cpp
  ${hanabi_bot_dir}/core/search.cpp ${hanabi_bot_dir}/core/playlists.cpp
  ${hanabi_bot_dir}/core/text_channels.cpp ${hanabi_bot_dir}/core/instance_claim.cpp
  ${hanabi_bot_dir}/core/parent_bot.cpp ${hanabi_bot_dir}/core/child_bot.cpp)
set(hanabi_bot_core_b
  ${hanabi_bot_dir}/core/config.cpp ${hanabi_bot_dir}/core/local_sessions.cpp ${hanabi_bot_dir}/core/bot_nodes.cpp
  ${hanabi_bot_dir}/offline/script.cpp
  ${hanabi_bot_dir}/offline/offline_gateway.cpp ${hanabi_bot_dir}/offline/script_runner.cpp
  ${hanabi_bot_dir}/offline/offline_parent.cpp ${hanabi_bot_dir}/offline/sim_wire.cpp
  ${hanabi_bot_dir}/offline/discord_sim.cpp ${hanabi_bot_dir}/offline/sim_gateway.cpp
  ${hanabi_bot_dir}/offline/offline_bots.cpp)
add_library(hanabi_bot_core STATIC ${hanabi_bot_core_a} ${hanabi_bot_core_b}
  ${hanabi_bot_dir}/core/router.cpp ${hanabi_bot_dir}/core/router_library.cpp)
hanabi_unity_group(hanabi_bot_core a ${hanabi_bot_core_a})
hanabi_unity_group(hanabi_bot_core b ${hanabi_bot_core_b})
target_include_directories(hanabi_bot_core PUBLIC ${hanabi_bot_dir} ${HANABI_TOMLPP_INCLUDE})
target_link_libraries(hanabi_bot_core PUBLIC hanabi::hanabi PRIVATE SQLite::SQLite3 hanabi_project_options)
# With the Redis store built (hiredis found), the bot can keep everything on a Redis server
# ([storage] kind = "redis"); linking it defines HANABI_WITH_REDIS for the core and its users.
if(TARGET hanabi_redis)
  target_link_libraries(hanabi_bot_core PUBLIC hanabi::redis)
endif()
