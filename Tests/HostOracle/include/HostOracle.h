// Layer: Tests (host CPU oracle). Runs one instruction on the REAL host CPU, in-process, and
// reports the architectural state afterwards. The differential harness (Tests/DiffHarness)
// compares that against the emulator.
//
// How it works (see oracle.c): the code and data pages sit at fixed low addresses. A case is
// entered by executing an int3 from C; the SIGTRAP handler swaps the harness's register
// context for the test state (RIP = the test code) and returns, so the CPU runs the test
// instruction. The int3 placed after it (or a fault it raises) re-enters a handler, which
// records the registers and the exception vector and swaps the harness context back.

#ifndef ORRERY_HOST_ORACLE_H
#define ORRERY_HOST_ORACLE_H

#include <stdint.h>
#include <stddef.h>
#include "FPOracle.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Fixed guest-visible addresses shared by the host run and the emulator run.
#define HO_CODE_ADDR 0x100000ULL
#define HO_CODE_SIZE 0x1000ULL
#define HO_DATA_ADDR 0x200000ULL
#define HO_DATA_SIZE 0x10000ULL

/// Register state in x86 encoding order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15.
typedef struct HOState {
    uint64_t gpr[16];
    uint64_t rip;
    uint64_t rflags;
    /// Code segment selector: 0x33 for 64-bit code, 0x23 for 32-bit compatibility mode.
    uint16_t cs;
    /// MXCSR and XMM0-XMM15 (two little-endian qwords each), loaded from and stored to the
    /// signal frame's FXSAVE area.
    uint32_t mxcsr;
    uint64_t xmm[32];
    /// x87: control, status, abridged tag word (FXSAVE form), last opcode, instruction and
    /// data pointers, and the eight physical registers as (significand, sign+exponent) pairs.
    /// Input: loaded through the signal frame (FOP/FIP/FDP are ignored on input).
    uint16_t fcw, fsw;
    uint8_t ftw;
    uint16_t fop;
    uint64_t fip, fdp;
    uint64_t st[16];
} HOState;

/// What happened after the test instruction.
typedef struct HOResult {
    HOState state;
    /// Exception vector (REG_TRAPNO): 3 = reached an int3 (completed normally), 0 #DE, 1 #DB,
    /// 6 #UD, 12 #SS, 13 #GP, 14 #PF, 17 #AC; -1 = timed out (runaway loop).
    int32_t trapno;
    /// Signal number that ended the case (SIGTRAP, SIGSEGV, ...), 0 for a timeout.
    int32_t signo;
    /// Error code as Linux reports it (REG_ERR).
    uint64_t err;
    /// Fault address (CR2 / si_addr) for #PF and friends.
    uint64_t faultAddress;
} HOResult;

/// Maps the fixed pages and installs the signal handlers. Returns 0 or a negative errno-style
/// code (-1 mmap code, -2 mmap data, -3 sigaction). Safe to call more than once.
int ho_init(void);

/// Host pointers to the fixed pages (identity: they equal HO_CODE_ADDR / HO_DATA_ADDR).
uint8_t *ho_code_page(void);
uint8_t *ho_data_page(void);

/// Runs the test: the code page must already hold the bytes (the rest filled with 0xCC) and the
/// data pages the initial image. `in->rip` is where execution starts. Returns 0 on success.
int ho_run(const HOState *in, HOResult *out);

/// Milliseconds of CPU time a case may run before it is stopped (runaway loops). Default 200.
void ho_set_timeout_ms(int ms);

/// Host CPUID (for the report: which CPU was the oracle).
void ho_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

#ifdef __cplusplus
}
#endif

#endif
