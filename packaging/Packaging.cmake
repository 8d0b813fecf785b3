# .deb and .rpm packages of floe (head) and floe-agent (worker), built with CPack:
#
#   cmake -S . -B build/pkg -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
#   ninja -C build/pkg floe floe-agent && (cd build/pkg && cpack)
#
# gives build/pkg/packages/floe_<v>-<r>_amd64.deb, floe-agent_<v>-<r>_amd64.deb,
# floe-<v>-<r>.x86_64.rpm and floe-agent-<v>-<r>.x86_64.rpm. One component per
# package. -DFLOE_PACKAGE_VERSION=0.1.1 / -DFLOE_PACKAGE_RELEASE=2 override the
# version (default: the project version) and release (default 1) of the packages
# only, e.g. to test an upgrade. See packaging/README.md.
include(GNUInstallDirs)

set(FLOE_PACKAGE_VERSION "" CACHE STRING "Package version (empty: the project version)")
set(FLOE_PACKAGE_RELEASE "1" CACHE STRING "Package release (Debian revision / RPM Release)")
if(FLOE_PACKAGE_VERSION STREQUAL "")
  set(_floe_pkg_version "${PROJECT_VERSION}")
else()
  set(_floe_pkg_version "${FLOE_PACKAGE_VERSION}")
endif()

set(FLOE_PACKAGING_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(_floe_gen "${CMAKE_BINARY_DIR}/packaging")
set(_floe_maintainer "floe maintainers <floe-maintainers@floe.invalid>")
# Both generators get the same paths (CPack installs once per generator with the
# same rules): /usr/lib/systemd/system is where RHEL 9 wants units and a directory
# systemd on Debian 12 reads too (packaging/README.md, lintian section).
set(_floe_unit_dir "lib/systemd/system")

# ---- what goes into each package -------------------------------------------------
# name | component | binary target | unit | state dir | config dir | what to run first
set(_floe_packages
  "floe|head|floe|floe.service|/var/lib/floe|/etc/floe|floe init"
  "floe-agent|agent|floe-agent|floe-agent.service|/var/lib/floe-agent|/etc/floe-agent|floe-agent join")

string(TIMESTAMP _floe_changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
find_program(FLOE_HELP2MAN help2man)
find_program(FLOE_GZIP gzip REQUIRED)

set(_floe_doc_outputs "")
foreach(_entry IN LISTS _floe_packages)
  string(REPLACE "|" ";" _fields "${_entry}")
  list(GET _fields 0 PKG)
  list(GET _fields 1 _comp)
  list(GET _fields 2 _target)
  list(GET _fields 3 UNIT)
  list(GET _fields 4 STATE_DIR)
  list(GET _fields 5 CONFIG_DIR)
  list(GET _fields 6 INIT_COMMAND)
  string(TOUPPER "${_comp}" _COMP)
  set(_out "${_floe_gen}/${PKG}")
  file(MAKE_DIRECTORY "${_out}/debian" "${_out}/rpm" "${_out}/doc")

  # Binary (stripped by CPACK_STRIP_FILES), unit, default config (a conffile).
  install(TARGETS ${_target} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ${_comp})
  install(FILES "${FLOE_PACKAGING_DIR}/systemd/${UNIT}" DESTINATION ${_floe_unit_dir}
          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ COMPONENT ${_comp})
  install(FILES "${FLOE_PACKAGING_DIR}/config/${PKG}.env" DESTINATION "${CONFIG_DIR}"
          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ COMPONENT ${_comp})

  # Maintainer scripts: one template per script, filled in per package.
  foreach(_script postinst prerm postrm)
    configure_file("${FLOE_PACKAGING_DIR}/debian/templates/${_script}.in" "${_out}/debian/${_script}" @ONLY
                   FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  endforeach()
  foreach(_script post preun postun)
    configure_file("${FLOE_PACKAGING_DIR}/rpm/${_script}.in" "${_out}/rpm/${_script}" @ONLY)
  endforeach()
  file(WRITE "${_out}/debian/conffiles" "${CONFIG_DIR}/${PKG}.env\n")

  # /usr/share/doc/<pkg>: copyright and changelog (Debian policy; harmless in the rpm).
  set(DEB_VERSION "${_floe_pkg_version}-${FLOE_PACKAGE_RELEASE}")
  set(MAINTAINER "${_floe_maintainer}")
  set(DATE "${_floe_changelog_date}")
  configure_file("${FLOE_PACKAGING_DIR}/debian/changelog.in" "${_out}/doc/changelog.Debian" @ONLY)
  add_custom_command(OUTPUT "${_out}/doc/changelog.Debian.gz"
    COMMAND sh -c "${FLOE_GZIP} -9nc ${_out}/doc/changelog.Debian > ${_out}/doc/changelog.Debian.gz"
    DEPENDS "${_out}/doc/changelog.Debian" VERBATIM)
  list(APPEND _floe_doc_outputs "${_out}/doc/changelog.Debian.gz")
  install(FILES "${FLOE_PACKAGING_DIR}/debian/copyright" "${_out}/doc/changelog.Debian.gz"
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${PKG} COMPONENT ${_comp})

  # Man page from --help when help2man is there; else the --help text as a doc file.
  # PATH puts the built binary first so its usage line says "floe", not a build path.
  if(FLOE_HELP2MAN)
    add_custom_command(OUTPUT "${_out}/doc/${PKG}.1.gz"
      COMMAND ${CMAKE_COMMAND} -E env "PATH=$<TARGET_FILE_DIR:${_target}>:/usr/bin:/bin"
              ${FLOE_HELP2MAN} --no-info --no-discard-stderr --section=1
              "--version-string=${PROJECT_VERSION}" "--name=${PKG} command line"
              --output=${_out}/doc/${PKG}.1 ${_target}
      COMMAND ${FLOE_GZIP} -9nf "${_out}/doc/${PKG}.1"
      DEPENDS ${_target} VERBATIM)
    list(APPEND _floe_doc_outputs "${_out}/doc/${PKG}.1.gz")
    install(FILES "${_out}/doc/${PKG}.1.gz" DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT ${_comp})
  else()
    add_custom_command(OUTPUT "${_out}/doc/${PKG}-help.txt"
      COMMAND sh -c "PATH=$<TARGET_FILE_DIR:${_target}>:$PATH ${_target} --help > ${_out}/doc/${PKG}-help.txt"
      DEPENDS ${_target} VERBATIM)
    list(APPEND _floe_doc_outputs "${_out}/doc/${PKG}-help.txt")
    install(FILES "${_out}/doc/${PKG}-help.txt" DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${PKG} COMPONENT ${_comp})
  endif()

  # Per-package CPack settings.
  set(CPACK_DEBIAN_${_COMP}_PACKAGE_NAME "${PKG}")
  set(CPACK_RPM_${_COMP}_PACKAGE_NAME "${PKG}")
  set(CPACK_DEBIAN_${_COMP}_PACKAGE_CONTROL_EXTRA
      "${_out}/debian/postinst;${_out}/debian/prerm;${_out}/debian/postrm;${_out}/debian/conffiles")
  set(CPACK_RPM_${_COMP}_POST_INSTALL_SCRIPT_FILE "${_out}/rpm/post")
  set(CPACK_RPM_${_COMP}_PRE_UNINSTALL_SCRIPT_FILE "${_out}/rpm/preun")
  set(CPACK_RPM_${_COMP}_POST_UNINSTALL_SCRIPT_FILE "${_out}/rpm/postun")
  set(CPACK_RPM_${_COMP}_USER_FILELIST "%config(noreplace) ${CONFIG_DIR}/${PKG}.env")
endforeach()
# Everything `cpack` packages is built by `ninja` (the default target).
add_custom_target(floe_package_docs ALL DEPENDS ${_floe_doc_outputs})

# ---- CPack -----------------------------------------------------------------------
set(CPACK_GENERATOR "DEB;RPM")
set(CPACK_PACKAGE_NAME "floe")
set(CPACK_PACKAGE_VENDOR "floe")
set(CPACK_PACKAGE_CONTACT "${_floe_maintainer}")
set(CPACK_PACKAGE_VERSION "${_floe_pkg_version}")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://floe.invalid/")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/packages")
set(CPACK_COMPONENTS_ALL head agent)
set(CPACK_STRIP_FILES ON)
set(CPACK_THREADS 1)

set(CPACK_COMPONENT_HEAD_DISPLAY_NAME "floe head")
set(CPACK_COMPONENT_HEAD_DESCRIPTION "head of the floe on-prem lakehouse appliance
floe turns a rack of bare-metal Linux machines into an on-prem lakehouse:
Apache Spark and an Apache Iceberg catalog on k3s. This package holds the
head: the floe command, which keeps the cluster state and CA, serves the
HTTPS API that workers join and heartbeat to, and issues join tokens.")
set(CPACK_COMPONENT_AGENT_DISPLAY_NAME "floe worker agent")
set(CPACK_COMPONENT_AGENT_DESCRIPTION "worker agent of the floe lakehouse appliance
floe turns a rack of bare-metal Linux machines into an on-prem lakehouse:
Apache Spark and an Apache Iceberg catalog on k3s. This package holds the
agent that runs on every worker: it inventories the hardware, runs preflight
checks, joins the head with a token and heartbeats to it.")

# Debian
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_PACKAGE_RELEASE "${FLOE_PACKAGE_RELEASE}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE "xz")

# RPM
set(CPACK_RPM_COMPONENT_INSTALL ON)
set(CPACK_RPM_PACKAGE_RELEASE "${FLOE_PACKAGE_RELEASE}")
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_LICENSE "LicenseRef-floe-unlicensed")
set(CPACK_RPM_PACKAGE_GROUP "Applications/System")
set(CPACK_RPM_PACKAGE_URL "${CPACK_PACKAGE_HOMEPAGE_URL}")
set(CPACK_RPM_HEAD_PACKAGE_SUMMARY "Head node of the on-prem lakehouse appliance")
set(CPACK_RPM_AGENT_PACKAGE_SUMMARY "Worker agent of the on-prem lakehouse appliance")
# rpmbuild's automatic requires (find-requires: sonames of the ELF files, and
# /bin/sh for the scripts) give the dependencies; nothing is listed by hand.
set(CPACK_RPM_PACKAGE_AUTOREQ ON)
set(CPACK_RPM_PACKAGE_AUTOPROV OFF)
set(CPACK_RPM_PACKAGE_RELOCATABLE OFF)
set(CPACK_PACKAGE_RELOCATABLE OFF)  # else CPackRPM still writes "Prefix: /usr"
# rpmbuild fills the Packager tag from %packager.
set(CPACK_RPM_SPEC_MORE_DEFINE "%define packager ${_floe_maintainer}")
# Directories owned by the base system, not by us.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    /usr/lib/systemd /usr/lib/systemd/system /usr/share/man /usr/share/man/man1)

include(CPack)
