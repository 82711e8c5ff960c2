# Installed files besides the targets, and the Debian packages (CPack).
#
# Components: "runtime" (the octoflow package: executable, plugins, TLS
# shim, systemd unit, logrotate file, /etc/default/octoflow, man page,
# shell completion, docs) and "dev" (octoflow-dev: SDK headers, pkg-config
# file, CMake package, the example plugin). Every path follows the install
# prefix: `make install PREFIX=/opt/x` writes nothing outside /opt/x (the
# configuration files go to PREFIX/etc, /etc only for the prefix /usr).

# Configuration files: /etc for the prefix /usr (the packages), else
# PREFIX/etc, relative so that `cmake --install --prefix` moves them too.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(OCTO_ETC_DEST "/etc")
else()
  set(OCTO_ETC_DEST "${CMAKE_INSTALL_SYSCONFDIR}")
endif()

# ---- the systemd unit, with the install prefix's own paths ---------------
# Generated when installing, not when configuring: `make install PREFIX=x`
# on a build/ configured for /usr/local gets ExecStart=x/bin/octoflow.
install(CODE "
  set(CMAKE_INSTALL_FULL_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(CMAKE_INSTALL_FULL_SYSCONFDIR /etc)
  else()
    set(CMAKE_INSTALL_FULL_SYSCONFDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SYSCONFDIR}\")
  endif()
  configure_file(\"${PROJECT_SOURCE_DIR}/dist/octoflow.service.in\"
                 \"${PROJECT_BINARY_DIR}/install-unit/octoflow.service\" @ONLY)
" COMPONENT runtime)
install(FILES ${PROJECT_BINARY_DIR}/install-unit/octoflow.service
        DESTINATION lib/systemd/system COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/dist/octoflow.logrotate
        DESTINATION ${OCTO_ETC_DEST}/logrotate.d RENAME octoflow COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/dist/octoflow.default
        DESTINATION ${OCTO_ETC_DEST}/default RENAME octoflow COMPONENT runtime)
# ---- the documentation ---------------------------------------------------
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR}
        COMPONENT runtime)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
        COMPONENT runtime FILES_MATCHING PATTERN "*.md")
# the third-party plugin directory is documented, not created: an install
# into /usr/local would otherwise leave an empty directory behind

# ---- Debian packages -----------------------------------------------------
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "octoflow")
set(CPACK_PACKAGE_VENDOR "Octoflow")
set(CPACK_PACKAGE_CONTACT "Octoflow maintainers <octoflow@localhost>")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "self-hosted flow engine: YAML flows, REST API, schedules")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
# Depends of each package from the libraries its files link (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME "octoflow")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "self-hosted flow engine: YAML flows of steps, a REST API and schedules
 Runs flows (YAML files of steps: files, REST calls, jq, Jinja2 templates,
 sub-flows) once from the command line or as a service with a REST API and
 cron schedules. Compatible with the flows of the Python service it replaces.")
# the maintainer scripts: the octoflow system user, /var/lib/octoflow
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/dist/debian/postinst;${PROJECT_SOURCE_DIR}/dist/debian/prerm;${PROJECT_SOURCE_DIR}/dist/debian/postrm;${PROJECT_SOURCE_DIR}/dist/debian/conffiles")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "logrotate")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME "octoflow-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION "devel")
# not "all": it ships the mock host, a compiled static library
# (set(CPACK_DEBIAN_DEV_PACKAGE_ARCHITECTURE) left to dpkg --print-architecture)
set(CPACK_DEBIAN_DEV_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_DEV_DESCRIPTION "Octoflow step plugin SDK (step ABI ${OCTO_ABI_VERSION})
 Headers, pkg-config file (octoflow-sdk) and CMake package (OctoflowSDK)
 to build step plugins out of tree, and an example plugin.")
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "libjansson-dev (>= 2.13), pkg-config, octoflow (= ${PROJECT_VERSION}-1)")
include(CPack)
