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

# End to end through `weft run` and the LD_PRELOAD interposer: unmodified std:: programs.
# Not in sanitizer builds: there the interposer is not built (it refuses TSan; see
# preload_tests.cmake), and scripts/test.sh runs the ^runtime tests in such a build.
if(NOT WEFT_SANITIZE AND TARGET weft_preload AND TARGET weft)
  add_executable(detect_std_prog ${CMAKE_CURRENT_LIST_DIR}/detect_std_prog.cpp)
  target_link_libraries(detect_std_prog PRIVATE Threads::Threads)
  weft_target_warnings(detect_std_prog)
  add_dependencies(detect_std_prog weft weft_preload)
  set(_expect ${PROJECT_SOURCE_DIR}/tests/cli/expect_exit.sh)
  set(_trace ${CMAKE_CURRENT_BINARY_DIR}/detect_std)
  # name; expected exit status of `weft run`; regex its output must match; extra run flags
  function(weft_detect_std_test scenario code regex)
    add_test(NAME runtime_detectors_std:${scenario}
      COMMAND bash ${_expect} ${code} "${regex}"
              $<TARGET_FILE:weft> run ${ARGN} -o ${_trace}-${scenario}.trace --
              $<TARGET_FILE:detect_std_prog> ${scenario})
    set_tests_properties(runtime_detectors_std:${scenario} PROPERTIES TIMEOUT 30)
  endfunction()
  # Fatal findings stop the program with status 86 (kFatalExitStatus) instead of hanging.
  weft_detect_std_test(self 86 "lock-reentry: .*again while holding it")
  weft_detect_std_test(abba 86 "deadlock: 2 threads wait for each other in a cycle")
  weft_detect_std_test(three 86 "deadlock: 3 threads wait for each other in a cycle")
  weft_detect_std_test(philosophers 86 "deadlock: 5 threads wait for each other in a cycle")
  weft_detect_std_test(join-cycle 86 "deadlock: 2 threads wait for each other.*joins")
  weft_detect_std_test(lost-forever 86 "lost-wakeup: .*blocks forever")
  weft_detect_std_test(late-broadcast 86 "lost-wakeup: .*blocks forever: the broadcast")
  # Non-fatal findings: the program's own status, or 1 with --fail-on-findings.
  weft_detect_std_test(inversion 1 "lock-order-inversion: locks taken in a cyclic order"
                       --fail-on-findings)
  weft_detect_std_test(unowned 1 "unowned-release: .*EPERM" --fail-on-findings)
  weft_detect_std_test(exit-holding 1 "exit-holding-lock: thread .* ends while holding"
                       --fail-on-findings)
  weft_detect_std_test(lost-wakeup 1 "lost-wakeup: .*until its timeout" --fail-on-findings)
  weft_detect_std_test(notify-unlocked 1
                       "notify-without-lock: notify on condvar .* neither holds mutex .* nor released it"
                       --fail-on-findings)
  # pthread_cancel of a thread holding a mutex, without a cleanup handler.
  weft_detect_std_test(cancel-holding 1 "exit-holding-lock: thread .* ends while holding"
                       --fail-on-findings)
  # Correct programs (condition- and semaphore-heavy): no findings at all.
  weft_detect_std_test(correct-cv 0 " 0 findings" --fail-on-findings)
  weft_detect_std_test(correct-sem 0 " 0 findings" --fail-on-findings)
  weft_detect_std_test(notify-after-unlock 0 " 0 findings" --fail-on-findings)
  weft_detect_std_test(cancel-cleanup 0 " 0 findings" --fail-on-findings)
  weft_detect_std_test(cancel-cond-cleanup 0 " 0 findings" --fail-on-findings)
  # Chaos through the interposer: spurious wake-ups in pthread_cond_wait.
  add_test(NAME runtime_detectors_std:chaos
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/detect_chaos.sh $<TARGET_FILE:weft>
            $<TARGET_FILE:detect_std_prog>)
  set_tests_properties(runtime_detectors_std:chaos PROPERTIES TIMEOUT 60)

  # Plain pthread scenarios (issue 13): rwlocks, spin locks, robust mutexes, failed calls,
  # lifetimes and contracts, many held locks.
  add_executable(detect_pthread_prog ${CMAKE_CURRENT_LIST_DIR}/detect_pthread_prog.c)
  target_link_libraries(detect_pthread_prog PRIVATE Threads::Threads)
  weft_target_warnings(detect_pthread_prog)
  add_dependencies(detect_pthread_prog weft weft_preload)
  set(_ptrace ${CMAKE_CURRENT_BINARY_DIR}/detect_pthread)
  function(weft_detect_pthread_test scenario code regex)
    add_test(NAME runtime_detectors_pthread:${scenario}
      COMMAND bash ${_expect} ${code} "${regex}"
              $<TARGET_FILE:weft> run ${ARGN} -o ${_ptrace}-${scenario}.trace --
              $<TARGET_FILE:detect_pthread_prog> ${scenario})
    set_tests_properties(runtime_detectors_pthread:${scenario} PROPERTIES TIMEOUT 30)
  endfunction()
  # Correct programs the detectors used to get wrong: no findings.
  weft_detect_pthread_test(many-held 0 " 0 findings" --fail-on-findings)
  weft_detect_pthread_test(robust-ok 0 " 0 findings" --fail-on-findings)
  weft_detect_pthread_test(rw-reads 0 " 0 findings" --fail-on-findings)
  weft_detect_pthread_test(reinit 0 " 0 findings" --fail-on-findings)
  weft_detect_pthread_test(failing-waits 0 " 0 findings" --fail-on-findings)
  weft_detect_pthread_test(failing-waits-chaos 0 " 0 findings" --fail-on-findings --chaos=7)
  # A refused unlock changes nothing: one unowned-release, and the owner's own unlock is clean.
  weft_detect_pthread_test(errorcheck-unlock 1
                           " 1 finding in && unowned-release: .*does not own it" --fail-on-findings)
  weft_detect_pthread_test(errorcheck-relock 1 "lock-reentry: .*failed with EDEADLK"
                           --fail-on-findings)
  weft_detect_pthread_test(robust-inconsistent 1
                           "api-misuse: .*without calling pthread_mutex_consistent" --fail-on-findings)
  weft_detect_pthread_test(rw-inversion 1
                           "lock-order-inversion: .*rwlock .*while holding rwlock" --fail-on-findings)
  weft_detect_pthread_test(rw-deadlock 86 "deadlock: 2 threads wait for each other in a cycle.*rwlock")
  weft_detect_pthread_test(rw-relock 1 " 1 finding in && lock-reentry: .*rwlock .*EDEADLK"
                           --fail-on-findings)
  weft_detect_pthread_test(spin-relock 86 "lock-reentry: .*spinlock .*again while holding it")
  weft_detect_pthread_test(spin-unlock-unheld 1 "unowned-release: .*spinlock" --fail-on-findings)
  weft_detect_pthread_test(destroy-locked 1 "destroy-in-use: .*destroys mutex .*while holding it"
                           --fail-on-findings)
  weft_detect_pthread_test(use-destroyed 1 " 1 finding in && use-after-destroy: .*after it was destroyed"
                           --fail-on-findings)
  weft_detect_pthread_test(destroy-cond-waited 86 "destroy-in-use: .*condvar .*waits on it")
  weft_detect_pthread_test(cond-two-mutexes 1 "api-misuse: .*waits on condvar .*with mutex .*while"
                           --fail-on-findings)
  weft_detect_pthread_test(recursive-wait 1 "api-misuse: .*held more than once" --fail-on-findings)
  weft_detect_pthread_test(sem-limits 1 " 2 findings in && posts .*past SEM_VALUE_MAX && initialises .*past SEM_VALUE_MAX" --fail-on-findings)
  weft_detect_pthread_test(barrier-zero 1 "api-misuse: .*count 0" --fail-on-findings)
  weft_detect_pthread_test(main-exits-holding 1 "exit-holding-lock: the process exits"
                           --fail-on-findings)
endif()

# End to end through `weft run` for programs written with the weft primitives (recorded natively).
if(NOT WEFT_SANITIZE AND TARGET weft AND TARGET weft_primitives)
  add_executable(detect_weft_prog ${CMAKE_CURRENT_LIST_DIR}/detect_weft_prog.cpp)
  target_link_libraries(detect_weft_prog PRIVATE weft::primitives)
  weft_target_warnings(detect_weft_prog)
  add_dependencies(detect_weft_prog weft)
  set(_expect ${PROJECT_SOURCE_DIR}/tests/cli/expect_exit.sh)
  set(_trace ${CMAKE_CURRENT_BINARY_DIR}/detect_weft)
  function(weft_detect_weft_test scenario code regex)
    add_test(NAME runtime_detectors_weft:${scenario}
      COMMAND bash ${_expect} ${code} "${regex}"
              $<TARGET_FILE:weft> run ${ARGN} -o ${_trace}-${scenario}.trace --
              $<TARGET_FILE:detect_weft_prog> ${scenario})
    set_tests_properties(runtime_detectors_weft:${scenario} PROPERTIES TIMEOUT 30)
  endfunction()
  # The second acquire() is line 20 of detect_weft_prog.cpp: the report names it.
  weft_detect_weft_test(self 86 "at .*detect_weft_prog.cpp:20$")
  weft_detect_weft_test(abba 86 "deadlock: 2 threads wait for each other in a cycle.*detect_weft_prog.cpp")
  weft_detect_weft_test(philosophers 86 "deadlock: 5 threads wait for each other in a cycle")
  weft_detect_weft_test(unowned 1 "unowned-release: release of lock 'l' that is not locked"
                        --fail-on-findings)
  weft_detect_weft_test(notify-without-lock 1 "notify-without-lock: notify on condition 'c'"
                        --fail-on-findings)
  weft_detect_weft_test(wait-without-lock 1 "wait-without-lock: wait on condition 'c'"
                        --fail-on-findings)
  weft_detect_weft_test(event-clear 1 "event-as-condition: set.. of event 'work'"
                        --fail-on-findings)
  weft_detect_weft_test(correct 0 " 0 findings" --fail-on-findings)
  weft_detect_weft_test(consumer-while 0 " 0 findings" --fail-on-findings)
  # Under chaos the first wait is woken spuriously; the program aborts (134) with the lock held,
  # and the crash hook still reports the wait (line 110 of detect_weft_prog.cpp).
  weft_detect_weft_test(consumer-throw 134 "wait-not-in-loop: .*detect_weft_prog.cpp:110 .*crashed .signal 6"
                        --chaos=1)
  add_test(NAME runtime_detectors_weft:chaos
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/detect_chaos.sh $<TARGET_FILE:weft>
            $<TARGET_FILE:detect_weft_prog>)
  set_tests_properties(runtime_detectors_weft:chaos PROPERTIES TIMEOUT 60)
endif()

# One runtime per process: a program linked with weft gets the interposer too, which records
# into the program's own recording (runtime/README.md, "One runtime per process").
if(NOT WEFT_SANITIZE AND TARGET weft_preload AND TARGET weft)
  add_executable(host_prog ${CMAKE_CURRENT_LIST_DIR}/host_prog.cpp)
  target_link_libraries(host_prog PRIVATE weft::primitives)
  target_compile_options(host_prog PRIVATE -g)  # the interposer's sites (return addresses) to lines
  weft_target_warnings(host_prog)
  add_dependencies(host_prog weft weft_preload)
  set(_expect ${PROJECT_SOURCE_DIR}/tests/cli/expect_exit.sh)
  set(_trace ${CMAKE_CURRENT_BINARY_DIR}/host)
  # The sleep_for in a task (line 35) and the std::mutex a task blocks on (line 54) are named.
  add_test(NAME runtime_preload_host:aio-sleep
    COMMAND bash ${_expect} 1 "blocking-in-coroutine: .* it slept [0-9]+ ms of it at .*host_prog.cpp:35"
            $<TARGET_FILE:weft> run --fail-on-findings -o ${_trace}-aio-sleep.trace --
            $<TARGET_FILE:host_prog> aio-sleep)
  add_test(NAME runtime_preload_host:aio-mutex
    COMMAND bash ${_expect} 1 "blocking-in-coroutine: .* it blocked [0-9]+ ms of it on mutex .*host_prog.cpp:54"
            $<TARGET_FILE:weft> run --fail-on-findings -o ${_trace}-aio-mutex.trace --
            $<TARGET_FILE:host_prog> aio-mutex)
  add_test(NAME runtime_preload_host:quiet-and-mixed
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/host_check.sh $<TARGET_FILE:weft>
            $<TARGET_FILE:host_prog> ${_trace}-check)
  set_tests_properties(runtime_preload_host:aio-sleep runtime_preload_host:aio-mutex
    runtime_preload_host:quiet-and-mixed PROPERTIES TIMEOUT 60)
endif()

# Sleeps are recorded through the interposer (runtime/README.md, "Sleeps"): coreutils' sleep, an
# unmodified program, waits 50 ms on the process's sleep object.
if(NOT WEFT_SANITIZE AND TARGET weft_preload AND TARGET weft)
  add_test(NAME runtime_preload_sleep:coreutils
    COMMAND bash -c "\"$1\" run -o \"$2\" -- sleep 0.05 && \"$1\" report \"$2\""
            _ $<TARGET_FILE:weft> ${CMAKE_CURRENT_BINARY_DIR}/sleep-coreutils.trace)
  set_tests_properties(runtime_preload_sleep:coreutils PROPERTIES TIMEOUT 30
    PASS_REGULAR_EXPRESSION "sleep +sleep +0 +0 +0 +[0-9.]+ ms +[0-9.]+ ms .* 1\n")
endif()
