// The account lifecycle's mails (SPEC.md "Email"): composed from the templates beside the
// pages (web/mail/<kind>.txt and <kind>.html), rendered as one RFC 5322 message
// (mail/message.h), and sealed for the outbox (store/outbox_store.h: the message holds links
// with live tokens, so the store only ever sees it encrypted).
//
// Templates. <kind>.txt starts with "Subject: ...", a blank line, then the plain-text body;
// <kind>.html is the HTML body. "{{name}}" is replaced by the value of `name` (HTML-escaped in
// the HTML body); every template may use {{product}} and {{public_url}}. A placeholder with no
// value is an error (kInternal): a mail never goes out with a hole in it (base/text_template.h).
//
// Links are built from the configured public URL only, never from a request's Host or
// X-Forwarded-Host (host-header poisoning would mail an attacker's link to a victim).
//
// Thread-safe (immutable after construction).
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "auth/errors.h"
#include "crypto/aead.h"
#include "store/outbox_store.h"
#include "store/types.h"

namespace tessera::auth {

struct MailerConfig {
  std::string from_address;  // email.from: an ASCII mailbox
  std::string from_name;     // email.from_name (display name; may be empty)
  std::string product;       // the product name the templates show
  std::string public_url;    // server.public_url, without a trailing '/'
  crypto::AeadKey key{};     // seals messages (derived from the master key)
};

// The template file `path` ("mail/reset_password.txt"), or nullopt if there is none.
using TemplateSource = std::function<std::optional<std::string_view>(std::string_view path)>;

using MailVars = std::map<std::string, std::string, std::less<>>;

class Mailer {
 public:
  Mailer(MailerConfig config, TemplateSource templates);

  // The mail `kind` to `recipient` (a normalized, ASCII address) about `user`, with `vars`,
  // rendered at `now` and sealed. kInternal if a template is missing or has a hole, or the
  // message does not render (an invalid address: detail says which).
  std::expected<store::OutgoingMail, Error> compose(std::string_view kind,
                                                    std::string_view recipient,
                                                    std::optional<store::UserId> user,
                                                    const MailVars& vars, std::int64_t now) const;

  // The RFC 5322 message of a mail from the outbox; nullopt if it does not open (another
  // master key, or a message that was erased after sending).
  std::optional<std::string> open(const store::MailRecord& mail) const;

  // public_url + path, with "?token=" + token when a token is given (base64url: no escaping).
  std::string link(std::string_view path, std::string_view token = {}) const;

  const std::string& from_address() const { return config_.from_address; }
  // Wiring only, before serving (the server's own URL, when server.public_url is empty, is
  // known once it is bound).
  void set_public_url(std::string url);

 private:
  MailerConfig config_;
  TemplateSource templates_;
};

}  // namespace tessera::auth
