# Install-time script (cmake/TesseraInstall.cmake sets the TESSERA_* variables before it):
# installs tessera.service, its paths filled in for this install's prefix, and the example
# tessera.toml unless one is already there (an administrator's edits survive a reinstall; the
# .deb marks it a conffile for dpkg's own handling). file(INSTALL) puts DESTDIR before its
# destination itself; the existence check adds it by hand.
function(tessera_absolute out dir)  # `dir` as the installed system sees it
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

tessera_absolute(TESSERA_CONFIG_DIR "${TESSERA_INSTALL_CONFDIR}")
tessera_absolute(unit_dir "${TESSERA_INSTALL_UNITDIR}")
tessera_absolute(bin_dir "${TESSERA_INSTALL_BINDIR}")
tessera_absolute(TESSERA_DOC_DIR "${TESSERA_INSTALL_DOCDIR}")
set(TESSERA_BINARY "${bin_dir}/tessera")
set(TESSERA_CONFIG_FILE "${TESSERA_CONFIG_DIR}/tessera.toml")

configure_file("${TESSERA_SOURCE_DIR}/packaging/tessera.service.in"
               "${TESSERA_STAGE_DIR}/tessera.service" @ONLY)
file(INSTALL "${TESSERA_STAGE_DIR}/tessera.service" DESTINATION "${unit_dir}")

if(EXISTS "$ENV{DESTDIR}${TESSERA_CONFIG_FILE}")
  message(STATUS "Kept: $ENV{DESTDIR}${TESSERA_CONFIG_FILE}")
else()
  file(INSTALL "${TESSERA_SOURCE_DIR}/packaging/tessera.toml"
       DESTINATION "${TESSERA_CONFIG_DIR}")
endif()
