#include "auth/authorization.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "auth/auth_context.h"
#include "auth/opaque_token.h"
#include "auth/pkce.h"
#include "auth/scope.h"
#include "auth/text.h"
#include "uri/uri.h"

namespace tessera::auth {
namespace {

using authorization::Code;
using authorization::Consent;
using authorization::ErrorPage;
using authorization::Login;
using authorization::RedirectError;

// Bounds on what a client may make us carry (into a code, a ticket, a redirect).
constexpr std::size_t kMaxClientIdBytes = 255;
constexpr std::size_t kMaxStateBytes = 2048;
constexpr std::size_t kMaxNonceBytes = 512;
constexpr std::size_t kMaxLoginHintBytes = 320;
constexpr std::size_t kMaxRedirectUriBytes = 2048;

ErrorPage page(std::string description) {
  return ErrorPage{
      OAuthError{.code = OAuthErrc::kInvalidRequest, .description = std::move(description)}};
}

// Printable ASCII (state and nonce travel in URLs and tokens; RFC 6749 appendix A.5: VSCHAR).
bool vschar(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

}  // namespace

AuthorizationService::AuthorizationService(ClientService& clients, ConsentService& consents,
                                           std::shared_ptr<store::AuthorizationCodeStore> codes,
                                           const base::Clock& clock, AuthorizationConfig config)
    : clients_(clients),
      consents_(consents),
      codes_(std::move(codes)),
      clock_(clock),
      config_(std::move(config)),
      tickets_(config_.ticket_key) {}

std::expected<AuthorizationRequest, AuthorizationOutcome> AuthorizationService::validate(
    const AuthorizationParams& p) {
  // 1. Who asks, and where the answer goes: faults here are pages, never redirects.
  if (!p.client_id || p.client_id->empty()) return std::unexpected(page("client_id is missing"));
  if (p.client_id->size() > kMaxClientIdBytes || !valid_utf8(*p.client_id)) {
    return std::unexpected(page("unknown client"));
  }
  auto client = clients_.find(*p.client_id);
  if (!client) {
    if (client.error().code == Errc::kNotFound) return std::unexpected(page("unknown client"));
    return std::unexpected(ErrorPage{oauth_error(client.error(), OAuthErrc::kServerError)});
  }
  AuthorizationRequest r;
  if (p.redirect_uri) {
    const bool known = p.redirect_uri->size() <= kMaxRedirectUriBytes &&
                       std::any_of(client->redirect_uris.begin(), client->redirect_uris.end(),
                                   [&](const std::string& registered) {
                                     return uri::redirect_uri_matches(registered, *p.redirect_uri);
                                   });
    if (!known) {
      return std::unexpected(page("redirect_uri is not one registered for this client"));
    }
    r.redirect_uri = *p.redirect_uri;
    r.redirect_uri_given = true;
  } else if (client->redirect_uris.size() == 1) {
    r.redirect_uri = client->redirect_uris.front();  // RFC 6749 section 3.1.2.3
  } else {
    return std::unexpected(page("redirect_uri is missing"));
  }
  r.state = p.state.value_or("");
  const auto to_client = [&](OAuthErrc code, std::string description) {
    // A state we would not carry is not echoed either.
    const bool echo = r.state.size() <= kMaxStateBytes && vschar(r.state);
    return std::unexpected(AuthorizationOutcome{
        RedirectError{.redirect_uri = r.redirect_uri,
                      .error = OAuthError{.code = code, .description = std::move(description)},
                      .state = echo ? r.state : std::string()}});
  };
  if (r.state.size() > kMaxStateBytes || !vschar(r.state)) {
    return to_client(OAuthErrc::kInvalidRequest, "state is too long or not printable ASCII");
  }

  // 2. The request itself: every fault goes back to the (now trusted) redirect URI.
  if (p.request || p.request_uri) {
    return to_client(OAuthErrc::kInvalidRequest, "request objects are not supported");
  }
  if (p.response_mode && *p.response_mode != "query") {
    return to_client(OAuthErrc::kInvalidRequest, "response_mode must be query");
  }
  if (!p.response_type) return to_client(OAuthErrc::kInvalidRequest, "response_type is missing");
  if (*p.response_type != "code") {
    return to_client(OAuthErrc::kUnsupportedResponseType, "only response_type=code is supported");
  }
  const auto& grants = client->grant_types;
  if (std::find(grants.begin(), grants.end(), kGrantAuthorizationCode) == grants.end()) {
    return to_client(OAuthErrc::kUnauthorizedClient,
                     "this client may not use the authorization code grant");
  }
  auto scope = parse_scope(p.scope.value_or(""));
  if (!scope) return to_client(OAuthErrc::kInvalidScope, "scope is malformed");
  if (scope->empty()) {
    scope = client->scopes;  // RFC 6749 section 3.3: the documented default, all it may have
  }
  if (!scope_within(*scope, client->scopes)) {
    return to_client(OAuthErrc::kInvalidScope, "scope asks for more than this client may have");
  }
  r.scope = std::move(*scope);
  // PKCE (RFC 7636; RFC 9700 section 2.1.1): required of public clients, S256 only.
  if (p.code_challenge_method && !p.code_challenge) {
    return to_client(OAuthErrc::kInvalidRequest, "code_challenge_method without code_challenge");
  }
  if (p.code_challenge) {
    if (p.code_challenge_method.value_or("plain") != "S256") {
      return to_client(OAuthErrc::kInvalidRequest, "code_challenge_method must be S256");
    }
    if (!is_code_challenge(*p.code_challenge)) {
      return to_client(OAuthErrc::kInvalidRequest, "code_challenge is malformed");
    }
    r.code_challenge = *p.code_challenge;
  } else if (client->type == store::ClientType::kPublic) {
    return to_client(OAuthErrc::kInvalidRequest, "PKCE (code_challenge, S256) is required");
  }
  r.nonce = p.nonce.value_or("");
  if (r.nonce.size() > kMaxNonceBytes || !vschar(r.nonce)) {
    return to_client(OAuthErrc::kInvalidRequest, "nonce is too long or not printable ASCII");
  }
  // OIDC Core section 3.1.2.1: prompt is a space-delimited list; none stands alone.
  if (p.prompt) {
    auto values = parse_scope(*p.prompt);  // the same list syntax
    if (!values) return to_client(OAuthErrc::kInvalidRequest, "prompt is malformed");
    for (const std::string& v : *values) {
      if (v == "none") {
        r.prompt_none = true;
      } else if (v == "login") {
        r.prompt_login = true;
      } else if (v == "consent") {
        r.prompt_consent = true;
      } else if (v != "select_account") {  // one account per browser: nothing to select
        return to_client(OAuthErrc::kInvalidRequest, "prompt value is not supported");
      }
    }
    if (r.prompt_none && values->size() > 1) {
      return to_client(OAuthErrc::kInvalidRequest, "prompt=none cannot be combined");
    }
  }
  if (p.max_age) {
    std::int64_t v = -1;
    const char* end = p.max_age->data() + p.max_age->size();
    const auto [ptr, ec] = std::from_chars(p.max_age->data(), end, v);
    if (ec != std::errc() || ptr != end || v < 0 || p.max_age->empty()) {
      return to_client(OAuthErrc::kInvalidRequest, "max_age must be a non-negative integer");
    }
    if (v == 0) {
      r.prompt_login = true;  // OIDC Core section 3.1.2.1: max_age=0 is prompt=login
    } else {
      r.max_age = v;
    }
  }
  if (p.acr_values) {
    auto values = parse_scope(*p.acr_values);  // space-delimited, like scope
    if (!values) return to_client(OAuthErrc::kInvalidRequest, "acr_values is malformed");
    r.wants_mfa = std::ranges::find(*values, "aal2") != values->end();
  }
  r.login_hint = p.login_hint.value_or("");
  if (r.login_hint.size() > kMaxLoginHintBytes || !valid_utf8(r.login_hint)) {
    r.login_hint.clear();  // a hint only: dropped, not refused
  }
  r.client = std::move(*client);
  return r;
}

AuthorizationOutcome AuthorizationService::decide(
    const AuthorizationRequest& request, const std::optional<AuthorizationViewer>& viewer) {
  const std::int64_t now = clock_.now_unix();
  const auto to_client = [&](OAuthErrc code) {
    return RedirectError{.redirect_uri = request.redirect_uri,
                         .error = OAuthError{.code = code, .description = {}},
                         .state = request.state};
  };
  const bool stale = viewer && request.max_age && viewer->auth_time + *request.max_age < now;
  const bool one_factor = viewer && request.wants_mfa && !request.prompt_none &&
                          viewer->has_second_factor &&
                          !Amr::parse(viewer->amr).value_or(Amr()).has(AuthMethodRef::kMfa);
  if (!viewer || request.prompt_login || stale || one_factor) {
    if (request.prompt_none) return to_client(OAuthErrc::kLoginRequired);
    return Login{.request = request, .login_hint = request.login_hint};
  }
  if (!request.client.first_party) {
    bool allowed = false;
    if (!request.prompt_consent) {
      auto covered = consents_.covers(viewer->user.id, request.client.id, request.scope);
      if (!covered) {
        return RedirectError{.redirect_uri = request.redirect_uri,
                             .error = oauth_error(covered.error(), OAuthErrc::kServerError),
                             .state = request.state};
      }
      allowed = *covered;
    }
    if (!allowed) {
      if (request.prompt_none) return to_client(OAuthErrc::kConsentRequired);
      return Consent{.request = request, .ticket = make_ticket(request, viewer->user)};
    }
  }
  return issue_code(request, *viewer);
}

AuthorizationOutcome AuthorizationService::issue_code(const AuthorizationRequest& request,
                                                      const AuthorizationViewer& viewer) {
  const std::int64_t now = clock_.now_unix();
  const std::string raw = new_opaque_token();
  store::AuthorizationCode code;
  code.hash = token_hash_of(raw);
  code.client_id = request.client.id;
  code.user_id = viewer.user.id;
  code.redirect_uri = request.redirect_uri_given ? request.redirect_uri : std::string();
  code.scope = join_scope(request.scope);
  code.nonce = request.nonce;
  code.code_challenge = request.code_challenge;
  code.auth_time = viewer.auth_time;
  code.amr = viewer.amr;
  code.created_at = now;
  code.expires_at = now + config_.code_ttl;
  if (auto r = codes_->create(code); !r) {
    return RedirectError{.redirect_uri = request.redirect_uri,
                         .error = oauth_error(from_store(r.error()), OAuthErrc::kServerError),
                         .state = request.state};
  }
  return Code{.redirect_uri = request.redirect_uri, .code = raw, .state = request.state};
}

// The ticket (auth/signed_ticket.h) carries the validated request and the user. Only this server
// makes them; consent() trusts what a valid one says as it trusted the request when it made it.
std::string AuthorizationService::make_ticket(const AuthorizationRequest& r,
                                              const store::User& user) const {
  const nlohmann::json body = {
      {"u", store::to_uuid(user.id)},
      {"c", r.client.id},
      {"r", r.redirect_uri},
      {"rg", r.redirect_uri_given},
      {"s", join_scope(r.scope)},
      {"st", r.state},
      {"n", r.nonce},
      {"cc", r.code_challenge},
  };
  return tickets_.make(body, clock_.now_unix(), config_.consent_ticket_ttl);
}

AuthorizationOutcome AuthorizationService::consent(std::string_view ticket, bool allowed,
                                                   const AuthorizationViewer& viewer,
                                                   const AuditActor& from) {
  const auto bad = [] { return page("the consent form is invalid or has expired; start again"); };
  const auto opened = tickets_.open(ticket, clock_.now_unix());
  if (!opened) return bad();
  const nlohmann::json& body = *opened;
  // Made by make_ticket(): the fields are there and typed; checked anyway, never trusted to be.
  if (!body.contains("u") || !body["u"].is_string() || !body.contains("c") ||
      !body["c"].is_string()) {
    return bad();
  }
  if (body["u"].get<std::string>() != store::to_uuid(viewer.user.id)) return bad();
  // The client as it is now: removed since, or its redirect URI or scopes narrowed, and the
  // ticket is void.
  AuthorizationParams p;
  p.response_type = "code";
  p.client_id = body["c"].get<std::string>();
  for (const auto& [key, field] :
       {std::pair{"r", &p.redirect_uri}, std::pair{"s", &p.scope}, std::pair{"st", &p.state},
        std::pair{"n", &p.nonce}, std::pair{"cc", &p.code_challenge}}) {
    if (!body.contains(key) || !body[key].is_string()) return bad();
    if (!body[key].get<std::string>().empty()) *field = body[key].get<std::string>();
  }
  if (p.code_challenge) p.code_challenge_method = "S256";
  auto request = validate(p);
  if (!request) return std::move(request.error());
  request->redirect_uri_given = body.value("rg", true);
  if (!allowed) {
    return RedirectError{.redirect_uri = request->redirect_uri,
                         .error = OAuthError{.code = OAuthErrc::kAccessDenied,
                                             .description = "the user did not allow access"},
                         .state = request->state};
  }
  if (auto g = consents_.grant(viewer.user.id, request->client.id, request->scope, from); !g) {
    return RedirectError{.redirect_uri = request->redirect_uri,
                         .error = oauth_error(g.error(), OAuthErrc::kServerError),
                         .state = request->state};
  }
  return issue_code(*request, viewer);
}

std::expected<std::size_t, Error> AuthorizationService::purge() {
  auto n = codes_->purge(clock_.now_unix() - config_.code_keep);
  if (!n) return std::unexpected(from_store(n.error()));
  return *n;
}

std::vector<std::pair<std::string, std::string>> AuthorizationService::replay_params(
    const AuthorizationRequest& r) {
  std::vector<std::pair<std::string, std::string>> out = {
      {"response_type", "code"},
      {"client_id", r.client.id},
  };
  if (r.redirect_uri_given) out.emplace_back("redirect_uri", r.redirect_uri);
  out.emplace_back("scope", join_scope(r.scope));
  if (!r.state.empty()) out.emplace_back("state", r.state);
  if (!r.nonce.empty()) out.emplace_back("nonce", r.nonce);
  if (!r.code_challenge.empty()) {
    out.emplace_back("code_challenge", r.code_challenge);
    out.emplace_back("code_challenge_method", "S256");
  }
  if (r.prompt_consent) out.emplace_back("prompt", "consent");
  return out;
}

}  // namespace tessera::auth
