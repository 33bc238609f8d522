// Arch layer: the Global Descriptor Table. In 64-bit mode segmentation is mostly gone, but
// the CPU still needs: code segment descriptors (their L bit selects 64-bit mode, their DPL
// the privilege level), data segments for SS, and a TSS descriptor (GDT entries are the only
// way to point at the TSS). Selectors are (index << 3) | RPL.
//
// The order is the one SYSCALL/SYSRET require (STAR MSR): kernel code, kernel data at +8;
// user code32, user data at +8, user code64 at +16.
import ArchAsm

enum Selector {
    static let kernelCode: UInt16 = 0x08
    static let kernelData: UInt16 = 0x10
    static let userCode32: UInt16 = 0x18 | 3
    static let userData: UInt16 = 0x20 | 3
    static let userCode64: UInt16 = 0x28 | 3
    static let tss: UInt16 = 0x30
}

enum GDT {
    // Descriptor bit fields: limit 0xFFFFF, G=1 (4 KiB granularity), present, S=1 (code/data).
    // Access byte 0x9A = present, DPL0, code, readable; 0x92 = data, writable; DPL3 variants
    // 0xFA / 0xF2. Flags nibble 0xA = G + L (64-bit code), 0xC = G + D/B (32-bit).
    static let kernelCode64: UInt64 = 0x00AF_9A00_0000_FFFF
    static let kernelData: UInt64 = 0x00CF_9200_0000_FFFF
    static let userCode32: UInt64 = 0x00CF_FA00_0000_FFFF
    static let userData: UInt64 = 0x00CF_F200_0000_FFFF
    static let userCode64: UInt64 = 0x00AF_FA00_0000_FFFF

    /// Builds the table (with the TSS descriptor for `tssBase`), loads it, reloads the
    /// segment registers and loads the task register.
    static func install(tssBase: UInt64, tssLimit: UInt32) {
        let entries = arch_gdt()!
        entries[0] = 0
        entries[1] = kernelCode64
        entries[2] = kernelData
        entries[3] = userCode32
        entries[4] = userData
        entries[5] = userCode64
        // 64-bit TSS descriptor, 16 bytes: type 0x9 (available 64-bit TSS), present; the base
        // is split over bits 16-39 and 56-63 of the first quadword and all of the second.
        var low = UInt64(tssLimit & 0xFFFF)
        low |= (tssBase & 0xFF_FFFF) << 16
        low |= UInt64(0x89) << 40
        low |= UInt64((tssLimit >> 16) & 0xF) << 48
        low |= ((tssBase >> 24) & 0xFF) << 56
        entries[6] = low
        entries[7] = tssBase >> 32
        arch_load_gdt(UInt64(UInt(bitPattern: entries)), UInt16(8 * 8 - 1),
                      Selector.kernelCode, Selector.kernelData)
        // LTR marks the descriptor busy; loading it twice would #GP, so this runs once.
        arch_ltr(Selector.tss)
    }
}
