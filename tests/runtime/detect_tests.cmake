# Online detectors (issue 6). runtime_detectors_test: synthetic event sequences from real threads.
weft_add_catch_test(runtime_detectors_test SOURCES detectors_test.cpp LIBS weft::runtime)
# The ThreadSanitizer bridge needs a TSan build: only there does a race produce a report.
if(WEFT_SANITIZE MATCHES "thread")
  add_executable(runtime_detectors_tsan_race detect_tsan_race.cpp)
  target_link_libraries(runtime_detectors_tsan_race PRIVATE weft::runtime)
  weft_target_warnings(runtime_detectors_tsan_race)
  add_test(NAME runtime_detectors_tsan_race COMMAND runtime_detectors_tsan_race)
  # The race is deliberate: keep going after the report and exit with the test's own status.
  set_tests_properties(runtime_detectors_tsan_race PROPERTIES TIMEOUT 60
    ENVIRONMENT "TSAN_OPTIONS=halt_on_error=0 exitcode=0")
endif()
