#include "auth/federation/upstream.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "base/base64url.h"
#include "crypto/hash.h"
#include "tessera/jws.h"
#include "uri/uri.h"

namespace tessera::auth::federation {
namespace {

bool url_allowed(std::string_view url) { return net::allowed_url(url).has_value(); }

std::string transport_detail(const net::HttpError& e) {
  return std::string(net::to_string(e.code)) + ": " + e.detail;
}

}  // namespace

Upstream::Upstream(UpstreamConfig config, const net::HttpClient& http)
    : config_(std::move(config)), http_(http) {}

std::expected<std::string, std::string> Upstream::get_json(const std::string& url,
                                                           const std::string& bearer) const {
  net::HttpRequest req{.method = "GET", .url = url, .headers = {{"Accept", "application/json"}}};
  if (!bearer.empty()) req.headers.emplace_back("Authorization", "Bearer " + bearer);
  auto res = http_.send(req);
  if (!res) return std::unexpected(transport_detail(res.error()));
  if (res->status != 200) {
    return std::unexpected(url + " answered HTTP " + std::to_string(res->status));
  }
  return std::move(res->body);
}

std::expected<jose::Jwks, std::string> Upstream::fetch_keys(const std::string& jwks_uri) const {
  auto body = get_json(jwks_uri);
  if (!body) return std::unexpected(body.error());
  // RSA keys without "alg" are taken as RS256, the ID token default (OIDC Discovery section 3);
  // a key that names its algorithm keeps it, and check_id_token pins each token to its key.
  auto keys = jose::Jwks::parse(*body, jose::Alg::kRS256);
  if (!keys)
    return std::unexpected("the JWKS does not parse: " + std::string(jose::describe(keys.error())));
  if (keys->keys().empty()) return std::unexpected("the JWKS holds no signature key");
  return std::move(*keys);
}

bool Upstream::refresh() {
  {
    std::lock_guard lock(mu_);
    state_.last_attempt = std::chrono::steady_clock::now();
  }
  std::string problem;
  std::optional<ProviderMetadata> metadata;
  jose::Jwks keys;
  if (auto doc = get_json(discovery_url(config_.issuer)); !doc) {
    problem = "discovery: " + doc.error();
  } else if (auto m = parse_discovery(*doc, config_.issuer, url_allowed); !m) {
    problem = "discovery: " + m.error();
  } else if (auto k = fetch_keys(m->jwks_uri); !k) {
    problem = "jwks: " + k.error();
  } else {
    metadata = std::move(*m);
    keys = std::move(*k);
  }
  std::lock_guard lock(mu_);
  if (!metadata) {
    // A provider that was loaded stays usable on its last good state: a failed periodic
    // refresh must not take a working button away.
    if (!state_.metadata) state_.problem = std::move(problem);
    return state_.metadata.has_value();
  }
  state_.metadata = std::move(metadata);
  state_.keys = std::move(keys);
  state_.problem.clear();
  return true;
}

std::expected<void, UpstreamError> Upstream::add_userinfo(const ProviderMetadata& m,
                                                          const std::string& access_token,
                                                          UpstreamIdentity& who) const {
  auto fail = [](std::string detail) {
    return std::unexpected(
        UpstreamError{.code = UpstreamErrc::kUserinfo, .detail = std::move(detail)});
  };
  auto text = get_json(m.userinfo_endpoint, access_token);
  if (!text) return fail("userinfo: " + text.error());
  // A signed (JWT) userinfo answer is not asked for: the plain JSON of section 5.3.2.
  const auto info = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!info.is_object()) return fail("userinfo: not a JSON object");
  auto sub = info.find("sub");
  if (sub == info.end() || !sub->is_string() || sub->get<std::string>() != who.sub) {
    return fail("userinfo: the sub is not the ID token's");
  }
  if (auto email = info.find("email"); email != info.end()) {
    if (!email->is_string()) return fail("userinfo: email is not a string");
    who.email = email->get<std::string>();
  }
  if (auto verified = info.find("email_verified"); verified != info.end()) {
    if (!verified->is_boolean()) return fail("userinfo: email_verified is not a boolean");
    who.email_verified = verified->get<bool>();
  }
  return {};
}

std::expected<std::string, jose::Error> Upstream::client_assertion(
    const std::string& token_endpoint, std::int64_t now) const {
  // OIDC Core section 9: iss and sub our client_id, aud the token endpoint, a unique jti, a
  // short life.
  const nlohmann::json claims = {{"iss", config_.client_id},
                                 {"sub", config_.client_id},
                                 {"aud", token_endpoint},
                                 {"jti", base::base64url_encode(crypto::random_bytes(16))},
                                 {"iat", now},
                                 {"exp", now + 60}};
  return jose::sign(*config_.assertion_key, claims.dump(), {.kid = config_.assertion_key->kid()});
}

bool Upstream::retry_if_due() {
  {
    std::lock_guard lock(mu_);
    if (state_.metadata) return true;
    if (std::chrono::steady_clock::now() - state_.last_attempt < kRetryInterval) return false;
  }
  return refresh();
}

bool Upstream::available() const {
  std::lock_guard lock(mu_);
  return state_.metadata.has_value();
}

std::string Upstream::problem() const {
  std::lock_guard lock(mu_);
  return state_.metadata ? std::string() : state_.problem;
}

ProviderMetadata Upstream::metadata() const {
  std::lock_guard lock(mu_);
  return state_.metadata.value_or(ProviderMetadata{});
}

std::expected<UpstreamIdentity, UpstreamError> Upstream::redeem(const std::string& code,
                                                                const std::string& code_verifier,
                                                                const std::string& redirect_uri,
                                                                IdTokenExpectations expect) {
  ProviderMetadata m;
  jose::Jwks keys;
  {
    std::lock_guard lock(mu_);
    if (!state_.metadata) return std::unexpected(UpstreamError{.detail = state_.problem});
    m = *state_.metadata;
    keys = state_.keys;
  }
  // RFC 6749 section 4.1.3 with RFC 7636 section 4.5; the client authenticates per section
  // 2.3.1 (Basic, or the secret in the body).
  uri::QueryParams form = {{"grant_type", "authorization_code"},
                           {"code", code},
                           {"redirect_uri", redirect_uri},
                           {"code_verifier", code_verifier}};
  net::HttpRequest req{.method = "POST",
                       .url = m.token_endpoint,
                       .headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                                   {"Accept", "application/json"}}};
  std::string assertion;
  if (config_.assertion_key) {
    auto signed_assertion = client_assertion(m.token_endpoint, expect.now);
    if (!signed_assertion) {
      return std::unexpected(UpstreamError{.code = UpstreamErrc::kTransport,
                                           .detail = "the client assertion cannot be signed"});
    }
    assertion = std::move(*signed_assertion);
    form.emplace_back("client_id", config_.client_id);
    form.emplace_back("client_assertion_type",
                      "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    form.emplace_back("client_assertion", assertion);
  } else if (config_.secret_in_body) {
    form.emplace_back("client_id", config_.client_id);
    form.emplace_back("client_secret", config_.client_secret);
  } else {
    req.headers.emplace_back("Authorization",
                             net::basic_authorization(config_.client_id, config_.client_secret));
  }
  req.body = uri::encode_query(form);
  auto res = http_.send(req);
  if (!res) {
    return std::unexpected(
        UpstreamError{.code = UpstreamErrc::kTransport, .detail = transport_detail(res.error())});
  }
  const auto body = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (res->status != 200) {
    std::string error = body.is_object() && body.contains("error") && body["error"].is_string()
                            ? body["error"].get<std::string>()
                            : std::string("?");
    return std::unexpected(UpstreamError{
        .code = UpstreamErrc::kTokenError,
        .detail = "HTTP " + std::to_string(res->status) + " error=" + error.substr(0, 64)});
  }
  if (!body.is_object() || !body.contains("id_token") || !body["id_token"].is_string()) {
    return std::unexpected(UpstreamError{.code = UpstreamErrc::kBadResponse,
                                         .detail = "no id_token in the token response"});
  }
  const std::string id_token = body["id_token"].get<std::string>();
  expect.issuer = config_.issuer;
  expect.client_id = config_.client_id;
  expect.advertised_algs = m.id_token_signing_alg_values_supported;
  auto checked = check_id_token(id_token, keys, expect);
  const bool unknown_key = !checked && checked.error().code == IdTokenErrc::kJose &&
                           (checked.error().jose == jose::Error::kUnknownKid ||
                            checked.error().jose == jose::Error::kAmbiguousKey);
  if (unknown_key) {
    bool due = false;
    {
      std::lock_guard lock(mu_);
      due = std::chrono::steady_clock::now() - state_.last_refetch >= kJwksRefetchInterval;
      if (due) state_.last_refetch = std::chrono::steady_clock::now();
    }
    if (due) {
      if (auto fresh = fetch_keys(m.jwks_uri)) {
        {
          std::lock_guard lock(mu_);
          state_.keys = *fresh;
        }
        checked = check_id_token(id_token, *fresh, expect);
      }
    }
  }
  if (checked && checked->email.empty() && !m.userinfo_endpoint.empty() &&
      body.contains("access_token") && body["access_token"].is_string()) {
    if (auto added = add_userinfo(m, body["access_token"].get<std::string>(), *checked); !added) {
      return std::unexpected(added.error());
    }
  }
  if (!checked) {
    return std::unexpected(UpstreamError{.code = UpstreamErrc::kIdToken,
                                         .id_token = checked.error(),
                                         .detail = describe(checked.error())});
  }
  return std::move(*checked);
}

}  // namespace tessera::auth::federation
