// Definitions of session/remote_session.hpp.
#pragma once

#include <hanabi/detail/session_wire.hpp>
#include <hanabi/session/json.hpp>
#include <hanabi/session/remote_session.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include <fmt/format.h>

#include <utility>

namespace hanabi {

namespace wire = detail::session_wire;

namespace detail {

/// The value a session_handler<R> gets on failure.
template <class R>
using wire_result_t = std::conditional_t<std::is_void_v<R>, wire::no_result, R>;

/// Completes `h` through its associated executor (the session's strand by default).
template <class R>
void complete_session_handler(const asio::strand<asio::any_io_executor>& strand, session_handler<R> h, error_code ec,
                              wire_result_t<R> value) {
  auto ex = asio::get_associated_executor(h, strand);
  asio::dispatch(ex, [h = std::move(h), ec, value = std::move(value)]() mutable {
    if constexpr (std::is_void_v<R>) h(ec);
    else h(ec, std::move(value));
  });
}

}  // namespace detail

std::shared_ptr<remote_session> remote_session::create(asio::any_io_executor ex, remote::link link,
                                                       session_address address, std::string bot,
                                                       remote_session_config config) {
  return std::make_shared<remote_session>(private_tag{}, std::move(ex), std::move(link), address, std::move(bot),
                                          std::move(config));
}

remote_session::remote_session(private_tag, asio::any_io_executor ex, remote::link link, session_address address,
                               std::string bot, remote_session_config config)
    : strand_(asio::make_strand(std::move(ex))),
      link_(std::move(link)),
      bot_(std::move(bot)),
      config_(std::move(config)),
      address_(address) {}

session_address remote_session::address() const {
  std::lock_guard lock(mutex_);
  return address_;
}

std::string remote_session::bot() const { return bot_; }

session::executor_type remote_session::get_executor() const { return strand_; }

session_subscription remote_session::subscribe(std::function<void(const session_event&)> on_event) {
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_subscriber_++;
    subscribers_.emplace(id, std::move(on_event));
  }
  return session_subscription([weak = weak_from_this(), id] {
    if (auto self = std::static_pointer_cast<remote_session>(weak.lock())) {
      std::lock_guard lock(self->mutex_);
      self->subscribers_.erase(id);
    }
  });
}

std::optional<session_address> remote_session::address_of(const remote::event& e) {
  if (e.op != wire::ev_session_event && e.op != wire::ev_session_closed) return std::nullopt;
  auto a = wire::address_of(e.payload);
  if (!a) return std::nullopt;
  return *a;
}

void remote_session::deliver(const remote::event& e) {
  auto a = address_of(e);
  if (!a || a->voice != address().voice || is_closed()) return;
  if (e.op == wire::ev_session_closed) {
    // {guild, voice, reason, detail} is a closed event with an address around it.
    auto fields = e.payload;
    fields["type"] = "closed";
    auto closed = decode_json<session_event>(fields);
    if (!closed) {
      config_.log.warn("session {}: unreadable session_closed: {}", a->voice, closed.error().what());
      return end(close_reason::requested, {});
    }
    auto& c = std::get<session_events::closed>(*closed);
    return end(c.reason, std::move(c.detail));
  }
  auto ev = decode_json<session_event>(e.payload.value("event", nlohmann::json()));
  if (!ev) return config_.log.warn("session {}: unreadable session_event: {}", a->voice, ev.error().what());
  if (auto* moved = std::get_if<session_events::channel_moved>(&*ev)) {
    std::lock_guard lock(mutex_);
    address_.voice = moved->to;
  }
  if (auto* closed = std::get_if<session_events::closed>(&*ev)) return end(closed->reason, closed->detail);
  publish(*ev);
}

void remote_session::link_lost(error_code why) { end(close_reason::child_lost, why.message()); }

void remote_session::end(close_reason reason, std::string detail) {
  if (closed_.exchange(true)) return;
  publish(session_events::closed{reason, std::move(detail)});
}

void remote_session::publish(const session_event& e) {
  asio::post(strand_, [self = std::static_pointer_cast<remote_session>(shared_from_this()), e] {
    // Copied out of the lock: a subscriber may subscribe or unsubscribe from its callback.
    std::vector<std::function<void(const session_event&)>> subscribers;
    {
      std::lock_guard lock(self->mutex_);
      for (const auto& [id, fn] : self->subscribers_) subscribers.push_back(fn);
    }
    for (const auto& fn : subscribers) fn(e);
  });
}

template <class R>
void remote_session::call(const char* op, nlohmann::json args, diagnostics& d, session_handler<R> h) {
  call<R>(op, std::move(args), config_.request_timeout, d, std::move(h));
}

template <class R>
void remote_session::call(const char* op, nlohmann::json args, std::chrono::milliseconds timeout, diagnostics& d,
                          session_handler<R> h) {
  using value_type = detail::wire_result_t<R>;
  if (is_closed()) {
    d.set_client_message("the session has ended");
    return detail::complete_session_handler<R>(strand_, std::move(h), error::no_session, value_type{});
  }
  auto self = std::static_pointer_cast<remote_session>(shared_from_this());
  link_.async_request(
      op, wire::with_address(std::move(args), address()), timeout,
      [self, dp = &d, h = std::move(h)](error_code ec, nlohmann::json answer) mutable {
        if (ec) {
          // The link answers a string with the peer's sentence (possibly empty) on failure.
          dp->set_client_message(answer.is_string() ? answer.get<std::string>() : std::string());
          return detail::complete_session_handler<R>(self->strand_, std::move(h), ec, value_type{});
        }
        auto decoded = wire::decode_result<value_type>(answer);
        if (!decoded) {
          dp->set_client_message(fmt::format("the child's answer does not decode: {}", decoded.error().what()));
          return detail::complete_session_handler<R>(self->strand_, std::move(h), error::malformed_message,
                                                     value_type{});
        }
        detail::complete_session_handler<R>(self->strand_, std::move(h), {}, std::move(*decoded));
      });
}

void remote_session::do_connect(connect_args a, diagnostics& d, session_handler<session_state> h) {
  auto args = to_json_value(a);
  wire::add_session_options(args, config_.lifetime, config_.inactivity_timeout, config_.paused_timeout);
  call<session_state>(wire::op_connect, std::move(args), config_.connect_timeout, d, std::move(h));
}

void remote_session::do_disconnect(disconnect_args a, diagnostics& d, session_handler<void> h) {
  // The child answers, then tells us session_closed; whichever comes first ends this session.
  auto self = std::static_pointer_cast<remote_session>(shared_from_this());
  auto ex = asio::get_associated_executor(h, strand_);
  call<void>(wire::op_disconnect, to_json_value(a), d,
             asio::bind_executor(ex, [self, h = std::move(h)](error_code ec) mutable {
               if (!ec) self->end(close_reason::requested, {});
               std::move(h)(ec);
             }));
}

void remote_session::do_play(play_args a, diagnostics& d, session_handler<enqueue_outcome> h) {
  call<enqueue_outcome>(wire::op_play, to_json_value(a), d, std::move(h));
}

void remote_session::do_enqueue(enqueue_args a, diagnostics& d, session_handler<enqueue_outcome> h) {
  call<enqueue_outcome>(wire::op_enqueue, to_json_value(a), d, std::move(h));
}

void remote_session::do_skip(skip_args a, diagnostics& d, session_handler<now_playing> h) {
  call<now_playing>(wire::op_skip, to_json_value(a), d, std::move(h));
}

void remote_session::do_seek(seek_args a, diagnostics& d, session_handler<std::int64_t> h) {
  call<std::int64_t>(wire::op_seek, to_json_value(a), d, std::move(h));
}

void remote_session::do_pause(pause_args a, diagnostics& d, session_handler<void> h) {
  call<void>(wire::op_pause, to_json_value(a), d, std::move(h));
}

void remote_session::do_volume(volume_args a, diagnostics& d, session_handler<int> h) {
  call<int>(wire::op_volume, to_json_value(a), d, std::move(h));
}

void remote_session::do_stop(stop_args a, diagnostics& d, session_handler<void> h) {
  call<void>(wire::op_stop, to_json_value(a), d, std::move(h));
}

void remote_session::do_filters(filter_args a, diagnostics& d, session_handler<protocol::filters> h) {
  call<protocol::filters>(wire::op_filters, to_json_value(a), d, std::move(h));
}

void remote_session::do_repeat(repeat_args a, diagnostics& d, session_handler<void> h) {
  call<void>(wire::op_repeat, to_json_value(a), d, std::move(h));
}

void remote_session::do_shuffle(shuffle_args a, diagnostics& d, session_handler<void> h) {
  call<void>(wire::op_shuffle, to_json_value(a), d, std::move(h));
}

void remote_session::do_dequeue(dequeue_args a, diagnostics& d, session_handler<std::vector<item_view>> h) {
  call<std::vector<item_view>>(wire::op_dequeue, to_json_value(a), d, std::move(h));
}

void remote_session::do_move(move_args a, diagnostics& d, session_handler<void> h) {
  call<void>(wire::op_move, to_json_value(a), d, std::move(h));
}

void remote_session::do_clear(clear_args a, diagnostics& d, session_handler<std::size_t> h) {
  call<std::size_t>(wire::op_clear, to_json_value(a), d, std::move(h));
}

void remote_session::do_now_playing(diagnostics& d, session_handler<std::optional<now_playing>> h) {
  call<std::optional<now_playing>>(wire::op_now_playing, nlohmann::json::object(), d, std::move(h));
}

void remote_session::do_queue_page(page_args a, diagnostics& d, session_handler<queue_view> h) {
  call<queue_view>(wire::op_queue_page, to_json_value(a), d, std::move(h));
}

void remote_session::do_state(diagnostics& d, session_handler<session_state> h) {
  call<session_state>(wire::op_state, nlohmann::json::object(), d, std::move(h));
}

void remote_session::do_history(std::size_t limit, diagnostics& d, session_handler<std::vector<action_record>> h) {
  call<std::vector<action_record>>(wire::op_history, {{"limit", limit}}, d, std::move(h));
}

}  // namespace hanabi
