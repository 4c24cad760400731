// Federated sign-in over HTTP (SPEC.md "Federated sign-in"; auth/federation/federation_service.h
// has the rules). Every route runs on the store pool: each may wait on an upstream provider.
//
//   GET  /auth/federation/{id}/start[?return_to=URL][&max_age=N][&prompt=login]
//        OIDC Core 1.0 section 3.1.2.1: 303 to the provider's authorization endpoint, with the
//        flow cookie __Host-tessera_federation (the signed flow ticket: HttpOnly, Secure,
//        SameSite=Lax - a Strict cookie would not come back on the provider's redirect -,
//        Path=/, 10 minutes). return_to must be allowed (api/return_target.h) or the start is
//        refused; max_age and prompt=login send a step-up to the provider.
//   GET  /auth/federation/{id}/callback
//        OIDC Core 1.0 section 3.1.2.5 / 3.1.3 and RFC 9207: the provider's redirect back. On
//        success the browser is signed in as a password login signs it in (cookies per
//        web.mode) and sent (303) to return_to or {public_url}/account. Any failure: an HTML
//        page (web/federation_error.html) with a 4xx status saying what to do, no session;
//        503 only when Tessera's own stores are down. The flow cookie is cleared either way.
//   POST /auth/federation/{id}/link
//        From the account page (a recent authentication, CSRF-checked): the same start, whose
//        callback links the identity to the signed-in user; answers 200
//        {"authorization_url"} and sets the flow cookie, and the page navigates there.
//   POST /auth/federation/unlink {"issuer", "sub"}
//        Unlinks one of the caller's identities (a recent authentication; never the last way
//        in: 409). 204.
//   GET  /auth/federation/providers
//        The configured providers {"providers":[{"id","name","available"}]}, for the pages;
//        routed also without any provider (then an empty list: the account page asks always).
//
// The mapping of every federation failure to its page is federation_error_page() (the one
// mapping of this format).
#pragma once

#include "api/api_context.h"
#include "auth/federation/federation_service.h"
#include "http/router.h"

namespace tessera::api {

// The flow cookie's name.
inline constexpr std::string_view kFederationCookie = "__Host-tessera_federation";

// The page (and status) for a failed flow.
http::Response federation_error_page(const auth::federation::FederationError& e,
                                     std::string_view provider_name);

// Registers the routes above: /auth/federation/providers always, the others when
// ctx.federation() is set.
void add_federation_routes(http::Router& router, const ApiContext& ctx);

}  // namespace tessera::api
