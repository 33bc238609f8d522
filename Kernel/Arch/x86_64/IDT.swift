// Arch layer: the Interrupt Descriptor Table, 256 gates. Every vector points at its entry
// stub in Asm/entry.S (which saves registers and FPU/SSE state, then calls
// arch_trap_dispatch). Vectors 0-31 are CPU exceptions; 32-255 are for device interrupts
// (IOAPIC/LAPIC) and software interrupts.
import ArchAsm

enum IDT {
    /// Builds and loads the table. All gates are interrupt gates (type 0xE: the CPU clears IF
    /// on entry, so a handler is never interrupted before it has saved state), DPL 0 (INT n
    /// from user mode faults with #GP) except #BP and #OF, which user code may raise (INT3,
    /// INTO), as on Linux.
    static func install() {
        let gates = arch_idt()!
        let stubs = UnsafePointer<UInt64>(bitPattern: UInt(arch_symbol_trap_stubs()))!
        for vector in 0..<256 {
            var ist: UInt8 = 0
            switch vector {
            case ExceptionVector.doubleFault: ist = TSS.doubleFaultIST
            case ExceptionVector.nmi: ist = TSS.nmiIST
            case ExceptionVector.machineCheck: ist = TSS.machineCheckIST
            default: break
            }
            let dpl: UInt64 = (vector == ExceptionVector.breakpoint || vector == ExceptionVector.overflow) ? 3 : 0
            let handler = stubs[vector]
            // Gate layout: offset 15:0 | selector | IST (bits 32-34) | type+DPL+P (bits 40-47)
            // | offset 31:16 (bits 48-63), then offset 63:32 in the second quadword.
            var low = handler & 0xFFFF
            low |= UInt64(Selector.kernelCode) << 16
            low |= UInt64(ist) << 32
            low |= (0x8E | (dpl << 5)) << 40
            low |= ((handler >> 16) & 0xFFFF) << 48
            gates[2 * vector] = low
            gates[2 * vector + 1] = handler >> 32
        }
        arch_lidt(UInt64(UInt(bitPattern: gates)), UInt16(256 * 16 - 1))
    }
}

/// Exception vectors (Intel SDM vol. 3 table 6-1).
enum ExceptionVector {
    static let divideError = 0, debug = 1, nmi = 2, breakpoint = 3, overflow = 4
    static let boundRange = 5, invalidOpcode = 6, deviceNotAvailable = 7, doubleFault = 8
    static let invalidTSS = 10, segmentNotPresent = 11, stackFault = 12, generalProtection = 13
    static let pageFault = 14, x87Error = 16, alignmentCheck = 17, machineCheck = 18
    static let simdError = 19, virtualization = 20, controlProtection = 21

    static func name(_ vector: UInt64) -> StaticString {
        switch vector {
        case 0: return "#DE divide error"
        case 1: return "#DB debug"
        case 2: return "NMI"
        case 3: return "#BP breakpoint"
        case 4: return "#OF overflow"
        case 5: return "#BR bound range"
        case 6: return "#UD invalid opcode"
        case 7: return "#NM device not available"
        case 8: return "#DF double fault"
        case 10: return "#TS invalid TSS"
        case 11: return "#NP segment not present"
        case 12: return "#SS stack fault"
        case 13: return "#GP general protection"
        case 14: return "#PF page fault"
        case 16: return "#MF x87 error"
        case 17: return "#AC alignment check"
        case 18: return "#MC machine check"
        case 19: return "#XM SIMD floating point"
        case 20: return "#VE virtualization"
        case 21: return "#CP control protection"
        case 0..<32: return "reserved exception"
        default: return "interrupt"
        }
    }
}
