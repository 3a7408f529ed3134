// The platform's own stalls: a thread pinned to one CPU reads CLOCK_MONOTONIC in a tight loop, and every gap between
// two reads over 10 us is time it did not run (the guest kernel, another thread, or the hypervisor took the CPU).
// Run with nothing else busy, it shows how often, and for how long, any thread on this machine is stopped by what
// is not the program: a latency percentile below that rate cannot be held here, whatever the program does.
// Usage: stalls CPU SECONDS. Prints one line: the largest gap, the share of time lost and the gaps by duration.
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long nanos(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
  static const long long limits[] = {50000, 250000, 1000000, 2000000, 5000000};
  static const char *names[] = {"10-50 us", "50-250 us", "0.25-1 ms", "1-2 ms", "2-5 ms", "over 5 ms"};
  enum { BUCKETS = sizeof names / sizeof names[0] };
  long long counts[BUCKETS] = {0};
  if (argc != 3)
  {
    fprintf(stderr, "usage: stalls CPU SECONDS\n");
    return 2;
  }
  const int cpu = atoi(argv[1]);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0)
  {
    perror("sched_setaffinity");
    return 1;
  }
  const long long start = nanos(), end = start + (long long)(atof(argv[2]) * 1e9);
  long long previous = start, longest = 0, lost = 0;
  while (previous < end)
  {
    const long long now = nanos(), gap = now - previous;
    previous = now;
    if (gap <= 10000)
    {
      continue;
    }
    lost += gap;
    longest = gap > longest ? gap : longest;
    int b = 0;
    while (b < BUCKETS - 1 && gap > limits[b])
    {
      b++;
    }
    counts[b]++;
  }
  const double seconds = (previous - start) / 1e9;
  printf("cpu %d: largest stall %.2f ms, %.2f %% of the time lost; stalls per second:", cpu, longest / 1e6,
    100.0 * lost / (previous - start));
  for (int b = 0; b < BUCKETS; b++)
  {
    printf(" %s %.1f%s", names[b], counts[b] / seconds, b < BUCKETS - 1 ? "," : "\n");
  }
  return 0;
}
