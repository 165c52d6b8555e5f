/* lock-order-inversion, pthread flavour, direct: one thread moves stock from a warehouse to a
 * shop, a later one moves it back; each locks both counters.
 * Fix: both threads lock warehouse before shop.
 * Shape: the classic ABBA pair of paths. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t warehouse_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t shop_mu = PTHREAD_MUTEX_INITIALIZER;
static int warehouse = 10, shop = 0;

static void* restock(void* arg) {
  pthread_mutex_lock(&warehouse_mu);
  pthread_mutex_lock(&shop_mu);
  warehouse -= 3;
  shop += 3;
  pthread_mutex_unlock(&shop_mu);
  pthread_mutex_unlock(&warehouse_mu);
  return NULL;
}

static void* give_back(void* arg) {
  pthread_mutex_lock(&warehouse_mu);
  pthread_mutex_lock(&shop_mu);
  shop -= 1;
  warehouse += 1;
  pthread_mutex_unlock(&shop_mu);
  pthread_mutex_unlock(&warehouse_mu);
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t a, b;
  pthread_create(&a, NULL, restock, NULL);
  pthread_join(a, NULL);
  pthread_create(&b, NULL, give_back, NULL);
  pthread_join(b, NULL);
  printf("warehouse %d shop %d\n", warehouse, shop);
  return 0;
}
