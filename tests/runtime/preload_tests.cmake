# runtime_preload_*: the LD_PRELOAD interposer (runtime/preload) on unmodified C and C++ programs.
#
# Not in sanitizer builds: scripts/test.sh runs the ^runtime tests in a ThreadSanitizer build,
# where the programs would carry the TSan runtime, and the interposer deliberately records
# nothing under TSan (it refuses with a message: two interceptors of the same pthread calls
# would corrupt each other's view). runtime/preload does not build the library there either.
# The refusal itself is tested below with a separately TSan-built program.
if(WEFT_SANITIZE OR NOT TARGET weft_preload)
  return()
endif()

add_executable(preload_prog ${CMAKE_CURRENT_LIST_DIR}/preload_prog.c)
target_link_libraries(preload_prog PRIVATE Threads::Threads)
target_compile_options(preload_prog PRIVATE -Wall -Wextra -Wno-unused-parameter
                       $<$<BOOL:${WEFT_WERROR}>:-Werror>)

add_executable(preload_prog_cxx ${CMAKE_CURRENT_LIST_DIR}/preload_prog_cxx.cpp)
target_link_libraries(preload_prog_cxx PRIVATE Threads::Threads)
weft_target_warnings(preload_prog_cxx)

weft_add_catch_test(runtime_preload_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/preload_test.cpp)
add_dependencies(runtime_preload_test weft_preload preload_prog preload_prog_cxx)
# Only for the event conventions (kAcquiredByTry) of weft/runtime/event.hpp.
target_include_directories(runtime_preload_test PRIVATE
  $<TARGET_PROPERTY:weft_runtime,INTERFACE_INCLUDE_DIRECTORIES>)
add_dependencies(runtime_preload_test weft_vocabulary)
target_compile_definitions(runtime_preload_test PRIVATE
  WEFT_PRELOAD_LIB="$<TARGET_FILE:weft_preload>"
  WEFT_PRELOAD_PROG_C="$<TARGET_FILE:preload_prog>"
  WEFT_PRELOAD_PROG_CXX="$<TARGET_FILE:preload_prog_cxx>")

# The same C++ program built with -fsanitize=thread, when the toolchain can.
include(CheckCXXSourceCompiles)
set(CMAKE_REQUIRED_FLAGS -fsanitize=thread)
set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=thread)
check_cxx_source_compiles("int main() { return 0; }" WEFT_HAVE_TSAN)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(WEFT_HAVE_TSAN)
  add_executable(preload_prog_tsan ${CMAKE_CURRENT_LIST_DIR}/preload_prog_cxx.cpp)
  target_link_libraries(preload_prog_tsan PRIVATE Threads::Threads)
  target_compile_options(preload_prog_tsan PRIVATE -fsanitize=thread)
  target_link_options(preload_prog_tsan PRIVATE -fsanitize=thread)
  add_dependencies(runtime_preload_test preload_prog_tsan)
  target_compile_definitions(runtime_preload_test PRIVATE
    WEFT_PRELOAD_PROG_TSAN="$<TARGET_FILE:preload_prog_tsan>")
endif()

# End to end: `weft run` (which finds the library in ../lib) and `weft report --format=json`,
# once the recorder (runtime/src/recorder.cpp) is part of the runtime.
if(TARGET weft AND EXISTS ${PROJECT_SOURCE_DIR}/runtime/src/recorder.cpp)
  weft_add_catch_test(runtime_preload_e2e_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/preload_e2e_test.cpp LIBS nlohmann_json::nlohmann_json)
  add_dependencies(runtime_preload_e2e_test weft weft_preload preload_prog preload_prog_cxx)
  target_compile_definitions(runtime_preload_e2e_test PRIVATE
    WEFT_CLI="$<TARGET_FILE:weft>"
    WEFT_PRELOAD_PROG_C="$<TARGET_FILE:preload_prog>"
    WEFT_PRELOAD_PROG_CXX="$<TARGET_FILE:preload_prog_cxx>")
endif()
