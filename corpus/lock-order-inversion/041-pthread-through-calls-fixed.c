/* lock-order-inversion, pthread flavour, through calls: a session table and a connection each
 * have a mutex; opening a session touches the connection, closing the connection touches the
 * table.
 * Fix: conn_close() releases conn_mu before it calls table_forget().
 * Shape: a cross-module inversion, as in session/connection deadlock reports of servers. */
#include <pthread.h>
#include <stdio.h>

#include "corpus_deadline.h"

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t conn_mu = PTHREAD_MUTEX_INITIALIZER;
static int sessions = 0, conn_uses = 0, conn_open = 1;

static void conn_touch(void) {
  pthread_mutex_lock(&conn_mu);
  ++conn_uses;
  pthread_mutex_unlock(&conn_mu);
}

static void table_forget(void) {
  pthread_mutex_lock(&table_mu);
  sessions = 0;
  pthread_mutex_unlock(&table_mu);
}

static void* session_open(void* arg) {
  pthread_mutex_lock(&table_mu);
  ++sessions;
  conn_touch();
  pthread_mutex_unlock(&table_mu);
  return NULL;
}

static void* conn_close(void* arg) {
  pthread_mutex_lock(&conn_mu);
  conn_open = 0;
  pthread_mutex_unlock(&conn_mu);
  table_forget();
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  pthread_t a, b;
  pthread_create(&a, NULL, session_open, NULL);
  pthread_join(a, NULL);
  pthread_create(&b, NULL, conn_close, NULL);
  pthread_join(b, NULL);
  printf("sessions %d uses %d open %d\n", sessions, conn_uses, conn_open);
  return 0;
}
