#include "api/client_credentials.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/base64url.h"

namespace tessera::api {
namespace {

using auth::PresentedClient;

OAuthError invalid_request(std::string description) {
  return {.code = OAuthErrc::kInvalidRequest, .description = std::move(description)};
}

OAuthError invalid_client(std::string_view description = auth::kClientAuthFailed) {
  return {.code = OAuthErrc::kInvalidClient, .description = std::string(description)};
}

// Base64 (RFC 4648 section 4, padded, as RFC 7617 section 2 uses it), decoded strictly by the
// base64url decoder after swapping the two alphabet letters in which they differ.
std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  std::string url(text.substr(0, text.size() - pad));
  for (char& c : url) {
    if (c == '-' || c == '_' || c == '=') return std::nullopt;
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return base::base64url_decode(url);
}

// The number of Authorization fields, and the first one's value.
std::pair<std::size_t, std::string_view> authorization(const http::Request& req) {
  std::size_t n = 0;
  std::string_view first;
  for (const auto& [name, value] : req.headers) {
    if (!http::iequals(name, "authorization")) continue;
    if (n++ == 0) first = value;
  }
  return {n, first};
}

// `Basic <base64 of id:secret>` as a kSecretBasic PresentedClient (header comment).
std::expected<PresentedClient, OAuthError> basic_credentials(std::string_view value) {
  constexpr std::string_view kScheme = "basic";
  if (value.size() <= kScheme.size() || !http::iequals(value.substr(0, kScheme.size()), kScheme) ||
      value[kScheme.size()] != ' ') {
    return std::unexpected(invalid_client());  // another scheme (Bearer, ...) or none
  }
  std::string_view token = value.substr(kScheme.size());
  token.remove_prefix(std::min(token.find_first_not_of(' '), token.size()));
  auto decoded = base64_decode(token);
  if (!decoded) return std::unexpected(invalid_client());
  const std::size_t colon = decoded->find(':');  // form encoding turns a ':' in id into %3A
  if (colon == std::string::npos) return std::unexpected(invalid_client());
  auto id = http::form_decode(std::string_view(*decoded).substr(0, colon));
  auto secret = http::form_decode(std::string_view(*decoded).substr(colon + 1));
  if (!id || !secret || id->empty()) return std::unexpected(invalid_client());
  return PresentedClient{.via = PresentedClient::Via::kSecretBasic,
                         .client_id = std::move(*id),
                         .secret = std::move(*secret),
                         .assertion = {}};
}

// The one value of `name`: nullopt when absent or empty (RFC 6749 section 3.2: a parameter
// without a value is treated as omitted), invalid_request when repeated.
std::expected<std::optional<std::string_view>, OAuthError> single(const http::FormFields& form,
                                                                  std::string_view name) {
  const std::optional<std::string_view> value = http::form_field(form, name);
  if (!value) {
    const bool present =
        std::any_of(form.begin(), form.end(), [&](const auto& f) { return f.first == name; });
    if (present) return std::unexpected(invalid_request(std::string(name) + " is repeated"));
    return std::nullopt;
  }
  if (value->empty()) return std::nullopt;
  return value;
}

}  // namespace

std::expected<auth::PresentedClient, auth::OAuthError> presented_client(
    const http::Request& req, const http::FormFields& form) {
  auto id = single(form, "client_id");
  if (!id) return std::unexpected(id.error());
  auto secret = single(form, "client_secret");
  if (!secret) return std::unexpected(secret.error());
  auto type = single(form, "client_assertion_type");
  if (!type) return std::unexpected(type.error());
  auto assertion = single(form, "client_assertion");
  if (!assertion) return std::unexpected(assertion.error());
  const auto [fields, header] = authorization(req);
  if (fields > 1) return std::unexpected(invalid_request("Authorization is repeated"));

  const bool by_header = fields == 1;
  const bool by_assertion = type->has_value() || assertion->has_value();
  if (int{by_header} + int{secret->has_value()} + int{by_assertion} > 1) {
    return std::unexpected(invalid_request("more than one client authentication method"));
  }
  if (by_header) {
    auto basic = basic_credentials(header);
    if (basic && id->has_value() && **id != basic->client_id) {
      return std::unexpected(invalid_request("client_id differs from the Authorization user"));
    }
    return basic;
  }
  PresentedClient out;
  out.client_id = std::string(id->value_or(""));
  if (secret->has_value()) {
    if (!id->has_value()) return std::unexpected(invalid_request("client_secret needs client_id"));
    out.via = PresentedClient::Via::kSecretPost;
    out.secret = std::string(**secret);
  } else if (by_assertion) {
    if (!type->has_value() || !assertion->has_value()) {
      return std::unexpected(
          invalid_request("client_assertion and client_assertion_type go together"));
    }
    if (**type != auth::kJwtBearerAssertionType) {
      return std::unexpected(invalid_client("unsupported client_assertion_type"));
    }
    out.via = PresentedClient::Via::kAssertion;
    out.assertion = std::string(**assertion);
  } else if (!id->has_value()) {
    return std::unexpected(invalid_client("no client authentication"));
  }
  return out;
}

ClientAuthVia client_auth_via(const http::Request& req) {
  if (authorization(req).first > 0) return ClientAuthVia::kAuthorizationHeader;
  if (!http::has_media_type(req, "application/x-www-form-urlencoded")) return ClientAuthVia::kNone;
  auto form = http::parse_form(req.body);
  if (!form) return ClientAuthVia::kNone;
  const bool in_body = std::any_of(form->begin(), form->end(), [](const auto& f) {
    return f.first == "client_secret" || f.first == "client_assertion";
  });
  return in_body ? ClientAuthVia::kBody : ClientAuthVia::kNone;
}

}  // namespace tessera::api
