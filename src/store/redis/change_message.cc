#include "store/redis/change_message.h"

namespace tessera::store::redis {

std::string encode_change(ChangeTopic topic, std::string_view payload) {
  char tag = 's';
  switch (topic) {
    case ChangeTopic::kRevocation:
      tag = 'r';
      break;
    case ChangeTopic::kKeys:
      tag = 'k';
      break;
    case ChangeTopic::kSession:
      tag = 's';
      break;
  }
  std::string out(1, tag);
  out.append(payload);
  return out;
}

std::optional<std::pair<ChangeTopic, std::string_view>> decode_change(std::string_view message) {
  if (message.empty()) return std::nullopt;
  const std::string_view payload = message.substr(1);
  switch (message[0]) {
    case 'r':
      return std::pair(ChangeTopic::kRevocation, payload);
    case 'k':
      return std::pair(ChangeTopic::kKeys, payload);
    case 's':
      return std::pair(ChangeTopic::kSession, payload);
    default:
      return std::nullopt;
  }
}

}  // namespace tessera::store::redis
