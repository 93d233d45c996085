// make_self_signed: a P-256 key and a self-signed certificate, with OpenSSL 3.
#pragma once

#include <hanabi/testing/self_signed.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace hanabi::testing::detail {

template <class T, void (*Free)(T*)>
struct openssl_deleter {
  void operator()(T* p) const noexcept { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO, BIO_free_all>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION, X509_EXTENSION_free>>;

inline void check_openssl(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("make_self_signed: ") + what + " failed");
}

inline void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ext_ptr ext{X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)};
  check_openssl(ext && X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

template <class Write>
std::string to_pem(Write write) {
  bio_ptr bio{BIO_new(BIO_s_mem())};
  check_openssl(bio && write(bio.get()) == 1, "PEM_write");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace hanabi::testing::detail

namespace hanabi::testing {

HANABI_DECL tls_identity make_self_signed(const self_signed_options& options) {
  using namespace detail;
  pkey_ptr key{EVP_EC_gen("P-256")};
  check_openssl(key != nullptr, "EVP_EC_gen");
  x509_ptr cert{X509_new()};
  check_openssl(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  check_openssl(RAND_bytes(serial, sizeof serial) == 1, "RAND_bytes");
  serial[0] &= 0x7f;  // a positive serial number
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  check_openssl(bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr, "serial");
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(options.validity.count()) * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(options.common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  check_openssl(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
  add_extension(cert.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  add_extension(cert.get(), NID_subject_key_identifier, "hash");
  check_openssl(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");
  tls_identity id;
  id.certificate_pem = to_pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
  id.private_key_pem =
      to_pem([&](BIO* b) { return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
  return id;
}

}  // namespace hanabi::testing
