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
  std::lock_guard<std::mutex> gb(b);
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: 'b' is acquired while holding 'a', but elsewhere 'a' is acquired while holding 'b': threads taking both orders can deadlock [lock-order-inversion]
  // CHECK-NOTES: :[[@LINE-3]]:31: note: 'a' was acquired here
  ++shared;
}

void b_then_a() {
  b.lock();
  a.lock();
  ++shared;
  a.unlock();
  b.unlock();
}

// ---- Through a call ---------------------------------------------------------------------------

void takes_d() { std::lock_guard<std::mutex> g(d); }

void c_then_d() {
  std::lock_guard<std::mutex> g(c);
  takes_d();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'd' is acquired while holding 'c', but elsewhere 'c' is acquired while holding 'd': threads taking both orders can deadlock [lock-order-inversion]
}

void d_then_c() {
  std::unique_lock<std::mutex> g(d);
  std::lock_guard<std::mutex> g2(c);
}

// ---- A three-lock cycle ------------------------------------------------------------------------

void f1_f2() {
  std::lock_guard<std::mutex> x(f1);
  std::lock_guard<std::mutex> y(f2);
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: 'f2' is acquired while holding 'f1', closing the lock-order cycle 'f1' -> 'f2' -> 'f3' -> 'f1': threads taking these orders can deadlock [lock-order-inversion]
}
void f2_f3() {
  std::lock_guard<std::mutex> x(f2);
  std::lock_guard<std::mutex> y(f3);
}
void f3_f1() {
  std::lock_guard<std::mutex> x(f3);
  std::lock_guard<std::mutex> y(f1);
}

// ---- pthread, and members of one class ---------------------------------------------------------

void pa_pb() {
  pthread_mutex_lock(&pa);
  pthread_mutex_lock(&pb);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'pb' is acquired while holding 'pa', but elsewhere 'pa' is acquired while holding 'pb': threads taking both orders can deadlock [lock-order-inversion]
  pthread_mutex_unlock(&pb);
  pthread_mutex_unlock(&pa);
}
void pb_pa() {
  pthread_mutex_lock(&pb);
  pthread_mutex_lock(&pa);
  pthread_mutex_unlock(&pa);
  pthread_mutex_unlock(&pb);
}

class Cache {
 public:
  void refresh() {
    std::lock_guard<std::mutex> g(index_mu_);
    std::lock_guard<std::mutex> g2(data_mu_);
    // CHECK-MESSAGES: :[[@LINE-1]]:33: warning: 'data_mu_' is acquired while holding 'index_mu_', but elsewhere 'index_mu_' is acquired while holding 'data_mu_': threads taking both orders can deadlock [lock-order-inversion]
  }
  void evict() {
    std::lock_guard<std::mutex> g(data_mu_);
    reindex();
  }
  void reindex() { std::lock_guard<std::mutex> g(index_mu_); }

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
  from.balance -= n;
  to.balance += n;
}
Acct alice;
Acct bob;
void pay_bob() { transfer(alice, bob, 1); }
// CHECK-MESSAGES: :[[@LINE-1]]:18: warning: 'bob.mu' is acquired while holding 'alice.mu', but elsewhere 'alice.mu' is acquired while holding 'bob.mu': threads taking both orders can deadlock [lock-order-inversion]
void pay_alice() { transfer(bob, alice, 1); }

void transfer_safe(Acct& from, Acct& to, int n) {
  std::scoped_lock l(from.mu, to.mu);  // order-safe
  from.balance -= n;
  to.balance += n;
}
void pay_bob_safe() { transfer_safe(alice, bob, 1); }
void pay_alice_safe() { transfer_safe(bob, alice, 1); }
