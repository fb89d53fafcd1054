#ifndef KORSKOLL_DICE_H
#define KORSKOLL_DICE_H
#include <stddef.h>
#include <stdint.h>

/// Compares the filter `a` (`words` 64-bit words, `pa` bits set) with `n` filters stored one after
/// another at `b` (popcounts `popb`). For every j with 2·|a∧b_j| / (pa + popb[j]) ≥ threshold,
/// computed in double precision exactly as written, writes j to out_index and |a∧b_j| to
/// out_common, in increasing j. Returns how many were written (at most n). pa + popb[j] must be
/// positive. The best variant for the CPU (AVX-512 VPOPCNTDQ, AVX2, POPCNT, portable) is chosen
/// at load time.
size_t korskoll_dice_row(const uint64_t *a, uint32_t pa, const uint64_t *b, const uint32_t *popb,
                         size_t n, size_t words, double threshold,
                         uint32_t *out_index, uint32_t *out_common);

/// |a ∧ b| over `words` words, with the same run-time dispatch.
uint64_t korskoll_popcount_and(const uint64_t *a, const uint64_t *b, size_t words);

/// |a| over `words` words.
uint64_t korskoll_popcount(const uint64_t *a, size_t words);

#endif
