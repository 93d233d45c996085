# Unity builds for hanabi's own programs (tests, tools, examples, benchmarks), never for the
# library itself (one translation unit per layer, so that an edit recompiles one layer).
#
# Why: every test file re-parses Asio, Beast, Catch2 and nlohmann/json, and re-instantiates and
# re-emits the same Asio templates; parsing alone is about half of a test file's compile time
# (g++ -ftime-report). Compiling the files of one executable together in batches does that once per
# batch: see scripts/test.sh's header for the measured effect on CI.
option(HANABI_UNITY_BUILD "Compile the tests, tools, examples and benchmarks in unity batches" ON)
set(HANABI_UNITY_BATCH_SIZE 8 CACHE STRING "Source files per unity batch (HANABI_UNITY_BUILD)")

function(hanabi_unity target)
  if(HANABI_UNITY_BUILD)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${HANABI_UNITY_BATCH_SIZE})
  endif()
endfunction()
