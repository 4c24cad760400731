#include "base/base32.h"

#include <oath.h>

#include <cstdlib>
#include <cstring>

namespace tessera::base {
namespace {

// Owns a buffer that liboath allocated with malloc; wipes it before freeing, since what passes
// through here is usually a TOTP secret.
class OathBuffer {
 public:
  OathBuffer() = default;
  ~OathBuffer() {
    if (data_ != nullptr) {
      explicit_bzero(data_, size_);
      std::free(data_);  // NOLINT(cppcoreguidelines-no-malloc): liboath's allocation
    }
  }
  OathBuffer(const OathBuffer&) = delete;
  OathBuffer& operator=(const OathBuffer&) = delete;

  char** data() { return &data_; }
  std::size_t* size() { return &size_; }
  std::string_view view() const { return {data_, size_}; }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

// The padded, upper-case RFC 4648 encoding (liboath's), or nullopt on allocation failure.
std::optional<std::string> encode_padded(std::string_view bytes) {
  OathBuffer out;
  if (oath_base32_encode(bytes.data(), bytes.size(), out.data(), out.size()) != OATH_OK) {
    return std::nullopt;
  }
  return std::string(out.view());
}

char to_upper_ascii(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

std::optional<std::string> base32_encode(std::string_view bytes) {
  if (bytes.size() > kBase32MaxChars / 8 * 5) return std::nullopt;
  if (bytes.empty()) return std::string();
  auto padded = encode_padded(bytes);
  if (!padded) return std::nullopt;
  padded->erase(padded->find_last_not_of('=') + 1);
  return padded;
}

std::optional<std::string> base32_decode(std::string_view text) {
  if (text.size() > kBase32MaxChars) return std::nullopt;
  if (text.empty()) return std::string();  // RFC 4648 section 10: BASE32("") = ""
  std::string upper(text);
  for (char& c : upper) c = to_upper_ascii(c);
  OathBuffer bytes;
  if (oath_base32_decode(upper.data(), upper.size(), bytes.data(), bytes.size()) != OATH_OK) {
    return std::nullopt;
  }
  // The strictness (header): only the canonical spelling, padded or not, of what it decoded to.
  auto canonical = encode_padded(bytes.view());
  if (!canonical) return std::nullopt;
  const bool padded = upper.back() == '=';
  if (!padded) canonical->erase(canonical->find_last_not_of('=') + 1);
  if (upper != *canonical) return std::nullopt;
  return std::string(bytes.view());
}

}  // namespace tessera::base
