// Differential harness: which instructions are outside the scope of the CPU as built so far.
// Random byte strings hit the whole opcode space; x87, MMX and SSE belong to issue [2/6]. An
// emulator #UD on those is reported (as "unimplemented") but does not fail a run. Everything
// else the host executes must match exactly.

import X86

public enum Scope {
    /// True when `code` (one instruction) is an x87, MMX, SSE or 3DNow! instruction.
    public static func isFloatingPointOrVector(_ code: [UInt8], mode32: Bool) -> Bool {
        guard isFPOrVectorOpcode(code, mode32: mode32) else { return false }
        // SSE/SSE2 instructions the emulator's tables implement are in scope: an encoding that
        // decodes (with a handler) must match the host exactly.
        let decoded = code.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return false }
            if case .instruction = Decoder.decode(base, available: raw.count, address: Layout.codeAddress,
                                                  mode: mode32 ? .protected32 : .long64) { return true }
            return false
        }
        return !decoded
    }

    static func isFPOrVectorOpcode(_ code: [UInt8], mode32: Bool) -> Bool {
        var i = 0
        while i < code.count {
            let b = code[i]
            switch b {
            case 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3: i += 1; continue
            case 0x40...0x4F where !mode32: i += 1; continue
            default: break
            }
            break
        }
        guard i < code.count else { return false }
        let op = code[i]
        if (0xD8...0xDF).contains(op) { return true }        // x87 escape
        guard op == 0x0F, i + 1 < code.count else { return false }
        let op2 = code[i + 1]
        switch op2 {
        case 0x0E, 0x0F: return true                          // FEMMS, 3DNow!
        case 0x10...0x17, 0x28...0x2F: return true            // SSE moves, conversions, compares
        case 0x38, 0x3A:                                      // SSSE3/SSE4 (MOVBE stays in scope)
            if op2 == 0x38, i + 2 < code.count, code[i + 2] == 0xF0 || code[i + 2] == 0xF1 {
                return code[..<i].contains(0xF2)              // F2 0F 38 F0/F1 is CRC32 (SSE4.2)
            }
            return true
        case 0x50...0x7F: return true                         // SSE arithmetic, MMX
        case 0xAE: return true                                // FXSAVE/FXRSTOR/LDMXCSR/STMXCSR/fences
        case 0xC2...0xC6: return true                         // CMPPS, MOVNTI, PINSRW, PEXTRW, SHUFPS
        case 0xC7:                                            // /3-/5 XSAVE family, /6 /7 RDRAND/RDSEED
            guard i + 2 < code.count else { return false }
            return (code[i + 2] >> 3) & 7 != 1                // /1 CMPXCHG8B/16B is in scope
        case 0xD0...0xFF: return true                         // MMX/SSE2 integer
        default: return false
        }
    }
}
