// An unmodified std::mutex program for the site-memo test (sites_memo_test.cpp): twelve lock
// sites and twelve unlock sites, more than the interposer's per-thread code-address cache holds,
// so its entries (and the trace-id memo each keeps) are replaced again and again; then the same
// in a fork child (a new recorder, whose ids the parent's memos must not lend it) and again in
// the parent. Every lock line ends with "// lock site", every unlock line with "// unlock site".
#include <sys/wait.h>
#include <unistd.h>

#include <mutex>
#include <thread>

namespace {
std::mutex m;

[[gnu::noinline]] void rounds(int n) {
  for (int i = 0; i < n; ++i) {
    m.lock();    // lock site
    m.unlock();  // unlock site
    m.lock();    // lock site
    m.unlock();  // unlock site
    m.lock();    // lock site
    m.unlock();  // unlock site
    m.lock();    // lock site
    m.unlock();  // unlock site
    m.lock();    // lock site
    m.unlock();  // unlock site
    m.lock();    // lock site
    m.unlock();  // unlock site
    m.lock();    // lock site
    m.unlock();  // unlock site
    m.lock();    // lock site
    m.unlock();  // unlock site
    m.lock();    // lock site
    m.unlock();  // unlock site
    m.lock();    // lock site
    m.unlock();  // unlock site
    m.lock();    // lock site
    m.unlock();  // unlock site
    m.lock();    // lock site
    m.unlock();  // unlock site
  }
}
}  // namespace

int main() {
  std::thread([] { rounds(10); }).join();  // a second thread, and glibc's locked mutex path
  rounds(50);
  pid_t child = fork();
  if (child == 0) {
    rounds(30);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  rounds(20);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
