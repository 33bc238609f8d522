// Layer: Tests (host CPU oracle), floating point: single SSE / x87 operations executed on the
// host CPU with inline assembly, so the SoftFloat tests compare against real hardware including
// the flags libc's fenv cannot show (DE) and the modes it cannot set (DAZ, FTZ, x87 precision).

#include "FPOracle.h"
#include <string.h>

#if defined(__x86_64__)

#define SSE_BIN(insn) \
    __asm__ volatile("ldmxcsr %[m]\n\t" insn " %%xmm1, %%xmm0\n\tstmxcsr %[m]" \
                     : "+x"(x0), [m] "+m"(m) : "x"(x1) : "memory")

uint32_t fpo_sse(int op, uint64_t a, uint64_t b, uint32_t mxcsr, uint64_t *out) {
    uint32_t m = mxcsr | 0x1F80;     // all exceptions masked
    uint32_t saved;
    __asm__ volatile("stmxcsr %0" : "=m"(saved));
    typedef long long v2di __attribute__((vector_size(16)));
    register v2di x0 __asm__("xmm0") = { (long long)a, 0 };
    register v2di x1 __asm__("xmm1") = { (long long)b, 0 };
    int64_t r = 0;
    uint64_t fl = 0;
    switch (op) {
    case FPO_ADDSS: SSE_BIN("addss"); break;
    case FPO_SUBSS: SSE_BIN("subss"); break;
    case FPO_MULSS: SSE_BIN("mulss"); break;
    case FPO_DIVSS: SSE_BIN("divss"); break;
    case FPO_SQRTSS: SSE_BIN("sqrtss"); break;
    case FPO_MINSS: SSE_BIN("minss"); break;
    case FPO_MAXSS: SSE_BIN("maxss"); break;
    case FPO_ADDSD: SSE_BIN("addsd"); break;
    case FPO_SUBSD: SSE_BIN("subsd"); break;
    case FPO_MULSD: SSE_BIN("mulsd"); break;
    case FPO_DIVSD: SSE_BIN("divsd"); break;
    case FPO_SQRTSD: SSE_BIN("sqrtsd"); break;
    case FPO_MINSD: SSE_BIN("minsd"); break;
    case FPO_MAXSD: SSE_BIN("maxsd"); break;
    case FPO_CVTSS2SD: SSE_BIN("cvtss2sd"); break;
    case FPO_CVTSD2SS: SSE_BIN("cvtsd2ss"); break;
    case FPO_ROUNDSS:
        __asm__ volatile("ldmxcsr %[m]\n\troundss $4, %%xmm1, %%xmm0\n\tstmxcsr %[m]" : "+x"(x0), [m] "+m"(m) : "x"(x1) : "memory");
        break;
    case FPO_ROUNDSD:
        __asm__ volatile("ldmxcsr %[m]\n\troundsd $4, %%xmm1, %%xmm0\n\tstmxcsr %[m]" : "+x"(x0), [m] "+m"(m) : "x"(x1) : "memory");
        break;
#define CVT2SI(insn, reg) \
        __asm__ volatile("ldmxcsr %[m]\n\t" insn " %%xmm1, %" reg "[r]\n\tstmxcsr %[m]" : [r] "=r"(r), [m] "+m"(m) : "x"(x1) : "memory")
    case FPO_CVTSS2SI32: { int32_t v; __asm__ volatile("ldmxcsr %[m]\n\tcvtss2si %%xmm1, %k[r]\n\tstmxcsr %[m]" : [r] "=r"(v), [m] "+m"(m) : "x"(x1) : "memory"); r = v; break; }
    case FPO_CVTTSS2SI32: { int32_t v; __asm__ volatile("ldmxcsr %[m]\n\tcvttss2si %%xmm1, %k[r]\n\tstmxcsr %[m]" : [r] "=r"(v), [m] "+m"(m) : "x"(x1) : "memory"); r = v; break; }
    case FPO_CVTSD2SI32: { int32_t v; __asm__ volatile("ldmxcsr %[m]\n\tcvtsd2si %%xmm1, %k[r]\n\tstmxcsr %[m]" : [r] "=r"(v), [m] "+m"(m) : "x"(x1) : "memory"); r = v; break; }
    case FPO_CVTTSD2SI32: { int32_t v; __asm__ volatile("ldmxcsr %[m]\n\tcvttsd2si %%xmm1, %k[r]\n\tstmxcsr %[m]" : [r] "=r"(v), [m] "+m"(m) : "x"(x1) : "memory"); r = v; break; }
    case FPO_CVTSS2SI64: __asm__ volatile("ldmxcsr %[m]\n\tcvtss2si %%xmm1, %q[r]\n\tstmxcsr %[m]" : [r] "=r"(r), [m] "+m"(m) : "x"(x1) : "memory"); break;
    case FPO_CVTTSS2SI64: __asm__ volatile("ldmxcsr %[m]\n\tcvttss2si %%xmm1, %q[r]\n\tstmxcsr %[m]" : [r] "=r"(r), [m] "+m"(m) : "x"(x1) : "memory"); break;
    case FPO_CVTSD2SI64: __asm__ volatile("ldmxcsr %[m]\n\tcvtsd2si %%xmm1, %q[r]\n\tstmxcsr %[m]" : [r] "=r"(r), [m] "+m"(m) : "x"(x1) : "memory"); break;
    case FPO_CVTTSD2SI64: __asm__ volatile("ldmxcsr %[m]\n\tcvttsd2si %%xmm1, %q[r]\n\tstmxcsr %[m]" : [r] "=r"(r), [m] "+m"(m) : "x"(x1) : "memory"); break;
    case FPO_CVTSI2SS32: { int32_t v = (int32_t)a; __asm__ volatile("ldmxcsr %[m]\n\tcvtsi2ssl %k[v], %%xmm0\n\tstmxcsr %[m]" : "+x"(x0), [m] "+m"(m) : [v] "r"(v) : "memory"); break; }
    case FPO_CVTSI2SS64: __asm__ volatile("ldmxcsr %[m]\n\tcvtsi2ssq %q[v], %%xmm0\n\tstmxcsr %[m]" : "+x"(x0), [m] "+m"(m) : [v] "r"(a) : "memory"); break;
    case FPO_CVTSI2SD32: { int32_t v = (int32_t)a; __asm__ volatile("ldmxcsr %[m]\n\tcvtsi2sdl %k[v], %%xmm0\n\tstmxcsr %[m]" : "+x"(x0), [m] "+m"(m) : [v] "r"(v) : "memory"); break; }
    case FPO_CVTSI2SD64: __asm__ volatile("ldmxcsr %[m]\n\tcvtsi2sdq %q[v], %%xmm0\n\tstmxcsr %[m]" : "+x"(x0), [m] "+m"(m) : [v] "r"(a) : "memory"); break;
#define COMI(insn) \
        __asm__ volatile("ldmxcsr %[m]\n\t" insn " %%xmm1, %%xmm0\n\tlea -128(%%rsp), %%rsp\n\tpushfq\n\tpopq %[f]\n\tlea 128(%%rsp), %%rsp\n\tstmxcsr %[m]" : [f] "=r"(fl), [m] "+m"(m) : "x"(x0), "x"(x1) : "memory", "cc")
    case FPO_COMISS: COMI("comiss"); break;
    case FPO_UCOMISS: COMI("ucomiss"); break;
    case FPO_COMISD: COMI("comisd"); break;
    case FPO_UCOMISD: COMI("ucomisd"); break;
    default: break;
    }
    __asm__ volatile("ldmxcsr %0" :: "m"(saved));
    if (op >= FPO_CVTSS2SI32 && op <= FPO_CVTTSD2SI64) *out = (uint64_t)r;
    else if (op >= FPO_COMISS && op <= FPO_UCOMISD) *out = fl & 0x8D5;
    else *out = (uint64_t)x0[0];
    return m;
}

uint16_t fpo_x87(int op, const uint8_t *a, const uint8_t *b, uint16_t cw, uint8_t *out) {
    uint16_t c = cw | 0x3F, sw = 0;
    unsigned char env[28];
    __asm__ volatile("fnstenv %0" : "=m"(env));
    __asm__ volatile("fninit\n\tfldcw %0" :: "m"(c));
    switch (op) {
    case FPO_X_ADD: case FPO_X_SUB: case FPO_X_MUL: case FPO_X_DIV:
        __asm__ volatile("fldt %0\n\tfldt %1" :: "m"(*(const char (*)[10])b), "m"(*(const char (*)[10])a) : "memory");
        if (op == FPO_X_ADD) __asm__ volatile("fadd %%st(1), %%st" ::: "memory");
        if (op == FPO_X_SUB) __asm__ volatile("fsub %%st(1), %%st" ::: "memory");
        if (op == FPO_X_MUL) __asm__ volatile("fmul %%st(1), %%st" ::: "memory");
        if (op == FPO_X_DIV) __asm__ volatile("fdiv %%st(1), %%st" ::: "memory");
        __asm__ volatile("fnstsw %0\n\tfstpt %1\n\tfstp %%st(0)" : "=m"(sw), "=m"(*(char (*)[10])out));
        break;
    case FPO_X_SQRT: case FPO_X_RNDINT:
        __asm__ volatile("fldt %0" :: "m"(*(const char (*)[10])a) : "memory");
        if (op == FPO_X_SQRT) __asm__ volatile("fsqrt" ::: "memory"); else __asm__ volatile("frndint" ::: "memory");
        __asm__ volatile("fnstsw %0\n\tfstpt %1" : "=m"(sw), "=m"(*(char (*)[10])out));
        break;
    case FPO_X_LOAD64:
        __asm__ volatile("fldl %0\n\tfnstsw %1\n\tfstpt %2" :: "m"(*(const double *)a), "m"(sw), "m"(*(char (*)[10])out) : "memory");
        __asm__ volatile("" ::: "memory");
        break;
    case FPO_X_LOAD32:
        __asm__ volatile("flds %0\n\tfnstsw %1\n\tfstpt %2" :: "m"(*(const float *)a), "m"(sw), "m"(*(char (*)[10])out) : "memory");
        break;
    case FPO_X_STORE64:
        __asm__ volatile("fldt %0\n\tfstpl %1\n\tfnstsw %2" :: "m"(*(const char (*)[10])a), "m"(*(double *)out), "m"(sw) : "memory");
        break;
    case FPO_X_STORE32:
        __asm__ volatile("fldt %0\n\tfstps %1\n\tfnstsw %2" :: "m"(*(const char (*)[10])a), "m"(*(float *)out), "m"(sw) : "memory");
        break;
    default: break;
    }
    __asm__ volatile("" ::: "memory");
    __asm__ volatile("fldenv %0" :: "m"(env));
    return sw;
}

#else
uint32_t fpo_sse(int op, uint64_t a, uint64_t b, uint32_t mxcsr, uint64_t *out) { (void)op; (void)a; (void)b; *out = 0; return mxcsr; }
uint16_t fpo_x87(int op, const uint8_t *a, const uint8_t *b, uint16_t cw, uint8_t *out) { (void)op; (void)a; (void)b; (void)out; return cw; }
#endif
