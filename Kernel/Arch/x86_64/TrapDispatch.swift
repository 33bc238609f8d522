// Arch layer: where every interrupt and exception lands in Swift. Asm/entry.S has saved the
// general registers (the TrapFrame) and the FPU/SSE state; this code decides what happens,
// and whatever it leaves in the frame is what the interrupted code resumes with.
//
// Order of decisions for an exception in kernel mode:
//   1. the exception table (a routine that is allowed to fault: resume at its fixup),
//   2. #BP: a breakpoint with no debugger attached is counted and execution continues,
//   3. a registered handler for the vector,
//   4. otherwise panic (Panic.swift) with the full register dump and backtrace.
import ArchAsm

typealias TrapFrame = trap_frame

/// A handler for one vector; it may change the frame (e.g. RIP) to change where execution resumes.
typealias TrapHandler = (inout TrapFrame) -> Void

enum Traps {
    /// Vector the selftests use to enter the trap path on purpose (INT 0x40).
    static let testVector = 0x40

    /// Counters the selftests read to check that a trap really went through the dispatcher.
    static var breakpointCount = 0
    static var recoveredFaultCount = 0
    static var lastRecoveredVector: UInt64 = 0
    static var lastRecoveredFaultAddress: UInt64 = 0

    private static var handlers: [TrapHandler?] = []

    static func register(vector: Int, _ handler: @escaping TrapHandler) {
        if handlers.isEmpty { handlers = Array(repeating: nil, count: 256) }
        handlers[vector] = handler
    }

    static func handler(for vector: UInt64) -> TrapHandler? {
        guard vector < UInt64(handlers.count) else { return nil }
        return handlers[Int(vector)]
    }
}

@_cdecl("arch_trap_dispatch")
func arch_trap_dispatch(_ frame: UnsafeMutablePointer<TrapFrame>) {
    dispatchTrap(&frame.pointee)
}

private func dispatchTrap(_ frame: inout TrapFrame) {
    let vector = frame.vector
    let fromKernel = frame.cs & 3 == 0

    if vector < 32 && fromKernel, let fixup = ExceptionTable.fixup(for: frame.rip) {
        Traps.recoveredFaultCount += 1
        Traps.lastRecoveredVector = vector
        Traps.lastRecoveredFaultAddress = vector == UInt64(ExceptionVector.pageFault) ? CPU.faultAddress : 0
        frame.rip = fixup
        return
    }
    if vector == UInt64(ExceptionVector.breakpoint) {
        // INT3 is a trap: the saved RIP already points past it, so returning continues.
        Traps.breakpointCount += 1
        return
    }
    if let handler = Traps.handler(for: vector) {
        handler(&frame)
        return
    }
    panic(trap: frame)
}
