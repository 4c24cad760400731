# Every external dependency, found in one place. See README.md "Dependencies" for why each one.
find_package(OpenSSL 3.0 REQUIRED)            # EVP signatures, HMAC, SHA-2, CSPRNG
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)   # Argon2id, Ed25519
pkg_check_modules(ICU_UC REQUIRED IMPORTED_TARGET icu-uc)      # NFC of emails (auth/email.cc)
pkg_check_modules(OATH REQUIRED IMPORTED_TARGET liboath)       # base32 of TOTP secrets (base/base32.cc)
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode) # QR codes of otpauth URIs (api/qr_svg.cc)
find_package(simdjson REQUIRED)               # strict, fast JSON parsing on the token path
find_package(nlohmann_json 3.11 REQUIRED)     # JSON building (JWK export, API bodies)
find_package(CLI11 REQUIRED)                  # command-line parsing
find_package(tomlplusplus 3 REQUIRED)         # the configuration file (TOML)
find_package(Boost 1.81 REQUIRED)             # Beast + Asio (header-only)
find_package(SQLite3 3.35 REQUIRED)           # the embedded store; 3.35: UPSERT ... RETURNING
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)           # PostgreSQL client (store = "postgres")
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)    # Redis client (cache = "redis")
pkg_check_modules(CBOR REQUIRED IMPORTED_TARGET libcbor)        # CBOR of WebAuthn (attestation objects, COSE keys)
# zxcvbn (password strength, auth/password_strength.cc): libzxcvbn-dev ships no pkg-config
# file; the shared library (its static archive is not built for PIE) and the header by name.
find_library(ZXCVBN_LIBRARY NAMES libzxcvbn.so.0 zxcvbn REQUIRED)
find_path(ZXCVBN_INCLUDE_DIR zxcvbn.h REQUIRED)
add_library(Zxcvbn::zxcvbn UNKNOWN IMPORTED)
set_target_properties(Zxcvbn::zxcvbn PROPERTIES IMPORTED_LOCATION ${ZXCVBN_LIBRARY}
                      INTERFACE_INCLUDE_DIRECTORIES ${ZXCVBN_INCLUDE_DIR})
find_package(CURL 7.88 REQUIRED)              # SMTP (mail/smtp_client.cc), outbound HTTP (net/)
find_package(Threads REQUIRED)
