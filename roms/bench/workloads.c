/* Guest program (roms/): the benchmark workloads for `orrery bench`.
 *
 * The same file builds two ways:
 *   - for the guest (freestanding, integer registers only, entry `_start` below), where each
 *     workload prints its checksum on the port-0xE9 console and the run ends through
 *     isa-debug-exit (port 0xf4);
 *   - for the host (-DHOST, an ordinary Linux program), which prints the same checksums.
 * `orrery bench` compares the two: the host CPU is the oracle for the guest's results.
 */
#include <stdint.h>

#define SIEVE_N 200000
static uint8_t sieve_flags[SIEVE_N + 1];
static uint8_t text_a[65536];
static uint8_t text_b[65536];
static uint32_t sort_data[4096];

/* Mixed integer ALU work: add, xor, shifts, rotates, multiply, compare-and-branch. */
static uint64_t work_intloop(uint64_t n) {
    uint64_t a = 0x0123456789abcdefULL, b = 0xfedcba9876543210ULL, c = 0;
    for (uint64_t i = 0; i < n; i++) {
        a += b ^ i;
        b = (b << 7) | (b >> 57);
        c += (a * 0x9e3779b97f4a7c15ULL) >> 32;
        if ((int64_t)c < 0) c ^= a; else c += 3;
        uint32_t x = (uint32_t)a;
        x = x / ((uint32_t)(i & 7) + 1);
        b -= x;
    }
    return a ^ b ^ c;
}

/* Sieve of Eratosthenes: byte stores, nested loops. */
static uint64_t work_sieve(uint64_t rounds) {
    uint64_t count = 0;
    for (uint64_t r = 0; r < rounds; r++) {
        for (int i = 0; i <= SIEVE_N; i++) sieve_flags[i] = 1;
        sieve_flags[0] = sieve_flags[1] = 0;
        for (int i = 2; (long)i * i <= SIEVE_N; i++)
            if (sieve_flags[i])
                for (int j = i * i; j <= SIEVE_N; j += i) sieve_flags[j] = 0;
        for (int i = 0; i <= SIEVE_N; i++) count += sieve_flags[i];
    }
    return count;
}

/* FNV-1a and a murmur-style mix over a buffer: loads, multiplies, xors. */
static uint64_t work_hash(uint64_t rounds) {
    for (int i = 0; i < 65536; i++) text_a[i] = (uint8_t)(i * 131 + (i >> 8));
    uint64_t h = 0xcbf29ce484222325ULL;
    for (uint64_t r = 0; r < rounds; r++) {
        for (int i = 0; i < 65536; i++) { h ^= text_a[i]; h *= 0x100000001b3ULL; }
        const uint64_t *w = (const uint64_t *)text_a;
        for (int i = 0; i < 65536 / 8; i++) {
            uint64_t k = w[i] * 0xff51afd7ed558ccdULL;
            k ^= k >> 33;
            h = (h ^ k) * 0xc4ceb9fe1a85ec53ULL;
        }
    }
    return h;
}

/* String operations: REP MOVSB/STOSB, byte-wise compare and length scans. */
static uint64_t work_string(uint64_t rounds) {
    uint64_t acc = 0;
    for (uint64_t r = 0; r < rounds; r++) {
        uint64_t n = 65536 - (r & 1023);
        uint8_t v = (uint8_t)r;
        void *d = text_a; uint64_t c = n;
        __asm__ volatile("rep stosb" : "+D"(d), "+c"(c) : "a"(v) : "memory");
        d = text_b; const void *s = text_a; c = n;
        __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(c) : : "memory");
        text_b[(r * 7919) & 0xffff] = 0;
        uint64_t len = 0;
        while (len < 65536 && text_b[len] != 0) len++;
        acc += len;
        for (int i = 0; i < 4096; i++) acc += text_a[i] == text_b[i];
    }
    return acc;
}

/* Calls and returns: naive recursive Fibonacci. */
static uint64_t fib(uint64_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static uint64_t work_calls(uint64_t n) { return fib(n); }

/* Sorting: insertion sort + quicksort over pseudo-random data (branches, memory traffic). */
static void quicksort(uint32_t *a, long lo, long hi) {
    while (lo < hi) {
        if (hi - lo < 16) {
            for (long i = lo + 1; i <= hi; i++) {
                uint32_t v = a[i]; long j = i - 1;
                while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; }
                a[j + 1] = v;
            }
            return;
        }
        uint32_t p = a[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { uint32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; } else { quicksort(a, i, hi); hi = j; }
    }
}
static uint64_t work_sort(uint64_t rounds) {
    uint64_t acc = 0, x = 88172645463325252ULL;
    for (uint64_t r = 0; r < rounds; r++) {
        for (int i = 0; i < 4096; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; sort_data[i] = (uint32_t)x; }
        quicksort(sort_data, 0, 4095);
        for (int i = 0; i < 4096; i += 97) acc = acc * 31 + sort_data[i];
    }
    return acc;
}

/* Double-precision floating point (SSE2 scalar: ADDSD/MULSD/DIVSD/SQRTSD/UCOMISD/CVTSI2SD/
 * CVTTSD2SI...): a Mandelbrot escape-time grid and a small n-body integration. The rest of the
 * guest is built with -mgeneral-regs-only; this region alone is compiled for SSE2 (the pragma is
 * -msse2 -mfpmath=sse for these functions), so the integer workloads keep their instructions.
 * The checksum includes the raw bits of the final doubles: the host CPU is the oracle for every
 * rounding. */
#pragma GCC push_options
#pragma GCC target("sse2,fpmath=sse")
static uint64_t double_bits(double d) { union { double d; uint64_t u; } v = { d }; return v.u; }
static double fp_sqrt(double x) { double r; __asm__("sqrtsd %1, %0" : "=x"(r) : "x"(x)); return r; }

static uint64_t work_float(uint64_t n) {
    uint64_t acc = 0;
    /* Mandelbrot: n x 2n points over [-2, 1] x [-1.2, 1.2], up to 200 iterations each. */
    for (uint64_t y = 0; y < n; y++) {
        double ci = -1.2 + 2.4 * (double)y / (double)n;
        for (uint64_t x = 0; x < 2 * n; x++) {
            double cr = -2.0 + 3.0 * (double)x / (double)(2 * n);
            double zr = 0, zi = 0;
            int it = 0;
            while (it < 200 && zr * zr + zi * zi <= 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                it++;
            }
            acc = acc * 31 + (uint64_t)it + (uint64_t)(int64_t)(zr * 1000.0);
        }
    }
    /* N-body: 5 bodies, n steps of a softened inverse-square force (divisions and square roots). */
    double px[5], py[5], vx[5], vy[5], m[5];
    for (int i = 0; i < 5; i++) {
        px[i] = (double)(i * 3 - 6); py[i] = (double)((i * 7) % 5) - 2.0;
        vx[i] = 0.01 * (double)(i - 2); vy[i] = -0.02 * (double)(i % 3); m[i] = 1.0 + 0.25 * (double)i;
    }
    for (uint64_t step = 0; step < n * 4; step++) {
        for (int i = 0; i < 5; i++) {
            double ax = 0, ay = 0;
            for (int j = 0; j < 5; j++) {
                if (i == j) continue;
                double dx = px[j] - px[i], dy = py[j] - py[i];
                double d2 = dx * dx + dy * dy + 0.01;
                double inv = m[j] / (d2 * fp_sqrt(d2));
                ax += dx * inv; ay += dy * inv;
            }
            vx[i] += 0.001 * ax; vy[i] += 0.001 * ay;
        }
        for (int i = 0; i < 5; i++) { px[i] += 0.001 * vx[i]; py[i] += 0.001 * vy[i]; }
    }
    for (int i = 0; i < 5; i++) acc = acc * 1099511628211ULL ^ double_bits(px[i]) ^ (double_bits(vy[i]) >> 1);
    return acc;
}
#pragma GCC pop_options

struct workload { const char *name; uint64_t (*fn)(uint64_t); uint64_t arg; };
static const struct workload workloads[] = {
    {"intloop", work_intloop, 4000000},
    {"sieve", work_sieve, 12},
    {"hash", work_hash, 24},
    {"string", work_string, 300},
    {"calls", work_calls, 27},
    {"sort", work_sort, 60},
    {"float", work_float, 200},
};
#define WORKLOAD_COUNT (sizeof(workloads) / sizeof(workloads[0]))

#ifdef HOST
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* Host build: `bench-host [NAME]` prints "NAME CHECKSUM" lines like the guest. */
int main(int argc, char **argv) {
    for (unsigned i = 0; i < WORKLOAD_COUNT; i++) {
        if (argc > 1 && strcmp(argv[1], workloads[i].name) != 0) continue;
        printf("%s %016llx\n", workloads[i].name, (unsigned long long)workloads[i].fn(workloads[i].arg));
    }
    return 0;
}
#else
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static void puts_e9(const char *s) { while (*s) outb(0xe9, (uint8_t)*s++); }
static void puthex(uint64_t v) {
    for (int i = 60; i >= 0; i -= 4) outb(0xe9, (uint8_t)"0123456789abcdef"[(v >> i) & 15]);
}

/* Called from _start with the workload index in EDI (all workloads when it is >= the count). */
void bench_main(uint64_t which) {
    for (unsigned i = 0; i < WORKLOAD_COUNT; i++) {
        if (which < WORKLOAD_COUNT && which != i) continue;
        uint64_t sum = workloads[i].fn(workloads[i].arg);
        puts_e9(workloads[i].name);
        outb(0xe9, ' ');
        puthex(sum);
        outb(0xe9, '\n');
    }
    __asm__ volatile("outl %0, %1" : : "a"(0), "Nd"((uint16_t)0xf4));  /* isa-debug-exit: status 1 */
    /* Only reached on machines without isa-debug-exit (Orrery and QEMU stop above): Bochs
     * powers off when "Shutdown" is written byte by byte to its port 0x8900. */
    for (const char *s = "Shutdown"; *s; s++) outb(0x8900, (uint8_t)*s);
    for (;;) __asm__ volatile("hlt");
}

/* Entries.
 * - `_start`: Orrery today starts guests flat in 64-bit mode with RDI = workload index.
 * - `mb_entry32`: a Multiboot v1 loader (QEMU's -kernel, Orrery from [3/6]) enters in 32-bit
 *   protected mode; we build identity page tables for the first GiB (2 MiB pages), enable PAE,
 *   long mode and paging, and jump to 64-bit code that runs every workload.
 * The Multiboot header uses the a.out kludge (flags bit 16), so the file must be laid out flat:
 * the build links with -N (one segment, file offset = address - load address).
 */
__asm__(".section .text.start, \"ax\"\n"
        ".balign 4\n"
        "mb_header:\n"
        "  .long 0x1BADB002\n"                       /* magic */
        "  .long 0x00010003\n"                       /* flags: page-align, memory map, a.out kludge */
        "  .long -(0x1BADB002 + 0x00010003)\n"       /* checksum */
        "  .long mb_header\n"                        /* header_addr */
        "  .long __image_start\n"                    /* load_addr */
        "  .long __data_end\n"                       /* load_end_addr */
        "  .long __bss_end\n"                        /* bss_end_addr */
        "  .long mb_entry32\n"                       /* entry_addr */
        ".global _start\n"
        "_start:\n"
        "  lea stack_top(%rip), %rsp\n"
        "  call bench_main\n"
        "1: hlt\n"
        "  jmp 1b\n"
        ".code32\n"
        "mb_entry32:\n"
        "  movl $pml4, %edi\n"
        "  movl $pdpt, %eax\n"
        "  orl $3, %eax\n"
        "  movl %eax, (%edi)\n"                      /* PML4[0] -> PDPT */
        "  movl $pd, %eax\n"
        "  orl $3, %eax\n"
        "  movl %eax, pdpt\n"                        /* PDPT[0] -> PD */
        "  xorl %ecx, %ecx\n"
        "2: movl %ecx, %eax\n"
        "  shll $21, %eax\n"
        "  orl $0x83, %eax\n"                        /* present, writable, 2 MiB page */
        "  movl %eax, pd(,%ecx,8)\n"
        "  incl %ecx\n"
        "  cmpl $512, %ecx\n"
        "  jne 2b\n"
        "  movl %cr4, %eax\n"
        "  orl $0x620, %eax\n"                       /* CR4.PAE | OSFXSR | OSXMMEXCPT (SSE on) */
        "  movl %eax, %cr4\n"
        "  movl %edi, %cr3\n"
        "  movl $0xC0000080, %ecx\n"                 /* EFER */
        "  rdmsr\n"
        "  orl $0x100, %eax\n"                       /* EFER.LME */
        "  wrmsr\n"
        "  movl %cr0, %eax\n"
        "  andl $0xfffffffb, %eax\n"                 /* CR0.EM off (SSE would #UD) */
        "  orl $0x80000001, %eax\n"                  /* CR0.PG | CR0.PE */
        "  movl %eax, %cr0\n"
        "  lgdt gdt_pointer\n"
        "  ljmp $8, $mb_entry64\n"
        ".code64\n"
        "mb_entry64:\n"
        "  movl $16, %eax\n"
        "  movl %eax, %ds\n"
        "  movl %eax, %es\n"
        "  movl %eax, %ss\n"
        "  movq $0xff, %rdi\n"                       /* run every workload */
        "  jmp _start\n"
        ".balign 8\n"
        "gdt:\n"
        "  .quad 0\n"
        "  .quad 0x00209A0000000000\n"               /* 64-bit code */
        "  .quad 0x0000920000000000\n"               /* data */
        "gdt_pointer:\n"
        "  .word 23\n"
        "  .long gdt\n"
        ".section .bss\n"
        ".balign 4096\n"
        "pml4: .skip 4096\n"
        "pdpt: .skip 4096\n"
        "pd: .skip 4096\n"
        "  .skip 65536\n"
        "stack_top:\n"
        ".text\n");
#endif
