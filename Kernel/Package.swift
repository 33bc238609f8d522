// swift-tools-version:6.0
// The Orrery kernel: an Embedded Swift program for bare-metal x86-64 (its own package, built
// with Kernel/toolset.json; see tools/build-kernel.sh, the one documented build command).
//
// Targets, lowest layer first:
//   ArchAsm    Arch/x86_64/Asm: boot.S (Multiboot entry, long mode), trap entry stubs, the
//              fault-recovering copy routines, descriptor-table storage and the C header that
//              exposes privileged instructions (in/out, CR/MSR access) to Swift.
//   KernelLibC LibC: the C library symbols the Embedded Swift runtime needs (memcpy, putchar,
//              posix_memalign, arc4random_buf, ceil, ...).
//   kernel     every Swift folder of the kernel (Arch/x86_64, HAL, Boot and the platform-neutral
//              subsystems such as Memory/, Firmware/, Support/): one module, so whole-module
//              optimisation sees everything. Folders are found, not listed, so a new subsystem
//              folder joins the kernel without editing this file.
import PackageDescription

let package = Package(
    name: "OrreryKernel",
    products: [
        .executable(name: "kernel", targets: ["kernel"]),
    ],
    targets: [
        .target(name: "ArchAsm", path: "Arch/x86_64/Asm"),
        .target(name: "KernelLibC", path: "LibC"),
        .executableTarget(
            name: "kernel",
            dependencies: ["ArchAsm", "KernelLibC"],
            path: ".",
            exclude: ["Arch/x86_64/Asm", "Arch/x86_64/linker.ld", "LibC", "toolset.json", "README.md"]
        ),
    ],
    // Swift 5 mode, as the root package (which compiles the platform-neutral folders for host
    // tests): the kernel is single-CPU for now and keeps its state in plain globals.
    swiftLanguageModes: [.v5]
)
