// The plain C reference for the exact join: build an open-addressing table of row indices over
// column A, probe it with every row of B, compare all 32 bytes. The data are made exactly as
// `korskoll match bench-exact` makes them. Prints one JSON line.
//
//     cc -O2 -o /tmp/exact_join_ref Tests/Benchmarks/exact_join_ref.c && /tmp/exact_join_ref 10000000 0.5
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

static uint64_t sm(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoull(argv[1], 0, 10) : 10000000;
    double overlap = argc > 2 ? atof(argv[2]) : 0.5;
    uint64_t *a = malloc(n * 32), *b = malloc(n * 32);
    uint64_t sa = 1, sb = 2;
    for (size_t i = 0; i < 4 * n; i++) a[i] = sm(&sa);
    size_t m = (size_t)(overlap * (double)n);
    for (size_t j = 0; j < n; j++) {
        if (j < m) memcpy(b + 4 * j, a + 4 * ((j * 7919 + 13) % n), 32);
        else for (int k = 0; k < 4; k++) b[4 * j + k] = sm(&sb);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t cap = 1024;
    while ((double)cap * 0.6 < (double)n) cap <<= 1;
    uint32_t *slot = calloc(cap, 4);
    for (size_t i = 0; i < n; i++) {
        size_t p = (a[4 * i] * 0x9E3779B97F4A7C15ULL) >> 20 & (cap - 1);
        for (;;) {
            uint32_t s = slot[p];
            if (s == 0) { slot[p] = (uint32_t)i + 1; break; }
            if (memcmp(a + 4 * (s - 1), a + 4 * i, 32) == 0) break;
            p = (p + 1) & (cap - 1);
        }
    }
    size_t shared = 0;
    for (size_t j = 0; j < n; j++) {
        size_t p = (b[4 * j] * 0x9E3779B97F4A7C15ULL) >> 20 & (cap - 1);
        for (;;) {
            uint32_t s = slot[p];
            if (s == 0) break;
            if (memcmp(a + 4 * (s - 1), b + 4 * j, 32) == 0) { shared++; break; }
            p = (p + 1) & (cap - 1);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("{\"implementation\":\"plain C hash join\",\"rows\":%zu,\"overlap\":%g,\"sharedValues\":%zu,\"seconds\":%.3f,\"peakRSSMiB\":%ld}\n",
           n, overlap, shared, secs, u.ru_maxrss / 1024);
    free(slot); free(a); free(b);
    return 0;
}
