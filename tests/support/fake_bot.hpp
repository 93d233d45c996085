// What every test bot on the fake Lavalink node shares: its node's config, its sessions' config (the
// fake catalogue's prefixes) and Discord's voice answers, simulated from the op 4 payloads the session sends.
#pragma once

#include <hanabi/session/local_session.hpp>
#include <hanabi/session/recovery.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hanabi::test {

/// The config of bot `bot`'s node `name` on a fake Lavalink at `url`, resuming its session in
/// `stored` (the store's node sessions) if it has one there.
inline node_config fake_bot_node(std::string name, const std::string& url, user_id bot,
                                 const std::vector<storage::node_session>& stored = {}) {
  node_config nc;
  nc.name = std::move(name);
  nc.url = url;
  nc.password = secret{"youshallnotpass"};
  nc.user = bot;
  nc.log = logger::none();
  resume_stored_session(nc, stored);
  return nc;
}

/// A local session of bot `name` (`bot`) loading through `lavalink` from the fake catalogue
/// (`fakesearch:` searches, `fake:` identifiers), its op 4 payloads handed to `send_gateway`.
inline local_session_config fake_bot_session(std::string name, user_id bot, std::shared_ptr<node> lavalink,
                                             std::function<void(const gateway_voice_update&)> send_gateway) {
  local_session_config cfg;
  cfg.bot_name = std::move(name);
  cfg.bot = bot;
  cfg.search_prefix = "fakesearch:";
  cfg.passthrough_prefixes = {"fake:"};
  cfg.load_tracks = load_tracks_from(std::move(lavalink));
  cfg.send_gateway = std::move(send_gateway);
  return cfg;
}

/// What Discord answers a bot's op 4: a join gets both voice updates, a leave a state without a channel.
inline void discord_answers(local_session& s, user_id bot, guild_id g, const gateway_voice_update& op) {
  s.on_voice_state_update({g, bot, op.channel, "discord-voice-session"});
  if (op.channel) s.on_voice_server_update({g, "voice-token", std::string("rotterdam2744.discord.media:443")});
}

}  // namespace hanabi::test
