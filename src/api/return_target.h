// Where a browser may be sent once signed in (SPEC.md "Gateway": "the return target must be on
// an allowed origin or cookie domain (never an open redirect)"). The ONE check, used by
// /auth/verify before it sends a browser to the login page (api/verify_handler.h) and by the
// login page before it renders a return_to (api/web_pages.h), so that neither can be talked
// into sending the user elsewhere.
//
// Thread-safe (immutable after construction; ApiContext replaces it while wiring only).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tessera::api {

// The longest return target kept (a longer one is refused, not cut).
inline constexpr std::size_t kMaxReturnTargetBytes = 8 * 1024;

// The relative target of the OAuth flow: only this server's authorization endpoint
// ("/oauth2/authorize?..." as api/oauth_authorize.cc builds it), never another origin, path or
// scheme ("//evil", "/\evil", "/oauth2/authorize/../x" all fail).
bool safe_return_to(std::string_view path);

class ReturnTargets {
 public:
  ReturnTargets() = default;  // no origin: only safe_return_to() paths
  // `allowed_origins`: app::effective_allowed_origins; `cookie_domain`: web.cookie_domain ("":
  // none). Both as http::origin_allowed reads them.
  ReturnTargets(std::vector<std::string> allowed_origins, std::string cookie_domain);

  // An absolute URL a browser may go back to: at most kMaxReturnTargetBytes of printable ASCII
  // (no space, control byte, DEL or non-ASCII byte: a URL that reaches us percent-encoded has
  // none) without '\' (browsers read it as '/'); uri::navigation_origin accepts it (https, or
  // http to a loopback IP literal; no userinfo, no fragment); and http::origin_allowed accepts
  // its origin.
  bool allows_url(std::string_view url) const;

  // What the login page may go back to: safe_return_to() or allows_url().
  bool allows(std::string_view target) const;

 private:
  std::vector<std::string> allowed_origins_;
  std::string cookie_domain_;
};

// `login_url` ("https://id.example.com/login") with `?return_to=` and the target
// percent-encoded (uri::percent_encode: no byte of it can split or end the parameter).
std::string login_url_with_return(std::string_view login_url, std::string_view target);

}  // namespace tessera::api
