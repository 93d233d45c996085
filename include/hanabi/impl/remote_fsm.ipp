// The control link's sans-I/O core (see detail/remote_fsm.hpp).
#pragma once

#include <hanabi/detail/remote_fsm.hpp>
#include <hanabi/remote/codec.hpp>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

namespace hanabi::detail {

// Hashing both sides first makes the comparison's time independent of where
// (and whether) the strings differ, and of the expected token's length.
HANABI_DECL bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  unsigned char da[EVP_MAX_MD_SIZE];
  unsigned char db[EVP_MAX_MD_SIZE];
  unsigned int la = 0;
  unsigned int lb = 0;
  if (EVP_Digest(a.data(), a.size(), da, &la, EVP_sha256(), nullptr) != 1) return false;
  if (EVP_Digest(b.data(), b.size(), db, &lb, EVP_sha256(), nullptr) != 1) return false;
  return la == lb && CRYPTO_memcmp(da, db, la) == 0;
}

// How many expired ids are remembered to recognise late replies.
inline constexpr std::size_t remote_expired_memory = 1024;

HANABI_DECL void remote_fsm::start(time_point now) {
  if (state_ != remote_state::idle) return;
  handshake_deadline_ = now + config_.handshake_timeout;
  last_heard_ = now;
  if (config_.role == remote_role::parent) {
    state_ = remote_state::awaiting_hello;
    return;
  }
  state_ = remote_state::awaiting_ready;
  send(config_.hello);
}

HANABI_DECL void remote_fsm::on_frame(std::string_view frame, time_point now) {
  if (state_ == remote_state::closed || state_ == remote_state::idle) return;
  last_heard_ = now;
  if (state_ == remote_state::established)
    on_established_frame(frame, now);
  else
    on_handshake_frame(frame, now);
}

// Before the handshake completes nothing is tolerated: a peer that does not
// open with a valid hello (or answer with ready) is not one of ours.
HANABI_DECL void remote_fsm::on_handshake_frame(std::string_view frame, time_point now) {
  if (frame.size() > config_.max_message_size) {
    ++counters_.oversized_frames;
    return reject(error::message_too_large, "the handshake message is too large");
  }
  auto msg = remote::decode(frame);
  if (!msg) {
    ++counters_.malformed_frames;
    return reject(error::malformed_message, "the handshake message is malformed: " + msg.error().diag.client_message());
  }
  if (auto* g = std::get_if<remote::goodbye>(&*msg))
    return finish(g->reason.to_error_code(), g->reason.message, true, g->reason.to_error_code());
  if (state_ == remote_state::awaiting_hello) {
    if (auto* h = std::get_if<remote::hello>(&*msg)) return on_hello(*h, now);
    return reject(error::malformed_message, fmt::format("expected hello, got {}", remote::type_name(*msg)));
  }
  if (auto* r = std::get_if<remote::ready>(&*msg)) return on_ready(*r, now);
  reject(error::malformed_message, fmt::format("expected ready, got {}", remote::type_name(*msg)));
}

HANABI_DECL void remote_fsm::on_hello(const remote::hello& h, time_point now) {
  if (h.version < remote::min_supported_version || h.version > remote::protocol_version) {
    ++counters_.version_mismatches;
    return reject(error::protocol_version_mismatch,
                  fmt::format("version {} is not supported (this parent speaks {} to {})", h.version,
                              remote::min_supported_version, remote::protocol_version));
  }
  // An unconfigured token fails closed rather than admitting everyone.
  if (config_.token.empty() || !constant_time_equal(config_.token.reveal(), h.token.reveal())) {
    ++counters_.bad_tokens;
    return reject(error::authentication_failed, "the token is wrong");
  }
  send(remote::ready{remote::protocol_version, heartbeat_interval_, config_.parent_id});
  remote::hello peer = h;
  peer.token = secret{};
  establish(now);
  actions_.emplace_back(remote_established{std::move(peer), remote::ready{remote::protocol_version, heartbeat_interval_, config_.parent_id}});
}

HANABI_DECL void remote_fsm::on_ready(const remote::ready& r, time_point now) {
  if (r.version < remote::min_supported_version || r.version > remote::protocol_version) {
    ++counters_.version_mismatches;
    return reject(error::protocol_version_mismatch, fmt::format("the parent chose unsupported version {}", r.version));
  }
  heartbeat_interval_ = r.heartbeat_interval;
  establish(now);
  remote::hello self = config_.hello;
  self.token = secret{};
  actions_.emplace_back(remote_established{std::move(self), r});
}

HANABI_DECL void remote_fsm::establish(time_point now) {
  state_ = remote_state::established;
  established_at_ = now;
  last_heard_ = now;
  next_heartbeat_ = now + heartbeat_interval_;
}

HANABI_DECL void remote_fsm::on_established_frame(std::string_view frame, time_point now) {
  if (frame.size() > config_.max_message_size) {
    ++counters_.oversized_frames;
    send(remote::error_notice{remote::make_remote_error(
        error::message_too_large,
        fmt::format("a {} byte message exceeds the {} byte limit", frame.size(), config_.max_message_size))});
    return;
  }
  auto msg = remote::decode(frame);
  if (!msg) return on_malformed(frame, msg.error());
  std::visit(
      [this, now](auto&& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, remote::request>) {
          on_request(std::move(m));
        } else if constexpr (std::is_same_v<T, remote::response>) {
          on_response(std::move(m));
        } else if constexpr (std::is_same_v<T, remote::event>) {
          actions_.emplace_back(remote_incoming_event{std::move(m)});
        } else if constexpr (std::is_same_v<T, remote::heartbeat>) {
          send(remote::heartbeat_ack{m.seq});
        } else if constexpr (std::is_same_v<T, remote::heartbeat_ack>) {
          if (m.seq != 0 && m.seq <= heartbeat_seq_) ++counters_.heartbeats_acked;
          if (m.seq != 0 && m.seq == heartbeat_seq_) heartbeat_round_trip_ = now - heartbeat_sent_at_;
        } else if constexpr (std::is_same_v<T, remote::goodbye>) {
          finish(m.reason.to_error_code(), m.reason.message, true, link_lost_error());
        } else if constexpr (std::is_same_v<T, remote::error_notice>) {
          ++counters_.peer_errors;
          actions_.emplace_back(remote_peer_error{std::move(m.error)});
        } else {  // hello or ready again: a confused peer, not a fatal one
          ++counters_.malformed_frames;
          send(remote::error_notice{remote::make_remote_error(
              error::malformed_message, fmt::format("unexpected {} after the handshake", remote::type_name(m)))});
        }
      },
      std::move(*msg));
}

HANABI_DECL void remote_fsm::on_malformed(std::string_view frame, const failure& why) {
  ++counters_.malformed_frames;
  auto err = remote::make_remote_error(error::malformed_message, why.diag.client_message());
  if (auto id = remote::peek_request_id(frame)) {
    send(remote::response{*id, std::move(err), nullptr});
    return;
  }
  send(remote::error_notice{std::move(err)});
}

HANABI_DECL void remote_fsm::on_request(remote::request&& r) {
  if (in_service_.count(r.id)) {
    ++counters_.malformed_frames;
    send(remote::response{r.id, remote::make_remote_error(error::malformed_message,
                                                          fmt::format("request id {} is already in use", r.id)),
                          nullptr});
    return;
  }
  if (!served_ops_.count(r.op)) {
    ++counters_.unknown_ops;
    send(remote::response{r.id, remote::make_remote_error(error::unknown_op, fmt::format("unknown op '{}'", r.op)),
                          nullptr});
    return;
  }
  in_service_.insert(r.id);
  actions_.emplace_back(remote_incoming_request{std::move(r)});
}

HANABI_DECL void remote_fsm::on_response(remote::response&& r) {
  auto it = pending_.find(r.id);
  if (it == pending_.end()) {
    bool late = std::find(recently_expired_.begin(), recently_expired_.end(), r.id) != recently_expired_.end();
    ++(late ? counters_.late_replies : counters_.unmatched_replies);
    return;
  }
  deadlines_.erase({it->second, r.id});
  pending_.erase(it);
  remote_completion c{r.id, {}, {}, std::move(r.result)};
  if (r.error) {
    c.ec = r.error->to_error_code();
    c.message = std::move(r.error->message);
    c.result = nullptr;
  }
  actions_.emplace_back(std::move(c));
}

HANABI_DECL void remote_fsm::on_tick(time_point now) {
  if (state_ == remote_state::closed || state_ == remote_state::idle) return;
  if (state_ != remote_state::established) {
    if (now >= handshake_deadline_)
      finish(error::timeout, "the handshake did not complete in time", false, link_lost_error());
    return;
  }
  expire_requests(now);
  auto silence = now - last_heard_;
  if (silence >= heartbeat_interval_ * config_.max_missed_heartbeats) {
    finish(error::peer_unresponsive,
           fmt::format("no message for {} heartbeat intervals", config_.max_missed_heartbeats), false,
           link_lost_error());
    return;
  }
  if (now >= next_heartbeat_) {
    send(remote::heartbeat{++heartbeat_seq_});
    heartbeat_sent_at_ = now;
    ++counters_.heartbeats_sent;
    next_heartbeat_ = now + heartbeat_interval_;
  }
}

HANABI_DECL void remote_fsm::expire_requests(time_point now) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    auto id = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    pending_.erase(id);
    remember_expired(id);
    ++counters_.timeouts;
    actions_.emplace_back(remote_completion{id, error::timeout, "the peer did not answer before the deadline", nullptr});
  }
}

HANABI_DECL void remote_fsm::remember_expired(std::uint64_t id) {
  recently_expired_.push_back(id);
  if (recently_expired_.size() > remote_expired_memory) recently_expired_.pop_front();
}

HANABI_DECL void remote_fsm::on_transport_closed() {
  if (state_ == remote_state::closed) return;
  state_ = remote_state::closed;
  fail_all_pending(link_lost_error(), "the link was lost");
}

HANABI_DECL result<std::uint64_t> remote_fsm::send_request(std::string op, nlohmann::json args,
                                                           std::chrono::milliseconds timeout, time_point now) {
  if (state_ != remote_state::established) return failure{error::connection_closed, "the link is not established"};
  if (timeout <= std::chrono::milliseconds::zero()) timeout = config_.default_request_timeout;
  remote::request r{next_request_id_, std::move(op), timeout, std::move(args)};
  auto frame = remote::encode(r);
  if (frame.size() > config_.max_message_size)
    return failure{error::message_too_large,
                   fmt::format("the request is {} bytes; the limit is {}", frame.size(), config_.max_message_size)};
  ++next_request_id_;
  auto deadline = now + timeout;
  pending_.emplace(r.id, deadline);
  deadlines_.emplace(deadline, r.id);
  actions_.emplace_back(remote_send{std::move(frame)});
  return r.id;
}

HANABI_DECL result<void> remote_fsm::send_event(std::string op, nlohmann::json payload) {
  if (state_ != remote_state::established) return failure{error::connection_closed, "the link is not established"};
  auto frame = remote::encode(remote::event{std::move(op), std::move(payload)});
  if (frame.size() > config_.max_message_size)
    return failure{error::message_too_large,
                   fmt::format("the event is {} bytes; the limit is {}", frame.size(), config_.max_message_size)};
  actions_.emplace_back(remote_send{std::move(frame)});
  return {};
}

HANABI_DECL bool remote_fsm::respond(std::uint64_t id, nlohmann::json result) {
  if (state_ != remote_state::established || !in_service_.erase(id)) return false;
  if (!send(remote::response{id, std::nullopt, std::move(result)}))
    send(remote::response{id, remote::make_remote_error(error::message_too_large, "the result is too large"), nullptr});
  return true;
}

HANABI_DECL bool remote_fsm::respond_error(std::uint64_t id, remote::remote_error err) {
  if (state_ != remote_state::established || !in_service_.erase(id)) return false;
  send(remote::response{id, std::move(err), nullptr});
  return true;
}

HANABI_DECL void remote_fsm::close(error why, std::string message) {
  if (state_ == remote_state::closed) return;
  if (state_ == remote_state::idle) {
    state_ = remote_state::closed;
    return;
  }
  reject(why, std::move(message));
}

// Says goodbye with the reason, then closes; used for every close this side decides.
HANABI_DECL void remote_fsm::reject(error why, std::string message) {
  auto reason = remote::make_remote_error(why, std::move(message));
  send(remote::goodbye{reason});
  finish(why, reason.message, true, make_error_code(error::connection_closed));
}

HANABI_DECL void remote_fsm::finish(error_code reason, std::string message, bool graceful, error_code pending_error) {
  state_ = remote_state::closed;
  fail_all_pending(pending_error, message);
  actions_.emplace_back(remote_close{reason, std::move(message), graceful});
}

HANABI_DECL void remote_fsm::fail_all_pending(error_code ec, const std::string& message) {
  // Complete in id order so callers see their requests fail in the order they were sent.
  std::vector<std::uint64_t> ids;
  ids.reserve(pending_.size());
  for (auto& [id, deadline] : pending_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  pending_.clear();
  deadlines_.clear();
  in_service_.clear();
  for (auto id : ids) actions_.emplace_back(remote_completion{id, ec, message, nullptr});
}

HANABI_DECL remote_fsm::time_point remote_fsm::next_wakeup() const {
  switch (state_) {
    case remote_state::idle:
    case remote_state::closed: return time_point::max();
    case remote_state::awaiting_hello:
    case remote_state::awaiting_ready: return handshake_deadline_;
    case remote_state::established: break;
  }
  auto t = std::min(next_heartbeat_, last_heard_ + heartbeat_interval_ * config_.max_missed_heartbeats);
  if (!deadlines_.empty()) t = std::min(t, deadlines_.begin()->first);
  return t;
}

// Frames over the limit are never sent; the caller learns it from the false.
HANABI_DECL bool remote_fsm::send(const remote::message& m) {
  auto frame = remote::encode(m);
  if (frame.size() > config_.max_message_size) return false;
  actions_.emplace_back(remote_send{std::move(frame)});
  return true;
}

HANABI_DECL error_code remote_fsm::link_lost_error() const noexcept {
  return config_.role == remote_role::parent ? error::child_lost : error::connection_closed;
}

}  // namespace hanabi::detail
