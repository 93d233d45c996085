// RemoteSession and the session host over a real control link on 127.0.0.1:
// every op reaches the child's session and its answer (or typed error) comes
// back; events flow upstream; a child-side close ends the parent's session
// without echoing a disconnect. The child's sessions here are scripted
// doubles, so each case controls exactly what the child answers; the
// conformance suite (remote_conformance.cpp) runs real local sessions.
#include "io_thread.hpp"

#include <hanabi/remote/client.hpp>
#include <hanabi/remote/server.hpp>
#include <hanabi/session/remote_session.hpp>
#include <hanabi/session/session_host.hpp>

#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <thread>

namespace asio = boost::asio;
using namespace hanabi;
using namespace std::chrono_literals;

using hanabi::test::eventually;
using hanabi::test::io_thread;

namespace {

const std::string link_token = "sessions-token";
const guild_id guild{81384788765712384};
const channel_id voice_a{223456789012345678};
const channel_id voice_b{223456789012345679};
const user_id ops_user{111};

item_view item(std::string title) {
  item_view i;
  i.position = 1;
  i.title = std::move(title);
  i.requester = ops_user;
  return i;
}

// A session whose answers each test can predict: volume checks its range, pause refuses to pause twice, stop
// can be told to hang, and every other op answers a value derived from its arguments.
class scripted_session final : public session {
 public:
  scripted_session(asio::any_io_executor ex, session_address a) : strand_(asio::make_strand(ex)), address_(a) {}

  std::atomic<int> disconnects{0};
  std::atomic<bool> hang_stop{false};

  session_address address() const override { return address_; }
  std::string bot() const override { return "child-1"; }
  bool is_remote() const noexcept override { return false; }
  executor_type get_executor() const override { return strand_; }
  session_subscription subscribe(std::function<void(const session_event&)> f) override {
    std::lock_guard lock(mutex_);
    subscribers_.push_back(std::move(f));
    return {};
  }

  /// Publishes an event on the strand, as a session does.
  void emit(session_event e) {
    asio::post(strand_, [this, e] {
      std::vector<std::function<void(const session_event&)>> subs;
      {
        std::lock_guard lock(mutex_);
        subs = subscribers_;
      }
      for (auto& f : subs) f(e);
    });
  }

 protected:
  template <class Handler, class V>
  void answer(Handler h, error_code ec, V v) {
    asio::post(strand_, [h = std::move(h), ec, v = std::move(v)]() mutable { std::move(h)(ec, std::move(v)); });
  }
  void answer(session_handler<void> h, error_code ec = {}) {
    asio::post(strand_, [h = std::move(h), ec]() mutable { std::move(h)(ec); });
  }

  void do_connect(connect_args a, diagnostics&, session_handler<session_state> h) override {
    session_state s;
    s.address = address_;
    s.bot = "child-1";
    s.connected = true;
    s.volume = volume_;
    s.node = fmt::format("by {}", a.by);
    answer(std::move(h), {}, s);
  }
  void do_disconnect(disconnect_args, diagnostics&, session_handler<void> h) override {
    ++disconnects;
    answer(std::move(h));
    emit(session_events::closed{close_reason::requested, {}});
  }
  void do_play(play_args a, diagnostics& d, session_handler<enqueue_outcome> h) override {
    if (a.query == "nothing") {
      d.set_client_message("no track matches 'nothing'");
      return answer(std::move(h), error::no_matches, enqueue_outcome{});
    }
    answer(std::move(h), {}, enqueue_outcome{{a.position.value_or(1)}, {}, "", a.query, true});
  }
  void do_enqueue(enqueue_args a, diagnostics&, session_handler<enqueue_outcome> h) override {
    enqueue_outcome o;
    for (std::size_t i = 0; i < a.entries.size(); ++i) {
      if (a.entries[i].track) o.positions.push_back(i + 1);
      else o.failed.push_back(a.entries[i].source);
    }
    answer(std::move(h), {}, o);
  }
  void do_skip(skip_args a, diagnostics&, session_handler<now_playing> h) override {
    now_playing n;
    n.item = item(fmt::format("skipped {}", a.value));
    answer(std::move(h), {}, n);
  }
  void do_seek(seek_args a, diagnostics&, session_handler<std::int64_t> h) override {
    answer(std::move(h), {}, a.relative ? 60000 + a.value : a.value);
  }
  void do_pause(pause_args a, diagnostics& d, session_handler<void> h) override {
    if (a.paused == paused_) {
      d.set_client_message(paused_ ? "already paused" : "not paused");
      return answer(std::move(h), error::no_effect);
    }
    paused_ = a.paused;
    answer(std::move(h));
  }
  void do_volume(volume_args a, diagnostics& d, session_handler<int> h) override {
    int v = a.relative ? volume_ + a.value : a.value;
    if (v < 0 || v > 1000) {
      d.set_client_message(fmt::format("volume {} is outside 0..1000", v));
      return answer(std::move(h), error::out_of_range, 0);
    }
    volume_ = v;
    answer(std::move(h), {}, v);
  }
  void do_stop(stop_args, diagnostics&, session_handler<void> h) override {
    if (hang_stop) {
      hung_.push_back(std::move(h));  // Answered never (released when the session dies).
      return;
    }
    answer(std::move(h));
  }
  void do_filters(filter_args a, diagnostics&, session_handler<protocol::filters> h) override {
    protocol::filters f;
    if (std::holds_alternative<std::string>(a.set)) f.volume = 0.5;
    else f = std::get<protocol::filters>(a.set);
    answer(std::move(h), {}, f);
  }
  void do_repeat(repeat_args, diagnostics&, session_handler<void> h) override { answer(std::move(h)); }
  void do_shuffle(shuffle_args a, diagnostics&, session_handler<void> h) override {
    answer(std::move(h), a.undo ? error_code(error::nothing_to_unshuffle) : error_code());
  }
  void do_dequeue(dequeue_args, diagnostics&, session_handler<std::vector<item_view>> h) override {
    answer(std::move(h), {}, std::vector<item_view>{item("gone 1"), item("gone 2")});
  }
  void do_move(move_args a, diagnostics& d, session_handler<void> h) override {
    if (a.from > 5) d.set_client_message(fmt::format("position {} is out of range: 1 to 5", a.from));
    answer(std::move(h), a.from > 5 ? error_code(error::position_out_of_range) : error_code());
  }
  void do_clear(clear_args a, diagnostics&, session_handler<std::size_t> h) override {
    answer(std::move(h), {}, std::size_t{a.upcoming_only ? 3u : 7u});
  }
  void do_now_playing(diagnostics&, session_handler<std::optional<now_playing>> h) override {
    answer(std::move(h), {}, std::optional<now_playing>{});
  }
  void do_queue_page(page_args a, diagnostics&, session_handler<queue_view> h) override {
    queue_view q;
    q.page = a.number;
    q.pages = 4;
    q.items.push_back(item("page item"));
    answer(std::move(h), {}, q);
  }
  void do_state(diagnostics&, session_handler<session_state> h) override {
    session_state s;
    s.address = address_;
    s.volume = volume_;
    s.paused = paused_;
    answer(std::move(h), {}, s);
  }
  void do_history(std::size_t limit, diagnostics&, session_handler<std::vector<action_record>> h) override {
    answer(std::move(h), {}, std::vector<action_record>(limit, action_record{1, ops_user, "volume", "80"}));
  }

 private:
  asio::strand<asio::any_io_executor> strand_;
  session_address address_;
  int volume_ = 100;
  bool paused_ = false;
  std::vector<session_handler<void>> hung_;
  std::mutex mutex_;
  std::vector<std::function<void(const session_event&)>> subscribers_;
};

// A parent server, and one in-process child (remote::client + session_host) serving scripted sessions.
struct rig {
  io_thread io;
  std::mutex mutex;
  std::map<channel_id, std::shared_ptr<remote_session>> parent_sessions;  // The parent's routing table.
  std::map<channel_id, std::shared_ptr<scripted_session>> child_sessions;
  std::vector<session_request> requests;  // What the factory was asked for.
  std::unique_ptr<remote::server> server;
  std::unique_ptr<session_host> host;
  std::unique_ptr<remote::client> client;
  remote_session_config session_config;

  rig() {
    session_config.request_timeout = 10s;
    session_config.log = logger::none();
    remote::link_handlers ph;
    ph.on_event = [this](remote::link, const remote::event& e) {
      auto where = remote_session::address_of(e);
      if (!where) return;
      std::lock_guard lock(mutex);
      if (auto it = parent_sessions.find(where->voice); it != parent_sessions.end()) it->second->deliver(e);
    };
    ph.on_down = [this](remote::link, error_code why, const std::string&) {
      std::lock_guard lock(mutex);
      for (auto& [voice, s] : parent_sessions) s->link_lost(why);
    };
    remote::server_config sc;
    sc.token = secret{link_token};
    sc.heartbeat_interval = 1000ms;
    sc.link.max_missed_heartbeats = 30;
    sc.link.log = logger::none();
    server = std::make_unique<remote::server>(io.ioc.get_executor(), sc, ph);
    auto ep = server->listen();
    REQUIRE(ep);

    host = std::make_unique<session_host>(
        [this](const session_request& req, session_factory_handler done) {
          auto s = std::make_shared<scripted_session>(io.ioc.get_executor(), req.address);
          {
            std::lock_guard lock(mutex);
            child_sessions[req.address.voice] = s;
            requests.push_back(req);
          }
          std::move(done)(std::shared_ptr<session>(s));
        },
        session_host_config{"child-1", logger::none()});
    remote::link_handlers ch;
    host->serve(ch);
    remote::client_config cc;
    cc.port = ep->port();
    cc.name = "child-1";
    cc.bot_id = user_id{1000};
    cc.token = secret{link_token};
    cc.link.log = logger::none();
    client = std::make_unique<remote::client>(io.ioc.get_executor(), cc, ch);
    host->set_upstream([c = client.get()](std::string op, nlohmann::json p) { c->send_event(std::move(op), std::move(p)); });
    client->async_run(asio::detached);
    REQUIRE(eventually([&] { return static_cast<bool>(server->find("child-1")); }));
  }

  ~rig() {
    client->stop();
    server->stop();
  }

  std::shared_ptr<remote_session> open(channel_id voice) {
    auto s = remote_session::create(io.ioc.get_executor(), server->find("child-1"), {guild, voice}, "child-1",
                                    session_config);
    std::lock_guard lock(mutex);
    parent_sessions[voice] = s;
    return s;
  }

  std::shared_ptr<scripted_session> child_session(channel_id voice) {
    std::lock_guard lock(mutex);
    return child_sessions.at(voice);
  }
};

// Collects the events a subscriber saw.
struct event_tally {
  std::mutex mutex;
  std::vector<session_event> events;
  session_subscription sub;
  explicit event_tally(session& s)
      : sub(s.subscribe([this](const session_event& e) {
          std::lock_guard lock(mutex);
          events.push_back(e);
        })) {}
  template <class E>
  std::size_t count() {
    std::lock_guard lock(mutex);
    return std::count_if(events.begin(), events.end(), [](auto& e) { return std::holds_alternative<E>(e); });
  }
};

}  // namespace

TEST_CASE("remote session: connect asks the child's factory for the configured kind of session") {
  rig r;
  r.session_config.lifetime = session_lifetime::persistent;
  r.session_config.inactivity_timeout = 1234ms;
  auto s = r.open(voice_a);
  diagnostics d;
  s->async_connect({ops_user}, d, asio::use_future).get();
  std::lock_guard lock(r.mutex);
  REQUIRE(r.requests.size() == 1);
  CHECK(r.requests[0].address == session_address{guild, voice_a});
  CHECK(r.requests[0].lifetime == session_lifetime::persistent);
  CHECK(r.requests[0].inactivity_timeout == std::optional<std::chrono::milliseconds>(1234ms));
  CHECK_FALSE(r.requests[0].paused_timeout);
}

TEST_CASE("remote session: every op reaches the child's session and its answer comes back") {
  rig r;
  auto s = r.open(voice_a);
  diagnostics d;
  CHECK(s->is_remote());
  CHECK(s->bot() == "child-1");

  auto st = s->async_connect({ops_user}, d, asio::use_future).get();
  CHECK(st.connected);
  CHECK(st.address == session_address{guild, voice_a});
  CHECK(st.node == "by 111");

  auto played = s->async_play({"lofi", ops_user, 4}, d, asio::use_future).get();
  CHECK(played.first_title == "lofi");
  CHECK(played.positions == std::vector<std::size_t>{4});
  enqueue_args en;
  en.entries = {{protocol::track{}, "", 0, 0}, {std::nullopt, "https://nothing.example", 0, 0}};
  auto enq = s->async_enqueue(en, d, asio::use_future).get();
  CHECK(enq.positions == std::vector<std::size_t>{1});
  CHECK(enq.failed == std::vector<std::string>{"https://nothing.example"});
  CHECK(s->async_skip({skip_args::kind::by, 2, ops_user}, d, asio::use_future).get().item.title == "skipped 2");
  CHECK(s->async_seek({-10000, true, ops_user}, d, asio::use_future).get() == 50000);
  s->async_pause({true, ops_user}, d, asio::use_future).get();
  CHECK(s->async_volume({-20, true, ops_user}, d, asio::use_future).get() == 80);
  s->async_stop({ops_user}, d, asio::use_future).get();
  CHECK(s->async_filters({std::string("nightcore"), ops_user}, d, asio::use_future).get().volume == 0.5);
  s->async_repeat({repeat_mode::all, ops_user}, d, asio::use_future).get();
  s->async_shuffle({false, ops_user}, d, asio::use_future).get();
  auto removed = s->async_dequeue({dequeue_rule::duplicates{}, dequeue_scope::upcoming, ops_user}, d, asio::use_future).get();
  REQUIRE(removed.size() == 2);
  CHECK(removed[1].title == "gone 2");
  s->async_move({2, 1, ops_user}, d, asio::use_future).get();
  CHECK(s->async_clear({false, ops_user}, d, asio::use_future).get() == 7);
  CHECK_FALSE(s->async_now_playing(d, asio::use_future).get());
  auto page = s->async_queue_page({3, 10}, d, asio::use_future).get();
  CHECK((page.page == 3 && page.pages == 4));
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0].title == "page item");
  auto state = s->async_state(d, asio::use_future).get();
  CHECK(state.volume == 80);
  CHECK(state.paused);
  auto history = s->async_history(3, d, asio::use_future).get();
  REQUIRE(history.size() == 3);
  CHECK(history[0].action == "volume");
}

TEST_CASE("remote session: the child's typed errors and sentences reach the caller") {
  rig r;
  auto s = r.open(voice_a);
  diagnostics d;
  s->async_connect({ops_user}, d, asio::use_future).get();

  auto code_of = [](auto fut) {
    try {
      fut.get();
    } catch (const boost::system::system_error& e) {
      return e.code();
    }
    return error_code();
  };
  CHECK(code_of(s->async_volume({2000, false, ops_user}, d, asio::use_future)) == error::out_of_range);
  CHECK(d.client_message() == "volume 2000 is outside 0..1000");
  CHECK(code_of(s->async_play({"nothing", ops_user}, d, asio::use_future)) == error::no_matches);
  CHECK(d.client_message() == "no track matches 'nothing'");
  CHECK(code_of(s->async_move({9, 1, ops_user}, d, asio::use_future)) == error::position_out_of_range);
  CHECK(d.client_message() == "position 9 is out of range: 1 to 5");
  s->async_pause({true, ops_user}, d, asio::use_future).get();
  CHECK(code_of(s->async_pause({true, ops_user}, d, asio::use_future)) == error::no_effect);
  CHECK(d.client_message() == "already paused");
  CHECK(code_of(s->async_shuffle({true, ops_user}, d, asio::use_future)) == error::nothing_to_unshuffle);

  // A voice channel the child holds no session in.
  auto other = r.open(voice_b);
  CHECK(code_of(other->async_state(d, asio::use_future)) == error::no_session);
  CHECK(d.client_message().find(voice_b.str()) != std::string::npos);
}

TEST_CASE("remote session: one bot per guild, available tells the parent") {
  rig r;
  diagnostics d;
  auto link = r.server->find("child-1");
  auto ask_free = [&](channel_id voice) {
    return link.async_request("available", {{"guild", guild.str()}, {"voice", voice.str()}}, 5s, asio::use_future)
        .get()
        .at("free")
        .get<bool>();
  };
  CHECK(ask_free(voice_a));
  r.open(voice_a)->async_connect({ops_user}, d, asio::use_future).get();
  CHECK_FALSE(ask_free(voice_b));
  auto second = r.open(voice_b);
  try {
    second->async_connect({ops_user}, d, asio::use_future).get();
    FAIL("a second channel of the guild was accepted");
  } catch (const boost::system::system_error& e) {
    CHECK(e.code() == error::bot_busy);
    CHECK(d.client_message().find(voice_a.str()) != std::string::npos);
  }
  auto listed = link.async_request("sessions", nlohmann::json::object(), 5s, asio::use_future).get();
  REQUIRE(listed.at("sessions").size() == 1);
  CHECK(listed["sessions"][0]["voice"] == voice_a.str());
}

TEST_CASE("remote session: the child's events reach subscribers, its own close ends the session without echo") {
  rig r;
  auto s = r.open(voice_a);
  event_tally log(*s);
  diagnostics d;
  s->async_connect({ops_user}, d, asio::use_future).get();
  auto child = r.child_session(voice_a);

  child->emit(session_events::track_started{item("first")});
  child->emit(session_events::closed{close_reason::inactivity, "idle for 5 minutes"});
  REQUIRE(eventually([&] { return log.count<session_events::closed>() == 1; }));
  CHECK(s->is_closed());
  {
    std::lock_guard lock(log.mutex);
    REQUIRE(log.events.size() == 2);
    CHECK(std::get<session_events::track_started>(log.events[0]).item.title == "first");
    auto& c = std::get<session_events::closed>(log.events[1]);
    CHECK(c.reason == close_reason::inactivity);
    CHECK(c.detail == "idle for 5 minutes");
  }
  CHECK(child->disconnects == 0);
  try {
    s->async_state(d, asio::use_future).get();
    FAIL("a closed session answered");
  } catch (const boost::system::system_error& e) {
    CHECK(e.code() == error::no_session);
  }
  // The child forgot it: the guild is free again.
  auto free = r.server->find("child-1")
                  .async_request("available", {{"guild", guild.str()}, {"voice", voice_b.str()}}, 5s, asio::use_future)
                  .get();
  CHECK(free.at("free") == true);
}

TEST_CASE("remote session: disconnect ends it with exactly one closed event") {
  rig r;
  auto s = r.open(voice_a);
  event_tally log(*s);
  diagnostics d;
  s->async_connect({ops_user}, d, asio::use_future).get();
  s->async_disconnect({ops_user}, d, asio::use_future).get();
  CHECK(r.child_session(voice_a)->disconnects == 1);
  CHECK(s->is_closed());
  // The child's session_closed arrives too; it must not publish a second closed event. A state request to the
  // child (answered after the event was sent, on the same link) orders the check after it.
  auto other = r.open(voice_b);
  other->async_connect({ops_user}, d, asio::use_future).get();
  other->async_state(d, asio::use_future).get();
  CHECK(log.count<session_events::closed>() == 1);
}

TEST_CASE("remote session: a hung child times out, a lost link ends the session as child_lost") {
  rig r;
  r.session_config.request_timeout = 300ms;
  auto impatient = r.open(voice_a);
  diagnostics d;
  impatient->async_connect({ops_user}, d, asio::use_future).get();
  r.child_session(voice_a)->hang_stop = true;
  try {
    impatient->async_stop({ops_user}, d, asio::use_future).get();
    FAIL("a hung call completed");
  } catch (const boost::system::system_error& e) {
    CHECK(e.code() == error::timeout);
  }
  // The link still serves other calls.
  CHECK(impatient->async_volume({50, false, ops_user}, d, asio::use_future).get() == 50);

  // The same child session, seen by a patient parent-side session: its hung call fails when the link goes.
  r.session_config.request_timeout = 60s;
  auto s = r.open(voice_a);
  event_tally log(*s);
  auto pending = s->async_stop({ops_user}, d, asio::use_future);
  r.client->stop();
  try {
    pending.get();
    FAIL("a call survived its link");
  } catch (const boost::system::system_error& e) {
    CHECK(e.code().category() == error_category());
    CHECK(e.code() != error::timeout);
  }
  REQUIRE(eventually([&] { return log.count<session_events::closed>() == 1; }));
  std::lock_guard lock(log.mutex);
  CHECK(std::get<session_events::closed>(log.events.back()).reason == close_reason::child_lost);
}
