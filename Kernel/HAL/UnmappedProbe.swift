// HAL layer: a plain, NOT fault-recovering memory read, for the `panictest` boot mode only
// (Boot/PanicTest.swift): it demonstrates what an unexpected kernel fault looks like.

enum UnmappedProbe {
    @inline(never)
    static func readUnrecoverable(at virtual: UInt64) -> UInt64 {
        guard let pointer = UnsafeRawPointer(bitPattern: UInt(virtual)) else { return 0 }
        return pointer.load(as: UInt64.self)
    }
}
