#include "api/qr_svg.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>

namespace tessera::api {
namespace {

struct QrFree {
  void operator()(QRcode* q) const { QRcode_free(q); }
};
using QrPtr = std::unique_ptr<QRcode, QrFree>;

// Bit 0 of each matrix byte is the module's colour: 1 dark (libqrencode's QRcode).
bool dark(const QRcode& q, int x, int y) {
  return (q.data[static_cast<std::size_t>(y) * static_cast<std::size_t>(q.width) +
                 static_cast<std::size_t>(x)] &
          1U) != 0;
}

// One closed rectangle per horizontal run of dark modules: "M{x} {y}h{n}v1h-{n}z", shifted by
// the quiet zone.
std::string path_data(const QRcode& q) {
  std::string d;
  for (int y = 0; y < q.width; ++y) {
    for (int x = 0; x < q.width;) {
      if (!dark(q, x, y)) {
        ++x;
        continue;
      }
      int end = x;
      while (end < q.width && dark(q, end, y)) ++end;
      const std::string n = std::to_string(end - x);
      d += 'M';
      d += std::to_string(x + kQrQuietZone);
      d += ' ';
      d += std::to_string(y + kQrQuietZone);
      d += 'h';
      d += n;
      d += "v1h-";
      d += n;
      d += 'z';
      x = end;
    }
  }
  return d;
}

}  // namespace

std::string_view describe(QrError e) {
  switch (e) {
    case QrError::kEmpty:
      return "nothing to encode";
    case QrError::kTooLong:
      return "text too long for a QR code";
    case QrError::kInternal:
      return "QR encoder failed";
  }
  return "unknown QR error";
}

std::expected<std::string, QrError> qr_svg(std::string_view text) {
  if (text.empty()) return std::unexpected(QrError::kEmpty);
  if (text.size() > kQrMaxBytes) return std::unexpected(QrError::kTooLong);
  errno = 0;
  // Version 0: the smallest symbol that holds the data.
  const QrPtr q(QRcode_encodeData(static_cast<int>(text.size()),
                                  reinterpret_cast<const unsigned char*>(text.data()), 0,
                                  QR_ECLEVEL_M));
  if (!q) return std::unexpected(errno == ERANGE ? QrError::kTooLong : QrError::kInternal);
  const std::string side = std::to_string(q->width + 2 * kQrQuietZone);
  const std::string pixels = std::to_string((q->width + 2 * kQrQuietZone) * kQrModulePixels);
  std::string svg = R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )";
  svg += side + ' ' + side + R"(" width=")" + pixels + R"(" height=")" + pixels +
         R"(" shape-rendering="crispEdges"><rect width=")" + side + R"(" height=")" + side +
         R"(" fill="#fff"/><path fill="#000" d=")" + path_data(*q) + R"("/></svg>)";
  return svg;
}

}  // namespace tessera::api
