/*
 * rng.h — counter-based random numbers: a uniform number is a pure function
 * of (seed, domain, id, a, b), so a patient's draws do not depend on how many
 * patients there are, on threads, or on the order of computation.  GSL's
 * generators are sequential and take 32-bit seeds (a million patients'
 * seeds would collide), so this small keyed hash (SplitMix64 finaliser,
 * Steele, Lea & Flood 2014, OOPSLA, doi:10.1145/2714064.2660195) derives
 * each number; a GSL generator can be seeded from it where a stream is
 * needed.
 */
#ifndef MS_RNG_H
#define MS_RNG_H

#include <stdint.h>

static inline uint64_t msi_mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* What a number is for: streams of different purposes never share keys. */
enum {
    MS_RNG_MISSED = 1,    /* (patient, treatment, session) */
    MS_RNG_PARAMS = 2,    /* (candidate, key of the parameter's name, attempt) */
    MS_RNG_ARMS = 3,      /* (patient, 0, 0): randomisation */
    MS_RNG_BOOTSTRAP = 4, /* (replicate, draw, stream) */
    MS_RNG_POWER = 5      /* (trial, draw, stream) */
};

/* A key for a name (FNV-1a, then the finaliser): a parameter's draws are
 * keyed by its name, not by its position in the file, so a virtual patient
 * stays the same person when the model gains or reorders a parameter. */
static inline uint64_t msi_rng_name_key(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return msi_mix64(h);
}

/* 64 random bits for the key (seed, domain, id, a, b). */
static inline uint64_t msi_rng_bits(uint64_t seed, uint64_t domain, uint64_t id, uint64_t a,
                                    uint64_t b)
{
    uint64_t h = msi_mix64(seed ^ 0x6a09e667f3bcc908ull);
    h = msi_mix64(h ^ (domain * 0xd1b54a32d192ed03ull));
    h = msi_mix64(h ^ id);
    h = msi_mix64(h ^ a);
    return msi_mix64(h ^ b);
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double msi_rng_u01(uint64_t seed, uint64_t domain, uint64_t id, uint64_t a,
                                 uint64_t b)
{
    return (double)(msi_rng_bits(seed, domain, id, a, b) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in (0, 1), never 0 or 1 (for inverse-CDF sampling). */
static inline double msi_rng_open01(uint64_t seed, uint64_t domain, uint64_t id, uint64_t a,
                                    uint64_t b)
{
    return ((double)(msi_rng_bits(seed, domain, id, a, b) >> 11) + 0.5) *
           (1.0 / 9007199254740992.0);
}

/* A Poisson(1) count from 64 random bits, by inversion: the weight of one
 * observation in one replicate of the Poisson bootstrap (Hanley & MacGibbon
 * 2006, Comput Methods Programs Biomed 83:57-62), which, unlike drawing n
 * indices, can be accumulated as the observations stream past. */
static inline int msi_poisson1(uint64_t bits)
{
    /* P(K <= k) for Poisson(1), k = 0..11; beyond 11 (p < 1e-9) counts 12 */
    static const double cdf[12] = {0.36787944117144233, 0.7357588823428847, 0.9196986029286058,
                                   0.9810118431238463,  0.9963401531726563, 0.9994058151824183,
                                   0.999916758850712,   0.9999897508033253, 0.999998874797402,
                                   0.9999998885745216,  0.9999999899522336, 0.9999999991683892};
    double u = (double)(bits >> 11) * (1.0 / 9007199254740992.0);
    int k = 0;
    while (k < 12 && u >= cdf[k])
        k++;
    return k;
}

#endif
