# The Debian package: `cpack -G DEB` in a build directory makes tessera_<version>_<arch>.deb
# from the install rules (cmake/TesseraInstall.cmake), for the /usr prefix whatever the tree was
# configured with. Its version is the project's (the one `tessera --version` prints); its
# Depends are computed by dpkg-shlibdeps (package dpkg-dev) from the libraries the binary links.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tessera)
set(CPACK_PACKAGE_VENDOR "Tessera")
set(CPACK_PACKAGE_CONTACT "Tessera maintainers <maintainers@tessera.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "authentication server: sessions, JWTs, OAuth 2.0 / OpenID Connect, passkeys")
# The long description (CPack indents it under the summary).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "One binary, tessera, that serves sign-up, sign-in, sessions, second factors, passkeys and
OAuth 2.0 / OpenID Connect, on SQLite by default or PostgreSQL and Redis, and administers it
from the command line. Includes the hardened systemd unit tessera.service and the public JOSE
headers (tessera/jwt.h, ...).")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
# DESTDIR staging with prefix /usr: the unit's paths are written at install time from the
# prefix, so it must be /usr itself (not a staging path), and the absolute /etc and /lib paths
# land inside the package rather than on this machine.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)

# conffiles: dpkg keeps an administrator's edits to the configuration across upgrades.
set(tessera_conffile "${TESSERA_INSTALL_CONFDIR}/tessera.toml")
if(NOT IS_ABSOLUTE "${TESSERA_INSTALL_CONFDIR}")
  set(tessera_conffile "${CPACK_PACKAGING_INSTALL_PREFIX}/${tessera_conffile}")
endif()
file(WRITE ${PROJECT_BINARY_DIR}/packaging/conffiles "${tessera_conffile}\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/packaging/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
