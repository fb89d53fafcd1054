// The Sørensen–Dice kernel of Protocols/matching.md §2. Plain C compiled once per instruction set
// with target_clones: no unsafe flags, and the loader picks the variant the CPU supports.
#include "dice.h"

#if defined(__x86_64__) && defined(__linux__)
#define KORSKOLL_CLONES __attribute__((target_clones("avx512vpopcntdq", "avx2", "popcnt", "default")))
#else
#define KORSKOLL_CLONES
#endif

KORSKOLL_CLONES
size_t korskoll_dice_row(const uint64_t *a, uint32_t pa, const uint64_t *b, const uint32_t *popb,
                         size_t n, size_t words, double threshold,
                         uint32_t *out_index, uint32_t *out_common) {
    size_t found = 0;
    if (words == 16) {
        // 1024-bit filters, the common case: a fixed trip count the compiler unrolls.
        for (size_t j = 0; j < n; j++) {
            const uint64_t *bj = b + j * 16;
            uint64_t common = 0;
            for (size_t w = 0; w < 16; w++) common += (uint64_t)__builtin_popcountll(a[w] & bj[w]);
            double score = (double)(2 * common) / (double)((uint64_t)pa + popb[j]);
            if (score >= threshold) { out_index[found] = (uint32_t)j; out_common[found] = (uint32_t)common; found++; }
        }
        return found;
    }
    for (size_t j = 0; j < n; j++) {
        const uint64_t *bj = b + j * words;
        uint64_t common = 0;
        for (size_t w = 0; w < words; w++) common += (uint64_t)__builtin_popcountll(a[w] & bj[w]);
        double score = (double)(2 * common) / (double)((uint64_t)pa + popb[j]);
        if (score >= threshold) { out_index[found] = (uint32_t)j; out_common[found] = (uint32_t)common; found++; }
    }
    return found;
}

KORSKOLL_CLONES
uint64_t korskoll_popcount_and(const uint64_t *a, const uint64_t *b, size_t words) {
    uint64_t c = 0;
    for (size_t w = 0; w < words; w++) c += (uint64_t)__builtin_popcountll(a[w] & b[w]);
    return c;
}

KORSKOLL_CLONES
uint64_t korskoll_popcount(const uint64_t *a, size_t words) {
    uint64_t c = 0;
    for (size_t w = 0; w < words; w++) c += (uint64_t)__builtin_popcountll(a[w]);
    return c;
}
