// Shared by the examples: the node to talk to. $HANABI_NODE and $HANABI_PASSWORD
// name a real one; without them an in-process fake node stands in, so every
// example runs anywhere.
#pragma once

#include <hanabi/node/node_config.hpp>
#include <hanabi/testing/fake_node.hpp>

#include <cstdlib>
#include <memory>

inline hanabi::node_config example_config(std::unique_ptr<hanabi::testing::fake_node>& fake) {
  hanabi::node_config cfg;
  cfg.user = hanabi::user_id{170939974227541168};  // your bot's Discord user id
  if (const char* url = std::getenv("HANABI_NODE")) {
    cfg.url = url;
    const char* password = std::getenv("HANABI_PASSWORD");
    cfg.password = hanabi::secret{password ? password : ""};
    return cfg;
  }
  fake = std::make_unique<hanabi::testing::fake_node>();
  fake->start();
  cfg.url = fake->base_url();
  cfg.password = hanabi::secret{fake->options().password};
  return cfg;
}
