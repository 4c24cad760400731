#include "auth/lifecycle/mailer.h"

#include <string>
#include <utility>
#include <vector>

#include "base/text_template.h"
#include "mail/message.h"

namespace tessera::auth {
namespace {

// What a sealed message is bound to: the row's kind and recipient, so a sealed message copied
// into another row does not open.
std::string seal_context(std::string_view kind, std::string_view recipient) {
  return std::string("tessera outbox v1\n").append(kind).append("\n").append(recipient);
}

// `text` filled from `lookup`; the first placeholder without a value as the error.
std::expected<std::string, std::string> fill(std::string_view text,
                                             const base::TemplateLookup& lookup, bool html) {
  std::vector<std::string> missing;
  std::string out =
      base::fill_template(text, lookup, html ? base::Escape::kHtml : base::Escape::kNone, &missing);
  if (!missing.empty()) return std::unexpected(missing.front());
  return out;
}

std::string_view domain_of(std::string_view address) {
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? address : address.substr(at + 1);
}

}  // namespace

Mailer::Mailer(MailerConfig config, TemplateSource templates)
    : config_(std::move(config)), templates_(std::move(templates)) {
  set_public_url(std::move(config_.public_url));
}

void Mailer::set_public_url(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  config_.public_url = std::move(url);
}

std::expected<store::OutgoingMail, Error> Mailer::compose(std::string_view kind,
                                                          std::string_view recipient,
                                                          std::optional<store::UserId> user,
                                                          const MailVars& vars,
                                                          std::int64_t now) const {
  const std::string base = std::string("mail/").append(kind);
  auto text_template = templates_(base + ".txt");
  auto html_template = templates_(base + ".html");
  if (!text_template || !html_template) {
    return std::unexpected(make_error(Errc::kInternal, "no mail template for " + base));
  }
  // The caller's values, then the two every template may use.
  const base::TemplateLookup lookup =
      [&](std::string_view name) -> std::optional<std::string_view> {
    if (auto it = vars.find(name); it != vars.end()) return it->second;
    if (name == "product") return config_.product;
    if (name == "public_url") return config_.public_url;
    return std::nullopt;
  };
  auto text = fill(*text_template, lookup, false);
  auto html = fill(*html_template, lookup, true);
  if (!text || !html) {
    return std::unexpected(make_error(
        Errc::kInternal, base + ": no value for {{" + (text ? html.error() : text.error()) + "}}"));
  }
  // The first line of the text template is the subject.
  constexpr std::string_view kSubject = "Subject: ";
  const std::size_t eol = text->find('\n');
  if (!text->starts_with(kSubject) || eol == std::string::npos) {
    return std::unexpected(make_error(Errc::kInternal, base + ".txt must start with Subject:"));
  }
  std::string subject = text->substr(kSubject.size(), eol - kSubject.size());
  if (!subject.empty() && subject.back() == '\r') subject.pop_back();
  std::size_t body = eol + 1;
  while (body < text->size() && (text->at(body) == '\n' || text->at(body) == '\r')) ++body;

  mail::MailContent content{.from_address = config_.from_address,
                            .from_name = config_.from_name,
                            .to = std::string(recipient),
                            .subject = std::move(subject),
                            .text = text->substr(body),
                            .html = std::move(*html)};
  auto rendered =
      mail::render(content, now, mail::make_message_id(domain_of(config_.from_address)));
  if (!rendered) {
    return std::unexpected(
        make_error(Errc::kInternal, base + ": " + std::string(mail::describe(rendered.error()))));
  }
  return store::OutgoingMail{
      .kind = std::string(kind),
      .recipient = std::string(recipient),
      .user_id = user,
      .sealed_message = crypto::seal(config_.key, *rendered, seal_context(kind, recipient))};
}

std::optional<std::string> Mailer::open(const store::MailRecord& mail) const {
  if (mail.sealed_message.empty()) return std::nullopt;
  return crypto::open(config_.key, mail.sealed_message, seal_context(mail.kind, mail.recipient));
}

std::string Mailer::link(std::string_view path, std::string_view token) const {
  std::string out = config_.public_url;
  out.append(path);
  if (!token.empty()) out.append("?token=").append(token);
  return out;
}

}  // namespace tessera::auth
