// The CSRF tokens of web.mode = "jwt" (SPEC.md "Browser delivery": the double-submit token
// bound to the credential). A session keeps its CSRF token with it (auth/sessions.h); a token
// family stores nothing of the kind, so its CSRF token is derived: base64url of a MAC of the
// family's sid under a secret every node shares. It stays the same across rotations of the
// family, a value planted by a sibling domain cannot match without the secret, and another
// family's token never matches.
//
// Thread-safe (immutable after construction).
#pragma once

#include <string>
#include <string_view>

namespace tessera::auth {

class FamilyCsrf {
 public:
  // `secret`: every node of a deployment must use the same one (app/services.cc derives it
  // from the master key). Empty: a random secret for this process only.
  explicit FamilyCsrf(std::string secret);

  // The CSRF token bound to family `sid`.
  std::string token(std::string_view sid) const;
  // Whether `presented` is token(sid); constant time. Empty never matches.
  bool matches(std::string_view sid, std::string_view presented) const;

 private:
  std::string secret_;
};

}  // namespace tessera::auth
