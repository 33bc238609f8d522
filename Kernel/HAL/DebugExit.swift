// HAL layer: leaving the machine from inside the kernel. QEMU's and Orrery's isa-debug-exit
// device at port 0xF4: writing V ends the emulator with exit status (V << 1) | 1. On real
// hardware nothing listens there, so the caller halts afterwards.
import ArchAsm

enum DebugExit {
    /// Kernel exit codes, as the host sees them: selftest pass 0x10 (33), fail 0x11 (35),
    /// panic 0x12 (37).
    enum Code: UInt8 {
        case success = 0x10
        case failure = 0x11
        case panic = 0x12
    }

    static func exit(_ code: Code) -> Never {
        Console.flush()     // buffered console output must leave before the machine does
        Port(0xF4).write8(code.rawValue)
        haltForever()
    }
}

/// Stops this CPU for good: interrupts off, then HLT (repeated: an NMI still wakes it).
func haltForever() -> Never {
    arch_cli()
    while true { arch_hlt() }
}
