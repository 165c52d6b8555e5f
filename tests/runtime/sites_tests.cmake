# Call sites behind std:: wrappers and through the interposer (recperf): code addresses recorded
# as sites and symbolized to file:line by the readers. -g so that addr2line finds the lines.
weft_add_catch_test(runtime_sites_test SOURCES sites_test.cpp LIBS weft::primitives weft::runtime)
target_compile_options(runtime_sites_test PRIVATE -g)

if(NOT WEFT_SANITIZE AND TARGET weft_preload AND TARGET weft)
  add_executable(sites_std_prog ${CMAKE_CURRENT_LIST_DIR}/sites_std_prog.cpp)
  target_link_libraries(sites_std_prog PRIVATE Threads::Threads)
  target_compile_options(sites_std_prog PRIVATE -g)
  weft_target_warnings(sites_std_prog)
  add_dependencies(sites_std_prog weft weft_preload)
  set(_sites_trace ${CMAKE_CURRENT_BINARY_DIR}/sites_std.trace)
  # `weft run` prints the lock-order finding with its acquisition sites resolved to the program's
  # lines (10, 11, 14, 15).
  add_test(NAME runtime_sites:std-mutex-run
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/cli/expect_exit.sh 1
            "^    at .*sites_std_prog[.]cpp:1[0145], .*sites_std_prog[.]cpp:1[0145]"
            $<TARGET_FILE:weft> run --fail-on-findings -o ${_sites_trace} --
            $<TARGET_FILE:sites_std_prog>)
  set_tests_properties(runtime_sites:std-mutex-run PROPERTIES TIMEOUT 60
    FIXTURES_SETUP weft_sites_trace)
  # `weft report` on the same trace: the finding's sites (exit 1: there is a finding).
  add_test(NAME runtime_sites:std-mutex-report
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/cli/expect_exit.sh 1
            "at .*sites_std_prog[.]cpp:1[0145], .*sites_std_prog[.]cpp:1[0145]"
            $<TARGET_FILE:weft> report ${_sites_trace})
  set_tests_properties(runtime_sites:std-mutex-report PROPERTIES TIMEOUT 60
    FIXTURES_REQUIRED weft_sites_trace)

  # The same program built without optimisation: std::lock_guard's constructor, std::mutex::lock
  # and __gthread_mutex_lock are out-of-line functions of the program, and the sites are still
  # the program's lines, not <bits/std_mutex.h>'s (std_frames.cpp).
  add_executable(sites_std_prog_O0 ${CMAKE_CURRENT_LIST_DIR}/sites_std_prog.cpp)
  target_link_libraries(sites_std_prog_O0 PRIVATE Threads::Threads)
  target_compile_options(sites_std_prog_O0 PRIVATE -g -O0)
  weft_target_warnings(sites_std_prog_O0)
  add_dependencies(sites_std_prog_O0 weft weft_preload)
  add_test(NAME runtime_sites:std-mutex-run-O0
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/cli/expect_exit.sh 1
            "^    at .*sites_std_prog[.]cpp:1[0145], .*sites_std_prog[.]cpp:1[0145]"
            $<TARGET_FILE:weft> run --fail-on-findings -o ${CMAKE_CURRENT_BINARY_DIR}/sites_std_O0.trace --
            $<TARGET_FILE:sites_std_prog_O0>)
  set_tests_properties(runtime_sites:std-mutex-run-O0 PROPERTIES TIMEOUT 60)
endif()

if(NOT WEFT_SANITIZE AND TARGET weft_preload AND TARGET weft)
  # The finding's message, written online with code labels ("taken at sites_std_prog+0x1234"),
  # names the lines once the report has symbolized the sites.
  add_test(NAME runtime_sites:std-mutex-report-message
    COMMAND bash ${PROJECT_SOURCE_DIR}/tests/cli/expect_exit.sh 1
            "taken at sites_std_prog[.]cpp:1[0145] while holding .*[(]taken at sites_std_prog[.]cpp:1[0145][)]"
            $<TARGET_FILE:weft> report ${_sites_trace})
  set_tests_properties(runtime_sites:std-mutex-report-message PROPERTIES TIMEOUT 60
    FIXTURES_REQUIRED weft_sites_trace)
endif()

find_package(Python3 COMPONENTS Interpreter)
if(NOT WEFT_SANITIZE AND TARGET weft_preload AND TARGET weft AND Python3_Interpreter_FOUND)
  # std::thread's constructor calls pthread_create from libstdc++: the threads' creation sites
  # are the program's lines 9 and 13, not a libstdc++ symbol.
  add_test(NAME runtime_sites:std-thread-creation
    COMMAND sh -c "'$<TARGET_FILE:weft>' report --format=json '${_sites_trace}' | '${Python3_EXECUTABLE}' '${CMAKE_CURRENT_LIST_DIR}/check_thread_sites.py' sites_std_prog.cpp 9 13")
  set_tests_properties(runtime_sites:std-thread-creation PROPERTIES TIMEOUT 60
    FIXTURES_REQUIRED weft_sites_trace)

  # Each lock and unlock of a program with more sites than the interposer's code-address cache
  # holds, in the parent and in a fork child: its own line (the lock path's site-id memo).
  add_executable(sites_memo_prog ${CMAKE_CURRENT_LIST_DIR}/sites_memo_prog.cpp)
  target_link_libraries(sites_memo_prog PRIVATE Threads::Threads)
  target_compile_options(sites_memo_prog PRIVATE -g)
  weft_target_warnings(sites_memo_prog)
  weft_add_catch_test(runtime_sites_memo_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/sites_memo_test.cpp LIBS weft::trace_reader)
  add_dependencies(runtime_sites_memo_test weft weft_preload sites_memo_prog)
  target_compile_definitions(runtime_sites_memo_test PRIVATE
    WEFT_CLI="$<TARGET_FILE:weft>"
    WEFT_SITES_MEMO_PROG="$<TARGET_FILE:sites_memo_prog>"
    WEFT_SITES_MEMO_SOURCE="${CMAKE_CURRENT_LIST_DIR}/sites_memo_prog.cpp")
endif()
