// The tutorial's task 6 and section 5: a ThreadPoolExecutor of 3 workers runs five tasks; main
// prints each Future's result in submission order. Leaving the scope shuts the pool down, like
// leaving `with`. No bug. (Sleeps are 10 ms instead of 1 s.)
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>
#include <weft/threading.hpp>

#include "corpus_deadline.h"

std::string task(int n) {
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return "任务 " + std::to_string(n) + " 完成";
}

int main() {
  corpus_deadline_ms(2000);
  weft::ThreadPoolExecutor executor(3);  // 创建一个线程池，最大线程数为3
  std::vector<weft::Future<std::string>> futures;
  for (int i = 0; i < 5; ++i) futures.push_back(executor.submit(task, i));
  for (auto& future : futures) std::puts(future.result().c_str());  // 获取任务结果
  return 0;
}
