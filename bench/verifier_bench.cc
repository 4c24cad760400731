// verifier_bench: tessera::Verifier::verify (the installed library, include/tessera/verifier.h)
// in process, beside the raw signature verify of the same token (issue 20), against a live
// `tessera serve` (SQLite, a fresh data dir per algorithm) that issued the token and serves the
// JWKS and the revocation feed the verifier follows.
//
//   BM_Pair_Verifier/<alg>  paired (bench/paired.h), one token of Tessera's:
//     cached_ns  Verifier::verify with the verified-token cache (a token seen before: SHA-256,
//                cache lookup, the revocation check, the claims copied out)
//     full_ns    Verifier::verify with cache_capacity = 0 (every call: JWS parse, signature,
//                claims, revocation check)
//     raw_ns     the raw primitive on the token's signing input and signature: OpenSSL EVP
//                (ES256: DigestVerify, signature as DER) or libsodium (EdDSA), key from the JWKS
//     ratio = raw_ns / full_ns (the target: >= 0.90), cached_ratio = raw_ns / cached_ns.
// The verify result is checked before timing and on every call (a failure would look fast).
//
// Run: bench/run (part 3), or  verifier_bench --benchmark_min_time=0.5
// REQUIRES: TESSERA_BINARY (the server), set by CMake.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>
#include <tessera/verifier.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/base64url.h"
#include "net/http_client.h"
#include "paired.h"
#include "tests/http/tessera_process.h"

namespace {

using tessera::http::testing::TesseraProcess;
constexpr const char* kPassword = "bench password 1";

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "verifier_bench: %s\n", what.c_str());
  std::exit(1);
}

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) die("popen " + command);
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  if (pclose(p) != 0) die("failed: " + command);
  return out;
}

std::string b64(std::string_view s) {
  auto d = tessera::base::base64url_decode(s);
  if (!d) die("base64url");
  return *d;
}

struct EvpKeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

// A live server for `alg`, a token it issued, and what the raw baseline needs.
struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<TesseraProcess> server;
  std::string base, token, signing_input, signature, der_signature, alg;
  std::unique_ptr<EVP_PKEY, EvpKeyFree> pkey;
  std::string ed25519_pk;
  std::unique_ptr<tessera::Verifier> cached, full;

  explicit Fixture(std::string a) : alg(std::move(a)) {
    dir = std::filesystem::temp_directory_path() /
          ("tessera-verifier-bench-" + alg + "-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    setenv("TESSERA_TOKENS__ALGORITHM", alg.c_str(), 1);
    const std::string data = "--data-dir " + dir.string();
    run(std::string("echo '") + kPassword + "' | " TESSERA_BINARY " user add bench@example.com " +
        data + " >/dev/null");
    auto client = nlohmann::json::parse(
        run(TESSERA_BINARY
            " client add --name bench --type confidential --grant client_credentials "
            "--scope revocations:read " +
            data + " | tail -1"));
    server = std::make_unique<TesseraProcess>(
        std::vector<std::string>{"serve", "--listen", "127.0.0.1:0", "--data-dir", dir.string()},
        TesseraProcess::Stderr::kDiscard);
    const std::string line = server->first_line().value_or("");
    if (!line.starts_with("listening on ")) die("tessera serve did not start: " + line);
    base = line.substr(13);
    const tessera::net::HttpClient http;
    auto login = http.send(
        {.method = "POST",
         .url = base + "/auth/token",
         .headers = {{"Content-Type", "application/json"}},
         .body = nlohmann::json{{"email", "bench@example.com"}, {"password", kPassword}}.dump()});
    if (!login || login->status != 200) die("login");
    token = nlohmann::json::parse(login->body)["access_token"];
    signing_input = token.substr(0, token.rfind('.'));
    signature = b64(token.substr(token.rfind('.') + 1));
    auto jwks = http.send({.url = base + "/.well-known/jwks.json"});
    if (!jwks) die("jwks");
    const auto header = nlohmann::json::parse(b64(token.substr(0, token.find('.'))));
    const auto keys = nlohmann::json::parse(jwks->body);  // a named value: range-for below
    for (const auto& k : keys["keys"]) {
      if (k["kid"] == header["kid"]) raw_key(k);
    }
    if (!pkey) die("the token's key is not in the JWKS");
    for (std::size_t cap : {std::size_t{100'000}, std::size_t{0}}) {
      auto v = tessera::Verifier::create({.issuer = base,
                                          .client_id = client["client_id"],
                                          .client_secret = client["client_secret"],
                                          .cache_capacity = cap});
      if (!v) die(v.error());
      if (!(*v)->wait_ready(std::chrono::seconds(20))) die("verifier not ready");
      (cap != 0 ? cached : full) = std::move(*v);
    }
    if (!cached->verify(token) || !full->verify(token) || !raw()) die("verify before timing");
  }
  ~Fixture() {
    cached.reset();
    full.reset();
    server.reset();
    std::filesystem::remove_all(dir);
  }

  void raw_key(const nlohmann::json& k) {
    if (alg == "EdDSA") {
      ed25519_pk = b64(k["x"].get<std::string>());
      pkey.reset(EVP_PKEY_new_raw_public_key(
          EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(ed25519_pk.data()),
          ed25519_pk.size()));
      return;
    }
    // ES256: the uncompressed point 04 || x || y; the signature r || s as DER.
    const std::string point =
        "\x04" + b64(k["x"].get<std::string>()) + b64(k["y"].get<std::string>());
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_fromdata_init(ctx) == 1) EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    pkey.reset(key);
    ECDSA_SIG* sig = ECDSA_SIG_new();
    const auto* s = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG_set0(sig, BN_bin2bn(s, 32, nullptr), BN_bin2bn(s + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int n = i2d_ECDSA_SIG(sig, &der);
    der_signature.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
  }

  bool raw() const {
    const auto* msg = reinterpret_cast<const unsigned char*>(signing_input.data());
    if (alg == "EdDSA") {
      return crypto_sign_verify_detached(
                 reinterpret_cast<const unsigned char*>(signature.data()), msg,
                 signing_input.size(),
                 reinterpret_cast<const unsigned char*>(ed25519_pk.data())) == 0;
    }
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok =
        EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey.get()) == 1 &&
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(der_signature.data()),
                         der_signature.size(), msg, signing_input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
  }
};

// The fixtures, made on first use; main() clears them (stopping the servers) before it returns.
std::map<std::string, std::unique_ptr<Fixture>>& fixtures() {
  static std::map<std::string, std::unique_ptr<Fixture>> all;
  return all;
}

void BM_Pair_Verifier(benchmark::State& state, const char* alg) {
  auto& f = fixtures()[alg];
  if (!f) f = std::make_unique<Fixture>(alg);
  const std::array<std::function<bool()>, 3> ops = {
      [&] { return f->cached->verify(f->token).has_value(); },
      [&] { return f->full->verify(f->token).has_value(); },
      [&] { return f->raw(); },
  };
  const auto ns = tessera::bench::run_paired(state, ops);
  if (!ns) return;
  state.counters["cached_ns"] = (*ns)[0];
  state.counters["full_ns"] = (*ns)[1];
  state.counters["raw_ns"] = (*ns)[2];
  state.counters["ratio"] = (*ns)[2] / (*ns)[1];
  state.counters["cached_ratio"] = (*ns)[2] / (*ns)[0];
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) die("sodium_init");
  benchmark::RegisterBenchmark("BM_Pair_Verifier/ES256", BM_Pair_Verifier, "ES256");
  benchmark::RegisterBenchmark("BM_Pair_Verifier/EdDSA", BM_Pair_Verifier, "EdDSA");
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fixtures().clear();
  return 0;
}
