// Arch layer: deliberate traps for the selftests (Boot/SelfTest.swift): each runs an
// assembly routine from Asm/recover.S that raises an exception or interrupt on purpose and
// reports whether execution resumed correctly.
import ArchAsm

enum TrapProbes {
    /// How many times the test vector's handler ran.
    static var testInterruptCount = 0

    /// Installs the handler of Traps.testVector: it counts, then overwrites every XMM
    /// register, as any Swift code in a handler may (XMM registers are caller-saved).
    static func installTestVectorHandler() {
        Traps.register(vector: Traps.testVector) { _ in
            testInterruptCount += 1
            arch_clobber_xmm()
        }
    }

    /// UD2 -> #UD -> exception-table fixup -> resumed. True when the fixup ran.
    static func invalidOpcodeResumes() -> Bool { arch_test_ud_resume() == 1 }

    /// XMM0-15 loaded, INT 0x40, compared: the mask of registers that changed (0 = none).
    static func xmmRegistersChangedByInterrupt() -> UInt64 { arch_test_xmm_across_interrupt() }

    /// Raises the test vector from Swift (used with floating-point values live around it).
    static func raiseTestInterrupt() { arch_test_interrupt() }
}
