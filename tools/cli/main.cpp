// hanabi: a command-line client for Lavalink v4 nodes. See `hanabi --help`.
#include "cli.hpp"

#include <iostream>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return hanabi::cli::run(args, std::cout, std::cerr);
}
