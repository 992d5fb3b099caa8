# The Debian package: `cpack -G DEB` in a build tree makes
# opora_<version>_amd64.deb (docs/OPERATIONS.md). Its dependencies are
# computed by dpkg-shlibdeps from the binary (dpkg-dev and file needed), so
# they follow the libraries CMake links; none is written here. The Dockerfile
# builds this package and its runtime stage installs it.
install(TARGETS opora RUNTIME DESTINATION bin)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/opora.service DESTINATION /lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/opora.env DESTINATION /etc/opora
        PERMISSIONS OWNER_READ OWNER_WRITE)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/README.Debian ${CMAKE_SOURCE_DIR}/packaging/copyright
        DESTINATION share/doc/opora)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME opora)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "REST API server for targeted support of schools (ШНОР, ШНСУ)")
set(CPACK_PACKAGE_DESCRIPTION
    "Opora keeps the regional registry of schools with low educational results
and schools in unfavourable social conditions, their risk profiles and
support plans, monitoring campaigns and assessment results, behind a REST
JSON API on PostgreSQL 15. It runs as the systemd service opora.")
set(OPORA_PACKAGE_MAINTAINER "Opora maintainers <opora@localhost>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${OPORA_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # opora_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser: postinst makes the user. Appended to the computed dependencies.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql-15 | postgresql (>= 15)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/prerm ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
