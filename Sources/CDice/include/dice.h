#ifndef KORSKOLL_DICE_H
#define KORSKOLL_DICE_H
#include <stddef.h>
#include <stdint.h>

/// Rows a[0..<na] (`words` 64-bit words each, `pa` their popcounts) against the filters
/// b[0..<nb] (popcounts `popb`). Each b filter is loaded once for all na rows, which divides the
/// memory traffic by na. A pair matches when |a_r ∧ b_j| ≥ min_common[pa[r] + popb[j]], where
/// min_common[s] is the least c with 2c / s ≥ threshold (the caller computes it in double
/// precision, so the test is exactly the division's without dividing per pair). Writes the
/// matching (row, j, common) triples in order of j, then row, and returns how many (at most
/// na·nb). The best variant for the CPU (AVX-512 VPOPCNTDQ, AVX2, POPCNT, portable) is chosen
/// at load time.
size_t korskoll_dice_tile(const uint64_t *a, const uint32_t *pa, size_t na,
                          const uint64_t *b, const uint32_t *popb, size_t nb, size_t words,
                          const uint32_t *min_common,
                          uint32_t *out_row, uint32_t *out_index, uint32_t *out_common);

/// |a| over `words` words.
uint64_t korskoll_popcount(const uint64_t *a, size_t words);

/// |a[ia[k]] ∧ b[ib[k]]| for k < n (filters of `words` words): the blocked pairs of
/// Protocols/blocking.md §5, each compared once.
void korskoll_common_pairs(const uint64_t *a, const uint64_t *b, size_t words,
                           const uint32_t *ia, const uint32_t *ib, size_t n, uint32_t *out_common);

/// A hint that `p` will be read soon (the exact join's batched probes). Inline, so Swift
/// callers compile it to one prefetch instruction.
static inline void korskoll_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
