// The selection of where a new session lives (see detail/session_selection.hpp).
#pragma once

#include <hanabi/detail/session_selection.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace hanabi::detail {

HANABI_DECL session_selection::session_selection(selection_request request, std::string self, bool self_free,
                                                 std::vector<selection_candidate> children)
    : request_(std::move(request)), self_(std::move(self)), self_free_(self_free) {
  children_.reserve(children.size());
  for (auto& c : children) children_.push_back(entry{std::move(c.name), c.standing});
}

HANABI_DECL selection_step session_selection::start() {
  if (request_.exists) return decide({.what = selection_step::kind::existing});
  if (!request_.bot.empty()) return start_explicit();
  if (self_free_) return decide({.what = selection_step::kind::local});
  selection_step step{.what = selection_step::kind::ask};
  for (auto& c : children_) {
    if (c.standing != child_standing::askable) continue;
    c.asked = true;
    step.ask.push_back(c.name);
  }
  if (step.ask.empty()) return decide(all_busy());
  return step;
}

HANABI_DECL selection_step session_selection::on_answer(std::string_view child, child_answer answer) {
  entry* c = find(child);
  if (c == nullptr || !c->asked || c->answered) return {};
  c->answered = true;
  c->answer = answer;
  if (decided_) return {};
  return first_free_in_order();
}

HANABI_DECL selection_step session_selection::on_refused(std::string_view child) {
  entry* c = find(child);
  if (c == nullptr || !decided_ || chosen_ != child) return {};
  c->answered = true;
  c->answer = child_answer::busy;
  decided_ = false;
  chosen_.clear();
  if (!request_.bot.empty())
    return decide({.what = selection_step::kind::failed,
                   .reason = error::bot_busy,
                   .message = fmt::format("{} is already playing in another voice channel of this server", child)});
  return first_free_in_order();
}

HANABI_DECL selection_step session_selection::start_explicit() {
  const std::string& name = request_.bot;
  if (name == self_) {
    if (self_free_) return decide({.what = selection_step::kind::local});
    return decide({.what = selection_step::kind::failed,
                   .reason = error::bot_busy,
                   .message = fmt::format("{} is already playing in another voice channel of this server", name)});
  }
  entry* c = find(name);
  if (c == nullptr)
    return decide({.what = selection_step::kind::failed,
                   .reason = error::invalid_argument,
                   .message = fmt::format("there is no bot named '{}'", name)});
  switch (c->standing) {
    case child_standing::offline:
      return decide({.what = selection_step::kind::failed,
                     .reason = error::child_lost,
                     .message = fmt::format("{} is not connected", name)});
    case child_standing::busy:
      return decide({.what = selection_step::kind::failed,
                     .reason = error::bot_busy,
                     .message = fmt::format("{} is already playing in another voice channel of this server", name)});
    case child_standing::askable:
      break;
  }
  // A named child is not asked first: its connect answers bot_busy if it is taken.
  return decide({.what = selection_step::kind::child, .bot = name});
}

HANABI_DECL selection_step session_selection::first_free_in_order() {
  for (auto& c : children_) {
    if (c.usable()) return decide({.what = selection_step::kind::child, .bot = c.name});
    if (!c.ruled_out()) return {};  // an earlier child has not answered yet: its answer decides first
  }
  return decide(all_busy());
}

HANABI_DECL selection_step session_selection::decide(selection_step step) {
  decided_ = true;
  if (step.what == selection_step::kind::child) chosen_ = step.bot;
  return step;
}

HANABI_DECL selection_step session_selection::all_busy() const {
  const std::size_t bots = children_.size() + 1;
  std::string message = bots == 1 ? fmt::format("{} is busy in this server", self_)
                                  : fmt::format("all {} bots are busy in this server", bots);
  return {.what = selection_step::kind::failed, .reason = error::all_bots_busy, .message = std::move(message)};
}

HANABI_DECL session_selection::entry* session_selection::find(std::string_view child) {
  auto it = std::find_if(children_.begin(), children_.end(), [&](const entry& e) { return e.name == child; });
  return it == children_.end() ? nullptr : &*it;
}

}  // namespace hanabi::detail
