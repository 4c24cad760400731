// How easy a password is to guess, by zxcvbn (Dropbox's estimator, the C port Debian ships as
// libzxcvbn): the pattern matcher behind "refuse the weakest passwords" in the password policy
// (auth/users.h). It finds dictionary words (common passwords, names, English words), keyboard
// walks, repeats, sequences, dates and l33t substitutions, and estimates the guesses an attacker
// needs.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::auth {

// zxcvbn's score of `password`: 0 (under 10^3 guesses: "password1"), 1 (under 10^6), 2 (under
// 10^8), 3 (under 10^10), 4 (more). `user_inputs` are words an attacker would try for this
// account (the email's parts, the product name): a password built from them scores lower.
// Thread-safe; about a millisecond for a long password.
int password_score(std::string_view password, std::span<const std::string> user_inputs = {});

// The words password_score should know for the account with `email`: the address, its local
// part and the domain's labels.
std::vector<std::string> account_words(std::string_view email);

}  // namespace tessera::auth
