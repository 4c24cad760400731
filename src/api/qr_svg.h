// The QR code of the TOTP enrolment answer (`qr_svg`, SPEC.md "Second factors and step-up"), as
// an inert SVG document: what a page can inline or put in an <img> under a strict CSP.
//
// The QR symbol is libqrencode's (Debian libqrencode-dev; a QR encoder is not something to
// write by hand). This file only draws the module matrix it returns.
//
// The document holds exactly: one <svg> element (xmlns, viewBox, width, height,
// shape-rendering), one <rect> (the light background, quiet zone included) and one <path> (every
// dark module, as one closed rectangle per horizontal run). No script, no event handler, no
// style, no link or other external reference, no text, no entity, no DOCTYPE, no processing
// instruction: nothing in it can run or load anything, and every character of `text` reaches
// it only as modules, never as markup.
//
// Thread-safe: libqrencode's encoder is reentrant (Debian builds it with pthreads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace tessera::api {

// Bytes of `text` that fit a QR code at error correction level M (15 % of the symbol
// recoverable, what otpauth QR codes use), version 40, 8-bit mode.
inline constexpr std::size_t kQrMaxBytes = 2331;
// The light border around the symbol, in modules (ISO/IEC 18004 asks for 4).
inline constexpr int kQrQuietZone = 4;
// Rendered size of one module in the width/height attributes (CSS can scale the whole).
inline constexpr int kQrModulePixels = 4;

enum class QrError : std::uint8_t {
  kEmpty,     // nothing to encode
  kTooLong,   // more than a QR code holds
  kInternal,  // libqrencode failed otherwise (allocation)
};

std::string_view describe(QrError e);

// The SVG document of the QR code of `text` (any bytes, encoded in 8-bit mode), with a quiet
// zone of kQrQuietZone modules; viewBox units are modules.
std::expected<std::string, QrError> qr_svg(std::string_view text);

}  // namespace tessera::api
