# Online detectors (issue 6). runtime_detectors_test: synthetic event sequences from real threads.
weft_add_catch_test(runtime_detectors_test SOURCES detectors_test.cpp LIBS weft::runtime)
