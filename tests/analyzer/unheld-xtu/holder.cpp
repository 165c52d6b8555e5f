// Another file of main.cpp's program: it calls drain() with the mutex held.
#include <pthread.h>

extern pthread_mutex_t main_mu;
void drain();

void drain_locked_elsewhere() {
  pthread_mutex_lock(&main_mu);
  drain();
  pthread_mutex_unlock(&main_mu);
}
