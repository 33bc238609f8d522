// Kernel / Firmware / ACPI: the FADT ("FACP", ACPI 5.2.9): where the fixed hardware registers
// are (PM1 event/control blocks, PM timer, reset register), the DSDT's address, the RTC century
// register and boot architecture flags.
//
// The table grew across revisions (ACPI 1.0: 116 bytes; 2.0+: 244; 5.0+: 268/276): fields past
// the table's length take their "absent" value, never an error. The 64-bit X_ fields win over the
// 32-bit ones when present and non-zero.
//
// Public API:
//   struct FADT                    init(_ table: TableView<M>) throws(ACPIError)
//     revision, length, dsdtAddress, facsAddress, sciInterrupt, smiCommandPort, acpiEnableValue,
//     acpiDisableValue, pm1aEvent/pm1bEvent/pm1aControl/pm1bControl/pmTimer: GenericAddress?
//     pm1EventLength, pm1ControlLength, pmTimerLength, century (CMOS index, 0 = none),
//     bootArchitecture (IAPC_BOOT_ARCH), flags, resetRegister: GenericAddress?, resetValue,
//     resetSupported, hardwareReduced, has8042, hasCMOSRTC, pmTimer32Bit,
//     sleepControlRegister/sleepStatusRegister (hardware-reduced ACPI 5.0+)
//     static sleepControlValue(slpTyp:) -> UInt16   PM1 control value for SLP_TYPx + SLP_EN
//
// Power off (kboot): if smiCommandPort != 0 && acpiEnableValue != 0 and SCI_EN (PM1a_CNT bit 0)
// is clear, write acpiEnableValue to the SMI port and wait for SCI_EN; then write
// sleepControlValue(slpTyp: s5.a) to PM1a_CNT (and s5.b to PM1b_CNT if present).

public struct FADT {
    public var revision: UInt8
    public var length: Int
    public var facsAddress: UInt64
    public var dsdtAddress: UInt64
    public var sciInterrupt: UInt16
    public var smiCommandPort: UInt32
    public var acpiEnableValue: UInt8
    public var acpiDisableValue: UInt8
    public var pm1aEvent: GenericAddress?
    public var pm1bEvent: GenericAddress?
    public var pm1aControl: GenericAddress?
    public var pm1bControl: GenericAddress?
    public var pmTimer: GenericAddress?
    public var pm1EventLength: UInt8
    public var pm1ControlLength: UInt8
    public var pmTimerLength: UInt8
    public var century: UInt8
    public var bootArchitecture: UInt16
    public var flags: UInt32
    public var resetRegister: GenericAddress?
    public var resetValue: UInt8
    /// Hardware-reduced ACPI (5.0+) sleep registers, used instead of PM1 control blocks.
    public var sleepControlRegister: GenericAddress?
    public var sleepStatusRegister: GenericAddress?

    public static let flagTimerValueExtended: UInt32 = 1 << 8
    public static let flagResetRegisterSupported: UInt32 = 1 << 10
    public static let flagHardwareReduced: UInt32 = 1 << 20

    /// SLP_TYP is bits 10-12 of PM1_CNT, SLP_EN bit 13 (ACPI 4.8.3.2.1).
    public static func sleepControlValue(slpTyp: UInt8) -> UInt16 { UInt16(slpTyp & 7) << 10 | 1 << 13 }
    /// SCI_EN, bit 0 of PM1_CNT: set when the machine is in ACPI mode.
    public static let sciEnableBit: UInt16 = 1

    public var resetSupported: Bool { flags & FADT.flagResetRegisterSupported != 0 && resetRegister != nil }
    public var hardwareReduced: Bool { flags & FADT.flagHardwareReduced != 0 }
    /// IAPC_BOOT_ARCH bit 1. ACPI 1.0 tables have no such field (bootArchitecture 0); callers
    /// on such machines should assume an 8042 exists.
    public var has8042: Bool { bootArchitecture & 2 != 0 }
    public var hasCMOSRTC: Bool { bootArchitecture & (1 << 5) == 0 }
    public var pmTimer32Bit: Bool { flags & FADT.flagTimerValueExtended != 0 }

    public init<M: PhysicalMemoryReader>(_ t: TableView<M>) throws(ACPIError) {
        guard t.signature == .fadt else {
            throw .badSignature(expected: ACPISignature.fadt.rawValue, found: t.signature.rawValue, address: t.address)
        }
        func opt8(_ o: Int) throws(ACPIError) -> UInt8 { t.has(o, 1) ? try t.u8(o) : 0 }
        func opt16(_ o: Int) throws(ACPIError) -> UInt16 { t.has(o, 2) ? try t.u16(o) : 0 }
        func opt32(_ o: Int) throws(ACPIError) -> UInt32 { t.has(o, 4) ? try t.u32(o) : 0 }
        func opt64(_ o: Int) throws(ACPIError) -> UInt64 { t.has(o, 8) ? try t.u64(o) : 0 }
        func optGAS(_ o: Int) throws(ACPIError) -> GenericAddress? {
            guard t.has(o, 12) else { return nil }
            let g = try t.gas(o)
            return g.address == 0 ? nil : g
        }
        /// A legacy 32-bit I/O port block as a GAS (nil when 0).
        func port(_ o: Int, _ len: UInt8) throws(ACPIError) -> GenericAddress? {
            let p = try opt32(o)
            guard p != 0 else { return nil }
            return GenericAddress(addressSpace: GenericAddress.systemIO, bitWidth: len &* 8, bitOffset: 0,
                                  accessSize: 0, address: UInt64(p))
        }
        revision = t.header.revision
        length = t.length
        // Fields of ACPI 1.0 (offsets from the spec's FADT table).
        facsAddress = UInt64(try opt32(36))
        dsdtAddress = UInt64(try opt32(40))
        sciInterrupt = try opt16(46)
        smiCommandPort = try opt32(48)
        acpiEnableValue = try opt8(52)
        acpiDisableValue = try opt8(53)
        pm1EventLength = try opt8(88)
        pm1ControlLength = try opt8(89)
        pmTimerLength = try opt8(91)
        century = try opt8(108)
        bootArchitecture = try opt16(109)
        flags = try opt32(112)
        pm1aEvent = try port(56, pm1EventLength)
        pm1bEvent = try port(60, pm1EventLength)
        pm1aControl = try port(64, pm1ControlLength)
        pm1bControl = try port(68, pm1ControlLength)
        pmTimer = try port(76, pmTimerLength)
        // ACPI 2.0+ fields.
        resetRegister = try optGAS(116)
        resetValue = try opt8(128)
        let xFACS = try opt64(132)
        if xFACS != 0 { facsAddress = xFACS }
        let xDSDT = try opt64(140)
        if xDSDT != 0 { dsdtAddress = xDSDT }
        if let g = try optGAS(148) { pm1aEvent = g }
        if let g = try optGAS(160) { pm1bEvent = g }
        if let g = try optGAS(172) { pm1aControl = g }
        if let g = try optGAS(184) { pm1bControl = g }
        if let g = try optGAS(208) { pmTimer = g }
        sleepControlRegister = try optGAS(244)
        sleepStatusRegister = try optGAS(256)
    }
}
