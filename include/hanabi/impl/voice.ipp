// voice_link: the voice FSM with a clock, a timer and a join completion.
#pragma once

#include <hanabi/player/voice.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/post.hpp>

#include <type_traits>

namespace hanabi {

HANABI_DECL voice_link::voice_link(executor_type executor, guild_id guild, user_id bot, voice_config cfg,
                                   voice_callbacks callbacks)
    : executor_(std::move(executor)),
      fsm_(guild, bot, cfg),
      callbacks_(std::move(callbacks)),
      timer_(executor_),
      alive_(std::make_shared<voice_link*>(this)) {}

HANABI_DECL voice_link::~voice_link() {
  if (pending_join_) complete_join(error::voice_superseded);
}

HANABI_DECL void voice_link::start_join(channel_id channel, join_handler handler) {
  // Whatever the FSM says about the join in flight is about the old handler.
  auto actions = fsm_.join(channel, std::chrono::steady_clock::now());
  std::weak_ptr<voice_link*> alive = alive_;
  perform(std::move(actions));
  if (alive.expired()) return;
  if (pending_join_) complete_join(error::voice_superseded);
  pending_join_.emplace(std::move(handler));
  if (fsm_.current_phase() == detail::voice_fsm::phase::connected && fsm_.channel() == channel)
    complete_join({});
}

HANABI_DECL void voice_link::leave() { perform(fsm_.leave()); }

HANABI_DECL void voice_link::on_voice_state_update(const voice_state_update& u) {
  perform(fsm_.on_voice_state(u, std::chrono::steady_clock::now()));
}

HANABI_DECL void voice_link::on_voice_server_update(const voice_server_update& u) {
  perform(fsm_.on_voice_server(u, std::chrono::steady_clock::now()));
}

HANABI_DECL void voice_link::on_websocket_closed(int code) {
  perform(fsm_.on_closed(code, std::chrono::steady_clock::now()));
}

HANABI_DECL void voice_link::on_connected() { fsm_.on_connected(); }

HANABI_DECL void voice_link::complete_join(error_code ec) {
  auto handler = std::move(*pending_join_);
  pending_join_.reset();
  // post() runs it through the handler's own associated executor.
  asio::post(executor_, asio::append(std::move(handler), ec));
}

// Runs the FSM's actions in order. A callback may destroy this link; then stop.
HANABI_DECL void voice_link::perform(detail::voice_actions actions) {
  std::weak_ptr<voice_link*> alive = alive_;
  for (auto& action : actions) {
    if (auto* op = std::get_if<gateway_voice_update>(&action)) {
      callbacks_.send_gateway(*op);
    } else if (auto* creds = std::get_if<voice_credentials>(&action)) {
      callbacks_.send_voice(*creds);
    } else {
      if (pending_join_) {
        if (std::holds_alternative<voice_joined>(action)) complete_join({});
        if (auto* failed = std::get_if<voice_join_failed>(&action)) complete_join(failed->reason);
      }
      std::visit(
          [this](const auto& e) {
            using event = std::decay_t<decltype(e)>;
            if constexpr (!std::is_same_v<event, gateway_voice_update> && !std::is_same_v<event, voice_credentials>)
              callbacks_.on_event(voice_event{e});
          },
          action);
    }
    if (alive.expired()) return;
  }
  arm_timer();
}

HANABI_DECL void voice_link::arm_timer() {
  auto deadline = fsm_.deadline();
  if (!deadline) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(*deadline);
  timer_.async_wait([alive = std::weak_ptr<voice_link*>(alive_)](error_code ec) {
    if (ec || alive.expired()) return;
    voice_link* self = *alive.lock();
    self->perform(self->fsm_.on_tick(std::chrono::steady_clock::now()));
  });
}

}  // namespace hanabi
