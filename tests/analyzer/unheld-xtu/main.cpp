// A program's main file whose waiter has external linkage: alone, its callers here are all there
// is (reported); with holder.cpp, which calls it holding the mutex, it is not evident (silent).
#include <pthread.h>

pthread_mutex_t main_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t main_cv = PTHREAD_COND_INITIALIZER;
bool drained = false;

void drain() {
  while (!drained) pthread_cond_wait(&main_cv, &main_mu);
}

static void* worker(void*) {
  drain();
  return nullptr;
}

int main() {
  pthread_t t;
  pthread_create(&t, nullptr, worker, nullptr);
  pthread_join(t, nullptr);
}
