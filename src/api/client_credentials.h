// The client credentials a token-endpoint request presents (RFC 6749 section 2.3), read but not
// checked (auth/client_authentication.h checks them). One of:
//   - `Authorization: Basic` (scheme case-insensitive): base64 of "id:secret", where id and
//     secret are each application/x-www-form-urlencoded (RFC 6749 section 2.3.1) and decoded
//     here; a form client_id beside it must be the same id;
//   - client_id and client_secret in the form body (section 2.3.1);
//   - client_assertion_type (exactly kJwtBearerAssertionType) and client_assertion, with an
//     optional client_id (RFC 7521 section 4.2, RFC 7523 section 2.2);
//   - client_id alone: a public client (section 2.3 leaves it unauthenticated; PKCE protects
//     its code).
// A parameter without a value counts as absent (section 3.2).
//
// invalid_request (400: the request is malformed, whoever sent it):
//   - a parameter repeated (section 3.2: MUST NOT be included more than once), or the
//     Authorization field repeated;
//   - more than one method at once: the Authorization field beside client_secret or an
//     assertion, or a secret beside an assertion (section 2.3: the client MUST NOT use more
//     than one);
//   - Basic with a form client_id naming another client;
//   - client_secret without client_id, or one of client_assertion and client_assertion_type
//     without the other (a required parameter missing).
// invalid_client (401: client authentication failed, section 5.2):
//   - an Authorization scheme other than Basic (e.g. Bearer: "unsupported authentication
//     method"), or Basic credentials that are not base64 of two form-encoded parts around a
//     ':' with a non-empty id;
//   - a client_assertion_type other than jwt-bearer. invalid_request would fit "unsupported
//     parameter value" too, but section 5.2 names "unsupported authentication method" under
//     invalid_client, and RFC 7521 section 4.2.1 answers every assertion the server will not
//     accept with invalid_client;
//   - nothing at all: no credentials and no client_id. Section 5.2 lists "no client
//     authentication included" under invalid_client; without any client_id there is not
//     even a public client to look up, and the 401 tells the client to authenticate.
#pragma once

#include <expected>

#include "api/oauth_errors.h"
#include "auth/client_authentication.h"
#include "http/form.h"
#include "http/message.h"

namespace tessera::api {

// The client's credentials as presented, or the error to answer (invalid_request /
// invalid_client, rules above). `form`: the request's parsed form body.
std::expected<auth::PresentedClient, auth::OAuthError> presented_client(
    const http::Request& req, const http::FormFields& form);

// How the request tried to authenticate, for invalid_client's challenge (api/oauth_errors.h):
// kAuthorizationHeader when it has an Authorization field (of any scheme), kBody when its
// form body carries client_secret or client_assertion, else kNone.
ClientAuthVia client_auth_via(const http::Request& req);

}  // namespace tessera::api
