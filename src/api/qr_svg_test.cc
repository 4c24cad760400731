// qr_svg(): the document is read back with a real XML parser (Boost.PropertyTree) and held to
// the allow-list of qr_svg.h, and the modules it draws are compared with libqrencode's matrix
// for the same text.
#include "api/qr_svg.h"

#include <gtest/gtest.h>
#include <qrencode.h>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/hash.h"

namespace tessera::api {
namespace {

namespace pt = boost::property_tree;

using Grid = std::vector<std::vector<bool>>;

struct Parsed {
  int side = 0;  // viewBox width and height, in modules
  Grid dark;     // side x side, [y][x]
};

// The attributes each element may have; anything else fails the test.
const std::map<std::string, std::set<std::string>> kAllowed = {
    {"svg", {"xmlns", "viewBox", "width", "height", "shape-rendering"}},
    {"rect", {"width", "height", "fill"}},
    {"path", {"fill", "d"}},
};

std::map<std::string, std::string> attributes_of(const std::string& element,
                                                 const pt::ptree& node) {
  std::map<std::string, std::string> out;
  if (auto attrs = node.get_child_optional("<xmlattr>")) {
    for (const auto& [name, value] : *attrs) {
      EXPECT_TRUE(kAllowed.at(element).contains(name)) << element << " has " << name;
      out[name] = value.data();
    }
  }
  return out;
}

// Fills `grid` from path data made only of "M{x} {y}h{n}v1h-{n}z" rectangles; fails the test on
// any other command, a rectangle outside the grid, or a module drawn twice.
void paint(const std::string& d, Grid& grid) {
  static const std::regex kRun(R"(M(\d+) (\d+)h(\d+)v1h-(\d+)z)");
  std::size_t consumed = 0;
  for (std::sregex_iterator it(d.begin(), d.end(), kRun), end; it != end; ++it) {
    ASSERT_EQ(static_cast<std::size_t>(it->position()), consumed) << "unexpected path data";
    consumed += static_cast<std::size_t>(it->length());
    const int x = std::stoi((*it)[1]);
    const int y = std::stoi((*it)[2]);
    const int n = std::stoi((*it)[3]);
    ASSERT_EQ(n, std::stoi((*it)[4])) << "not a closed rectangle";
    ASSERT_GT(n, 0);
    ASSERT_LT(y, static_cast<int>(grid.size()));
    ASSERT_LE(x + n, static_cast<int>(grid.size()));
    for (int i = x; i < x + n; ++i) {
      ASSERT_FALSE(grid[static_cast<std::size_t>(y)][static_cast<std::size_t>(i)]) << "twice";
      grid[static_cast<std::size_t>(y)][static_cast<std::size_t>(i)] = true;
    }
  }
  ASSERT_EQ(consumed, d.size()) << "unexpected path data";
}

// Parses `svg` and checks everything qr_svg.h promises about its shape.
Parsed parse(const std::string& svg) {
  // What no parser setting should be trusted to catch: markup declarations, processing
  // instructions, entities and references of any kind.
  for (const char* banned : {"<!", "<?", "&", "script", "href", "url(", "style", "javascript"}) {
    EXPECT_EQ(svg.find(banned), std::string::npos) << banned;
  }
  pt::ptree doc;
  std::istringstream in(svg);
  try {
    pt::read_xml(in, doc);
  } catch (const pt::xml_parser_error& e) {
    ADD_FAILURE() << "not XML: " << e.what();
    return {};
  }
  Parsed out;
  EXPECT_EQ(doc.size(), 1U);
  const auto& root = doc.front();
  EXPECT_EQ(root.first, "svg");
  const auto svg_attrs = attributes_of("svg", root.second);
  EXPECT_EQ(svg_attrs.at("xmlns"), "http://www.w3.org/2000/svg");
  std::smatch m;
  const std::string view_box = svg_attrs.at("viewBox");
  EXPECT_TRUE(std::regex_match(view_box, m, std::regex(R"(0 0 (\d+) \1)"))) << view_box;
  if (m.empty()) return {};
  out.side = std::stoi(m[1]);
  out.dark.assign(static_cast<std::size_t>(out.side),
                  std::vector<bool>(static_cast<std::size_t>(out.side), false));
  EXPECT_EQ(svg_attrs.at("width"), std::to_string(out.side * kQrModulePixels));
  EXPECT_EQ(svg_attrs.at("height"), svg_attrs.at("width"));

  std::vector<std::string> children;
  for (const auto& [name, node] : root.second) {
    if (name == "<xmlattr>") continue;
    children.push_back(name);
    EXPECT_TRUE(name == "rect" || name == "path") << "element " << name;
    EXPECT_TRUE(node.data().empty()) << "text in " << name;
    if (name == "rect") {
      const auto a = attributes_of("rect", node);
      EXPECT_EQ(a.at("width"), std::to_string(out.side));  // the whole view, quiet zone included
      EXPECT_EQ(a.at("height"), std::to_string(out.side));
      EXPECT_EQ(a.at("fill"), "#fff");
    } else if (name == "path") {
      const auto a = attributes_of("path", node);
      EXPECT_EQ(a.at("fill"), "#000");
      paint(a.at("d"), out.dark);
    }
    for (const auto& [child, unused] : node) {
      EXPECT_EQ(child, "<xmlattr>") << name << " has child " << child;
    }
  }
  EXPECT_EQ(children, (std::vector<std::string>{"rect", "path"}));
  EXPECT_TRUE(root.second.data().empty());
  return out;
}

// libqrencode's own matrix for `text`, with the settings qr_svg.h names.
Grid oracle(std::string_view text) {
  std::unique_ptr<QRcode, void (*)(QRcode*)> q(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M),
      QRcode_free);
  if (!q) return {};
  Grid g(static_cast<std::size_t>(q->width), std::vector<bool>(static_cast<std::size_t>(q->width)));
  for (int y = 0; y < q->width; ++y) {
    for (int x = 0; x < q->width; ++x) {
      g[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] =
          (q->data[y * q->width + x] & 1) != 0;
    }
  }
  return g;
}

void expect_draws_the_symbol(std::string_view text) {
  const auto svg = qr_svg(text);
  ASSERT_TRUE(svg.has_value()) << describe(svg.error());
  const Parsed p = parse(*svg);
  const Grid want = oracle(text);
  ASSERT_FALSE(want.empty());
  const int width = static_cast<int>(want.size());
  ASSERT_EQ(p.side, width + 2 * kQrQuietZone);
  for (int y = 0; y < p.side; ++y) {
    for (int x = 0; x < p.side; ++x) {
      const int qx = x - kQrQuietZone;
      const int qy = y - kQrQuietZone;
      const bool inside = qx >= 0 && qy >= 0 && qx < width && qy < width;
      const bool expected =
          inside && want[static_cast<std::size_t>(qy)][static_cast<std::size_t>(qx)];
      ASSERT_EQ(p.dark[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)], expected)
          << "module " << x << "," << y << (inside ? "" : " (quiet zone)");
    }
  }
}

TEST(QrSvg, DrawsLibqrencodesMatrixForAnOtpauthUri) {
  expect_draws_the_symbol(
      "otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
      "&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30");
}

TEST(QrSvg, MarkupInTheTextNeverReachesTheDocument) {
  const std::string hostile = std::string(R"(<script>alert(1)</script>"' onload=x &amp; ]]>)") +
                              std::string("\0\x01\xff", 3);
  const auto svg = qr_svg(hostile);
  ASSERT_TRUE(svg.has_value());
  EXPECT_EQ(svg->find("alert"), std::string::npos);
  EXPECT_EQ(svg->find("onload"), std::string::npos);
  expect_draws_the_symbol(hostile);
}

TEST(QrSvg, DrawsEverySizeFromOneByteToTheLargest) {
  for (std::size_t n :
       {std::size_t{1}, std::size_t{17}, std::size_t{100}, std::size_t{500}, kQrMaxBytes}) {
    SCOPED_TRACE(n);
    expect_draws_the_symbol(crypto::random_bytes(n));
  }
}

TEST(QrSvg, RefusesEmptyAndTooLongTextWithAnError) {
  EXPECT_EQ(qr_svg("").error(), QrError::kEmpty);
  EXPECT_EQ(qr_svg(std::string(kQrMaxBytes + 1, 'a')).error(), QrError::kTooLong);
  EXPECT_EQ(qr_svg(std::string(10'000'000, 'a')).error(), QrError::kTooLong);
  EXPECT_NE(describe(QrError::kTooLong), describe(QrError::kEmpty));
}

}  // namespace
}  // namespace tessera::api
