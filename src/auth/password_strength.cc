#include "auth/password_strength.h"

#include <zxcvbn.h>

#include <cmath>
#include <vector>

namespace tessera::auth {

int password_score(std::string_view password, std::span<const std::string> user_inputs) {
  // zxcvbn reads NUL-terminated strings: a NUL ends the password early, which can only
  // underestimate its strength (the safe direction).
  const std::string text(password);
  std::vector<const char*> dict;
  dict.reserve(user_inputs.size() + 1);
  for (const std::string& word : user_inputs) {
    if (!word.empty()) dict.push_back(word.c_str());
  }
  dict.push_back(nullptr);
  const double bits = ZxcvbnMatch(text.c_str(), dict.data(), nullptr);
  // zxcvbn's score thresholds are in guesses; the C port reports log2(guesses).
  const double log10_guesses = bits * std::log10(2.0);
  if (log10_guesses < 3) return 0;
  if (log10_guesses < 6) return 1;
  if (log10_guesses < 8) return 2;
  if (log10_guesses < 10) return 3;
  return 4;
}

std::vector<std::string> account_words(std::string_view email) {
  std::vector<std::string> words;
  if (email.empty()) return words;
  words.emplace_back(email);
  const std::size_t at = email.rfind('@');
  if (at == std::string_view::npos) return words;
  words.emplace_back(email.substr(0, at));
  std::string_view domain = email.substr(at + 1);
  while (!domain.empty()) {
    const std::size_t dot = domain.find('.');
    words.emplace_back(domain.substr(0, dot));
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  return words;
}

}  // namespace tessera::auth
