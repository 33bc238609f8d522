/* Guest program (user space, Linux x86-64 ABI, static): the floating-point formatting check of
 * issue [2/6]. The same binary runs natively on the host CPU and, inside the Linux boot test's
 * initramfs (tools/test-linux-boot.sh), on Orrery (and QEMU): its output must be identical.
 * It formats doubles (SSE2 arithmetic) and long doubles (x87 80-bit arithmetic: musl and glibc
 * printf use long double internally) with printf, parses them back with strtod/strtold, and
 * prints a few results of exact IEEE operations. Built twice: gcc -O2 -static (glibc) and
 * musl-gcc -O2 -static. Transcendental functions are left out on purpose: libm may use the
 * model-specific x87 instructions (FSIN, F2XM1...), compared by the CPU harness instead.
 *
 * As /init (PID 1) it also runs /fpcheck-glibc, then powers the machine off. Run natively (PID
 * != 1) it only prints: it never calls reboot(2) on the host. */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef LIBC_NAME
#define LIBC_NAME "libc"
#endif

static volatile double dseed = 1.0;      /* volatile: computed at run time, not by the compiler */
static volatile long double lseed = 1.0L;

static void doubles(void) {
    const double values[] = { 0.1, 1.0 / 3.0, 2.0 / 3.0, 1e300 * 10, -0.0, DBL_MIN, DBL_MIN / 3,
                              DBL_MAX, DBL_EPSILON, 123456789.125, 5e-324, 0.5 + DBL_EPSILON };
    for (unsigned k = 0; k < sizeof values / sizeof values[0]; k++) {
        double v = values[k] * dseed;
        printf("%s d%-2u %.17g %a %e %.3f %g\n", LIBC_NAME, k, v, v, v, v, v);
    }
    double sum = 0, harmonic = 0, prod = 1;
    for (int k = 1; k <= 1000; k++) {
        sum += dseed / (k * (double)k);
        harmonic += dseed / k;
        prod *= 1.0 + dseed / (k * 7.0);
    }
    printf("%s dsum %.17g %.17g %.17g sqrt2 %.17g\n", LIBC_NAME, sum, harmonic, prod, __builtin_sqrt(2.0 * dseed));
    printf("%s strtod %.17g %.17g %a\n", LIBC_NAME, strtod("3.14159265358979323846", 0),
           strtod("2.2250738585072011e-308", 0), strtod("0x1.fffffffffffffp+1023", 0));
}

static void long_doubles(void) {
    const long double values[] = { 0.1L, 1.0L / 3.0L, 2.0L / 3.0L, -0.0L, LDBL_MIN, LDBL_MIN / 3,
                                   LDBL_MAX, LDBL_EPSILON, 123456789.125L, 1e4000L };
    for (unsigned k = 0; k < sizeof values / sizeof values[0]; k++) {
        long double v = values[k] * lseed;
        printf("%s l%-2u %.21Lg %La %Le %.3Lf\n", LIBC_NAME, k, v, v, v, v);
    }
    long double sum = 0, prod = 1;
    for (int k = 1; k <= 1000; k++) {
        sum += lseed / (k * (long double)k);
        prod *= 1.0L + lseed / (k * 7.0L);
    }
    printf("%s lsum %.21Lg %.21Lg\n", LIBC_NAME, sum, prod);
    printf("%s strtold %.21Lg %La\n", LIBC_NAME, strtold("3.14159265358979323846264338", 0),
           strtold("1.18973149535723176502e+4932", 0));
}

int main(void) {
    setvbuf(stdout, 0, _IOLBF, 0);
    /* PID 1 shares the serial console with the kernel: a late kernel message (QEMU's "tsc:
     * Refined TSC clocksource calibration" arrives about a second of host time after boot) would
     * land in the middle of a line. Console log level 1 keeps only emergencies, such as the
     * "reboot: Power down" the test waits for (syslog(2) SYSLOG_ACTION_CONSOLE_LEVEL = 8). */
    if (getpid() == 1) klogctl(8, 0, 1);
    doubles();
    long_doubles();
    if (getpid() != 1) return 0;
    /* PID 1: the Linux boot test. Run the other build, then power off. */
    struct utsname u;
    if (uname(&u) == 0) printf("fpcheck: running on %s %s %s\n", u.sysname, u.release, u.machine);
    pid_t child = fork();
    if (child == 0) {
        char *argv[] = { "/fpcheck-glibc", 0 };
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    if (child > 0) waitpid(child, &status, 0);
    printf("fpcheck: done (child status %d)\n", status);
    reboot(RB_POWER_OFF);
    printf("fpcheck: power-off failed\n");
    for (;;) pause();
}
