# Warnings and sanitizers for hanabi's own targets (library, tests, examples,
# benchmarks). Never propagated to consumers of the installed package.
add_library(hanabi_project_options INTERFACE)
target_compile_options(hanabi_project_options INTERFACE -Wall -Wextra -Wpedantic)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports Asio's awaitable frames (allocated by a class operator new, freed
  # by the matching class operator delete) as mismatched at -O2, depending on what it
  # inlines: a known false positive for coroutine frames, not a defect in our code.
  target_compile_options(hanabi_project_options INTERFACE -Wno-mismatched-new-delete)
endif()
if(HANABI_WERROR)
  target_compile_options(hanabi_project_options INTERFACE -Werror)
endif()
if(HANABI_SANITIZE)
  target_compile_options(hanabi_project_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(hanabi_project_options INTERFACE -fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # clang 14's -fsanitize=function (part of "undefined") cannot emit its prologue data for
    # coroutines split out of templates ("Cannot represent a difference across sections",
    # llvm-project#49689), so no Asio coroutine code would assemble. It checks calls through a
    # function pointer of the wrong type, which g++'s UBSan does not check either.
    target_compile_options(hanabi_project_options INTERFACE -fno-sanitize=function)
  endif()
endif()

# For targets that are exported (the library itself): copy the options in
# rather than linking the non-exported interface target.
function(hanabi_apply_project_options target)
  target_compile_options(${target} PRIVATE $<TARGET_PROPERTY:hanabi_project_options,INTERFACE_COMPILE_OPTIONS>)
  target_link_options(${target} PRIVATE $<TARGET_PROPERTY:hanabi_project_options,INTERFACE_LINK_OPTIONS>)
endfunction()
