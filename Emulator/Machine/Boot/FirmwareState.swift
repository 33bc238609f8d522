// Layer: Machine / Boot. The state a PC's firmware leaves for a kernel it boots by Multiboot
// (QEMU's -kernel runs SeaBIOS first, and real-mode guests use what it set up). Only what
// guests are known to rely on; each piece as SeaBIOS leaves it:
//  - 8259 pair in 8086 mode with the BIOS vector bases (IRQ 0-7 -> 0x08-0x0F, IRQ 8-15 ->
//    0x70-0x77), everything masked except IRQ 0 (timer) and IRQ 2 (cascade).
//  - 8254 channel 0 in mode 3 with count 65536: IRQ 0 at 18.2 Hz (the BIOS tick).
//  - A real-mode interrupt vector table at 0 whose 256 entries point into a stub in the BIOS
//    area (F000:FF00): hardware IRQ vectors send a non-specific EOI and IRET, all others IRET.
// kvm-unit-tests' realmode test sleeps in HLT with interrupts on in real mode and is woken by
// that tick ("the realmode test relies on the PIT", its x86/run says). Protected-mode kernels
// (kvm-unit-tests' cstart, Linux) mask the 8259 and install their own IDT first.

import Devices

extension Machine {
    /// Segment F000 offset FF00: the stubs' place in the BIOS area (reserved in the e820 map).
    static let biosStubs: UInt64 = 0xF_FF00

    /// Programs the board's devices and low memory as the BIOS would before a Multiboot entry.
    func applyFirmwareState() {
        guard devices != nil else { return }
        // 8259s, through the chips' own port logic: ICW1 (edge, cascade, ICW4 follows), ICW2
        // (vector base), ICW3 (slave on IRQ 2 / slave id 2), ICW4 (8086 mode), OCW1 (masks).
        for (command, data, base, cascade, mask) in [(0x20, 0x21, 0x08, 0x04, 0xFA), (0xA0, 0xA1, 0x70, 0x02, 0xFF)]
            as [(UInt64, UInt64, UInt64, UInt64, UInt64)] {
            ports.write(command, size: 1, value: 0x11)
            ports.write(data, size: 1, value: base)
            ports.write(data, size: 1, value: cascade)
            ports.write(data, size: 1, value: 0x01)
            ports.write(data, size: 1, value: mask)
        }
        // 8254 channel 0: control word 0x36 (channel 0, low then high byte, mode 3, binary),
        // count 0 = 65536.
        ports.write(0x43, size: 1, value: 0x36)
        ports.write(0x40, size: 1, value: 0)
        ports.write(0x40, size: 1, value: 0)
        // Starting the counter raises OUT0, an edge the 8259 latches at once; the BIOS takes
        // that interrupt long before it boots the kernel: acknowledge it and send the EOI.
        if let pic = devices?.pic {
            for _ in 0..<16 where pic.pendingVector() != nil {
                pic.acknowledge()
                ports.write(0xA0, size: 1, value: 0x20)
                ports.write(0x20, size: 1, value: 0x20)
            }
        }
        // Stubs: +0 IRQ 0-7 (push ax; mov al, 20h; out 20h, al; pop ax; iret),
        // +16 IRQ 8-15 (the same, with an EOI to the slave first), +32 iret.
        let master: [UInt8] = [0x50, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF]
        let slave: [UInt8] = [0x50, 0xB0, 0x20, 0xE6, 0xA0, 0xE6, 0x20, 0x58, 0xCF]
        ram.write(master, at: Self.biosStubs)
        ram.write(slave, at: Self.biosStubs + 16)
        ram.write([0xCF], at: Self.biosStubs + 32)
        var ivt = [UInt8]()
        for vector in 0..<256 {
            let offset: UInt16 = (0x08...0x0F).contains(vector) ? 0xFF00 : (0x70...0x77).contains(vector) ? 0xFF10 : 0xFF20
            ivt += [UInt8(offset & 0xFF), UInt8(offset >> 8), 0x00, 0xF0]   // IP, then CS = F000
        }
        ram.write(ivt, at: 0)
    }
}
