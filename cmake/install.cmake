# Making bouncekit easy to embed: the C API, the Python module, the rule-tool tests, the man page, then
# `cmake --install` (headers, static library, CLI, default rules, CMake package, pkg-config file) and CPack.
# Included once, at the end of the top-level CMakeLists.txt.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(BOUNCEKIT_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/bouncekit" CACHE STRING
    "Where the CMake package files go, relative to the prefix")
set(BOUNCEKIT_INSTALL_RULESDIR "${CMAKE_INSTALL_DATADIR}/bouncekit/rules" CACHE STRING
    "Where the default rule files go, relative to the prefix")

# ---- C API: part of the library -------------------------------------------------------------------------
target_sources(bouncekit PRIVATE "${PROJECT_SOURCE_DIR}/src/c_api.cpp")
set_property(SOURCE "${PROJECT_SOURCE_DIR}/src/c_api.cpp" APPEND PROPERTY COMPILE_DEFINITIONS
             "BOUNCEKIT_VERSION=\"${PROJECT_VERSION}\"")
list(APPEND BOUNCEKIT_PUBLIC_HEADERS include/bouncekit/bouncekit.h)
set_target_properties(bouncekit PROPERTIES PUBLIC_HEADER "${BOUNCEKIT_PUBLIC_HEADERS}")

if(BOUNCEKIT_BUILD_TESTS)
  # Compiled as C: proves the header is C and that no C++ leaks through it.
  add_executable(c_api_test tests/c_api_test.c)
  set_target_properties(c_api_test PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_compile_options(c_api_test PRIVATE -Wall -Wextra -Wpedantic -Wstrict-prototypes)
  target_link_libraries(c_api_test PRIVATE bouncekit)
  add_test(NAME c_api COMMAND c_api_test "${PROJECT_SOURCE_DIR}")
  set_tests_properties(c_api PROPERTIES PASS_REGULAR_EXPRESSION "all checks passed")
endif()

# ---- The rule tools of the CLI, and its man page ---------------------------------------------------------
if(BOUNCEKIT_BUILD_CLI)
  if(BOUNCEKIT_BUILD_TESTS)
    add_test(NAME cli_rules_check COMMAND bouncekit_cli rules check "${PROJECT_SOURCE_DIR}/rules")
    set_tests_properties(cli_rules_check PROPERTIES PASS_REGULAR_EXPRESSION " 0 failures")
    add_test(NAME cli_rules_check_builtin COMMAND bouncekit_cli rules check)
    add_test(NAME cli_rules_list COMMAND bouncekit_cli rules list)
    set_tests_properties(cli_rules_list PROPERTIES PASS_REGULAR_EXPRESSION "mailbox-user-unknown +userunknown +bad-mailbox")
    add_test(NAME cli_rules_check_bad_dir COMMAND bouncekit_cli rules check "${PROJECT_SOURCE_DIR}/corpus")
    set_tests_properties(cli_rules_check_bad_dir PROPERTIES WILL_FAIL ON)
    add_test(NAME cli_explain COMMAND bouncekit_cli explain "${PROJECT_SOURCE_DIR}/corpus/rfc3464/postfix-user-unknown.eml")
    set_tests_properties(cli_explain PROPERTIES PASS_REGULAR_EXPRESSION "decided by.*\n.*recommended action")
  endif()

  if(NOT CMAKE_CROSSCOMPILING)
    set(man_page "${PROJECT_BINARY_DIR}/bouncekit.1")
    add_custom_command(
      OUTPUT "${man_page}"
      COMMAND ${CMAKE_COMMAND} -DCLI=$<TARGET_FILE:bouncekit_cli> -DOUTPUT=${man_page} -DVERSION=${PROJECT_VERSION}
              -P "${PROJECT_SOURCE_DIR}/cmake/man_page.cmake"
      DEPENDS bouncekit_cli "${PROJECT_SOURCE_DIR}/cmake/man_page.cmake"
      COMMENT "Writing bouncekit.1 from bouncekit --help")
    add_custom_target(bouncekit_man ALL DEPENDS "${man_page}")
    install(FILES "${man_page}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" COMPONENT cli)
  endif()
endif()

# ---- Python module (pybind11) ----------------------------------------------------------------------------
# Debian's pybind11 is built for Debian's python3: prefer /usr/bin/python3 over a python3 earlier on PATH
# (pyenv, a virtualenv) unless the caller chose one with -DPython_EXECUTABLE=...
if(NOT DEFINED Python_EXECUTABLE AND NOT DEFINED PYTHON_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python_EXECUTABLE /usr/bin/python3)
endif()
if(NOT DEFINED BOUNCEKIT_BUILD_PYTHON)
  find_package(Python 3.8 QUIET COMPONENTS Interpreter Development.Module)
  find_package(pybind11 2.6 CONFIG QUIET)
  set(python_default OFF)
  # Not with sanitizers: an instrumented module cannot be loaded into an uninstrumented interpreter.
  if(Python_FOUND AND pybind11_FOUND AND NOT BOUNCEKIT_SANITIZE)
    set(python_default ON)
  endif()
endif()
option(BOUNCEKIT_BUILD_PYTHON "Build the Python module (needs pybind11 and the Python headers)" ${python_default})
if(BOUNCEKIT_BUILD_PYTHON)
  add_subdirectory(python)
endif()

# ---- Install ---------------------------------------------------------------------------------------------
install(TARGETS bouncekit EXPORT bouncekitTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT dev
        PUBLIC_HEADER DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/bouncekit" COMPONENT dev)
if(BOUNCEKIT_BUILD_CLI)
  install(TARGETS bouncekit_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT cli)
endif()
file(GLOB bouncekit_rule_files CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/rules/*.toml")
install(FILES ${bouncekit_rule_files} DESTINATION "${BOUNCEKIT_INSTALL_RULESDIR}" COMPONENT cli)

install(EXPORT bouncekitTargets NAMESPACE bouncekit:: DESTINATION "${BOUNCEKIT_INSTALL_CMAKEDIR}" COMPONENT dev)
configure_package_config_file(cmake/bouncekitConfig.cmake.in "${PROJECT_BINARY_DIR}/bouncekitConfig.cmake"
                              INSTALL_DESTINATION "${BOUNCEKIT_INSTALL_CMAKEDIR}"
                              PATH_VARS BOUNCEKIT_INSTALL_RULESDIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/bouncekitConfigVersion.cmake"
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/bouncekitConfig.cmake" "${PROJECT_BINARY_DIR}/bouncekitConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/FindMimetic.cmake"
        DESTINATION "${BOUNCEKIT_INSTALL_CMAKEDIR}" COMPONENT dev)

# pkg-config: the prefix is found relative to the .pc file, so the tree can be moved.
file(RELATIVE_PATH BOUNCEKIT_PC_RELATIVE_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" BOUNCEKIT_PC_RELATIVE_PREFIX "${BOUNCEKIT_PC_RELATIVE_PREFIX}")
configure_file(cmake/bouncekit.pc.in "${PROJECT_BINARY_DIR}/bouncekit.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/bouncekit.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig" COMPONENT dev)

# ---- CPack: Debian packages ------------------------------------------------------------------------------
# One .deb per component: bouncekit (the CLI, its man page and the default rules), libbouncekit-dev (headers,
# static library, CMake and pkg-config files) and python3-bouncekit. `cpack -G DEB` in the build directory.
set(CPACK_PACKAGE_NAME bouncekit)
set(CPACK_PACKAGE_VENDOR "bouncekit")
set(CPACK_PACKAGE_CONTACT "bouncekit maintainers <bouncekit@localhost>")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}: bounce, complaint and auto-reply verdicts")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_CLI_PACKAGE_NAME bouncekit)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libbouncekit-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "bouncekit (= ${PROJECT_VERSION}), libpcre2-dev, libmimetic-dev, libfmt-dev, nlohmann-json3-dev (>= 3.10), libtomlplusplus-dev, pkg-config")
set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-bouncekit)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS "${BOUNCEKIT_PYTHON_DEB_DEPENDS}")
set(CPACK_COMPONENTS_ALL cli dev)
if(BOUNCEKIT_BUILD_PYTHON)
  list(APPEND CPACK_COMPONENTS_ALL python)
endif()
include(CPack)
