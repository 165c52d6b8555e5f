/* lock-reentry, pthread flavour, recursive: count_nodes() sums a small tree under the tree's
 * mutex, recursing into the children.
 * Fix: count_nodes() locks once and recurses through count_locked(), which takes no lock.
 * Shape: the tutorial's recursive_func (section 10), a recursion under a non-reentrant lock. */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#include "corpus_deadline.h"

struct node {
  int value;
  struct node* left;
  struct node* right;
};

static pthread_mutex_t tree_mu = PTHREAD_MUTEX_INITIALIZER;

static int count_locked(const struct node* n) {
  if (n == NULL) return 0;
  return 1 + count_locked(n->left) + count_locked(n->right);
}

static int count_nodes(const struct node* n) {
  pthread_mutex_lock(&tree_mu);
  int c = count_locked(n);
  pthread_mutex_unlock(&tree_mu);
  return c;
}

static void* worker(void* arg) {
  printf("%d nodes\n", count_nodes(arg));
  return NULL;
}

int main(void) {
  corpus_deadline_ms(1000);
  struct node leaf1 = {1, NULL, NULL}, leaf2 = {2, NULL, NULL};
  struct node root = {0, &leaf1, &leaf2};
  pthread_t t;
  pthread_create(&t, NULL, worker, &root);
  pthread_join(t, NULL);
  return 0;
}
