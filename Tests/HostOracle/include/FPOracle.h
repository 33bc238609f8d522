// Layer: Tests (host CPU oracle), floating point: runs ONE scalar SSE or x87 operation on the
// host CPU with a given MXCSR / x87 control word and returns the result bits and the exception
// flags the CPU raised. Used by the SoftFloat unit tests as the reference (never by the emulator).
// All exceptions must be masked in `mxcsr` / `cw` (the functions force the mask bits on).

#ifndef ORRERY_FP_ORACLE_H
#define ORRERY_FP_ORACLE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    FPO_ADDSS, FPO_SUBSS, FPO_MULSS, FPO_DIVSS, FPO_SQRTSS, FPO_MINSS, FPO_MAXSS,
    FPO_ADDSD, FPO_SUBSD, FPO_MULSD, FPO_DIVSD, FPO_SQRTSD, FPO_MINSD, FPO_MAXSD,
    FPO_CVTSS2SD, FPO_CVTSD2SS,
    FPO_CVTSS2SI32, FPO_CVTSS2SI64, FPO_CVTTSS2SI32, FPO_CVTTSS2SI64,
    FPO_CVTSD2SI32, FPO_CVTSD2SI64, FPO_CVTTSD2SI32, FPO_CVTTSD2SI64,
    FPO_CVTSI2SS32, FPO_CVTSI2SS64, FPO_CVTSI2SD32, FPO_CVTSI2SD64,
    FPO_COMISS, FPO_UCOMISS, FPO_COMISD, FPO_UCOMISD,
    FPO_ROUNDSS, FPO_ROUNDSD,   /* imm8 = 4 (use MXCSR.RC) */
    FPO_SSE_COUNT
};

/// Runs SSE operation `op` with xmm0 = a, xmm1 = b (integer sources in a). Returns MXCSR after
/// (flags in bits 0-5); `*out` = result bits (integers sign-extended; COMIS: RFLAGS ZF/PF/CF).
uint32_t fpo_sse(int op, uint64_t a, uint64_t b, uint32_t mxcsr, uint64_t *out);

enum {
    FPO_X_ADD, FPO_X_SUB, FPO_X_MUL, FPO_X_DIV, FPO_X_SQRT, FPO_X_RNDINT,
    FPO_X_LOAD64,    /* fld qword a (a = binary64 bits), result extended */
    FPO_X_STORE64,   /* fld tbyte a, fstp qword: result binary64 bits in out[0..7] */
    FPO_X_LOAD32, FPO_X_STORE32,
    FPO_X_COUNT
};

/// Runs x87 operation `op` (st0 = a, st1 = b, both 80-bit images) under control word `cw`.
/// Returns the status word; `out` receives the 80-bit (or narrower) result image.
uint16_t fpo_x87(int op, const uint8_t *a, const uint8_t *b, uint16_t cw, uint8_t *out);

#ifdef __cplusplus
}
#endif

#endif
