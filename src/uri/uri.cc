#include "http/uri.h"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>

namespace tessera::http {

std::expected<std::string, std::string> with_query_params(std::string_view uri,
                                                          const QueryParams& params) {
  auto parsed = boost::urls::parse_absolute_uri(uri);
  if (!parsed) return std::unexpected("not an absolute URI");
  boost::urls::url out(*parsed);
  // Everything but unreserved characters percent-encoded: '+' read as a space by form
  // decoders and '=' or '&' read as separators can then never change a value, whichever way
  // the client decodes the query.
  auto encode = [](std::string_view s) {
    return boost::urls::encode(boost::core::string_view(s.data(), s.size()),
                               boost::urls::unreserved_chars);
  };
  for (const auto& [name, value] : params) {
    const std::string n = encode(name);
    const std::string v = encode(value);
    out.encoded_params().append(boost::urls::param_pct_view(n, v));
  }
  return std::string(out.buffer());
}

}  // namespace tessera::http
