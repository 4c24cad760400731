#include "api/credentials.h"

namespace tessera::api {

std::expected<std::optional<std::string_view>, CookieRefusal> single_cookie(
    const http::Cookies& jar, std::string_view name) {
  http::CookieLookup c = jar.find(name);
  switch (c.state) {
    case http::CookieLookup::kPresent:
      return c.value;
    case http::CookieLookup::kDuplicate:
      return std::unexpected(CookieRefusal::kDuplicate);
    case http::CookieLookup::kAbsent:
    case http::CookieLookup::kInvalid:  // not a value this server minted: no credential
      break;
  }
  return std::nullopt;
}

std::expected<Credential, CredentialRefusal> presented_credential(const http::Request& req,
                                                                  const CookieNames& names,
                                                                  http::Cookies& jar) {
  auto bearer = bearer_token(req);
  if (!bearer) return std::unexpected(bearer.error());
  if (*bearer) return Credential{.method = AuthMethod::kBearer, .value = **bearer};
  jar = http::parse_cookies(req.headers);
  auto session = single_cookie(jar, names.session);
  if (!session) return std::unexpected(CredentialRefusal::kDuplicateSession);
  if (*session) return Credential{.method = AuthMethod::kSessionCookie, .value = **session};
  auto access = single_cookie(jar, names.access);
  if (!access) return std::unexpected(CredentialRefusal::kDuplicateAccess);
  if (*access) return Credential{.method = AuthMethod::kAccessCookie, .value = **access};
  return std::unexpected(CredentialRefusal::kNone);
}

std::expected<std::optional<std::string_view>, CredentialRefusal> bearer_token(
    const http::Request& req) {
  std::optional<std::string_view> value;
  for (const auto& [name, v] : req.headers) {
    if (name.size() != 13 || !http::iequals(name, "authorization")) continue;
    if (value) return std::unexpected(CredentialRefusal::kBadAuthorization);  // ambiguous
    value = v;
  }
  if (!value) return std::nullopt;
  constexpr std::string_view kScheme = "bearer ";  // scheme compared case-insensitively
  if (value->size() <= kScheme.size() ||
      !http::iequals(value->substr(0, kScheme.size()), kScheme)) {
    return std::unexpected(CredentialRefusal::kBadAuthorization);
  }
  std::string_view token = value->substr(kScheme.size());
  // b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
  std::size_t i = 0;
  auto token_char = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
  };
  while (i < token.size() && token_char(token[i])) ++i;
  if (i == 0) return std::unexpected(CredentialRefusal::kBadAuthorization);
  while (i < token.size() && token[i] == '=') ++i;
  if (i != token.size()) return std::unexpected(CredentialRefusal::kBadAuthorization);
  return token;
}

auth::Authentication Authenticated::authentication() const {
  if (session) {
    return auth::Authentication{
        .time = session->session.auth_time,
        .methods = auth::Amr::parse(session->session.amr).value_or(auth::Amr())};
  }
  if (access) return auth::Authentication{.time = access->auth_time, .methods = access->amr};
  return {};
}

}  // namespace tessera::api
