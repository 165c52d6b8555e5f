// Cross-TU cases for wait-without-lock and notify-without-lock: waits and notifies in functions
// defined in a.cpp, called only from the threads b.cpp starts.
#pragma once
#include <pthread.h>

extern pthread_mutex_t mu;
extern pthread_cond_t cv;
extern bool ready;

void wait_held();        // its caller holds mu
void wait_unheld();      // its caller does not
void wait_if(int mode);  // waits unless mode is 0; its only caller passes 0
void signal_held();      // its caller changed the state under mu
void signal_unheld();    // its caller never takes mu
