// Host oracle for the debug-register rules Orrery models (Emulator/X86/Execution/Debug.swift):
// runs small user-mode code in a ptrace'd child with hardware breakpoints set through
// PTRACE_POKEUSER (Linux programs DR0-DR3/DR7 for the child; the real CPU raises #DB, the kernel
// turns it into SIGTRAP and keeps the DR6 bits the CPU reported). Prints one line per case:
//   NAME rip=(stop RIP - expected label) dr6=DR6 [rcx/rdi after a REP]
// so the host CPU (the reference, an AMD Zen 4 here) can be compared with QEMU, Bochs and Orrery.
//   gcc -O1 -no-pie -o /tmp/probe-debugregs tools/probe-debugregs.c && /tmp/probe-debugregs
// Local only (a CI runner's CPU vendor varies, and some containers forbid ptrace). Results on the
// AMD EPYC host, 2026-11-25, all as Orrery does them:
//   write-watch rip=+0 dr6=ffff0ff2         (trap after the store, B1)
//   movss-watch rip=+0 dr6=ffff0ff1         (#DB waits until after the instruction after MOV SS;
//                                            QEMU delivers it at once)
//   two-breakpoints rip=+0 dr6=ffff0ff9     (one write, B0 and B3; QEMU reports B0 only)
//   rep-stosb rip=+0 dr6=ffff0ff2 rcx=10 rdi-buf=6   (after the hitting iteration, RIP at the REP)
//   movss-code-breakpoint rip=+0 dr6=ffff0ff1        (taken on AMD; Intel and Bochs suppress it)
#include <stddef.h>
#include <stdio.h>
#include <signal.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

volatile unsigned long wv __attribute__((aligned(16)));
volatile unsigned char buf[32] __attribute__((aligned(16)));
volatile unsigned short ssv;
extern char a_after[], k_after[], d_after[], e_rep[], i_target[];

static void code_a(void) { __asm__ volatile("movl $1, wv\n .globl a_after\n a_after: nop" ::: "memory"); }
static void code_k(void) { __asm__ volatile("mov ssv, %%ss\n nop\n .globl k_after\n k_after: nop" ::: "memory"); }
static void code_d(void) { __asm__ volatile("movq $0, buf\n .globl d_after\n d_after: nop" ::: "memory"); }
static void code_e(void) {
    __asm__ volatile("lea buf(%%rip), %%rdi\n mov $16, %%ecx\n mov $0x5a, %%al\n cld\n"
                     ".globl e_rep\n e_rep: rep stosb\n nop" ::: "rdi", "rcx", "eax", "memory");
}
static void code_i(void) { __asm__ volatile("mov %%ss, %%ax\n mov %%ax, %%ss\n .globl i_target\n i_target: nop" ::: "eax"); }

/* Runs `code` in a traced child with DR0-DR3 = dr[] (0: unset) and DR7 = dr7; reports the stop. */
static void trial(const char *name, void (*code)(void), const unsigned long dr[4], unsigned long dr7,
                  unsigned long expect, int rep) {
    pid_t p = fork();
    if (p == 0) { ptrace(PTRACE_TRACEME, 0, 0, 0); raise(SIGSTOP); code(); _exit(0); }
    int st;
    waitpid(p, &st, 0);
    long err = 0;
    for (int n = 0; n < 4; n++)
        if (dr[n]) err |= ptrace(PTRACE_POKEUSER, p, offsetof(struct user, u_debugreg[n]), dr[n]);
    err |= ptrace(PTRACE_POKEUSER, p, offsetof(struct user, u_debugreg[7]), dr7);
    if (err) { printf("%s: ptrace refused the debug registers\n", name); kill(p, SIGKILL); waitpid(p, &st, 0); return; }
    ptrace(PTRACE_CONT, p, 0, 0);
    waitpid(p, &st, 0);
    if (!WIFSTOPPED(st)) { printf("%s: no #DB (child ended, status %x)\n", name, st); return; }
    struct user_regs_struct r;
    ptrace(PTRACE_GETREGS, p, 0, &r);
    unsigned long dr6 = (unsigned long)ptrace(PTRACE_PEEKUSER, p, offsetof(struct user, u_debugreg[6]), 0);
    printf("%s rip=%+ld dr6=%lx", name, (long)(r.rip - expect), dr6);
    if (rep) printf(" rcx=%llu rdi-buf=%ld", (unsigned long long)r.rcx, (long)(r.rdi - (unsigned long)buf));
    printf("\n");
    kill(p, SIGKILL);
    waitpid(p, &st, 0);
}

int main(void) {
    unsigned short ss;
    __asm__ volatile("mov %%ss, %0" : "=r"(ss));
    ssv = ss;
    /* DR7: Ln enables (ptrace accepts local enables), R/Wn at bits 16+4n, LENn at 18+4n. */
    trial("write-watch", code_a, (unsigned long[4]){0, (unsigned long)&wv, 0, 0}, 0x00D00004, (unsigned long)a_after, 0);
    trial("movss-watch", code_k, (unsigned long[4]){(unsigned long)&ssv, 0, 0, 0}, 0x00070001, (unsigned long)k_after, 0);
    trial("two-breakpoints", code_d, (unsigned long[4]){(unsigned long)buf, 0, 0, (unsigned long)buf + 4}, 0x10090041,
          (unsigned long)d_after, 0);
    trial("rep-stosb", code_e, (unsigned long[4]){0, (unsigned long)buf + 5, 0, 0}, 0x00100004, (unsigned long)e_rep, 1);
    trial("movss-code-breakpoint", code_i, (unsigned long[4]){(unsigned long)i_target, 0, 0, 0}, 0x1, (unsigned long)i_target, 0);
    return 0;
}
