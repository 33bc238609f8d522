// Arch layer: the 64-bit Task State Segment. In long mode it holds no task state, only stack
// pointers: RSP0 (loaded on an interrupt from ring 3) and IST1-7 (Interrupt Stack Table: a
// gate that names IST n always switches to that stack, even from ring 0). Exceptions that can
// strike with a broken stack use IST stacks: #DF (a fault while delivering a fault, e.g. a
// kernel stack overflow), NMI and #MC (they can arrive between any two instructions, even
// before SYSCALL has switched stacks).
import ArchAsm

enum TSS {
    static let size: UInt32 = 104

    /// IST slot numbers used by the IDT (1-based, as in the gate's IST field).
    static let doubleFaultIST: UInt8 = 1
    static let nmiIST: UInt8 = 2
    static let machineCheckIST: UInt8 = 3

    static var base: UInt64 { UInt64(UInt(bitPattern: arch_tss())) }

    /// Layout (offsets in bytes): 4 RSP0, 12 RSP1, 20 RSP2, 36 + 8*(n-1) ISTn,
    /// 102 I/O permission bitmap offset. An offset at or past the limit means "no bitmap":
    /// every user-mode IN/OUT then faults.
    static func initialize(rsp0: UInt64, istTops: [UInt64]) {
        let tss = UnsafeMutableRawPointer(arch_tss()!)
        tss.initializeMemory(as: UInt8.self, repeating: 0, count: Int(size))
        tss.storeBytes(of: rsp0, toByteOffset: 4, as: UInt64.self)
        for (index, top) in istTops.enumerated() {
            tss.storeBytes(of: top, toByteOffset: 36 + 8 * index, as: UInt64.self)
        }
        tss.storeBytes(of: UInt16(size), toByteOffset: 102, as: UInt16.self)
    }

    /// The stack the CPU switches to on an interrupt or exception from user mode.
    static func setKernelStack(_ rsp0: UInt64) {
        UnsafeMutableRawPointer(arch_tss()!).storeBytes(of: rsp0, toByteOffset: 4, as: UInt64.self)
    }
}
