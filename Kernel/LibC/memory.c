/* LibC layer: memset, memcpy, memmove, memcmp for the Swift runtime and compiler-generated
 * calls. Written with REP STOSB/MOVSB in inline assembly: a plain C loop could be recognised
 * by the optimiser as "memset" and compiled into a call to itself. */
#include <stddef.h>
#include <stdint.h>

void *memset(void *dst, int c, size_t n) {
    void *d = dst;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    void *d = dst;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) :: "memory");
    return dst;
}

/* Overlapping regions: when dst is above src, copy backwards (DF=1 makes MOVSB decrement)
   starting from the last byte, so no source byte is overwritten before it is read. */
void *memmove(void *dst, const void *src, size_t n) {
    if ((uintptr_t)dst <= (uintptr_t)src || (uintptr_t)dst >= (uintptr_t)src + n)
        return memcpy(dst, src, n);
    void *d = (char *)dst + n - 1;
    const void *s = (const char *)src + n - 1;
    __asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const volatile unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char *s) {
    const volatile char *p = s;
    size_t n = 0;
    while (p[n]) n++;
    return n;
}
