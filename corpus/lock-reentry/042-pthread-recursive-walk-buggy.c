/* lock-reentry, pthread flavour, recursive: count_nodes() sums a small tree under the tree's
 * mutex, recursing into the children.
 * Bug: every level of the recursion locks the same default mutex; the second level blocks on
 * the lock the first level holds (exit 86 from the deadline).
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

static int count_nodes(const struct node* n) {
  if (n == NULL) return 0;
  pthread_mutex_lock(&tree_mu);
  int c = 1 + count_nodes(n->left) + count_nodes(n->right);
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
