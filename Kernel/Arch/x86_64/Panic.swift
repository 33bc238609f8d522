// Arch layer: the panic path. Prints the reason, the trap state (vector, error code, CR2, all
// general registers) and a frame-pointer backtrace, then leaves through the debug-exit port
// with 0x12 (exit status 37 on QEMU and Orrery) and halts where no such port exists.
//
// It allocates nothing and reads the stack only through recoverable accesses, so a corrupt
// heap or frame chain cannot fault it a second time. Addresses are symbolized on the host:
// tools/symbolize.sh < serial.log (the kernel keeps its ELF symbols in build/kernel.elf).
import ArchAsm

private var panicking = false

/// A kernel bug: report and stop. Never for conditions caused by input (those are errors).
func panic(_ reason: StaticString) -> Never {
    CPU.disableInterrupts()
    enterPanic()
    Console.write("\nPANIC: ")
    Console.write(reason)
    Console.write("\n")
    printBacktrace(startingAt: CPU.framePointer, firstAddress: nil)
    DebugExit.exit(.panic)
}

/// An exception nobody handled.
func panic(trap frame: TrapFrame) -> Never {
    enterPanic()
    Console.write("\nPANIC: unhandled ")
    Console.write(ExceptionVector.name(frame.vector))
    Console.write(" (vector ")
    Console.writeDecimal(frame.vector)
    Console.write(") in ")
    Console.write(frame.cs & 3 == 0 ? "kernel mode\n" : "user mode\n")
    Console.write("  error code ")
    Console.writeHex(frame.error_code, digits: 8)
    Console.write("  CR2 ")
    Console.writeHex(CPU.faultAddress)
    Console.write("  CR3 ")
    Console.writeHex(CPU.pageTableRoot)
    Console.write("\n")
    printRegisters(frame)
    printBacktrace(startingAt: frame.rbp, firstAddress: frame.rip)
    DebugExit.exit(.panic)
}

private func enterPanic() {
    if panicking {
        // A fault inside the panic path: do not recurse, just stop.
        Console.write("\nPANIC while panicking\n")
        DebugExit.exit(.panic)
    }
    panicking = true
}

private func printRegisters(_ f: TrapFrame) {
    func reg(_ name: StaticString, _ value: UInt64) {
        Console.write("  ")
        Console.write(name)
        Console.write(" ")
        Console.writeHex(value)
    }
    reg("RIP", f.rip); reg("CS ", f.cs); reg("RFLAGS", f.rflags); Console.write("\n")
    reg("RSP", f.rsp); reg("SS ", f.ss); Console.write("\n")
    reg("RAX", f.rax); reg("RBX", f.rbx); reg("RCX", f.rcx); Console.write("\n")
    reg("RDX", f.rdx); reg("RSI", f.rsi); reg("RDI", f.rdi); Console.write("\n")
    reg("RBP", f.rbp); reg("R8 ", f.r8); reg("R9 ", f.r9); Console.write("\n")
    reg("R10", f.r10); reg("R11", f.r11); reg("R12", f.r12); Console.write("\n")
    reg("R13", f.r13); reg("R14", f.r14); reg("R15", f.r15); Console.write("\n")
}

/// Frame-pointer walk: each frame holds [RBP] = caller's RBP, [RBP+8] = return address.
/// The kernel is compiled with frame pointers (toolset.json); boot.S ends the chain with RBP=0.
func printBacktrace(startingAt framePointer: UInt64, firstAddress: UInt64?) {
    Console.write("Backtrace (symbolize: tools/symbolize.sh):\n")
    var index: UInt64 = 0
    if let first = firstAddress {
        printFrame(index, first)
        index += 1
    }
    var fp = framePointer
    while fp != 0 && fp & 7 == 0 && index < 32 {
        guard let returnAddress = RecoverableAccess.read64(at: fp &+ 8),
              let next = RecoverableAccess.read64(at: fp) else {
            Console.write("  (frame pointer unreadable)\n")
            break
        }
        if returnAddress == 0 { break }
        printFrame(index, returnAddress)
        index += 1
        // Stacks grow down: a caller's frame is always above; anything else is corruption.
        if next <= fp { break }
        fp = next
    }
}

private func printFrame(_ index: UInt64, _ address: UInt64) {
    Console.write("  #")
    Console.writeDecimal(index)
    Console.write(" ")
    Console.writeHex(address)
    Console.write("\n")
}
