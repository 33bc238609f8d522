// HAL layer: the bytes of a compile-time string literal, without allocating (the panic path
// and trap handlers print through this).

extension StaticString {
    func forEachByte(_ body: (UInt8) -> Void) {
        withUTF8Buffer { buffer in
            for byte in buffer { body(byte) }
        }
    }
}
