#pragma once

#include <hanabi/storage/redis_connection.hpp>

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

namespace hanabi::detail {

using storage::redis_reply;

inline timeval redis_timeval(std::chrono::milliseconds ms) noexcept {
  const auto count = std::max<std::int64_t>(ms.count(), 1);
  return timeval{static_cast<time_t>(count / 1000), static_cast<suseconds_t>((count % 1000) * 1000)};
}

inline redis_reply copy_redis_reply(const redisReply& r) {
  redis_reply out;
  switch (r.type) {
    case REDIS_REPLY_STRING: out.type = redis_reply::kind::string; break;
    case REDIS_REPLY_INTEGER: out.type = redis_reply::kind::integer; break;
    case REDIS_REPLY_ARRAY: out.type = redis_reply::kind::array; break;
    case REDIS_REPLY_STATUS: out.type = redis_reply::kind::status; break;
    case REDIS_REPLY_ERROR: out.type = redis_reply::kind::error; break;
    default: out.type = redis_reply::kind::nil; break;
  }
  if (r.str != nullptr) out.str.assign(r.str, r.len);
  out.integer = r.integer;
  out.elements.reserve(r.elements);
  for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(copy_redis_reply(*r.element[i]));
  return out;
}

// hiredis writes with write(2): to a server that went away, that raises SIGPIPE, which would kill
// the process. For the duration of a round trip, the calling thread blocks SIGPIPE (the write then
// fails with EPIPE, which reports the loss) and consumes one that became pending meanwhile; the
// process's signal dispositions are left alone.
class redis_sigpipe_guard {
 public:
  redis_sigpipe_guard() noexcept {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
  }
  redis_sigpipe_guard(const redis_sigpipe_guard&) = delete;
  redis_sigpipe_guard& operator=(const redis_sigpipe_guard&) = delete;
  ~redis_sigpipe_guard() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec now{0, 0};
      (void)sigtimedwait(&pipe_, nullptr, &now);
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

 private:
  sigset_t pipe_{};
  sigset_t previous_{};
  bool was_pending_ = false;
};

inline failure redis_error_reply(const redis_reply& r) { return failure{error::storage_failure, "redis: " + r.str}; }

}  // namespace hanabi::detail

namespace hanabi::storage {

HANABI_DECL redis_connection::redis_connection(redis_store_config config) : config_(std::move(config)) {}

HANABI_DECL redis_connection::~redis_connection() {
  if (context_ != nullptr) redisFree(context_);
}

HANABI_DECL std::string redis_connection::endpoint() const {
  return config_.unix_socket.empty() ? fmt::format("{}:{}", config_.host, config_.port) : config_.unix_socket;
}

HANABI_DECL failure redis_connection::lost(std::string_view doing) {
  std::string why = context_ != nullptr && context_->err != 0 ? context_->errstr : "no reply";
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
  return failure{error::storage_unavailable, fmt::format("redis at {}: {}: {}", endpoint(), doing, why)};
}

HANABI_DECL result<void> redis_connection::connect() {
  if (context_ != nullptr) return {};
  const timeval connect_timeout = detail::redis_timeval(config_.connect_timeout);
  context_ = config_.unix_socket.empty()
                 ? redisConnectWithTimeout(config_.host.c_str(), config_.port, connect_timeout)
                 : redisConnectUnixWithTimeout(config_.unix_socket.c_str(), connect_timeout);
  if (context_ == nullptr) return failure{error::storage_unavailable, "redis: out of memory"};
  if (context_->err != 0) return lost("cannot connect");
  if (redisSetTimeout(context_, detail::redis_timeval(config_.command_timeout)) != REDIS_OK) return lost("cannot set the timeout");
  std::vector<redis_command> setup;
  if (!config_.password.empty()) setup.push_back({"AUTH", std::string(config_.password.reveal())});
  if (config_.database != 0) setup.push_back({"SELECT", std::to_string(config_.database)});
  if (setup.empty()) return {};
  auto replies = pipeline(setup);
  if (!replies) {
    if (context_ != nullptr) redisFree(context_);  // refused: stay disconnected, try again next time
    context_ = nullptr;
    return replies.error();
  }
  return {};
}

HANABI_DECL result<std::vector<redis_reply>> redis_connection::pipeline(const std::vector<redis_command>& commands) {
  const detail::redis_sigpipe_guard no_sigpipe;
  if (auto r = connect(); !r) return r.error();
  for (const auto& c : commands) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& arg : c) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()) != REDIS_OK)
      return lost("cannot send a command");
  }
  std::vector<redis_reply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) return lost("connection lost");
    replies.push_back(detail::copy_redis_reply(*static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  for (const auto& r : replies)  // read them all first: the connection stays in step
    if (r.type == redis_reply::kind::error) return detail::redis_error_reply(r);
  return replies;
}

HANABI_DECL result<redis_reply> redis_connection::command(const redis_command& command) {
  auto replies = pipeline({command});
  if (!replies) return replies.error();
  return std::move(replies->front());
}

HANABI_DECL result<std::optional<std::vector<redis_reply>>> redis_connection::transaction(
    const std::vector<redis_command>& commands) {
  std::vector<redis_command> all;
  all.reserve(commands.size() + 2);
  all.push_back({"MULTI"});
  all.insert(all.end(), commands.begin(), commands.end());
  all.push_back({"EXEC"});
  auto replies = pipeline(all);
  if (!replies) return replies.error();
  auto& exec = replies->back();
  if (exec.type == redis_reply::kind::nil) return std::optional<std::vector<redis_reply>>{};
  for (const auto& r : exec.elements)
    if (r.type == redis_reply::kind::error) return detail::redis_error_reply(r);
  return std::optional<std::vector<redis_reply>>{std::move(exec.elements)};
}

}  // namespace hanabi::storage
