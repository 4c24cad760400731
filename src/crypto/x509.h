// X.509 certificates (RFC 5280), read only as far as WebAuthn attestation needs: the subject
// public key and the fields W3C WebAuthn Level 3 section 8.2.1 ("Certificate Requirements for
// Packed Attestation Statements") asks about.
//
// There is no path validation and no trust store here: a certificate read by this function
// proves nothing about who made it. (Tessera accepts attestation "none"; webauthn/ reports a
// packed x5c attestation as uncertified.)
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/error.h"
#include "crypto/pkey.h"

namespace tessera::crypto {

struct CertificateFacts {
  AsymmetricKey public_key;
  long version = 0;        // as encoded: 2 means X.509 v3
  bool is_ca = false;      // basicConstraints cA TRUE
  std::string subject_ou;  // the first organizationalUnitName of the subject; empty if none
  // id-fido-gen-ce-aaguid (1.3.6.1.4.1.45724.1.1.4): the 16-byte AAGUID in its inner OCTET
  // STRING, when the extension is present; `aaguid_critical` says how it was marked.
  std::optional<std::string> fido_aaguid;
  bool aaguid_critical = false;
};

// Reads one DER certificate. kInvalidKey for a certificate OpenSSL cannot decode, trailing
// bytes, inconsistent extensions or an AAGUID extension that is not a 16-byte OCTET STRING;
// the public key's own errors (from_public_der) otherwise.
std::expected<CertificateFacts, Error> read_certificate(std::string_view der);

}  // namespace tessera::crypto
