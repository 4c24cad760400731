// How a change hint travels on the Redis channel <prefix>changes: one tag byte for the topic
// ('r' kRevocation, 'k' kKeys, 's' kSession), then the payload. The scripts publish messages
// built here (passed to them in ARGV), so the format lives in this one place.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "store/change_feed.h"

namespace tessera::store::redis {

std::string encode_change(ChangeTopic topic, std::string_view payload);

// nullopt for a message with an unknown tag (a newer version's topic): ignored by subscribers.
std::optional<std::pair<ChangeTopic, std::string_view>> decode_change(std::string_view message);

}  // namespace tessera::store::redis
