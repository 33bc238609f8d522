// Layer: Tests (host CPU oracle). Executes one test instruction on the real CPU, in-process.
//
// Sequence of one case (ho_run):
//   1. phase = ENTER; the harness executes `int3`.
//   2. SIGTRAP handler (on the alternate signal stack): saves the harness's general registers
//      and its FPU/SSE state from the ucontext, writes the test state (16 GPRs, RIP = test code,
//      RFLAGS, CS/SS) into the ucontext, phase = RUN, and returns: sigreturn loads the test
//      state into the CPU, which runs the test instruction.
//   3. The instruction either reaches the int3 that follows it (trap 3), or raises an exception
//      (SIGFPE #DE, SIGILL #UD, SIGSEGV #GP/#PF, SIGBUS #SS/#AC ...). That handler records the
//      registers, REG_TRAPNO and REG_ERR, puts the saved harness context back into the ucontext
//      and returns: the harness continues after its own int3 as if nothing happened.
// A per-thread CPU-time timer stops runaway cases (`jmp $`, `loop $` with a huge count).
//
// Only one thread at a time may run cases (the pages are process-wide).

#define _GNU_SOURCE
#include "HostOracle.h"

#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

enum { PHASE_IDLE = 0, PHASE_ENTER = 1, PHASE_RUN = 2, PHASE_DONE = 3 };

static volatile sig_atomic_t phase = PHASE_IDLE;
static volatile pid_t runnerTid = 0;
static HOState input;
static HOResult output;
static greg_t savedGregs[NGREG];
/// The harness's FPU/SSE/AVX state (XSAVE image from the signal frame).
static uint8_t savedFP[32768] __attribute__((aligned(64)));
static size_t savedFPSize = 0;

// Runaway detection: the timer handler counts how many ticks the same case has been running.
static volatile uint64_t runSerial = 0, seenSerial = 0;
static volatile int seenTicks = 0;
static int timeoutMs = 200;
static timer_t timer;
static pid_t timerTid = 0;

static int initialized = 0;
static uint8_t *altStack = NULL;
static pid_t altStackTid = 0;
static struct sigaction previous[65];

static const int faultSignals[] = { SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGILL };

/// Linux gregs index for each GPR in x86 encoding order.
static const int gregIndex[16] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static pid_t current_tid(void) { return (pid_t)syscall(SYS_gettid); }

/// Size of the FPU state in a signal frame: the XSAVE area when the kernel marked it with
/// FP_XSTATE_MAGIC1 in the software-reserved bytes of the FXSAVE image, else 512 (FXSAVE).
static size_t fp_size(const void *fp) {
    const uint8_t *p = fp;
    uint32_t magic1, extended;
    memcpy(&magic1, p + 464, 4);
    memcpy(&extended, p + 468, 4);
    if (magic1 == 0x46505853U && extended <= sizeof savedFP) return extended;
    return 512;
}

/// Hands a signal that is not ours to whoever had it before (e.g. the Swift backtracer).
static void chain(int sig, siginfo_t *si, void *ctx) {
    struct sigaction *old = &previous[sig];
    if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction != NULL) {
        old->sa_sigaction(sig, si, ctx);
        return;
    }
    if (old->sa_handler == SIG_IGN) return;
    if (old->sa_handler != SIG_DFL && old->sa_handler != NULL) {
        old->sa_handler(sig);
        return;
    }
    // Default action: reinstall it; a fault re-executes and kills the process as usual.
    signal(sig, SIG_DFL);
    if (sig == SIGTRAP || sig == SIGVTALRM) raise(sig);
}

static void finish(ucontext_t *uc, int trapno, int signo, uint64_t err, uint64_t addr) {
    greg_t *g = uc->uc_mcontext.gregs;
    for (int i = 0; i < 16; i++) output.state.gpr[i] = (uint64_t)g[gregIndex[i]];
    output.state.rip = (uint64_t)g[REG_RIP];
    output.state.rflags = (uint64_t)g[REG_EFL];
    output.state.cs = (uint16_t)(g[REG_CSGSFS] & 0xFFFF);
    if (uc->uc_mcontext.fpregs != NULL) {
        // The test's SSE state, from the FXSAVE image the kernel wrote into the signal frame.
        memcpy(output.state.xmm, uc->uc_mcontext.fpregs->_xmm, sizeof output.state.xmm);
        output.state.mxcsr = uc->uc_mcontext.fpregs->mxcsr;
        struct _libc_fpstate *f = uc->uc_mcontext.fpregs;
        output.state.fcw = f->cwd;
        output.state.fsw = f->swd;
        output.state.ftw = (uint8_t)f->ftw;
        output.state.fop = f->fop;
        output.state.fip = f->rip;
        output.state.fdp = f->rdp;
        for (int k = 0; k < 8; k++) {
            uint64_t lo; uint16_t hi;
            memcpy(&lo, f->_st[k].significand, 8);
            hi = f->_st[k].exponent;
            output.state.st[2 * k] = lo;
            output.state.st[2 * k + 1] = hi;
        }
    }
    output.trapno = trapno;
    output.signo = signo;
    output.err = err;
    output.faultAddress = addr;
    // Back to the harness: its registers and its FPU state (the test may have changed x87/SSE).
    memcpy(g, savedGregs, sizeof savedGregs);
    if (uc->uc_mcontext.fpregs != NULL && savedFPSize != 0 && fp_size(uc->uc_mcontext.fpregs) == savedFPSize)
        memcpy(uc->uc_mcontext.fpregs, savedFP, savedFPSize);
    phase = PHASE_DONE;
}

static void on_fault(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    if (runnerTid == 0 || current_tid() != runnerTid) { chain(sig, si, ctx); return; }
    greg_t *g = uc->uc_mcontext.gregs;
    if (phase == PHASE_ENTER && sig == SIGTRAP) {
        memcpy(savedGregs, g, sizeof savedGregs);
        savedFPSize = 0;
        if (uc->uc_mcontext.fpregs != NULL) {
            savedFPSize = fp_size(uc->uc_mcontext.fpregs);
            memcpy(savedFP, uc->uc_mcontext.fpregs, savedFPSize);
        }
        for (int i = 0; i < 16; i++) g[gregIndex[i]] = (greg_t)input.gpr[i];
        if (uc->uc_mcontext.fpregs != NULL) {
            // sigreturn loads these into the CPU (the harness's own state was saved above).
            memcpy(uc->uc_mcontext.fpregs->_xmm, input.xmm, sizeof input.xmm);
            uc->uc_mcontext.fpregs->mxcsr = input.mxcsr;
            // x87 state. The FXSAVE image holds ST(0)..ST(7) in stack order; the abridged tag
            // word has one bit per physical register.
            struct _libc_fpstate *f = uc->uc_mcontext.fpregs;
            f->cwd = input.fcw;
            f->swd = input.fsw;
            f->ftw = input.ftw;
            f->fop = 0;
            f->rip = 0;
            f->rdp = 0;
            for (int k = 0; k < 8; k++) {
                memcpy(f->_st[k].significand, &input.st[2 * k], 8);
                f->_st[k].exponent = (uint16_t)input.st[2 * k + 1];
                memset(f->_st[k].__glibc_reserved1, 0, sizeof f->_st[k].__glibc_reserved1);
            }
            // An XSAVE frame: mark the x87 and SSE components as present (XSTATE_BV bits 0 and
            // 1 in the header at byte 512), else XRSTOR would load their initial state instead.
            if (fp_size(f) > 512) {
                uint64_t bv;
                memcpy(&bv, (uint8_t *)f + 512, 8);
                bv |= 3;
                memcpy((uint8_t *)f + 512, &bv, 8);
            }
        }
        g[REG_RIP] = (greg_t)input.rip;
        g[REG_EFL] = (greg_t)input.rflags;
        // CS in bits 0-15, SS in bits 48-63 (struct sigcontext: cs, gs, fs, ss); keep fs/gs.
        uint64_t csgsfs = (uint64_t)g[REG_CSGSFS];
        csgsfs = (csgsfs & 0x0000FFFFFFFF0000ULL) | (uint64_t)input.cs | (0x2BULL << 48);
        g[REG_CSGSFS] = (greg_t)csgsfs;
        runSerial++;
        phase = PHASE_RUN;
        return;
    }
    if (phase == PHASE_RUN) {
        finish(uc, (int)g[REG_TRAPNO], sig, (uint64_t)g[REG_ERR],
               sig == SIGTRAP ? 0 : (uint64_t)(uintptr_t)si->si_addr);
        return;
    }
    chain(sig, si, ctx);
}

static void on_timer(int sig, siginfo_t *si, void *ctx) {
    (void)sig; (void)si;
    if (runnerTid == 0 || current_tid() != runnerTid || phase != PHASE_RUN) { seenTicks = 0; return; }
    if (seenSerial != runSerial) { seenSerial = runSerial; seenTicks = 0; return; }
    if (++seenTicks >= 2) finish((ucontext_t *)ctx, -1, 0, 0, 0);
}

int ho_init(void) {
    if (initialized) return 0;
    void *code = mmap((void *)HO_CODE_ADDR, HO_CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (code != (void *)HO_CODE_ADDR) return -1;
    void *data = mmap((void *)HO_DATA_ADDR, HO_DATA_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (data != (void *)HO_DATA_ADDR) return -2;
    memset(code, 0xCC, HO_CODE_SIZE);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGVTALRM);  // the timer never interrupts a fault handler
    for (size_t i = 0; i < sizeof faultSignals / sizeof faultSignals[0]; i++)
        if (sigaction(faultSignals[i], &sa, &previous[faultSignals[i]]) != 0) return -3;
    struct sigaction ta;
    memset(&ta, 0, sizeof ta);
    ta.sa_sigaction = on_timer;
    ta.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigfillset(&ta.sa_mask);
    if (sigaction(SIGVTALRM, &ta, &previous[SIGVTALRM]) != 0) return -3;
    initialized = 1;
    return 0;
}

uint8_t *ho_code_page(void) { return (uint8_t *)HO_CODE_ADDR; }
uint8_t *ho_data_page(void) { return (uint8_t *)HO_DATA_ADDR; }

void ho_set_timeout_ms(int ms) {
    if (ms < 2) ms = 2;
    timeoutMs = ms;
    timerTid = 0;  // re-arm on the next run
}

/// Per-thread setup: alternate signal stack and a CPU-time timer aimed at this thread.
static int bind_thread(pid_t tid) {
    if (altStackTid != tid) {
        size_t size = 256 * 1024;
        if (altStack == NULL) altStack = malloc(size);
        if (altStack == NULL) return -4;
        stack_t ss = { .ss_sp = altStack, .ss_size = size, .ss_flags = 0 };
        if (sigaltstack(&ss, NULL) != 0) return -5;
        altStackTid = tid;
    }
    if (timerTid != tid) {
        if (timerTid != 0) timer_delete(timer);
        struct sigevent ev;
        memset(&ev, 0, sizeof ev);
        ev.sigev_notify = SIGEV_THREAD_ID;
        ev.sigev_signo = SIGVTALRM;
        ev._sigev_un._tid = tid;
        if (timer_create(CLOCK_THREAD_CPUTIME_ID, &ev, &timer) != 0) return -6;
        long half = (long)timeoutMs * 1000000L / 2;
        struct itimerspec its = { .it_interval = { half / 1000000000L, half % 1000000000L },
                                  .it_value = { half / 1000000000L, half % 1000000000L } };
        if (timer_settime(timer, 0, &its, NULL) != 0) return -7;
        timerTid = tid;
    }
    return 0;
}

int ho_run(const HOState *in, HOResult *out) {
    if (!initialized) return -1;
    pid_t tid = current_tid();
    int rc = bind_thread(tid);
    if (rc != 0) return rc;
    runnerTid = tid;
    input = *in;
    memset(&output, 0, sizeof output);
    // 32-bit compatibility-mode code uses DS/ES for data: a null selector (what a 64-bit
    // process has) would #GP there. Load the flat user data segment for the run.
    uint16_t ds = 0, es = 0;
    int compat = in->cs == 0x23;
    if (compat) {
        __asm__ volatile("mov %%ds, %0; mov %%es, %1" : "=r"(ds), "=r"(es));
        __asm__ volatile("mov %0, %%ds; mov %0, %%es" :: "r"((uint16_t)0x2B));
    }
    phase = PHASE_ENTER;
    __asm__ volatile("int3" ::: "memory");
    if (compat) __asm__ volatile("mov %0, %%ds; mov %1, %%es" :: "r"(ds), "r"(es));
    int ok = phase == PHASE_DONE;
    phase = PHASE_IDLE;
    if (!ok) return -8;
    *out = output;
    return 0;
}

void ho_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]) {
    unsigned a = 0, b = 0, c = 0, d = 0;
    __cpuid_count(leaf, subleaf, a, b, c, d);
    out[0] = a; out[1] = b; out[2] = c; out[3] = d;
}
