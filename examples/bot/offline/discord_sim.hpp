// The simulated Discord of `hanabi-bot --offline`, for the bots that run in other processes (the
// children; in the restart tests the parent too, so that Discord outlives its kill -9). It lives in the parent's process next to the parent's own offline_gateway and shares
// its voice_world, so every bot sees the same users in the same voice channels, and everything
// every bot "sends" prints on the parent's console, prefixed with that bot's name.
//
// Each child process dials it (a hanabi::remote link, with the offline secret) through its
// sim_gateway and forwards what a gateway sends to Discord: op 4, interaction answers, messages.
// Here every child has an offline_gateway of its own, which prints, keeps its messages and
// answers op 4 with voice updates; what that gateway would deliver to its bot (a button press on
// one of the child's messages, its voice updates, users moving) is sent back to the child as an
// event. So a script line `@child-1 button:np_stop user:11` presses the button on child-1's own
// now-playing message, and child-1's router handles it in child-1's process. The wire is
// sim_wire.hpp.
//
// Threading: construct, use and destroy on the thread that runs `ex` (a one-thread io_context);
// the link handlers post there.
#pragma once

#include "offline_gateway.hpp"

#include <hanabi/remote/server.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace bot::offline {

struct discord_sim_options {
  /// What every child presents when it dials in.
  hanabi::secret token;
  /// Receives each printed block of every child (default: standard output).
  std::function<void(std::string_view)> print{};
};

class discord_sim {
 public:
  discord_sim(asio::any_io_executor ex, std::shared_ptr<voice_world> world, discord_sim_options options);
  ~discord_sim();
  discord_sim(const discord_sim&) = delete;
  discord_sim& operator=(const discord_sim&) = delete;

  /// Adds the bot `name` (user id `self`), run by another process; call before listen().
  offline_gateway& add_bot(const std::string& name, hanabi::user_id self);
  /// The gateway standing for `name` here, or null.
  offline_gateway* find(std::string_view name);

  /// Starts listening on 127.0.0.1, an ephemeral port: the address the children dial.
  hanabi::result<boost::asio::ip::tcp::endpoint> listen();
  /// Closes the children's links. Idempotent.
  void stop();

  /// The children whose link is up.
  std::vector<std::string> connected() const;

 private:
  void serve(hanabi::remote::link_handlers& handlers);
  void forward_events(const std::string& name, offline_gateway& gw);
  void send(const std::string& name, std::string op, nlohmann::json payload) const;
  /// Runs `f(gateway, args, reply)` on the executor for the bot named in args["bot"].
  hanabi::remote::request_handler on_bot(std::function<void(offline_gateway&, const nlohmann::json&, hanabi::remote::responder)> f);

  asio::any_io_executor executor_;
  std::shared_ptr<voice_world> world_;
  discord_sim_options options_;
  std::map<std::string, std::unique_ptr<offline_gateway>, std::less<>> bots_;
  std::unique_ptr<hanabi::remote::server> server_;
};

}  // namespace bot::offline
