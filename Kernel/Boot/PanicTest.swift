// Boot layer: the `panictest` boot mode: a deliberate, unrecovered page fault a few calls
// deep, so tests (tools/test-kernel.sh) can check the panic report and its backtrace.

enum PanicTest {
    @inline(never)
    static func run() {
        print("panictest: reading an unmapped address")
        level1()
    }

    @inline(never)
    private static func level1() { level2(0x0000_0000_DEAD_B000) }

    @inline(never)
    private static func level2(_ address: UInt64) {
        // No exception-table entry covers this read: the #PF reaches the panic path.
        let value = UnmappedProbe.readUnrecoverable(at: address)
        print("panictest: read \(value) (unexpected)")
    }
}
