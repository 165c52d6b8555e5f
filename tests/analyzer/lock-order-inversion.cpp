// Tests of the lock-order-inversion check: two locks taken in opposite orders on two paths.
#include <mutex>
#include <pthread.h>

std::mutex a;
std::mutex b;
std::mutex c;
std::mutex d;
std::mutex e;
std::mutex f1;
std::mutex f2;
std::mutex f3;
pthread_mutex_t pa = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t pb = PTHREAD_MUTEX_INITIALIZER;
int shared = 0;

// ---- Two functions, opposite orders ------------------------------------------------------------

void a_then_b() {
  std::lock_guard<std::mutex> ga(a);
  // CHECK-NOTES: :[[@LINE-1]]:31: note: 'a' is acquired here (in 'a_then_b')
  std::lock_guard<std::mutex> gb(b);
  // CHECK-NOTES: :[[@LINE-1]]:31: note: 'b' is then acquired while holding 'a' here
  ++shared;
}

void b_then_a() {
  b.lock();
  a.lock();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'a' is acquired while holding 'b', but elsewhere 'b' is acquired while holding 'a': threads taking both orders can deadlock [lock-order-inversion]
  // CHECK-NOTES: :[[@LINE-3]]:3: note: 'b' was acquired here, in 'b_then_a'
  ++shared;
  a.unlock();
  b.unlock();
}

// ---- Through a call ---------------------------------------------------------------------------

void takes_d() { std::lock_guard<std::mutex> g(d); }
// CHECK-NOTES: :[[@LINE-1]]:46: note: 'takes_d' acquires 'd' here

void c_then_d() {
  std::lock_guard<std::mutex> g(c);
  takes_d();
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'd' is then acquired while holding 'c' here
}

void d_then_c() {
  std::unique_lock<std::mutex> g(d);
  std::lock_guard<std::mutex> g2(c);
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: 'c' is acquired while holding 'd', but elsewhere 'd' is acquired while holding 'c': threads taking both orders can deadlock [lock-order-inversion]
}

// ---- A three-lock cycle ------------------------------------------------------------------------

void f1_f2() {
  std::lock_guard<std::mutex> x(f1);
  std::lock_guard<std::mutex> y(f2);
}
void f2_f3() {
  std::lock_guard<std::mutex> x(f2);
  std::lock_guard<std::mutex> y(f3);
}
void f3_f1() {
  std::lock_guard<std::mutex> x(f3);
  std::lock_guard<std::mutex> y(f1);
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: 'f1' is acquired while holding 'f3', closing the lock-order cycle 'f3' -> 'f1' -> 'f2' -> 'f3': threads taking these orders can deadlock [lock-order-inversion]
}

// ---- pthread, and members of one class ---------------------------------------------------------

void pa_pb() {
  pthread_mutex_lock(&pa);
  pthread_mutex_lock(&pb);
  pthread_mutex_unlock(&pb);
  pthread_mutex_unlock(&pa);
}
void pb_pa() {
  pthread_mutex_lock(&pb);
  pthread_mutex_lock(&pa);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'pa' is acquired while holding 'pb', but elsewhere 'pb' is acquired while holding 'pa': threads taking both orders can deadlock [lock-order-inversion]
  pthread_mutex_unlock(&pa);
  pthread_mutex_unlock(&pb);
}

class Cache {
 public:
  void refresh() {
    std::lock_guard<std::mutex> g(index_mu_);
    std::lock_guard<std::mutex> g2(data_mu_);
  }
  void evict() {
    std::lock_guard<std::mutex> g(data_mu_);
    reindex();
  }
  void reindex() { std::lock_guard<std::mutex> g(index_mu_); }
  // CHECK-MESSAGES: :[[@LINE-1]]:48: warning: 'index_mu_' is acquired while holding 'data_mu_', but elsewhere 'data_mu_' is acquired while holding 'index_mu_': threads taking both orders can deadlock [lock-order-inversion]

 private:
  std::mutex index_mu_;
  std::mutex data_mu_;
};

// ---- Negatives ---------------------------------------------------------------------------------

std::mutex s1;
std::mutex s2;
void scoped_s1_s2() { std::scoped_lock l(s1, s2); }
void scoped_s2_s1() { std::scoped_lock l(s2, s1); }  // std::scoped_lock avoids deadlock
void std_lock_s2_s1() {
  std::unique_lock<std::mutex> l1(s2, std::defer_lock);
  std::unique_lock<std::mutex> l2(s1, std::defer_lock);
  std::lock(l1, l2);
}

std::mutex o1;
std::mutex o2;
void same_order_1() {
  std::lock_guard<std::mutex> x(o1);
  std::lock_guard<std::mutex> y(o2);
}
void same_order_2() {
  o1.lock();
  o2.lock();
  o2.unlock();
  o1.unlock();
}
void released_between() {
  o2.lock();
  o2.unlock();
  o1.lock();  // o2 no longer held: no edge o2 -> o1
  o1.unlock();
}
void try_lock_reverse() {
  std::lock_guard<std::mutex> x(o2);
  if (o1.try_lock()) o1.unlock();  // try_lock never waits: no deadlock
}

// ---- Through parameters: the classic transfer(x, y) / transfer(y, x) ----------------------------

struct Acct {
  std::mutex mu;
  int balance = 0;
};
void transfer(Acct& from, Acct& to, int n) {
  std::lock_guard<std::mutex> g1(from.mu);
  std::lock_guard<std::mutex> g2(to.mu);
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: 'alice.mu' is acquired while holding 'bob.mu', but elsewhere 'bob.mu' is acquired while holding 'alice.mu': threads taking both orders can deadlock [lock-order-inversion]
  from.balance -= n;
  to.balance += n;
}
Acct alice;
Acct bob;
void pay_bob() { transfer(alice, bob, 1); }
void pay_alice() { transfer(bob, alice, 1); }
// CHECK-NOTES: :[[@LINE-1]]:20: note: 'pay_alice' calls 'transfer' here

void transfer_safe(Acct& from, Acct& to, int n) {
  std::scoped_lock l(from.mu, to.mu);  // order-safe
  from.balance -= n;
  to.balance += n;
}
void pay_bob_safe() { transfer_safe(alice, bob, 1); }
void pay_alice_safe() { transfer_safe(bob, alice, 1); }

// ---- Elements of one container of locks --------------------------------------------------------

#include <algorithm>
#include <deque>

constexpr int kForks = 5;
std::deque<std::mutex> forks(kForks);

// Dijkstra's dining philosophers: fork i, then fork (i + 1) % N; the last takes fork N-1 before
// fork 0, which closes the cycle.
void philosopher(int i) {
  int left = i, right = (i + 1) % kForks;
  std::lock_guard<std::mutex> l(forks[left]);
  std::lock_guard<std::mutex> r(forks[right]);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'forks[right]' is acquired while holding 'forks[left]': elements of 'forks' are locked in index order left then right, and the wrap-around takes the last element before the first, closing a cycle; threads taking these orders can deadlock (lock the lower index first) [lock-order-inversion]
  ++shared;
}

// A list walked hand over hand forwards, and backwards.
struct Node {
  pthread_mutex_t mu;
  int value;
};
Node nodes[3];
void walk_forward() {
  pthread_mutex_lock(&nodes[0].mu);
  for (int i = 0; i + 1 < 3; ++i) {
    pthread_mutex_lock(&nodes[i + 1].mu);
    // CHECK-NOTES: :[[@LINE-1]]:5: note: 'nodes[i + 1].mu' is acquired here while holding 'nodes[i].mu' (ascending)
    pthread_mutex_unlock(&nodes[i].mu);
  }
  pthread_mutex_unlock(&nodes[2].mu);
}
void walk_backward() {
  pthread_mutex_lock(&nodes[2].mu);
  for (int i = 2; i > 0; --i) {
    pthread_mutex_lock(&nodes[i - 1].mu);
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 'nodes[i - 1].mu' is acquired while holding 'nodes[i].mu' (descending index order), but elsewhere elements of 'nodes' are taken in ascending order: threads taking both orders can deadlock [lock-order-inversion]
    pthread_mutex_unlock(&nodes[i].mu);
  }
  pthread_mutex_unlock(&nodes[0].mu);
}

// Negatives: the lower index first (std::min / std::max), one direction everywhere, indices that
// cannot be compared, and elements of two different containers.
std::deque<std::mutex> seats(4);
void philosopher_ordered(int i) {
  int left = i, right = (i + 1) % kForks;
  int first = std::min(left, right), second = std::max(left, right);
  std::lock_guard<std::mutex> a1(forks[first]);
  std::lock_guard<std::mutex> b1(forks[second]);
  ++shared;
}
void seats_up(int i) {
  std::lock_guard<std::mutex> a1(seats[i]);
  std::lock_guard<std::mutex> b1(seats[i + 1]);
}
void seats_up_again(int j) {
  seats[j].lock();
  seats[j + 2].lock();
  seats[j + 2].unlock();
  seats[j].unlock();
}
void seats_any(int from, int to) {
  std::lock_guard<std::mutex> a1(seats[from]);
  std::lock_guard<std::mutex> b1(seats[to]);
}
void across(int i) {
  std::lock_guard<std::mutex> a1(seats[i + 1]);
  std::lock_guard<std::mutex> b1(forks[i]);
}

// ---- orders of two classes spread over call chains ----------------------------------------
// A's lock held while calling into its B, which takes B's lock; elsewhere B's lock held while
// calling into its A, which takes A's lock. Each side names the other object through a pointer.
struct Ledger;
struct Account {
  std::mutex mu;
  Ledger* ledger = nullptr;
  void post();
  void touch() { std::lock_guard<std::mutex> g(mu); }
};
struct Ledger {
  std::mutex lmu;
  Account* owner = nullptr;
  void record() {
    std::lock_guard<std::mutex> g(lmu);
    // CHECK-MESSAGES: :[[@LINE-1]]:33: warning: 'Ledger::lmu' is acquired while holding 'Account::mu', but elsewhere 'Account::mu' is acquired while holding 'Ledger::lmu' (objects of two classes that call into each other): threads taking both orders on linked objects can deadlock [lock-order-inversion]
  }
  void audit() {
    std::lock_guard<std::mutex> g(lmu);
    owner->touch();
  }
};
void Account::post() {
  std::lock_guard<std::mutex> g(mu);
  // CHECK-NOTES: :[[@LINE-1]]:31: note: 'mu' ('Account::mu') was acquired here, in 'Account::post'
  ledger->record();
  // CHECK-NOTES: :[[@LINE-1]]:3: note: 'Account::post' calls 'Ledger::record' here
}

// Negatives: both classes take the locks in the same order (Shelf before Bin on both paths);
// one class's objects locked parent-then-child (hand-over-hand, ordered by the structure).
struct Bin;
struct Shelf {
  std::mutex smu;
  Bin* bin = nullptr;
  void store();
  void count() { std::lock_guard<std::mutex> g(smu); }
};
struct Bin {
  std::mutex bmu;
  Shelf* shelf = nullptr;
  void put() { std::lock_guard<std::mutex> g(bmu); }
  void restock() {
    shelf->count();
    std::lock_guard<std::mutex> g(bmu);
  }
};
void Shelf::store() {
  std::lock_guard<std::mutex> g(smu);
  bin->put();
}

struct TreeNode {
  std::mutex nmu;
  TreeNode* child = nullptr;
  TreeNode* parent = nullptr;
  void visit() { std::lock_guard<std::mutex> g(nmu); }
  void down() {
    std::lock_guard<std::mutex> g(nmu);
    if (child) child->visit();
  }
};

// ---- pthread rwlocks in write mode and spin locks -----------------------------------------
pthread_rwlock_t tab_a = PTHREAD_RWLOCK_INITIALIZER, tab_b = PTHREAD_RWLOCK_INITIALIZER;
void tables_ab() {
  pthread_rwlock_wrlock(&tab_a);
  pthread_rwlock_wrlock(&tab_b);
  pthread_rwlock_unlock(&tab_b);
  pthread_rwlock_unlock(&tab_a);
}
void tables_ba() {
  pthread_rwlock_wrlock(&tab_b);
  pthread_rwlock_wrlock(&tab_a);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'tab_a' is acquired while holding 'tab_b', but elsewhere 'tab_b' is acquired while holding 'tab_a': threads taking both orders can deadlock [lock-order-inversion]
  pthread_rwlock_unlock(&tab_a);
  pthread_rwlock_unlock(&tab_b);
}
struct spin_counter {
  pthread_spinlock_t lock;
  long value;
};
spin_counter ca, cb;
void spin_transfer(spin_counter* from, spin_counter* to) {
  pthread_spin_lock(&from->lock);
  pthread_spin_lock(&to->lock);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'ca.lock' is acquired while holding 'cb.lock', but elsewhere 'cb.lock' is acquired while holding 'ca.lock': threads taking both orders can deadlock [lock-order-inversion]
  pthread_spin_unlock(&to->lock);
  pthread_spin_unlock(&from->lock);
}
void spin_ab() { spin_transfer(&ca, &cb); }
void spin_ba() { spin_transfer(&cb, &ca); }
// Negatives: readers in opposite orders do not block each other (reader mode: both sides of each
// lock of the cycle read).
pthread_rwlock_t rd_a = PTHREAD_RWLOCK_INITIALIZER, rd_b = PTHREAD_RWLOCK_INITIALIZER;
void readers_ab() {
  pthread_rwlock_rdlock(&rd_a);
  pthread_rwlock_rdlock(&rd_b);
  pthread_rwlock_unlock(&rd_b);
  pthread_rwlock_unlock(&rd_a);
}
void readers_ba() {
  pthread_rwlock_rdlock(&rd_b);
  pthread_rwlock_rdlock(&rd_a);
  pthread_rwlock_unlock(&rd_a);
  pthread_rwlock_unlock(&rd_b);
}
// A writer in one of the orders: the reader holding cfg_a waits for cfg_b, which the writer holds
// while it waits for cfg_a: a deadlock, reader or not.
pthread_rwlock_t cfg_a = PTHREAD_RWLOCK_INITIALIZER, cfg_b = PTHREAD_RWLOCK_INITIALIZER;
void cfg_read_ab() {
  pthread_rwlock_rdlock(&cfg_a);
  pthread_rwlock_rdlock(&cfg_b);
  pthread_rwlock_unlock(&cfg_b);
  pthread_rwlock_unlock(&cfg_a);
}
void cfg_write_ba() {
  pthread_rwlock_wrlock(&cfg_b);
  pthread_rwlock_wrlock(&cfg_a);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'cfg_a' is acquired while holding 'cfg_b', but elsewhere 'cfg_b' is acquired while holding 'cfg_a': threads taking both orders can deadlock [lock-order-inversion]
  pthread_rwlock_unlock(&cfg_a);
  pthread_rwlock_unlock(&cfg_b);
}
// std::shared_mutex the same way: std::shared_lock on one side, std::unique_lock on the other
// conflicts; two std::shared_lock sides do not.
#include <shared_mutex>
std::shared_mutex idx_a, idx_b, ro_a, ro_b;
void idx_read_ab() {
  std::shared_lock<std::shared_mutex> ra(idx_a);
  std::shared_lock<std::shared_mutex> rb(idx_b);
}
void idx_write_ba() {
  std::unique_lock<std::shared_mutex> wb(idx_b);
  std::unique_lock<std::shared_mutex> wa(idx_a);
  // CHECK-MESSAGES: :[[@LINE-1]]:39: warning: 'idx_a' is acquired while holding 'idx_b', but elsewhere 'idx_b' is acquired while holding 'idx_a': threads taking both orders can deadlock [lock-order-inversion]
}
void ro_ab() {
  std::shared_lock<std::shared_mutex> ra(ro_a);
  std::shared_lock<std::shared_mutex> rb(ro_b);
}
void ro_ba() {
  std::shared_lock<std::shared_mutex> rb(ro_b);
  std::shared_lock<std::shared_mutex> ra(ro_a);
}
