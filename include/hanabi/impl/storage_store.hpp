#pragma once

#include <hanabi/storage/store.hpp>

namespace hanabi::storage {

template <class T, class Token, class Op>
auto store::start(diagnostics& diag, Token&& token, bool journal_append, Op op) {
  using signature = typename detail::storage_signature<T>::type;
  using job_type = detail::storage_op<T, Op>;
  return boost::asio::async_initiate<Token, signature>(
      [this, &diag, journal_append](auto handler, Op operation) {
        submit(detail::job_ptr(new job_type(typename job_type::handler_type(std::move(handler)), diag,
                                            std::move(operation), executor_, journal_append)));
      },
      token, std::move(op));
}

}  // namespace hanabi::storage
