// Arch layer: the exception table, written by Asm/recover.S into the __ex_table section:
// pairs (address of an instruction allowed to fault, address to resume at instead). The trap
// dispatcher consults it for faults in kernel mode before deciding to panic.
import ArchAsm

enum ExceptionTable {
    /// The fixup address for a faulting kernel RIP, if that instruction has one.
    static func fixup(for rip: UInt64) -> UInt64? {
        let start = arch_symbol_ex_table_start()
        let end = arch_symbol_ex_table_end()
        let count = Int((end - start) / 16)
        guard count > 0, let entries = UnsafePointer<arch_ex_entry>(bitPattern: UInt(start)) else { return nil }
        for index in 0..<count where entries[index].fault_rip == rip {
            return entries[index].fixup_rip
        }
        return nil
    }
}
