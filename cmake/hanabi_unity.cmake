# Unity builds for hanabi's test executables and the bot core, never for the library itself (one
# translation unit per layer, so that an edit recompiles one layer).
#
# Why: every test file re-parses Asio, Beast, Catch2 and nlohmann/json, and re-instantiates and
# re-emits the same templates; parsing alone is about half of a test file's compile time (g++
# -ftime-report). Compiling the files of one executable as one translation unit does that once:
# it halves the tests' compile time (scripts/test.sh's header has the measurements).
# The price: names at file scope, anonymous namespaces included, must differ between the files of
# one batch.
option(HANABI_UNITY_BUILD "Compile each test executable and the bot core as unity batches" ON)

function(hanabi_unity target)
  if(HANABI_UNITY_BUILD)
    # 16: larger than any test folder, so that each is one batch.
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 16)
  endif()
endfunction()

# hanabi_unity_group(target group source...): compiles the given sources of target as one unity
# batch named group (the target's sources in no group are compiled on their own). For a target
# whose files are too many for one batch to keep both cores busy, or whose files share a
# file-scope name.
function(hanabi_unity_group target group)
  if(HANABI_UNITY_BUILD)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE GROUP)
    set_source_files_properties(${ARGN} TARGET_DIRECTORY ${target} PROPERTIES UNITY_GROUP ${group})
  endif()
endfunction()
