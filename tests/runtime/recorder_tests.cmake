# Recorder, trace format and reader (issue 3).
add_executable(weft_rec_prog programs/rec_prog.cpp)
target_link_libraries(weft_rec_prog PRIVATE weft::runtime)
weft_target_warnings(weft_rec_prog)
weft_add_catch_test(runtime_recorder_test SOURCES recorder_test.cpp LIBS weft::runtime)
target_compile_definitions(runtime_recorder_test PRIVATE WEFT_REC_PROG="$<TARGET_FILE:weft_rec_prog>")
add_dependencies(runtime_recorder_test weft_rec_prog)
weft_add_catch_test(runtime_recorder_inproc_test SOURCES recorder_inproc_test.cpp LIBS weft::runtime)
add_test(NAME runtime_cli:run-and-report COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli_run_report.sh
  $<TARGET_FILE:weft> $<TARGET_FILE:weft_rec_prog>)
set(_weft_expect ${PROJECT_SOURCE_DIR}/tests/cli/expect_exit.sh)
add_test(NAME runtime_cli:run-missing-program COMMAND ${_weft_expect} 2 "cannot run './no-such-prog'"
  $<TARGET_FILE:weft> run -o /tmp/weft-missing.trace -- ./no-such-prog)
add_test(NAME runtime_cli:run-unknown-flag COMMAND ${_weft_expect} 2 "unknown option '--frob'"
  $<TARGET_FILE:weft> run --frob -- true)
add_test(NAME runtime_cli:run-no-program COMMAND ${_weft_expect} 2 "missing program"
  $<TARGET_FILE:weft> run --)
add_test(NAME runtime_cli:run-help COMMAND ${_weft_expect} 0 "example:"
  $<TARGET_FILE:weft> run --help)
add_test(NAME runtime_cli:report-missing-file COMMAND ${_weft_expect} 2 "cannot open"
  $<TARGET_FILE:weft> report /nonexistent/x.trace)
add_test(NAME runtime_cli:report-not-a-trace COMMAND ${_weft_expect} 2 "not a weft trace"
  $<TARGET_FILE:weft> report ${CMAKE_CURRENT_SOURCE_DIR}/CMakeLists.txt)
add_test(NAME runtime_cli:report-bad-format COMMAND ${_weft_expect} 2 "unknown format 'xml'"
  $<TARGET_FILE:weft> report x.trace --format=xml)
