// Boost.URL's compiled part, built into tessera_uri: Debian 12 ships its headers with Boost
// 1.81 (libboost1.81-dev) but its library only in a separate package, and the library supports
// this one-translation-unit build (boost/url/src.hpp) for exactly that case.
#include <boost/url/src.hpp>
