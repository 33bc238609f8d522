// roms/grub/mbinfo.c: the Multiboot info guest. Booted by GRUB 2 on QEMU (the oracle, through a
// grub-mkrescue ISO) and by `orrery run --kernel --initrd --append`, it checks the boot
// information against the Multiboot2 Specification 2.0 (EAX = 0x36D76289) or the Multiboot
// Specification 0.6.96 (EAX = 0x2BADB002) and prints on port 0xE9 only facts that the spec fixes
// or that any PC with this RAM size gives, so both machines print the same lines:
// layout (alignment, sizes, end tag), the command line, each module (placement, size, string,
// a checksum of its bytes), that the memory map covers the image, low memory and RAM above
// 1 MiB, that the basic memory info matches the map, the EGA text framebuffer, and that every
// tag the header asked for is there. Loader names, addresses chosen by the loader, the number of
// memory map entries and firmware tables differ between loaders and are not printed.
// Exit through isa-debug-exit (port 0xF4): 0 when every check passed, 1 otherwise.
#include "../board/board.h"

extern char image_start[], image_end[];
extern const u32 mb_requested[], mb_requested_count;   // information request tag (mb2-start.S)
extern const u32 mb_relocatable;                        // the header has a relocatable tag

static int failures;
static void check(const char *what, int ok) {
    puts(what); puts(ok ? ": ok\n" : ": FAIL\n");
    if (!ok) failures++;
}
static void str(const char *k, const char *s) { puts(k); puts("='"); puts(s); puts("'\n"); }
static u32 fnv1a(const u8 *p, u32 n) {
    u32 h = 2166136261u;
    for (u32 i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
    return h;
}
static u32 rd(u32 a) { return *(const u32 *)a; }

// The memory map, normalised: available (type 1) ranges, whichever format they came in.
#define MAXR 64
static u64 avail_base[MAXR], avail_end[MAXR];
static int navail, bad_types;
static void add_region(u64 base, u64 len, u32 type) {
    if (type < 1 || type > 5) bad_types++;
    if (type == 1 && navail < MAXR) { avail_base[navail] = base; avail_end[navail] = base + len; navail++; }
}
// End of the available memory that runs without a gap from `a` (adjacent entries joined); a if none.
static u64 avail_run_end(u64 a) {
    for (int again = 1; again;) {
        again = 0;
        for (int i = 0; i < navail; i++)
            if (avail_base[i] <= a && avail_end[i] > a) { a = avail_end[i]; again = 1; }
    }
    return a;
}
static int avail_covers(u64 lo, u64 hi) { return avail_run_end(lo) >= hi; }
static u64 avail_total(void) { u64 t = 0; for (int i = 0; i < navail; i++) t += avail_end[i] - avail_base[i]; return t; }
static int overlaps(u32 a0, u32 a1, u32 b0, u32 b1) { return a0 < b1 && b0 < a1; }

// Checks shared by both protocols once the memory map is collected.
static void check_memory(u32 mem_lower, u32 mem_upper) {
    check("memory map: types 1..5", bad_types == 0);
    check("memory map: image range available", avail_covers((u32)image_start, (u32)image_end));
    check("memory map: 0..0x9F000 available", avail_covers(0, 0x9F000));
    check("memory map: 1 MiB..17 MiB available", avail_covers(0x100000, 0x1100000));
    check("memory map: 120 MiB or more available", avail_total() >= (120ull << 20));
    // mem_lower: KiB of memory from 0, mem_upper: KiB from 1 MiB up to the first hole (both specs).
    u64 low = avail_run_end(0); if (low > 0xA0000) low = 0xA0000;
    check("meminfo: mem_lower = available run from 0", mem_lower == (u32)(low >> 10));
    check("meminfo: mem_upper = available run from 1 MiB", mem_upper == (u32)((avail_run_end(0x100000) - 0x100000) >> 10));
}

static u32 mod_start[8], mod_end[8];
static void module(int n, u32 start, u32 end, const char *s, u32 info0, u32 info1) {
    int apart = 1;
    for (int i = 0; i < n && i < 8; i++) if (overlaps(start, end, mod_start[i], mod_end[i])) apart = 0;
    if (n < 8) { mod_start[n] = start; mod_end[n] = end; }
    puts("module "); dec(n); puts(": size="); dec(end - start); puts(" fnv1a="); hex(fnv1a((const u8 *)start, end - start), 8);
    puts(" string='"); puts(s); puts("'\n");
    check("  page aligned", (start & 0xFFF) == 0);
    check("  end >= start", end >= start);
    check("  outside the image", !overlaps(start, end, (u32)image_start, (u32)image_end));
    check("  outside the boot information", !overlaps(start, end, info0, info1));
    check("  in available memory", avail_covers(start, end));
    check("  apart from the modules before it", apart);
}

int mbinfo_main(u32 magic, u32 info);

// ELF section headers (Multiboot2 tag 9, Multiboot v1 flag 5): the kernel's own section table,
// with sh_addr set for the sections no segment loads (.symtab, .strtab, .shstrtab, .comment),
// which the loader copies to RAM. Names and link addresses are the file's, so both machines
// print them; where the loader put the copies is its choice and is only checked.
static u32 sh_field(u32 sh, int is64, int f32, int f64) { return rd(sh + (is64 ? f64 : f32)); }
static void elf_sections(int present, u32 num, u32 entsize, u32 table, u32 shndx, u32 info0, u32 info1) {
    // GRUB gives an a.out-kludge image tag 9 with num 0; that and no tag both mean "no table".
    if (!present || num == 0) { puts("elf sections: none\n"); return; }
    int is64 = entsize == 64;
    // Printed: the entry size and checks only (the number of sections, their order and .bss's
    // address depend on the toolchain, not on the loader).
    puts("elf sections: entsize="); dec(entsize); puts("\n");
    check("  entsize is Elf32_Shdr or Elf64_Shdr", entsize == 40 || entsize == 64);
    if ((entsize != 40 && entsize != 64) || shndx >= num) { check("  shndx < num", 0); return; }
    // Elf32_Shdr: name 0, type 4, flags 8, addr 12, size 20, link 24; Elf64_Shdr: name 0, type 4, flags 8, addr 16, size 32, link 40.
#define SH(i) (table + (i) * entsize)
#define TYPE(i) sh_field(SH(i), is64, 4, 4)
#define FLAGS(i) sh_field(SH(i), is64, 8, 8)
#define ADDR(i) sh_field(SH(i), is64, 12, 16)
#define SIZE(i) sh_field(SH(i), is64, 20, 32)
#define LINK(i) sh_field(SH(i), is64, 24, 40)
    check("  shndx names a string table in memory", TYPE(shndx) == 3 && ADDR(shndx) != 0);
    const char *names = (const char *)ADDR(shndx);
    int copied_ok = 1, alloc_ok = 1, text_ok = 0, copies = 0;
    for (u32 i = 1; i < num; i++) {
        const char *n = names + rd(SH(i)), *t = ".text";
        while (*n && *n == *t) { n++; t++; }
        if (*n == 0 && *t == 0 && ADDR(i) == (u32)image_start) text_ok = 1;
        if (FLAGS(i) & 2) {                                   // SHF_ALLOC: at its link address, in the image
            if (ADDR(i) < (u32)image_start || ADDR(i) + SIZE(i) > (u32)image_end) alloc_ok = 0;
        } else if (SIZE(i)) {                                 // copied by the loader
            u32 a = ADDR(i), e = a + SIZE(i);
            copies++;
            if (!a || !avail_covers(a, e) || overlaps(a, e, (u32)image_start, (u32)image_end) || overlaps(a, e, info0, info1)) copied_ok = 0;
        }
    }
    check("  .text at image_start", text_ok);
    check("  allocated sections inside the image", alloc_ok);
    check("  non-allocated sections copied", copies >= 3);   // at least .symtab, .strtab, .shstrtab
    check("  copied sections: in available memory, outside the image and the information", copied_ok);
    // The symbol table, through its copy: mbinfo_main's value must be this function's address.
    int found = 0;
    for (u32 i = 1; i < num; i++) {
        if (TYPE(i) != 2 || LINK(i) >= num) continue;                   // SHT_SYMTAB; link: its strings
        const char *str = (const char *)ADDR(LINK(i));
        u32 symsize = is64 ? 24 : 16;                                   // Elf64_Sym / Elf32_Sym
        for (u32 s = ADDR(i); s + symsize <= ADDR(i) + SIZE(i); s += symsize) {
            const char *n = str + rd(s), *want = "mbinfo_main";
            while (*n && *n == *want) { n++; want++; }
            if (*n == 0 && *want == 0 && rd(s + (is64 ? 8 : 4)) == (u32)mbinfo_main) found = 1;
        }
    }
    check("  symbol table copy: mbinfo_main at its address", found);
}

static int multiboot2(u32 info) {
    puts("protocol: Multiboot2\n");
    check("info 8-aligned", (info & 7) == 0);
    u32 total = rd(info);
    check("total_size multiple of 8", (total & 7) == 0);
    u32 present = 0, tags = 0, nmods = 0, mem_lower = 0, mem_upper = 0;
    int aligned = 1, end_ok = 0, meminfo = 0, mmap_ok = 0;
    u32 t = info + 8;
    // Pass 1: layout, and the memory map (the module checks need it).
    while (t + 8 <= info + total) {
        u32 type = rd(t), size = rd(t + 4);
        if (t & 7) aligned = 0;
        tags++;
        if (type == 0) { end_ok = size == 8 && t + 8 == info + total; break; }
        if (size < 8) break;
        if (type < 32) present |= 1u << type;
        if (type == 4) { meminfo = 1; mem_lower = rd(t + 8); mem_upper = rd(t + 12); }
        if (type == 6) {
            u32 esize = rd(t + 8), ver = rd(t + 12);
            mmap_ok = esize >= 24 && ver == 0;
            for (u32 e = t + 16; esize >= 24 && e + esize <= t + size; e += esize)
                add_region(*(const u64 *)e, *(const u64 *)(e + 8), rd(e + 16));
        }
        t += (size + 7) & ~7u;
    }
    check("every tag 8-aligned", aligned);
    check("end tag (type 0, size 8) ends total_size", end_ok);
    check("memory map tag: entry_size >= 24, entry_version 0", mmap_ok);
    check("basic meminfo tag present", meminfo);
    check_memory(mem_lower, mem_upper);
    // Pass 2: strings, modules, framebuffer.
    for (t = info + 8; t + 8 <= info + total; t += (rd(t + 4) + 7) & ~7u) {
        u32 type = rd(t), size = rd(t + 4);
        if (type == 0 || size < 8) break;
        if (type == 1) str("cmdline", (const char *)(t + 8));
        if (type == 3) module(nmods++, rd(t + 8), rd(t + 12), (const char *)(t + 16), info, info + total);
        if (type == 8) {
            // framebuffer_addr (u64), pitch, width, height, bpp (u8), framebuffer_type (u8)
            u8 bpp = *(const u8 *)(t + 28), fbtype = *(const u8 *)(t + 29);
            puts("framebuffer: type="); dec(fbtype);
            if (fbtype == 2) {   // EGA text: columns x rows of 16-bit cells, pitch in bytes
                puts(" addr="); hex(rd(t + 8), 8); puts(" pitch="); dec(rd(t + 16)); puts(" width="); dec(rd(t + 20));
                puts(" height="); dec(rd(t + 24)); puts(" bpp="); dec(bpp);
            }
            puts("\n");
        }
    }
    puts("modules: "); dec(nmods); puts("\n");
    u32 es = 0;
    for (t = info + 8; t + 8 <= info + total && rd(t) != 0 && rd(t + 4) >= 8; t += (rd(t + 4) + 7) & ~7u)
        if (rd(t) == 9) es = t;
    // Tag 9: num, entsize, shndx (u32 each), then the headers.
    elf_sections(es != 0, es ? rd(es + 8) : 0, es ? rd(es + 12) : 0, es + 20, es ? rd(es + 16) : 0, info, info + total);
    // Tag 21 (load base address) is the spec's for relocatable images; GRUB gives it to every
    // image, so it is looked at only for the relocatable build.
    if (mb_relocatable) {
        u32 base = 0;
        for (t = info + 8; t + 8 <= info + total && rd(t) != 0 && rd(t + 4) >= 8; t += (rd(t + 4) + 7) & ~7u)
            if (rd(t) == 21) base = rd(t + 8);
        puts("load base address: "); hex(base, 8); puts("\n");
        check("  = image_start (the only place min_addr..max_addr allows)", base == (u32)image_start);
    }
    check("boot loader name tag present", (present >> 2) & 1);
    int all = 1;
    for (u32 i = 0; i < mb_requested_count; i++) if (!((present >> mb_requested[i]) & 1)) all = 0;
    check("every requested tag present", all);
    return failures ? 1 : 0;
}

static int multiboot1(u32 info) {
    puts("protocol: Multiboot v1\n");
    u32 flags = rd(info);
    check("flags: mem_* (bit 0)", flags & 1);
    check("flags: cmdline (bit 2)", (flags >> 2) & 1);
    check("flags: memory map (bit 6)", (flags >> 6) & 1);
    if ((flags >> 6) & 1) {
        u32 a = rd(info + 48), end = a + rd(info + 44);
        // Each entry: size (of the rest, at offset -4 from base_addr's view), base_addr, length, type.
        while (a + 24 <= end + 4 && a < end) { u32 size = rd(a); add_region(*(const u64 *)(a + 4), *(const u64 *)(a + 12), rd(a + 20)); a += size + 4; if (size < 20) break; }
    }
    check_memory(rd(info + 4), rd(info + 8));
    if ((flags >> 2) & 1) str("cmdline", (const char *)rd(info + 16));
    u32 n = (flags >> 3) & 1 ? rd(info + 20) : 0;
    for (u32 i = 0; i < n; i++) {
        u32 m = rd(info + 24) + 16 * i;
        module(i, rd(m), rd(m + 4), (const char *)rd(m + 8), info, info + 88);
    }
    puts("modules: "); dec(n); puts("\n");
    // Flag 5: num, size (of an entry), addr, shndx at offsets 28..40.
    elf_sections((flags >> 5) & 1, rd(info + 28), rd(info + 32), rd(info + 36), rd(info + 40), info, info + 88);
    check("boot loader name (bit 9)", (flags >> 9) & 1);
    return failures ? 1 : 0;
}

// The loader zeroes the bss (ELF: p_memsz beyond p_filesz; address tag: up to bss_end_addr);
// GRUB has used that memory before, so this checks the loader, not the RAM's power-on state.
static u32 bss_probe[1024];

int mbinfo_main(u32 magic, u32 info) {
    int r, zero = 1;
    for (int i = 0; i < 1024; i++) if (bss_probe[i]) zero = 0;
    check("bss zeroed", zero);
    if (magic == 0x36D76289) r = multiboot2(info);
    else if (magic == 0x2BADB002) r = multiboot1(info);
    else { kv("unknown magic", magic); r = 1; }
    puts(r ? "FAIL\n" : "PASS\n");
    return r;
}
