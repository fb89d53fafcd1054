#ifndef KORSKOLL_DICE_H
#define KORSKOLL_DICE_H
#include <stddef.h>
#include <stdint.h>

/// Compares the filter `a` (`words` 64-bit words, `pa` bits set) with `n` filters stored one after
/// another at `b` (popcounts `popb`). For every j with |a∧b_j| ≥ min_common[pa + popb[j]],
/// writes j to out_index and |a∧b_j| to out_common, in increasing j, and returns how many (at
/// most n). `min_common[s]` is the least count c with 2c / s ≥ threshold (the caller computes it
/// in double precision, so the test is exactly the division's without dividing per pair). The
/// best variant for the CPU (AVX-512 VPOPCNTDQ, AVX2, POPCNT, portable) is chosen at load time.
size_t korskoll_dice_row(const uint64_t *a, uint32_t pa, const uint64_t *b, const uint32_t *popb,
                         size_t n, size_t words, const uint32_t *min_common,
                         uint32_t *out_index, uint32_t *out_common);

/// The tiled form: rows a[0..<na] (na ≤ 8, `pa` their popcounts) against b[0..<nb]. Each b
/// filter is loaded once for all na rows, which divides the memory traffic by na. Writes the
/// matching (row, j, common) triples, row-major by j then row, and returns how many (at most
/// na·nb).
size_t korskoll_dice_tile(const uint64_t *a, const uint32_t *pa, size_t na,
                          const uint64_t *b, const uint32_t *popb, size_t nb, size_t words,
                          const uint32_t *min_common,
                          uint32_t *out_row, uint32_t *out_index, uint32_t *out_common);

/// |a ∧ b| over `words` words, with the same run-time dispatch.
uint64_t korskoll_popcount_and(const uint64_t *a, const uint64_t *b, size_t words);

/// |a| over `words` words.
uint64_t korskoll_popcount(const uint64_t *a, size_t words);

#endif
