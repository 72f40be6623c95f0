// cors-lab's browser clock shim, preloaded (LD_PRELOAD) into a browser so the
// max-age study can move its clocks forward by hours in a moment.
//
// Why not libfaketime: with an offset file it re-reads the file with fopen()
// (which allocates) while holding its own global lock, on every clock call.
// Chromium's allocator has a lock of its own, and the two deadlock within a
// minute of clock calls (seen in gdb: one thread holds libfaketime's lock and
// waits on the allocator's, the others wait on libfaketime's). This shim
// never allocates and takes no lock of its own: it maps the offset file once
// and reads it with plain loads (looking up the functions it wraps, once,
// takes only the dynamic loader's lock).
//
// The offset file ($CORS_LAB_CLOCK_FILE): 16 bytes, the offset in
// nanoseconds as a little-endian int64, written twice. The controller
// rewrites it in place (never by rename: the mapping would keep the old
// file); a reader that sees the two copies differ caught a write half-done
// and reads again.
//
// Every wall and monotonic clock moves by the same offset: caches measure
// lifetimes on the monotonic clock, cookies and HTTP dates on the wall clock.
// Absolute deadlines handed to timed waits were computed from the moved
// clocks, so the offset is taken off them again: a 100 ms wait still takes
// 100 ms.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000LL

static volatile int64_t *offset_file;
static int (*real_clock_gettime)(clockid_t, struct timespec *);
static int (*real_gettimeofday)(struct timeval *, void *);
static int (*real_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
static int (*real_cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t, const struct timespec *);
static int (*real_sem_timedwait)(sem_t *, const struct timespec *);
static int (*real_mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
static int (*real_clock_nanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
static int (*real_timerfd_settime)(int, int, const struct itimerspec *, struct itimerspec *);

// Set up on first use, from whichever thread gets here first, and again by
// the constructor. Library constructors run before this one and may already
// have started threads (JavaScriptCore's do) that call in here: a wrapper
// that relied on the constructor alone would call a null pointer (seen in
// gdb: a JSC thread in pthread_cond_timedwait jumping to 0 while the main
// thread was still in clock_shim_init, so MiniBrowser or a WebKit process
// died at start and WebKitWebDriver waited for it forever). Every step is
// idempotent, so racing threads at worst do it twice.
static int shim_ready;

static void *next_symbol(const char *name) {
  return dlsym(RTLD_NEXT, name);
}

static void clock_shim_setup(void) {
  __atomic_store_n(&real_clock_gettime, next_symbol("clock_gettime"), __ATOMIC_RELEASE);
  __atomic_store_n(&real_gettimeofday, next_symbol("gettimeofday"), __ATOMIC_RELEASE);
  // The versioned symbol: the unversioned one may resolve to glibc's old ABI.
  void *cond_timedwait = dlvsym(RTLD_NEXT, "pthread_cond_timedwait", "GLIBC_2.3.2");
  if (!cond_timedwait) cond_timedwait = next_symbol("pthread_cond_timedwait");
  __atomic_store_n(&real_cond_timedwait, cond_timedwait, __ATOMIC_RELEASE);
  __atomic_store_n(&real_cond_clockwait, next_symbol("pthread_cond_clockwait"), __ATOMIC_RELEASE);
  __atomic_store_n(&real_sem_timedwait, next_symbol("sem_timedwait"), __ATOMIC_RELEASE);
  __atomic_store_n(&real_mutex_timedlock, next_symbol("pthread_mutex_timedlock"), __ATOMIC_RELEASE);
  __atomic_store_n(&real_clock_nanosleep, next_symbol("clock_nanosleep"), __ATOMIC_RELEASE);
  __atomic_store_n(&real_timerfd_settime, next_symbol("timerfd_settime"), __ATOMIC_RELEASE);
  const char *path = getenv("CORS_LAB_CLOCK_FILE");
  if (path && !__atomic_load_n(&offset_file, __ATOMIC_ACQUIRE)) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      void *mapped = mmap(NULL, 16, PROT_READ, MAP_SHARED, fd, 0);
      close(fd);
      volatile int64_t *expected = NULL;
      if (mapped != MAP_FAILED &&
          !__atomic_compare_exchange_n(&offset_file, &expected, (volatile int64_t *)mapped, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        munmap(mapped, 16); // another thread mapped it first
    }
  }
  __atomic_store_n(&shim_ready, 1, __ATOMIC_RELEASE);
}

static inline void ensure_setup(void) {
  if (__builtin_expect(!__atomic_load_n(&shim_ready, __ATOMIC_ACQUIRE), 0)) clock_shim_setup();
}

__attribute__((constructor)) static void clock_shim_init(void) {
  ensure_setup();
}

static inline int64_t offset_ns(void) {
  ensure_setup();
  volatile int64_t *file = __atomic_load_n(&offset_file, __ATOMIC_ACQUIRE);
  if (!file) return 0;
  for (;;) {
    int64_t first = file[0];
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    int64_t second = file[1];
    if (first == second) return first;
  }
}

static inline void add_ns(struct timespec *time, int64_t ns) {
  int64_t total = (int64_t)time->tv_sec * NS_PER_S + time->tv_nsec + ns;
  time->tv_sec = total / NS_PER_S;
  time->tv_nsec = total % NS_PER_S;
  if (time->tv_nsec < 0) {
    time->tv_nsec += NS_PER_S;
    time->tv_sec -= 1;
  }
}

static inline int is_moved_clock(clockid_t clock) {
  return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_MONOTONIC_RAW || clock == CLOCK_REALTIME_COARSE ||
         clock == CLOCK_MONOTONIC_COARSE || clock == CLOCK_BOOTTIME || clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM ||
         clock == CLOCK_TAI;
}

int clock_gettime(clockid_t clock, struct timespec *time) {
  ensure_setup();
  // Should the lookup have failed: ask the kernel.
  int result = real_clock_gettime ? real_clock_gettime(clock, time) : (int)syscall(SYS_clock_gettime, clock, time);
  if (result == 0 && time && is_moved_clock(clock)) add_ns(time, offset_ns());
  return result;
}

int gettimeofday(struct timeval *value, void *zone) {
  ensure_setup();
  struct timespec now;
  int result = clock_gettime(CLOCK_REALTIME, &now);
  if (result == 0 && value) {
    value->tv_sec = now.tv_sec;
    value->tv_usec = now.tv_nsec / 1000;
  }
  if (zone && real_gettimeofday) {
    struct timeval ignored;
    real_gettimeofday(&ignored, zone);
  }
  return result;
}

time_t time(time_t *out) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if (out) *out = now.tv_sec;
  return now.tv_sec;
}

int pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex, const struct timespec *deadline) {
  ensure_setup();
  if (!deadline) return real_cond_timedwait(cond, mutex, deadline);
  struct timespec real = *deadline;
  add_ns(&real, -offset_ns());
  return real_cond_timedwait(cond, mutex, &real);
}

int pthread_cond_clockwait(pthread_cond_t *cond, pthread_mutex_t *mutex, clockid_t clock, const struct timespec *deadline) {
  ensure_setup();
  struct timespec real = *deadline;
  if (is_moved_clock(clock)) add_ns(&real, -offset_ns());
  return real_cond_clockwait(cond, mutex, clock, &real);
}

int sem_timedwait(sem_t *semaphore, const struct timespec *deadline) {
  ensure_setup();
  struct timespec real = *deadline;
  add_ns(&real, -offset_ns());
  return real_sem_timedwait(semaphore, &real);
}

int pthread_mutex_timedlock(pthread_mutex_t *mutex, const struct timespec *deadline) {
  ensure_setup();
  struct timespec real = *deadline;
  add_ns(&real, -offset_ns());
  return real_mutex_timedlock(mutex, &real);
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *request, struct timespec *remain) {
  ensure_setup();
  if (!(flags & TIMER_ABSTIME) || !is_moved_clock(clock)) return real_clock_nanosleep(clock, flags, request, remain);
  struct timespec real = *request;
  add_ns(&real, -offset_ns());
  return real_clock_nanosleep(clock, flags, &real, remain);
}

int timerfd_settime(int fd, int flags, const struct itimerspec *value, struct itimerspec *old) {
  ensure_setup();
  // A zero it_value disarms the timer: leave it alone.
  if (!(flags & TFD_TIMER_ABSTIME) || !value || (value->it_value.tv_sec == 0 && value->it_value.tv_nsec == 0))
    return real_timerfd_settime(fd, flags, value, old);
  struct itimerspec real = *value;
  add_ns(&real.it_value, -offset_ns());
  return real_timerfd_settime(fd, flags, &real, old);
}
