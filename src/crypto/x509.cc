#include "crypto/x509.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace tessera::crypto {
namespace {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct OctetsFree {
  void operator()(ASN1_OCTET_STRING* p) const { ASN1_OCTET_STRING_free(p); }
};
struct ObjFree {
  void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

std::string_view view(const ASN1_STRING* s) {
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
          static_cast<std::size_t>(ASN1_STRING_length(s))};
}

std::expected<CertificateFacts, Error> invalid() {
  ERR_clear_error();
  return std::unexpected(Error::kInvalidKey);
}

}  // namespace

std::expected<CertificateFacts, Error> read_certificate(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const auto* const end = p + der.size();
  std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != end) return invalid();
  // Caches and checks the extensions; EXFLAG_INVALID marks ones OpenSSL could not parse.
  const std::uint32_t flags = X509_get_extension_flags(cert.get());
  if ((flags & EXFLAG_INVALID) != 0) return invalid();

  std::unique_ptr<EVP_PKEY, PkeyFree> pub(X509_get_pubkey(cert.get()));
  if (!pub) return invalid();
  unsigned char* spki = nullptr;
  const int n = i2d_PUBKEY(pub.get(), &spki);
  if (n <= 0) return invalid();
  auto key = AsymmetricKey::from_public_der(
      std::string_view(reinterpret_cast<const char*>(spki), static_cast<std::size_t>(n)));
  OPENSSL_free(spki);
  if (!key) return std::unexpected(key.error());

  CertificateFacts facts{.public_key = std::move(*key)};
  facts.version = X509_get_version(cert.get());
  facts.is_ca = (flags & EXFLAG_CA) != 0;
  const X509_NAME* subject = X509_get_subject_name(cert.get());
  const int ou = X509_NAME_get_index_by_NID(subject, NID_organizationalUnitName, -1);
  if (ou >= 0) {
    facts.subject_ou =
        std::string(view(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, ou))));
  }
  std::unique_ptr<ASN1_OBJECT, ObjFree> oid(OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1));
  if (!oid) return std::unexpected(Error::kInternal);
  const int idx = X509_get_ext_by_OBJ(cert.get(), oid.get(), -1);
  if (idx >= 0) {
    // Only one such extension (RFC 5280 section 4.2: an extension appears at most once).
    if (X509_get_ext_by_OBJ(cert.get(), oid.get(), idx) >= 0) return invalid();
    X509_EXTENSION* ext = X509_get_ext(cert.get(), idx);
    facts.aaguid_critical = X509_EXTENSION_get_critical(ext) != 0;
    // The extension value is an OCTET STRING holding the DER of another OCTET STRING.
    const std::string_view outer = view(X509_EXTENSION_get_data(ext));
    const auto* q = reinterpret_cast<const unsigned char*>(outer.data());
    std::unique_ptr<ASN1_OCTET_STRING, OctetsFree> inner(
        d2i_ASN1_OCTET_STRING(nullptr, &q, static_cast<long>(outer.size())));
    if (!inner || q != reinterpret_cast<const unsigned char*>(outer.data()) + outer.size() ||
        ASN1_STRING_length(inner.get()) != 16) {
      return invalid();
    }
    facts.fido_aaguid = std::string(view(inner.get()));
  }
  return facts;
}

}  // namespace tessera::crypto
