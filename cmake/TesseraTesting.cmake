# tessera_test(NAME [PREFIX p.] SOURCES... LIBS lib...): one GoogleTest executable, registered
# with CTest test by test (gtest_discover_tests), so ctest reports each case. PREFIX is put
# before every test name (so `ctest -R mail` finds the cases of tessera_mail_test).
find_package(GTest REQUIRED)
include(GoogleTest)

function(tessera_test name)
  cmake_parse_arguments(T "" "PREFIX" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} TEST_PREFIX "${T_PREFIX}" DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS unit)
endfunction()
