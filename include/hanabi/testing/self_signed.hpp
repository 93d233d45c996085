// A throwaway TLS identity for tests: a self-signed certificate for 127.0.0.1 and localhost,
// made in memory with OpenSSL. The certificate is its own CA, so a client that trusts
// `certificate_pem` accepts the fake node, and one that does not rejects it.
//
//     auto id = hanabi::testing::make_self_signed();
//     hanabi::testing::fake_node node{{.tls = id}};
//     ctx.add_certificate_authority(asio::buffer(id.certificate_pem));  // client side
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/testing/fake_node_options.hpp>

#include <chrono>
#include <string>

namespace hanabi::testing {

/// Parameters of make_self_signed.
struct self_signed_options {
  std::string common_name = "hanabi fake node";
  /// How long the certificate is valid, starting one hour in the past (clock skew).
  std::chrono::hours validity{24};
};

/// A fresh P-256 key and a self-signed X.509 v3 certificate (CA:TRUE, subjectAltName
/// IP:127.0.0.1, DNS:localhost). Throws std::runtime_error if OpenSSL fails, which only
/// happens when it is out of memory or broken. Thread-safe.
HANABI_DECL tls_identity make_self_signed(const self_signed_options& options = {});

}  // namespace hanabi::testing

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/testing_self_signed.ipp>
#endif
