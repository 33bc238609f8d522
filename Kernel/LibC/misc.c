/* LibC layer: putchar (Swift's print writes through it), arc4random_buf (seeds for
 * Dictionary/Set hashing) and ceil (used by the standard library's collection sizing). */
#include <stddef.h>
#include <stdint.h>

/* The kernel console (Boot/Console.swift): serial now, the log ring buffer later. */
extern void orrery_console_putchar(uint8_t c);

int putchar(int c) {
    orrery_console_putchar((uint8_t)c);
    return (unsigned char)c;
}

/* Deterministic on purpose (DESIGN.md section 2): the same kernel must behave identically on
   every run, so hash seeds come from a fixed-seed SplitMix64 stream, never from hardware
   entropy. When the kernel gets a recorded entropy source it can reseed this stream. */
static uint64_t random_state = 0x4F7272657279ULL;   /* "Orrery" */

static uint64_t splitmix64(void) {
    uint64_t z = (random_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void arc4random_buf(void *buf, size_t n) {
    unsigned char *p = buf;
    while (n > 0) {
        uint64_t r = splitmix64();
        for (int i = 0; i < 8 && n > 0; i++, n--) { *p++ = (unsigned char)r; r >>= 8; }
    }
}

/* ceil without libm or SSE4.1 ROUNDSD: values with |x| >= 2^52 are already integers (and NaN
   or infinity pass through); otherwise truncate toward zero and add 1 to positive fractions. */
double ceil(double x) {
    union { double d; uint64_t u; } v = { x };
    int exponent = (int)((v.u >> 52) & 0x7FF) - 1023;
    if (exponent >= 52) return x;
    if (exponent < 0) {
        if (x > 0) return 1.0;
        return (v.u >> 63) ? -0.0 : 0.0;
    }
    uint64_t fraction_mask = (1ULL << (52 - exponent)) - 1;
    if ((v.u & fraction_mask) == 0) return x;
    int positive = (v.u >> 63) == 0;
    v.u &= ~fraction_mask;
    return positive ? v.d + 1.0 : v.d;
}
