#pragma once

#include <hanabi/detail/node_fsm.hpp>

namespace hanabi::detail {

namespace fsm_impl {
inline node_action act(node_action_type t, std::chrono::milliseconds delay = {}, error_code ec = {}) {
  node_action a;
  a.type = t;
  a.delay = delay;
  a.error = ec;
  return a;
}
}  // namespace fsm_impl
using fsm_impl::act;

HANABI_DECL bool is_fatal_connect_error(const error_code& ec) noexcept {
  return ec == error::missing_password || ec == error::wrong_password || ec == error::not_lavalink ||
         ec == error::invalid_url || ec == error::bad_request;
}

HANABI_DECL node_fsm::node_fsm(backoff_policy reconnect, resume_policy resuming, std::string initial_session,
                               std::uint64_t seed)
    : backoff_(reconnect, seed), resuming_(resuming), session_(std::move(initial_session)),
      had_session_(!session_.empty()) {}

HANABI_DECL node_action node_fsm::connect() {
  state_ = node_state::connecting;
  return act(node_action_type::connect);
}

HANABI_DECL node_action node_fsm::start() {
  if (state_ != node_state::idle) return act(node_action_type::stop, {}, make_error_code(error::invalid_argument));
  return connect();
}

HANABI_DECL node_action node_fsm::on_connected(const error_code& ec) {
  if (state_ != node_state::connecting) return act(node_action_type::stop, {}, make_error_code(error::invalid_argument));
  if (ec) return retry_or_stop(ec);
  state_ = node_state::awaiting_ready;
  return act(node_action_type::await_ready);
}

HANABI_DECL node_action node_fsm::on_ready(std::string_view session_id, bool resumed) {
  if (state_ != node_state::awaiting_ready)
    return act(node_action_type::stop, {}, make_error_code(error::invalid_argument));
  backoff_.reset();
  // A server can only resume the session we named; treat anything else as a new one.
  resumed_ = resumed && !session_.empty() && session_id == session_;
  const bool lost = !resumed_ && had_session_;
  session_ = std::string(session_id);
  had_session_ = true;
  if (resumed_) {
    state_ = node_state::reconciling;
    return act(node_action_type::reconcile);
  }
  if (lost) return act(node_action_type::report_lost);
  return after_lost();
}

HANABI_DECL node_action node_fsm::after_lost() {
  if (resuming_.enabled) {
    state_ = node_state::configuring;
    return act(node_action_type::configure_session);
  }
  return go_live();
}

HANABI_DECL node_action node_fsm::go_live() {
  state_ = node_state::ready;
  return act(node_action_type::read);
}

HANABI_DECL node_action node_fsm::on_lost_reported() { return after_lost(); }

HANABI_DECL node_action node_fsm::on_session_configured(const error_code&) {
  // A failed resuming PATCH leaves a working session that just won't survive a drop;
  // the node logs it, and the session stays usable.
  return go_live();
}

HANABI_DECL node_action node_fsm::on_reconciled(const error_code&) { return go_live(); }

HANABI_DECL node_action node_fsm::on_disconnected(const error_code& ec) { return retry_or_stop(ec); }

HANABI_DECL node_action node_fsm::retry_or_stop(const error_code& ec) {
  if (is_fatal_connect_error(ec) || !backoff_.policy().enabled()) {
    state_ = node_state::stopped;
    return act(node_action_type::stop, {}, ec);
  }
  state_ = node_state::reconnecting;
  return act(node_action_type::wait, backoff_.next());
}

HANABI_DECL node_action node_fsm::on_wait_done() {
  if (state_ != node_state::reconnecting) return act(node_action_type::stop, {}, make_error_code(error::invalid_argument));
  return connect();
}

HANABI_DECL node_action node_fsm::on_stop(const error_code& ec) {
  state_ = node_state::stopped;
  return act(node_action_type::stop, {}, ec);
}

}  // namespace hanabi::detail
