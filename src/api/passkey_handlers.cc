#include "api/passkey_handlers.h"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "api/error_mapping.h"
#include "api/json_body.h"
#include "api/json_text.h"
#include "api/store_routes.h"
#include "base/base64url.h"
#include "http/form.h"

namespace tessera::api {
namespace {

using json = nlohmann::ordered_json;
using http::Request;
using http::Response;

// A credential record (W3C WebAuthn Level 3 section 4, "credential record") as the account
// page shows it: never the public key, the counter or the user handle.
json passkey_json(const store::Passkey& p) {
  return {{"id", base::base64url_encode(
                     std::string_view(reinterpret_cast<const char*>(p.id.data()), p.id.size()))},
          {"credential_id", base::base64url_encode(p.credential_id)},
          {"name", p.name},
          {"created_at", p.created_at},
          {"last_used_at", p.last_used_at == 0 ? json(nullptr) : json(p.last_used_at)}};
}

Response one_passkey(int status, const store::Passkey& p) {
  return http::make_response(status, dump_json(json{{"passkey", passkey_json(p)}}));
}

// The {id} of the path: base64url of 16 bytes, else nullopt (answered like an unknown id).
std::optional<store::PasskeyId> passkey_id(const Request& req) {
  auto bytes = base::base64url_decode(req.path_param("id").value_or(""));
  store::PasskeyId id{};
  if (!bytes || bytes->size() != id.size()) return std::nullopt;
  std::copy(bytes->begin(), bytes->end(), reinterpret_cast<char*>(id.data()));
  return id;
}

// POST /auth/passkeys/register/options: section 5.4, PublicKeyCredentialCreationOptions as the
// JSON of section 5.1.9 (parseCreationOptionsFromJSON). Adding a factor is sensitive: a recent
// authentication, so that a stolen session cannot plant a passkey of its own.
Response registration_options(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate_recent(req, MfaGate::kExempt);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  auto options = ctx.passkeys().registration_options(a->user);
  if (!options) return error_response(options.error());
  return http::make_response(200, *options);
}

// POST /auth/passkeys/register: section 7.1, "Registering a New Credential", for the
// RegistrationResponseJSON (section 5.1.8) of those options; the challenge itself proves the
// recent authentication (it lives challenge_ttl and names this user).
Response register_passkey(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate(req, MfaGate::kExempt);
  if (!a) return std::move(a.error());
  if (!http::has_media_type(req, "application/json")) {
    return problem_response(415, http::codes::kUnsupportedMediaType,
                            "the body must be application/json");
  }
  auto p = ctx.passkeys().register_passkey(a->user, req.body, ctx.clock().now_unix(),
                                           ctx.audit_actor(req, a->user.id));
  if (!p) return error_response(p.error());
  return one_passkey(201, *p);
}

// GET /auth/passkeys: the user's credential records (section 4), oldest first.
Response list_passkeys(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate(req, MfaGate::kExempt);
  if (!a) return std::move(a.error());
  auto list = ctx.passkeys().list(a->user);
  if (!list) return error_response(list.error());
  json out = json::array();
  for (const store::Passkey& p : *list) out.push_back(passkey_json(p));
  return http::make_response(200, dump_json(json{{"passkeys", std::move(out)}}));
}

// PATCH /auth/passkeys/{id} {"name"}: the user's label of a credential record.
Response rename_passkey(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate(req);
  if (!a) return std::move(a.error());
  static constexpr JsonMember kMembers[] = {{.name = "name"}};
  auto fields = read_json_object(req, kMembers);
  if (!fields) return std::move(fields.error());
  const auto id = passkey_id(req);
  if (!id) return error_response(auth::make_error(auth::Errc::kNotFound));
  auto p = ctx.passkeys().rename(a->user, *id, fields->take("name"));
  if (!p) return error_response(p.error());
  return one_passkey(200, *p);
}

// DELETE /auth/passkeys/{id}: removing a factor, a sensitive action (SPEC.md): a recent
// authentication.
Response remove_passkey(const ApiContext& ctx, const Request& req) {
  auto a = ctx.credentials().authenticate_recent(req);
  if (!a) return std::move(a.error());
  if (auto body = check_empty_body(req); !body) return std::move(body.error());
  const auto id = passkey_id(req);
  if (!id) return error_response(auth::make_error(auth::Errc::kNotFound));
  if (auto r = ctx.passkeys().remove(a->user, *id, ctx.audit_actor(req, a->user.id)); !r) {
    return error_response(r.error());
  }
  return http::no_content();
}

}  // namespace

void add_passkey_routes(http::Router& router, const ApiContext& ctx) {
  const ApiContext* c = &ctx;
  auth::HashPool* pool = ctx.offload_pool();
  add_store_route(router, pool, "POST", "/auth/passkeys/register/options",
                  [c](const Request& req) { return registration_options(*c, req); });
  add_store_route(router, pool, "POST", "/auth/passkeys/register",
                  [c](const Request& req) { return register_passkey(*c, req); });
  add_store_route(router, pool, "GET", "/auth/passkeys",
                  [c](const Request& req) { return list_passkeys(*c, req); });
  add_store_route(router, pool, "PATCH", "/auth/passkeys/{id}",
                  [c](const Request& req) { return rename_passkey(*c, req); });
  add_store_route(router, pool, "DELETE", "/auth/passkeys/{id}",
                  [c](const Request& req) { return remove_passkey(*c, req); });
}

}  // namespace tessera::api
