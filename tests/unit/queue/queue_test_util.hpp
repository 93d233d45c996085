// Helpers for the queue tests: items named by a short label (their track
// identifier), and a one-line picture of a queue: "a b [c] d" while c plays,
// "a b (c) d" when the queue is idle on c, and "| a b" before anything played.
#pragma once

#include <hanabi/queue/track_queue.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace hanabi::test {

inline protocol::track make_track(const std::string& label, std::int64_t length = 1000, bool stream = false,
                                  const std::string& source = "youtube") {
  protocol::track t;
  t.encoded = "QAAA" + label + "blob";
  t.info.identifier = label;
  t.info.title = "Title of " + label;
  t.info.author = "Author of " + label;
  t.info.length = stream ? protocol::unknown_length : length;
  t.info.is_stream = stream;
  t.info.is_seekable = !stream;
  t.info.source_name = source;
  return t;
}

inline queue_item item(const std::string& label, std::uint64_t requester = 1) {
  return make_queue_item(make_track(label), user_id{requester}, 1700000000000);
}

/// Items labelled by each character of `labels`, all by `requester`.
inline std::vector<queue_item> items(const std::string& labels, std::uint64_t requester = 1) {
  std::vector<queue_item> out;
  for (char c : labels) out.push_back(item(std::string(1, c), requester));
  return out;
}

inline std::string picture(const track_queue& q) {
  std::string out = q.current_position() == 0 ? "|" : "";
  q.for_each([&](std::size_t position, const queue_item& it) {
    if (!out.empty()) out += ' ';
    std::string label(it.track->identifier());
    if (position == q.current_position()) label = (q.active() ? "[" : "(") + label + (q.active() ? "]" : ")");
    out += label;
  });
  return out;
}

/// A queue holding `labels` by requester 1, playing position `current` (0 = nothing played yet).
inline track_queue queue_of(const std::string& labels, std::size_t current = 0, queue_config config = {}) {
  track_queue q(std::move(config));
  if (!labels.empty()) (void)q.enqueue(items(labels));
  if (current != 0) (void)q.skip_to(current);
  return q;
}

/// The diagnostics sentence of a failed result.
template <class R>
std::string message(const R& r) {
  return r ? std::string("<no error>") : r.error().diag.client_message();
}

}  // namespace hanabi::test

// Catch2 would try boost's operator<< for result<T>, which does not compile for T without one.
template <class T>
struct Catch::StringMaker<boost::system::result<T, hanabi::failure>> {
  static std::string convert(const boost::system::result<T, hanabi::failure>& r) {
    return r ? std::string("<value>") : r.error().what();
  }
};
