#include "webauthn/options.h"

#include <nlohmann/json.hpp>

#include "base/base64url.h"

namespace tessera::webauthn {
namespace {

using nlohmann::json;

std::string_view requirement(Requirement r) {
  switch (r) {
    case Requirement::kRequired:
      return "required";
    case Requirement::kPreferred:
      return "preferred";
    case Requirement::kDiscouraged:
      return "discouraged";
  }
  return "required";
}

json descriptors(const std::vector<CredentialDescriptor>& list) {
  json out = json::array();
  for (const CredentialDescriptor& d : list) {
    json entry = {{"type", "public-key"}, {"id", base::base64url_encode(d.id)}};
    if (!d.transports.empty()) entry["transports"] = d.transports;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

std::string creation_options_json(const CreationOptions& o) {
  json params = json::array();
  for (CoseAlg a : o.algs) {
    params.push_back({{"type", "public-key"}, {"alg", static_cast<std::int32_t>(a)}});
  }
  const json doc = {
      {"rp", {{"id", o.rp_id}, {"name", o.rp_name}}},
      {"user",
       {{"id", base::base64url_encode(o.user_id)},
        {"name", o.user_name},
        {"displayName", o.user_display_name}}},
      {"challenge", base::base64url_encode(o.challenge)},
      {"pubKeyCredParams", std::move(params)},
      {"timeout", o.timeout_ms},
      {"excludeCredentials", descriptors(o.exclude_credentials)},
      {"authenticatorSelection",
       {{"residentKey", requirement(o.resident_key)},
        // Level 1's boolean, for browsers that predate residentKey (section 5.4.4).
        {"requireResidentKey", o.resident_key == Requirement::kRequired},
        {"userVerification", requirement(o.user_verification)}}},
      {"attestation", "none"},
  };
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);  // never throws on bad UTF-8
}

std::string request_options_json(const RequestOptions& o) {
  const json doc = {
      {"challenge", base::base64url_encode(o.challenge)},
      {"rpId", o.rp_id},
      {"timeout", o.timeout_ms},
      {"allowCredentials", descriptors(o.allow_credentials)},
      {"userVerification", requirement(o.user_verification)},
  };
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);  // never throws on bad UTF-8
}

}  // namespace tessera::webauthn
