# What `cmake --install` puts where (and so what the .deb holds, cmake/TesseraPackage.cmake):
#   <prefix>/bin/tessera                       the binary (web pages compiled in: no data files)
#   <prefix>/include/tessera/*.h               the public JOSE headers, as they are
#   <prefix>/share/doc/tessera/                README.md, packaging.md, examples/tessera.toml
#   TESSERA_INSTALL_CONFDIR/tessera.toml       the example configuration, never overwritten
#   TESSERA_INSTALL_UNITDIR/tessera.service    the hardened systemd unit
# The headers' library (tessera_jose) is not installed: it is a static archive over two more
# internal ones (tessera_base, tessera_crypto) and the src/ tree, not a library one can link
# from outside yet; the verifier library will be.
#
# The two system directories default to Debian's absolute locations, since systemd reads units
# only there and the unit names the configuration by its path; set them relative (to the
# prefix) for an unprivileged install: -DTESSERA_INSTALL_CONFDIR=etc/tessera.
include(GNUInstallDirs)
set(TESSERA_INSTALL_CONFDIR "/etc/tessera" CACHE STRING
    "Directory of tessera.toml (absolute, or relative to the install prefix)")
set(TESSERA_INSTALL_UNITDIR "/lib/systemd/system" CACHE STRING
    "Directory of tessera.service (absolute, or relative to the install prefix)")
set(tessera_docdir ${CMAKE_INSTALL_DATAROOTDIR}/doc/tessera)

install(TARGETS tessera RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tessera DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/packaging.md
        DESTINATION ${tessera_docdir})
install(FILES ${PROJECT_SOURCE_DIR}/packaging/tessera.toml DESTINATION ${tessera_docdir}/examples)

# The configuration and the unit: at install time, since the prefix is known only then
# (`--prefix`, or /usr when CPack builds the .deb from a tree configured for /usr/local).
set(tessera_install_vars
    "set(TESSERA_SOURCE_DIR [[${PROJECT_SOURCE_DIR}]])
     set(TESSERA_STAGE_DIR [[${PROJECT_BINARY_DIR}/packaging]])
     set(TESSERA_INSTALL_CONFDIR [[${TESSERA_INSTALL_CONFDIR}]])
     set(TESSERA_INSTALL_UNITDIR [[${TESSERA_INSTALL_UNITDIR}]])
     set(TESSERA_INSTALL_BINDIR [[${CMAKE_INSTALL_BINDIR}]])
     set(TESSERA_INSTALL_DOCDIR [[${tessera_docdir}]])")
install(CODE "${tessera_install_vars}")
install(SCRIPT ${PROJECT_SOURCE_DIR}/cmake/TesseraInstallSystemFiles.cmake)
