// real.cpp: finds the next definition (normally libc's) of every interposed function.
#include "real.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace weft::preload::real {

Api api{};
std::atomic<bool> resolved{false};

namespace {

[[noreturn]] void missing(const char* name) noexcept {
  const char head[] = "weft preload: cannot find the real ";
  const char tail[] = " in the C library; remove libweft_preload.so from LD_PRELOAD\n";
  ssize_t ignored = write(2, head, sizeof head - 1);
  ignored = write(2, name, std::strlen(name));
  ignored = write(2, tail, sizeof tail - 1);
  (void)ignored;
  std::abort();
}

// True when `p` is in the C library (not in an interceptor between us and it).
bool in_libc(void* p) noexcept {
  Dl_info info{};
  return ::dladdr(p, &info) != 0 && info.dli_fname != nullptr &&
         std::strstr(info.dli_fname, "/libc.so") != nullptr;
}

// `version` picks one of libc's versions of a symbol (the condition variables have two ABIs).
// An interceptor after us that defines the name without a version (g++'s libtsan.so) is the
// next definition of the current ABI: dlvsym would skip it and go to libc behind its back.
template <class F>
void find(F& slot, const char* name, const char* version = nullptr,
          bool current_abi = false) noexcept {
  void* p = dlsym(RTLD_NEXT, name);
  if (version != nullptr && (!current_abi || p == nullptr || in_libc(p)))
    p = dlvsym(RTLD_NEXT, name, version);
  if (p == nullptr) missing(name);
  slot = reinterpret_cast<F>(p);
}

void find_cond(CondApi& c, const char* version, bool current_abi) noexcept {
  find(c.init, "pthread_cond_init", version, current_abi);
  find(c.destroy, "pthread_cond_destroy", version, current_abi);
  find(c.signal, "pthread_cond_signal", version, current_abi);
  find(c.broadcast, "pthread_cond_broadcast", version, current_abi);
  find(c.wait, "pthread_cond_wait", version, current_abi);
  find(c.timedwait, "pthread_cond_timedwait", version, current_abi);
}

}  // namespace

void resolve() noexcept {
  if (resolved.load(std::memory_order_acquire)) return;
  Api a{};
  find(a.mutex_init, "pthread_mutex_init");
  find(a.mutex_destroy, "pthread_mutex_destroy");
  find(a.mutex_lock, "pthread_mutex_lock");
  find(a.mutex_trylock, "pthread_mutex_trylock");
  find(a.mutex_unlock, "pthread_mutex_unlock");
  find(a.mutex_timedlock, "pthread_mutex_timedlock");
  find(a.mutex_clocklock, "pthread_mutex_clocklock");
  find_cond(a.cond, "GLIBC_2.3.2", true);
  // An unversioned reference binds to the oldest version: a program linked against libtsan.so
  // (which defines the condition functions without a version) reaches weft's GLIBC_2.2.5 entry
  // points, and must reach libtsan's interceptor from there too, as it would without weft.
  find_cond(a.cond_old, "GLIBC_2.2.5", true);
  a.cond_old_layout = in_libc(reinterpret_cast<void*>(a.cond_old.wait));
  find(a.cond_clockwait, "pthread_cond_clockwait");
  find(a.rw_init, "pthread_rwlock_init");
  find(a.rw_destroy, "pthread_rwlock_destroy");
  find(a.rw_rdlock, "pthread_rwlock_rdlock");
  find(a.rw_wrlock, "pthread_rwlock_wrlock");
  find(a.rw_tryrdlock, "pthread_rwlock_tryrdlock");
  find(a.rw_trywrlock, "pthread_rwlock_trywrlock");
  find(a.rw_unlock, "pthread_rwlock_unlock");
  find(a.spin_init, "pthread_spin_init");
  find(a.spin_destroy, "pthread_spin_destroy");
  find(a.spin_lock, "pthread_spin_lock");
  find(a.spin_trylock, "pthread_spin_trylock");
  find(a.spin_unlock, "pthread_spin_unlock");
  find(a.rw_timedrdlock, "pthread_rwlock_timedrdlock");
  find(a.rw_timedwrlock, "pthread_rwlock_timedwrlock");
  find(a.rw_clockrdlock, "pthread_rwlock_clockrdlock");
  find(a.rw_clockwrlock, "pthread_rwlock_clockwrlock");
  find(a.sem_init, "sem_init");
  find(a.sem_destroy, "sem_destroy");
  find(a.sem_wait, "sem_wait");
  find(a.sem_trywait, "sem_trywait");
  find(a.sem_post, "sem_post");
  find(a.sem_timedwait, "sem_timedwait");
  find(a.sem_clockwait, "sem_clockwait");
  find(a.barrier_init, "pthread_barrier_init");
  find(a.barrier_destroy, "pthread_barrier_destroy");
  find(a.barrier_wait, "pthread_barrier_wait");
  find(a.create, "pthread_create");
  find(a.join, "pthread_join");
  find(a.tryjoin, "pthread_tryjoin_np");
  find(a.timedjoin, "pthread_timedjoin_np");
  find(a.clockjoin, "pthread_clockjoin_np");
  find(a.exit, "pthread_exit");
  find(a.process_exit, "exit");
  find(a.process_exit_now, "_exit");
  find(a.detach, "pthread_detach");
  find(a.setname, "pthread_setname_np");
  find(a.nanosleep, "nanosleep");
  find(a.clock_nanosleep, "clock_nanosleep");
  find(a.usleep, "usleep");
  find(a.sleep, "sleep");
  api = a;
  resolved.store(true, std::memory_order_release);
}

}  // namespace weft::preload::real
