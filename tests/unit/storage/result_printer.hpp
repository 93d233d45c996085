// Lets Catch print a hanabi::result<T> for any T: the failure's text, or "ok".
// (boost::system::result's own operator<< needs an operator<< for T.)
#pragma once

#include <hanabi/diagnostics.hpp>

#include <catch2/catch.hpp>

namespace Catch {
template <class T>
struct StringMaker<boost::system::result<T, hanabi::failure>> {
  static std::string convert(const boost::system::result<T, hanabi::failure>& r) {
    return r.has_value() ? std::string("ok") : "error: " + r.error().what();
  }
};
}  // namespace Catch
