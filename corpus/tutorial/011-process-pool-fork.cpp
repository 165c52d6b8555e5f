// The tutorial's process pool: five tasks run in three forked worker processes (Python's
// ProcessPoolExecutor(max_workers=3) / Pool(processes=3)); each worker runs its tasks on a weft
// thread and reports "进程 <pid> 完成任务 <n>" through a pipe; the parent prints the results in
// task order. No bug. Exercises recording across fork().
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

std::string example_task(int n) {
  return "进程 " + std::to_string(getpid()) + " 完成任务 " + std::to_string(n);
}

int main() {
  corpus_deadline_ms(3000);
  const int tasks = 5, workers = 3;
  std::vector<int> read_fds;
  std::vector<pid_t> pids;
  for (int w = 0; w < workers; ++w) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {  // worker process: tasks w, w+3, ...
      close(fds[0]);
      weft::Lock out("pipe");
      weft::Thread t(
          [&] {
            for (int n = w; n < tasks; n += workers) {
              std::string line = example_task(n) + "\n";
              std::lock_guard<weft::Lock> with(out);
              if (write(fds[1], line.data(), line.size()) < 0) _exit(1);
            }
          },
          "worker-" + std::to_string(w));
      t.start();
      t.join();
      close(fds[1]);
      _exit(0);
    }
    close(fds[1]);
    read_fds.push_back(fds[0]);
    pids.push_back(pid);
  }
  std::vector<std::string> results(tasks);
  for (int w = 0; w < workers; ++w) {
    std::string all;
    char buf[256];
    for (ssize_t n; (n = read(read_fds[w], buf, sizeof buf)) > 0;) all.append(buf, n);
    close(read_fds[w]);
    for (int n = w, pos = 0; n < tasks; n += workers) {
      std::size_t end = all.find('\n', pos);
      if (end == std::string::npos) return 1;
      results[n] = all.substr(pos, end - pos);
      pos = static_cast<int>(end) + 1;
    }
  }
  int status = 0, failed = 0;
  for (pid_t pid : pids) {
    waitpid(pid, &status, 0);
    failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  for (const auto& r : results) std::puts(r.c_str());
  return failed ? 1 : 0;
}
