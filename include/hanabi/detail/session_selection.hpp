// Where a new session lives: the sans-I/O core of session_manager::async_get_or_create.
//
// The original design asked its children one after the other, while holding a global lock, with no
// timeout, and stopped at the first child that threw (seeds.md §2.5). This core only decides; the
// manager does the asking, in parallel and with a deadline, and feeds the answers in as they arrive,
// in any order. The first free child *in configured order* wins, not the first to answer: a later
// child that answers "free" first must wait for the earlier ones to answer (or time out).
//
//     session_selection s(request, "parent", parent_free, candidates);
//     auto step = s.start();                       // ask{child-1, child-2}, or a decision
//     step = s.on_answer("child-2", child_answer::free);   // wait: child-1 comes first
//     step = s.on_answer("child-1", child_answer::busy);   // child{"child-2"}
//     step = s.on_refused("child-2");              // its connect said bot_busy: next, or all busy
//
// Threading: none; the manager calls it on its strand.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/error.hpp>
#include <hanabi/session/session_types.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hanabi::detail {

/// A child's answer to "are you free in this guild?"; `unreachable` covers a timeout or a lost link.
enum class child_answer : std::uint8_t { free, busy, unreachable };

/// What the manager already knows about a configured child before asking it anything.
enum class child_standing : std::uint8_t {
  askable,  ///< Connected, and holds no session of this guild the manager knows of.
  busy,     ///< Holds a session in this guild, or a connect to this guild is in flight on it.
  offline,  ///< Not connected to this parent.
};

struct selection_candidate {
  std::string name;
  child_standing standing = child_standing::askable;
};

/// One get_or_create request as the selection sees it.
struct selection_request {
  session_address where{};
  /// The bot the user chose by name; empty lets the selection choose.
  std::string bot{};
  /// A session already exists for `where.voice` (it is returned as is).
  bool exists = false;
};

/// What the manager does next.
struct selection_step {
  enum class kind : std::uint8_t {
    wait,      ///< Nothing to do until another answer arrives.
    ask,       ///< Ask `ask` (all at once); their answers come back through on_answer.
    existing,  ///< Return the session that already exists.
    local,     ///< Create the session in this process.
    child,     ///< Connect the session on child `bot`; a bot_busy answer goes to on_refused.
    failed,    ///< Give up with `reason`; `message` is the sentence users see.
  };
  kind what = kind::wait;
  std::vector<std::string> ask{};
  std::string bot{};
  error reason{};
  std::string message{};
};

class session_selection {
 public:
  /// `self` is this bot's configured name, `self_free` whether it may take a session in the
  /// request's guild (it holds none there and is creating none); `children` in configured order.
  HANABI_DECL session_selection(selection_request request, std::string self, bool self_free,
                                std::vector<selection_candidate> children);

  /// The first step. Call once.
  HANABI_DECL selection_step start();
  /// A child answered (or timed out: unreachable). Answers of children not asked, repeated
  /// answers and answers after the decision change nothing and return `wait`.
  HANABI_DECL selection_step on_answer(std::string_view child, child_answer answer);
  /// The chosen child refused the connect (bot_busy: it became busy since it answered): the next
  /// free child in order, or a failure.
  HANABI_DECL selection_step on_refused(std::string_view child);

  /// True once a step other than wait/ask was returned (on_refused can reopen a `child` decision).
  bool decided() const noexcept { return decided_; }

 private:
  struct entry {
    std::string name;
    child_standing standing;
    bool asked = false;
    bool answered = false;
    child_answer answer = child_answer::unreachable;
    bool usable() const noexcept { return answered && answer == child_answer::free; }
    bool ruled_out() const noexcept { return standing != child_standing::askable || (answered && !usable()); }
  };

  selection_step start_explicit();
  selection_step first_free_in_order();
  selection_step decide(selection_step step);
  selection_step all_busy() const;
  entry* find(std::string_view child);

  selection_request request_;
  std::string self_;
  bool self_free_;
  std::vector<entry> children_;
  bool decided_ = false;
  std::string chosen_{};
};

}  // namespace hanabi::detail

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/session_selection.ipp>
#endif
