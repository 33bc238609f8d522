// roms/devices/pcprobe.c: a Multiboot v1 guest (32-bit, flat, no paging) that reads the modern
// PC devices (PCI host bridge and config mechanism #1 / ECAM, fw_cfg, IOAPIC, local APIC, HPET,
// ACPI PM timer, pc-testdev) and prints "name=value" lines on port 0xE9, then writes 0 to the
// isa-debug-exit port. tools/run-pcprobe.sh runs it on QEMU (q35) and on Orrery and compares.
// Only firmware-independent, time-independent values are printed: registers the guest set itself,
// reset values no BIOS touches, and "did it advance" checks for the timers. Where Orrery follows
// a datasheet and QEMU 7.2 does not (CONFIG_ADDRESS reserved bits, LVT/ICR reserved bits, HPET
// FSB enable without FSB capability, IOAPIC reserved bits, fw_cfg DMA) or where the two compute
// differently (APR), the bits are masked or not probed.
typedef unsigned int u32; typedef unsigned short u16; typedef unsigned char u8; typedef unsigned long long u64;

__attribute__((section(".multiboot"), used)) static const u32 multiboot_header[3] = {0x1BADB002, 0, -(0x1BADB002)};

static inline void outb(u16 p, u8 v) { asm volatile("outb %0,%1" :: "a"(v), "Nd"(p)); }
static inline void outw(u16 p, u16 v) { asm volatile("outw %0,%1" :: "a"(v), "Nd"(p)); }
static inline void outl(u16 p, u32 v) { asm volatile("outl %0,%1" :: "a"(v), "Nd"(p)); }
static inline u8 inb(u16 p) { u8 v; asm volatile("inb %1,%0" : "=a"(v) : "Nd"(p)); return v; }
static inline u16 inw(u16 p) { u16 v; asm volatile("inw %1,%0" : "=a"(v) : "Nd"(p)); return v; }
static inline u32 inl(u16 p) { u32 v; asm volatile("inl %1,%0" : "=a"(v) : "Nd"(p)); return v; }
static u32 rd(u32 a) { return *(volatile u32 *)a; }
static void wr(u32 a, u32 v) { *(volatile u32 *)a = v; }

static void puts(const char *s) { while (*s) outb(0xE9, *s++); }
static void hex(u32 v) { for (int i = 7; i >= 0; i--) outb(0xE9, "0123456789abcdef"[(v >> (i * 4)) & 15]); }
static void kv(const char *k, u32 v) { puts(k); puts("="); hex(v); puts("\n"); }
static void spin(int n) { for (volatile int i = 0; i < n; i++) {} }

static u32 cfg(u32 dev, u32 reg) { outl(0xCF8, 0x80000000 | dev << 11 | reg); return inl(0xCFC); }
static void cfgw(u32 dev, u32 reg, u32 v) { outl(0xCF8, 0x80000000 | dev << 11 | reg); outl(0xCFC, v); }
static u32 fw(u16 key, int n) { outw(0x510, key); u32 r = 0; for (int i = 0; i < n; i++) r |= (u32)inb(0x511) << (i * 8); return r; }
static u32 ioapic(u32 reg) { wr(0xFEC00000, reg); return rd(0xFEC00010); }
static void ioapicw(u32 reg, u32 v) { wr(0xFEC00000, reg); wr(0xFEC00010, v); }
#define LAPIC(off) (0xFEE00000u + (off))
#define HPET(off) (0xFED00000u + (off))

void pcprobe_main(void) {
    // PCI: the Q35 host bridge at 00:00.0 through mechanism #1.
    kv("pci.00.id", cfg(0, 0x00));
    kv("pci.00.class_rev", cfg(0, 0x08));
    kv("pci.00.header", cfg(0, 0x0C) & 0x00FF0000);
    kv("pci.00.subsystem", cfg(0, 0x2C));
    kv("pci.00.cap_ptr", cfg(0, 0x34) & 0xFF);
    kv("pci.00.pin", (cfg(0, 0x3C) >> 8) & 0xFF);
    cfgw(0, 0x10, 0xFFFFFFFF); kv("pci.00.bar0_probe", cfg(0, 0x10));
    cfgw(0, 0x04, 0x00000006); kv("pci.00.command_06", cfg(0, 0x04) & 0xFFFF);
    kv("pci.05.id", cfg(5, 0x00));
    kv("pci.00.f1.id", ({ outl(0xCF8, 0x80000100); inl(0xCFC); }));
    outl(0xCF8, 0x80000000); kv("pci.cf8_readback", inl(0xCF8));
    kv("pci.cfe_word", inw(0xCFE)); kv("pci.cfd_byte", inb(0xCFD));
    kv("pci.cf9", inb(0xCF9));
    outl(0xCF8, 0x00000000); kv("pci.disabled_data", inl(0xCFC));
    // ECAM at the base the host bridge's PCIEXBAR reports.
    u32 pciexbar = cfg(0, 0x60);
    kv("pci.pciexbar_enable", pciexbar & 1);
    u32 ecam = pciexbar & 0xF0000000;
    kv("ecam.00.id", rd(ecam));
    kv("ecam.00.class_rev", rd(ecam + 0x08));
    kv("ecam.05.id", rd(ecam + (5 << 15)));

    // fw_cfg: the items kvm-unit-tests reads.
    kv("fwcfg.signature", fw(0x00, 4));
    kv("fwcfg.id_traditional", fw(0x01, 4) & 1);
    kv("fwcfg.ram_size_lo", fw(0x03, 4));
    outw(0x510, 0x03); (void)inb(0x511); (void)inb(0x511); (void)inb(0x511); (void)inb(0x511);
    kv("fwcfg.ram_size_hi", inb(0x511) | inb(0x511) << 8 | inb(0x511) << 16 | (u32)inb(0x511) << 24);
    kv("fwcfg.nb_cpus", fw(0x05, 2));
    kv("fwcfg.max_cpus", fw(0x0F, 2));
    kv("fwcfg.invalid_key", fw(0x3FFF, 4));
    kv("fwcfg.past_end", ({ outw(0x510, 0x05); (void)inb(0x511); (void)inb(0x511); inb(0x511); }));
    outw(0x510, 0x00); kv("fwcfg.word_read", inw(0x510)); kv("fwcfg.selector_port_byte", inb(0x510));

    // IOAPIC.
    kv("ioapic.version", ioapic(0x01));
    ioapicw(0x01, 0); kv("ioapic.version_ro", ioapic(0x01));
    ioapicw(0x00, 0xFFFFFFFF); kv("ioapic.id_ones", ioapic(0x00)); kv("ioapic.arb", ioapic(0x02));
    ioapicw(0x00, 0);
    kv("ioapic.rte0_lo", ioapic(0x10)); kv("ioapic.rte0_hi", ioapic(0x11)); kv("ioapic.rte23_lo", ioapic(0x3E));
    ioapicw(0x20, 0x15033); kv("ioapic.rte8_ro_bits", ioapic(0x20));      // delivery status, remote IRR read-only
    ioapicw(0x20, 0x10000);
    kv("ioapic.beyond", ioapic(0x40));
    kv("ioapic.regsel", rd(0xFEC00000));

    // Local APIC (xAPIC page), interrupts off throughout.
    kv("lapic.id", rd(LAPIC(0x20))); kv("lapic.version", rd(LAPIC(0x30)));
    wr(LAPIC(0xF0), 0x1FF); kv("lapic.svr", rd(LAPIC(0xF0)));
    wr(LAPIC(0xE0), 0); kv("lapic.dfr_cluster", rd(LAPIC(0xE0))); wr(LAPIC(0xE0), 0xFFFFFFFF);
    wr(LAPIC(0xD0), 0xFFFFFFFF); kv("lapic.ldr_ones", rd(LAPIC(0xD0))); wr(LAPIC(0xD0), 0);
    wr(LAPIC(0x80), 0x20); kv("lapic.tpr", rd(LAPIC(0x80))); kv("lapic.ppr", rd(LAPIC(0xA0)));
    wr(LAPIC(0x300), 0x40050);                                              // self IPI, vector 0x50
    kv("lapic.irr_word2_after_ipi", rd(LAPIC(0x220)));
    wr(LAPIC(0x80), 0);
    wr(LAPIC(0x3E0), 0xFFFFFFFF); kv("lapic.dcr_ones", rd(LAPIC(0x3E0)));
    wr(LAPIC(0x320), 0x10000 | 0x60); kv("lapic.lvtt", rd(LAPIC(0x320)));   // one-shot, masked
    wr(LAPIC(0x3E0), 0xB); wr(LAPIC(0x380), 0x100000);
    spin(100);
    u32 cur = rd(LAPIC(0x390));
    kv("lapic.tmcct_counting", cur != 0 && cur < 0x100000);
    kv("lapic.tmict", rd(LAPIC(0x380)));
    wr(LAPIC(0x380), 0);
    kv("lapic.tmcct_stopped", rd(LAPIC(0x390)));
    wr(LAPIC(0x280), 0); (void)rd(LAPIC(0x280));
    (void)rd(LAPIC(0x40));                                                  // no register there
    wr(LAPIC(0x280), 0); kv("lapic.esr_illegal_register", rd(LAPIC(0x280)));

    // HPET.
    kv("hpet.cap_lo", rd(HPET(0x000))); kv("hpet.period_fs", rd(HPET(0x004)));
    kv("hpet.t0_cfg", rd(HPET(0x100))); kv("hpet.t0_route_cap", rd(HPET(0x104)));
    kv("hpet.t2_cfg", rd(HPET(0x140))); kv("hpet.t0_cmp_lo", rd(HPET(0x108))); kv("hpet.t0_cmp_hi", rd(HPET(0x10C)));
    wr(HPET(0x100), 0xFFFFFFFF); kv("hpet.t0_cfg_ones", rd(HPET(0x100)) & ~(1u << 14)); wr(HPET(0x100), 0);
    wr(HPET(0x0F0), 0x1234); wr(HPET(0x0F4), 0); kv("hpet.counter_halted", rd(HPET(0x0F0)));
    wr(HPET(0x010), 1); spin(1000);
    kv("hpet.counter_runs", rd(HPET(0x0F0)) > 0x1234);
    wr(HPET(0x010), 0);

    // ACPI PM timer at 0x608 (q35): 24 bits, counting.
    u32 a = inl(0x608); spin(1000); u32 b = inl(0x608);
    kv("pmtimer.advances", a != b); kv("pmtimer.24bit", (a | b) >> 24);

    // pc-testdev.
    outl(0xE0, 0x11223344); kv("testdev.e0", inl(0xE0)); kv("testdev.e2_word", inw(0xE2)); kv("testdev.e1_byte", inb(0xE1));
    outb(0xE3, 0xAB); kv("testdev.e0_after_byte", inl(0xE0));
    kv("testdev.irq_read", inb(0x2000)); kv("testdev.flush_read", inl(0xE4));
    wr(0xFF000000, 0xDEADBEEF); wr(0xFF00FFFC, 0x01020304);
    kv("testdev.iomem0", rd(0xFF000000)); kv("testdev.iomem_last", rd(0xFF00FFFC));

    outb(0xF4, 0);
}
