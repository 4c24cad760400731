// WebAuthn assertion verification beside the raw ECDSA P-256 verify it is built around.
//
// The ceremony is the recorded Chromium ES256 one (tests/vectors/webauthn/chromium_es256.json):
//   BM_Assertion/ES256             webauthn::parse_authentication_response(JSON text) +
//                                  verify_assertion(): strict JSON, base64url, clientDataJSON,
//                                  authenticator data, SHA-256 x2, the DER ECDSA verify
//   BM_AssertionVerify/ES256       verify_assertion() alone, on the parsed response
//   BM_Raw_Verify/ES256/EVP        the primitive: EVP_DigestVerifyInit + EVP_DigestVerify of the
//                                  same DER signature over the same authData || SHA-256(cData),
//                                  EVP_MD fetched once, the key imported once
//   BM_Pair_Assertion/ES256/EVP    paired measurement for the ratio: one benchmark runs, in
//                                  rotating order, blocks (~0.5 ms each) of the three above,
//                                  timing each with the thread's CPU clock, so all see the same
//                                  machine state. Counters: *_ns per call, ratio =
//                                  raw_ns / assertion_ns (the target: >= 0.9),
//                                  verify_ratio = raw_ns / verify_ns.
// The credential key is parsed once (webauthn::CoseKey), as the raw side imports its key once:
// a server may cache the parsed key per credential (cose_key.h).
//
// Run:  webauthn_bench --benchmark_min_time=0.5

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "base/base64url.h"
#include "paired.h"
#include "webauthn/assertion.h"
#include "webauthn/registration.h"

namespace {

namespace webauthn = tessera::webauthn;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "webauthn_bench setup failed: %s\n", what.c_str());
  std::abort();
}

const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdFree {
  void operator()(EVP_MD* p) const { EVP_MD_free(p); }
};

struct Fixture {
  std::vector<std::string> origins;
  std::string auth_json;  // AuthenticationResponseJSON text
  std::string challenge;  // raw
  std::string rp_id;
  std::optional<webauthn::CoseKey> key;
  webauthn::AuthenticationResponse parsed;
  webauthn::AssertionExpectation expect;
  // Raw side
  std::unique_ptr<EVP_PKEY, PkeyFree> pub;
  std::unique_ptr<EVP_MD, MdFree> sha256;
  std::string signed_data;  // authenticatorData || SHA-256(clientDataJSON)
  std::string der_sig;
};

std::string unb64(const nlohmann::json& j) {
  auto out = tessera::base::base64url_decode(j.get<std::string>());
  if (!out) die("base64url in the fixture");
  return *out;
}

const Fixture& fixture() {
  static const std::unique_ptr<Fixture> fx = [] {
    auto f = std::make_unique<Fixture>();
    std::ifstream in(std::string(TESSERA_WEBAUTHN_VECTORS) + "/chromium_es256.json");
    std::stringstream ss;
    ss << in.rdbuf();
    const nlohmann::json doc = nlohmann::json::parse(ss.str(), nullptr, false);
    if (doc.is_discarded()) die("chromium_es256.json");
    f->origins = {doc["origin"].get<std::string>()};
    f->rp_id = doc["rp_id"].get<std::string>();
    // The credential, through registration.
    const std::string reg_challenge = unb64(doc["registration"]["challenge"]);
    auto reg = webauthn::parse_registration_response(doc["registration"]["response"].dump());
    if (!reg) die("registration response");
    auto cred = webauthn::verify_registration(
        *reg, {.challenge = reg_challenge, .rp_id = f->rp_id, .allowed_origins = f->origins});
    if (!cred) die(std::string(webauthn::describe(cred.error())));
    auto key = webauthn::CoseKey::parse(cred->public_key);
    if (!key) die("COSE key");
    f->key = std::move(*key);
    // The assertion.
    f->challenge = unb64(doc["authentication"]["challenge"]);
    f->auth_json = doc["authentication"]["response"].dump();
    auto parsed = webauthn::parse_authentication_response(f->auth_json);
    if (!parsed) die("authentication response");
    f->parsed = std::move(*parsed);
    f->expect = {.challenge = f->challenge, .rp_id = f->rp_id, .allowed_origins = f->origins};
    // The raw side: the same key (SubjectPublicKeyInfo), data and DER signature.
    const std::string spki = f->key->key().public_der();
    const unsigned char* p = u8(spki);
    f->pub.reset(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
    f->sha256.reset(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    if (!f->pub || !f->sha256) die("OpenSSL key or digest");
    std::array<unsigned char, 32> h{};
    SHA256(u8(f->parsed.client_data_json), f->parsed.client_data_json.size(), h.data());
    f->signed_data = f->parsed.authenticator_data;
    f->signed_data.append(reinterpret_cast<const char*>(h.data()), h.size());
    f->der_sig = f->parsed.signature;
    return f;
  }();
  return *fx;
}

bool assertion(const Fixture& f) {
  auto resp = webauthn::parse_authentication_response(f.auth_json);
  return resp && webauthn::verify_assertion(*resp, *f.key, f.expect).has_value();
}

bool assertion_verify(const Fixture& f) {
  return webauthn::verify_assertion(f.parsed, *f.key, f.expect).has_value();
}

bool raw_verify(const Fixture& f) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr &&
                  EVP_DigestVerifyInit(ctx, nullptr, f.sha256.get(), nullptr, f.pub.get()) == 1 &&
                  EVP_DigestVerify(ctx, u8(f.der_sig), f.der_sig.size(), u8(f.signed_data),
                                   f.signed_data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

void run(benchmark::State& state, bool (*op)(const Fixture&)) {
  const Fixture& f = fixture();
  if (!op(f)) {
    state.SkipWithError("operation failed before timing");
    return;
  }
  bool ok = true;
  for (auto _ : state) {
    const bool r = op(f);
    benchmark::DoNotOptimize(r);
    ok &= r;
  }
  if (!ok) state.SkipWithError("operation failed during timing");
}

void BM_Assertion(benchmark::State& state) { run(state, assertion); }
void BM_AssertionVerify(benchmark::State& state) { run(state, assertion_verify); }
void BM_Raw_Verify(benchmark::State& state) { run(state, raw_verify); }

void BM_Pair_Assertion(benchmark::State& state) {
  const Fixture& f = fixture();
  const std::array<std::function<bool()>, 3> ops = {[&] { return assertion(f); },
                                                    [&] { return assertion_verify(f); },
                                                    [&] { return raw_verify(f); }};
  const auto ns = tessera::bench::run_paired(state, ops);
  if (!ns) return;
  state.counters["assertion_ns"] = (*ns)[0];
  state.counters["verify_ns"] = (*ns)[1];
  state.counters["raw_ns"] = (*ns)[2];
  state.counters["ratio"] = (*ns)[2] / (*ns)[0];
  state.counters["verify_ratio"] = (*ns)[2] / (*ns)[1];
}

BENCHMARK(BM_Assertion)->Name("BM_Assertion/ES256");
BENCHMARK(BM_AssertionVerify)->Name("BM_AssertionVerify/ES256");
BENCHMARK(BM_Raw_Verify)->Name("BM_Raw_Verify/ES256/EVP");
BENCHMARK(BM_Pair_Assertion)->Name("BM_Pair_Assertion/ES256/EVP");

}  // namespace

BENCHMARK_MAIN();
