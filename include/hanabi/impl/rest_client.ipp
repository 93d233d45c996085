#pragma once

#include <hanabi/transport/rest_client.hpp>
#include <hanabi/version.hpp>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace hanabi::transport {

struct rest_client::connection {
  explicit connection(detail::any_stream s) : stream(std::move(s)) {}
  detail::any_stream stream;
  boost::beast::flat_buffer buffer;
  bool reused = false;
};

namespace rest_impl {

inline bool cancelled(const asio::cancellation_state& state) noexcept {
  return state.cancelled() != asio::cancellation_type::none;
}

/// A transport error worth a retry of an idempotent request.
inline bool transient(const failure& f) noexcept {
  return f.code == error::connection_closed || f.code == asio::error::connection_refused ||
         f.code == asio::error::connection_reset || f.code == asio::error::broken_pipe;
}

inline bool transient_status(unsigned s) noexcept { return s == 502 || s == 503 || s == 504; }

/// A reused keep-alive connection that the server had already closed.
inline bool stale(const error_code& ec) noexcept {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

// Plain functions (not coroutines) so the visiting lambdas never live in a coroutine frame.
inline asio::awaitable<std::size_t> write(detail::any_stream& stream, http::request<http::string_body>& req,
                                          error_code& ec) {
  return stream.visit([&](auto& s) { return http::async_write(s, req, asio::redirect_error(asio::use_awaitable, ec)); });
}

inline asio::awaitable<std::size_t> read(detail::any_stream& stream, boost::beast::flat_buffer& buffer,
                                         http::response_parser<http::string_body>& parser, error_code& ec) {
  return stream.visit(
      [&](auto& s) { return http::async_read(s, buffer, parser, asio::redirect_error(asio::use_awaitable, ec)); });
}

}  // namespace rest_impl

HANABI_DECL rest_client::rest_client(asio::any_io_executor ex, rest_options options)
    : executor_(std::move(ex)), options_(std::move(options)), connection_freed_(executor_) {
  if (options_.url.tls && !options_.tls_context) options_.tls_context = detail::make_default_tls_context();
  if (options_.max_connections == 0) options_.max_connections = 1;
  connection_freed_.expires_at(asio::steady_timer::time_point::max());
}

HANABI_DECL rest_client::~rest_client() = default;

HANABI_DECL void rest_client::close_idle() {
  open_ -= idle_.size();
  idle_.clear();
}

HANABI_DECL asio::awaitable<result<std::unique_ptr<rest_client::connection>>> rest_client::acquire() {
  auto state = co_await asio::this_coro::cancellation_state;
  for (;;) {
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      c->reused = true;
      co_return c;
    }
    if (open_ < options_.max_connections) {
      ++open_;
      auto stream = co_await detail::async_connect_stream(options_.url, options_.tls_context.get(),
                                                          options_.connect_timeout);
      if (!stream) {
        --open_;
        connection_freed_.cancel_one();
        co_return stream.error();
      }
      co_return std::make_unique<connection>(std::move(*stream));
    }
    error_code ec;
    co_await connection_freed_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (rest_impl::cancelled(state)) co_return failure{asio::error::operation_aborted};
  }
}

HANABI_DECL void rest_client::release(std::unique_ptr<connection> c, bool reusable) {
  if (reusable && options_.keep_alive) {
    idle_.push_back(std::move(c));
  } else {
    --open_;
    c.reset();
  }
  connection_freed_.cancel_one();
}

HANABI_DECL asio::awaitable<result<rest_response>> rest_client::attempt(http::verb method, const std::string& target,
                                                                       const std::string& body) {
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, fmt::format("{}:{}", options_.url.host, options_.url.port));
  // No password means no header: Lavalink tells a missing header (401) from a wrong one (403).
  if (!options_.password.empty()) req.set(http::field::authorization, options_.password.reveal());
  req.set(http::field::user_agent, client_name);
  req.set(http::field::accept, "application/json");
  if (!body.empty() || method == http::verb::post || method == http::verb::patch) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.keep_alive(options_.keep_alive);
  req.prepare_payload();

  // At most two rounds: the second only when a reused connection turned out stale.
  for (int round = 0;; ++round) {
    auto acquired = co_await acquire();
    if (!acquired) co_return acquired.error();
    auto conn = std::move(*acquired);
    const bool reused = conn->reused;
    auto& tcp = conn->stream.tcp();
    error_code ec;

    tcp.expires_after(options_.request_timeout);
    co_await rest_impl::write(conn->stream, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_body_size);
    if (!ec) {
      co_await rest_impl::read(conn->stream, conn->buffer, parser, ec);
    }
    if (ec) {
      const bool retry_fresh = reused && round == 0 && !parser.got_some() && rest_impl::stale(ec);
      release(std::move(conn), false);
      if (retry_fresh) continue;
      co_return detail::transport_failure(ec, fmt::format("{} {}", http::to_string(method), target));
    }
    tcp.expires_never();
    auto res = parser.release();
    rest_response out;
    out.status = res.result_int();
    out.lavalink_v4 = res["Lavalink-Api-Version"] == "4";
    out.content_type = std::string(res[http::field::content_type]);
    out.body = std::move(res.body());
    release(std::move(conn), res.keep_alive());
    co_return out;
  }
}

HANABI_DECL asio::awaitable<result<rest_response>> rest_client::request(http::verb method, std::string target,
                                                                       std::string body) {
  co_await asio::this_coro::throw_if_cancelled(false);
  auto state = co_await asio::this_coro::cancellation_state;
  const bool idempotent = method == http::verb::get;
  detail::backoff delays(options_.get_retry_backoff);
  for (int attempts = 1;; ++attempts) {
    auto r = co_await attempt(method, target, body);
    const bool transient = r ? rest_impl::transient_status(r->status) : rest_impl::transient(r.error());
    if (!idempotent || !transient || attempts > options_.get_retries || rest_impl::cancelled(state)) co_return r;
    auto delay = delays.next();
    options_.log.debug("GET {} failed transiently ({}); retry {} in {} ms", target,
                       r ? fmt::format("HTTP {}", r->status) : r.error().what(), attempts, delay.count());
    asio::steady_timer timer(executor_, delay);
    error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (rest_impl::cancelled(state)) co_return failure{asio::error::operation_aborted};
  }
}

HANABI_DECL asio::awaitable<result<rest_response>> rest_client::call(http::verb method, std::string target,
                                                                    std::string body) {
  auto r = co_await request(method, std::move(target), std::move(body));
  if (!r) co_return r;
  if (auto f = classify(*r); f.code) co_return f;
  co_return r;
}

}  // namespace hanabi::transport
