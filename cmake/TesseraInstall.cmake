# What `cmake --install` puts where (and so what the .deb holds, cmake/TesseraPackage.cmake):
#   <prefix>/bin/tessera                       the binary (web pages compiled in: no data files)
#   <prefix>/include/tessera/*.h               the public headers: verifier.h and the JOSE ones
#   <prefix>/lib/.../libtessera-verifier.so*   the verifier library for services
#   <prefix>/lib/.../cmake/Tessera/            find_package(Tessera): Tessera::verifier
#   <prefix>/share/doc/tessera/                README.md, packaging.md, examples/tessera.toml
#   TESSERA_INSTALL_CONFDIR/tessera.toml       the example configuration, never overwritten
#   TESSERA_INSTALL_UNITDIR/tessera.service    the hardened systemd unit
# The library, headers and package files are the component "Development" too, so a service's
# build can install just them: cmake --install <build> --component Development --prefix <dir>.
# The JOSE headers' own archive (tessera_jose) is not installed: it is built into the verifier.
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
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tessera DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT Development)
install(TARGETS tessera_verifier EXPORT TesseraTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(tessera_cmakedir ${CMAKE_INSTALL_LIBDIR}/cmake/Tessera)
install(EXPORT TesseraTargets NAMESPACE Tessera:: DESTINATION ${tessera_cmakedir}
        COMPONENT Development)
include(CMakePackageConfigHelpers)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/TesseraConfig.cmake.in
  ${PROJECT_BINARY_DIR}/TesseraConfig.cmake INSTALL_DESTINATION ${tessera_cmakedir})
# 0.x: a minor version may change the API, so only the same minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/TesseraConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/TesseraConfig.cmake
              ${PROJECT_BINARY_DIR}/TesseraConfigVersion.cmake
        DESTINATION ${tessera_cmakedir} COMPONENT Development)
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
