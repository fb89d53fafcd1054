// The Sørensen–Dice kernel of Protocols/matching.md §2. Plain C compiled once per instruction set
// with target_clones: no unsafe flags, and the loader picks the variant the CPU supports.
#include "dice.h"

#if defined(__x86_64__) && defined(__linux__)
#define KORSKOLL_CLONES __attribute__((target_clones("avx512vpopcntdq", "avx2", "popcnt", "default")))
#else
#define KORSKOLL_CLONES
#endif

KORSKOLL_CLONES
size_t korskoll_dice_tile(const uint64_t *a, const uint32_t *pa, size_t na,
                          const uint64_t *b, const uint32_t *popb, size_t nb, size_t words,
                          const uint32_t *min_common,
                          uint32_t *out_row, uint32_t *out_index, uint32_t *out_common) {
    size_t found = 0;
    if (words == 16 && na == 4) {
        // 1024-bit filters, four rows: the rows stay in registers while b streams past once.
        for (size_t j = 0; j < nb; j++) {
            const uint64_t *bj = b + j * 16;
            uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
            for (size_t w = 0; w < 16; w++) {
                uint64_t x = bj[w];
                c0 += (uint64_t)__builtin_popcountll(a[w] & x);
                c1 += (uint64_t)__builtin_popcountll(a[16 + w] & x);
                c2 += (uint64_t)__builtin_popcountll(a[32 + w] & x);
                c3 += (uint64_t)__builtin_popcountll(a[48 + w] & x);
            }
            uint32_t p = popb[j];
            if (c0 >= min_common[pa[0] + p]) { out_row[found] = 0; out_index[found] = (uint32_t)j; out_common[found] = (uint32_t)c0; found++; }
            if (c1 >= min_common[pa[1] + p]) { out_row[found] = 1; out_index[found] = (uint32_t)j; out_common[found] = (uint32_t)c1; found++; }
            if (c2 >= min_common[pa[2] + p]) { out_row[found] = 2; out_index[found] = (uint32_t)j; out_common[found] = (uint32_t)c2; found++; }
            if (c3 >= min_common[pa[3] + p]) { out_row[found] = 3; out_index[found] = (uint32_t)j; out_common[found] = (uint32_t)c3; found++; }
        }
        return found;
    }
    for (size_t j = 0; j < nb; j++) {
        const uint64_t *bj = b + j * words;
        for (size_t r = 0; r < na; r++) {
            const uint64_t *ar = a + r * words;
            uint64_t common = 0;
            for (size_t w = 0; w < words; w++) common += (uint64_t)__builtin_popcountll(ar[w] & bj[w]);
            if (common >= min_common[pa[r] + popb[j]]) {
                out_row[found] = (uint32_t)r; out_index[found] = (uint32_t)j; out_common[found] = (uint32_t)common; found++;
            }
        }
    }
    return found;
}

KORSKOLL_CLONES
uint64_t korskoll_popcount(const uint64_t *a, size_t words) {
    uint64_t c = 0;
    for (size_t w = 0; w < words; w++) c += (uint64_t)__builtin_popcountll(a[w]);
    return c;
}

KORSKOLL_CLONES
void korskoll_common_pairs(const uint64_t *a, const uint64_t *b, size_t words,
                           const uint32_t *ia, const uint32_t *ib, size_t n, uint32_t *out_common) {
    for (size_t k = 0; k < n; k++) {
        const uint64_t *x = a + (size_t)ia[k] * words, *y = b + (size_t)ib[k] * words;
        uint64_t c = 0;
        for (size_t w = 0; w < words; w++) c += (uint64_t)__builtin_popcountll(x[w] & y[w]);
        out_common[k] = (uint32_t)c;
    }
}
