// hanabi build configuration.
//
// By default hanabi is header-only: every non-template definition lives in an
// impl/*.ipp file that the declaring header includes, and HANABI_DECL is
// `inline`. Define HANABI_SEPARATE_COMPILATION (the hanabi::hanabi CMake target
// does) to compile those definitions once, in a single translation unit that
// includes <hanabi/src.hpp>.
#pragma once

#if defined(HANABI_SEPARATE_COMPILATION)
#  define HANABI_DECL
#else
#  define HANABI_HEADER_ONLY 1
#  define HANABI_DECL inline
#endif
