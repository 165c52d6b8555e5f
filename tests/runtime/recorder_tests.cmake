# Recorder, trace format and reader (issue 3).
add_executable(weft_rec_prog programs/rec_prog.cpp)
target_link_libraries(weft_rec_prog PRIVATE weft::runtime)
weft_target_warnings(weft_rec_prog)
weft_add_catch_test(runtime_recorder_test SOURCES recorder_test.cpp LIBS weft::runtime)
target_compile_definitions(runtime_recorder_test PRIVATE WEFT_REC_PROG="$<TARGET_FILE:weft_rec_prog>")
add_dependencies(runtime_recorder_test weft_rec_prog)
weft_add_catch_test(runtime_recorder_inproc_test SOURCES recorder_inproc_test.cpp LIBS weft::runtime)
weft_add_catch_test(runtime_flight_recorder_test SOURCES flight_recorder_test.cpp LIBS weft::runtime)
add_test(NAME runtime_cli:run-and-report COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli_run_report.sh
  $<TARGET_FILE:weft> $<TARGET_FILE:weft_rec_prog>)
set(_weft_expect ${PROJECT_SOURCE_DIR}/tests/cli/expect_exit.sh)
add_test(NAME runtime_cli:run-missing-program COMMAND ${_weft_expect} 2 "cannot run './no-such-prog'"
  $<TARGET_FILE:weft> run -o /tmp/weft-missing.trace -- ./no-such-prog)
add_test(NAME runtime_cli:run-unknown-flag COMMAND ${_weft_expect} 2 "unknown option '--frob'"
  $<TARGET_FILE:weft> run --frob -- true)
add_test(NAME runtime_cli:run-keep-last-no-unit COMMAND ${_weft_expect} 2 "needs a unit"
  $<TARGET_FILE:weft> run --keep-last=100 -- true)
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

# The trace reader's fuzz target (issue 3). With clang++-19: a libFuzzer binary (ASan+UBSan) that
# CTest runs for 20 s from the seed corpus. Without it, or in sanitizer builds: the seeds (and
# their prefixes) through the same entry point, built with the project's compiler.
set(_weft_fuzz ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
find_program(WEFT_CLANGXX_19 NAMES clang++-19)
if(WEFT_CLANGXX_19 AND NOT WEFT_SANITIZE)
  set(_weft_fuzz_bin ${PROJECT_BINARY_DIR}/bin/trace_reader_fuzz)
  set(_weft_fuzz_srcs ${_weft_fuzz}/trace_reader_fuzz.cpp
      ${PROJECT_SOURCE_DIR}/runtime/src/trace_reader.cpp ${PROJECT_SOURCE_DIR}/runtime/src/trace_stats.cpp
      ${PROJECT_SOURCE_DIR}/runtime/src/labels.cpp ${PROJECT_SOURCE_DIR}/runtime/src/vocabulary.cpp
      ${PROJECT_SOURCE_DIR}/runtime/src/part_files.cpp)
  add_custom_command(OUTPUT ${_weft_fuzz_bin}
    COMMAND ${WEFT_CLANGXX_19} -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined
      -fno-sanitize-recover=undefined -Wno-deprecated-declarations -I${PROJECT_SOURCE_DIR}/runtime/include
      -I${WEFT_GENERATED_INCLUDE} ${_weft_fuzz_srcs}
      -o ${_weft_fuzz_bin}
    DEPENDS ${_weft_fuzz_srcs} ${PROJECT_SOURCE_DIR}/runtime/src/part_files.hpp
      ${PROJECT_SOURCE_DIR}/runtime/include/weft/runtime/trace_format.hpp
      ${PROJECT_SOURCE_DIR}/runtime/include/weft/runtime/trace_reader.hpp
      ${PROJECT_SOURCE_DIR}/runtime/include/weft/runtime/trace_model.hpp
      ${WEFT_GENERATED_INCLUDE}/weft/runtime/vocabulary.inc weft_vocabulary
    COMMENT "libFuzzer target for the trace reader (clang++-19)")
  add_custom_target(trace_reader_fuzz ALL DEPENDS ${_weft_fuzz_bin})
  add_test(NAME runtime_fuzz:trace-reader COMMAND sh -c
    "mkdir -p fuzz-corpus && exec '${_weft_fuzz_bin}' -max_total_time=20 -timeout=5 -rss_limit_mb=1024 -malloc_limit_mb=256 -print_final_stats=1 fuzz-corpus '${_weft_fuzz}/seeds'"
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(runtime_fuzz:trace-reader PROPERTIES TIMEOUT 120)
endif()
add_executable(trace_reader_fuzz_seeds ${_weft_fuzz}/trace_reader_fuzz.cpp ${_weft_fuzz}/seed_driver.cpp)
target_link_libraries(trace_reader_fuzz_seeds PRIVATE weft::runtime)
weft_target_warnings(trace_reader_fuzz_seeds)
add_test(NAME runtime_fuzz:seeds COMMAND trace_reader_fuzz_seeds ${_weft_fuzz}/seeds)
set_tests_properties(runtime_fuzz:seeds PROPERTIES PASS_REGULAR_EXPRESSION "[1-9][0-9]* inputs read")

# A program linked with weft::primitives only records itself under WEFT_TRACE.
if(TARGET weft::primitives)
  add_executable(weft_prims_prog programs/prims_prog.cpp)
  target_link_libraries(weft_prims_prog PRIVATE weft::primitives)
  weft_target_warnings(weft_prims_prog)
  add_test(NAME runtime_cli:run-primitives-program COMMAND ${_weft_expect} 0
    "recorded [0-9]+ events, 4 threads"
    $<TARGET_FILE:weft> run -o ${CMAKE_CURRENT_BINARY_DIR}/prims.trace -- $<TARGET_FILE:weft_prims_prog>)
  add_test(NAME runtime_cli:report-primitives-program COMMAND ${_weft_expect} 0
    "balance +lock +300 "
    $<TARGET_FILE:weft> report ${CMAKE_CURRENT_BINARY_DIR}/prims.trace)
  set_tests_properties(runtime_cli:report-primitives-program PROPERTIES
    DEPENDS runtime_cli:run-primitives-program)
endif()
