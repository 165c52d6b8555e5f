/* corpus_deadline.h: the corpus programs' guard against hanging a harness.
 *
 * corpus_deadline_ms(ms) arms a one-shot SIGALRM timer; when it fires the process ends at once
 * with exit code CORPUS_DEADLOCK_EXIT (86). A program that deadlocks (the bug it demonstrates)
 * therefore still terminates, and a harness tells "deadlocked" (86) from "finished" (0) or
 * "crashed" (128 + signal). Works from C and C++; never blocks; cannot fail in practice.
 */
#ifndef WEFT_CORPUS_DEADLINE_H
#define WEFT_CORPUS_DEADLINE_H

#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define CORPUS_DEADLOCK_EXIT 86

static inline void corpus_on_deadline(int sig) {
  (void)sig;
  static const char msg[] = "corpus: deadline reached, the program is stuck (exit 86)\n";
  ssize_t ignored = write(2, msg, sizeof msg - 1);
  (void)ignored;
  _exit(CORPUS_DEADLOCK_EXIT);
}

/* Ends the process with exit code 86 after `ms` milliseconds of wall-clock time. */
static inline void corpus_deadline_ms(long ms) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = corpus_on_deadline;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it;
  memset(&it, 0, sizeof it);
  it.it_value.tv_sec = ms / 1000;
  it.it_value.tv_usec = (ms % 1000) * 1000;
  setitimer(ITIMER_REAL, &it, NULL);
}

#endif /* WEFT_CORPUS_DEADLINE_H */
