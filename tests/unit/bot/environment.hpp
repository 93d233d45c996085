// An environment of the bot's config tests: the variables given, and nothing else.
#pragma once

#include "core/config.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

inline bot::environment env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view k) -> std::optional<std::string> {
    auto it = vars.find(std::string(k));
    return it == vars.end() ? std::nullopt : std::optional(it->second);
  };
}
