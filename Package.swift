// swift-tools-version:6.0
// Orrery: a deterministic x86-64 machine (Emulator/, Devices/) and a Linux-ABI kernel (Kernel/).
import PackageDescription

// The interpreter's hot path lives in one module (X86) so whole-module optimisation sees it all.
let hotPathFlags: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"]),
]

let package = Package(
    name: "Orrery",
    products: [
        .executable(name: "orrery", targets: ["OrreryCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "EmulatorCore", path: "Emulator/EmulatorCore"),
        .target(name: "X86", dependencies: ["EmulatorCore"], path: "Emulator/X86",
                swiftSettings: hotPathFlags),
        // The PC's devices: each a BusDevice (offsets only) + Snapshottable; they know no CPU.
        // The interrupt controllers are asked for a pending vector at every block boundary while
        // RFLAGS.IF = 1: in release builds their dynamic exclusivity checks (swift_beginAccess on
        // each array access) cost ~8% of a Linux boot (perf). Debug builds keep the checks.
        .target(name: "Devices", dependencies: ["EmulatorCore"], path: "Devices",
                swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        .target(name: "Machine", dependencies: ["EmulatorCore", "X86", "Devices"], path: "Emulator/Machine"),
        .executableTarget(name: "OrreryCLI",
                          dependencies: ["Machine", "X86", "EmulatorCore",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Emulator/OrreryCLI"),
        // Runs instruction bytes on the host CPU (signal-handler register loading): the CPU oracle.
        .target(name: "HostOracle", path: "Tests/HostOracle"),
        // Host-vs-emulator differential harness (case generators, both executors, comparison).
        .target(name: "DiffHarness", dependencies: ["X86", "EmulatorCore", "HostOracle"], path: "Tests/DiffHarness"),
        .executableTarget(name: "orrery-diff",
                          dependencies: ["DiffHarness", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "tools/orrery-diff"),
        // Platform-neutral kernel code (allocators, ACPI tables, command line, log) built for the
        // host as well, so it is unit tested in milliseconds; the kernel package compiles the same files.
        // The exclude list names the kernel-only folders (boot path, HAL, libc shims) and the nested package.
        .target(name: "KernelCore", path: "Kernel",
                exclude: ["Arch", "HAL", "Boot", "LibC", "Package.swift", "toolset.json"],
                sources: ["Memory", "Firmware", "Support"]),
        .testTarget(name: "KernelCoreTests", dependencies: ["KernelCore"], path: "Tests/KernelCoreTests",
                    exclude: ["Fixtures", "EmbeddedCheck"]),
        .testTarget(name: "EmulatorCoreTests", dependencies: ["EmulatorCore"], path: "Tests/EmulatorCoreTests"),
        .testTarget(name: "DevicesTests", dependencies: ["Devices", "EmulatorCore"], path: "Tests/DevicesTests"),
        .testTarget(name: "MachineTests", dependencies: ["Machine", "X86", "EmulatorCore"],
                    path: "Tests/MachineTests"),
        .testTarget(name: "MachineBoardTests", dependencies: ["Machine", "X86", "EmulatorCore", "KernelCore"],
                    path: "Tests/MachineBoardTests"),
        .testTarget(name: "X86Tests", dependencies: ["X86", "EmulatorCore", "HostOracle", "Machine", "DiffHarness"],
                    path: "Tests/X86Tests"),
    ],
    swiftLanguageModes: [.v5]
)
