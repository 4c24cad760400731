#include "api/user_json.h"

namespace tessera::api {

nlohmann::ordered_json user_summary_json(const store::User& user) {
  return {{"id", store::to_uuid(user.id)},
          {"email", user.email},
          {"roles", user.roles},
          {"disabled", user.disabled},
          {"created_at", user.created_at}};
}

nlohmann::ordered_json user_detail_json(const store::User& user,
                                        const auth::FactorStatus& factors) {
  return {{"id", store::to_uuid(user.id)},
          {"email", user.email},
          {"email_verified", user.email_verified},
          {"roles", user.roles},
          {"disabled", user.disabled},
          {"created_at", user.created_at},
          {"password_changed_at", user.password_changed_at},
          {"second_factors",
           {{"totp", totp_state(factors)},
            {"recovery_codes", factors.recovery_codes},
            {"passkeys", factors.passkeys}}}};
}

const char* totp_state(const auth::FactorStatus& factors) {
  return factors.totp ? "on" : factors.totp_pending ? "pending" : "off";
}

}  // namespace tessera::api
