// Layer: EmulatorCore. An interrupt request wire from a device to an interrupt controller.
// The device drives it (raise/lower/pulse); the board connects the other end (e.g. to PIC
// input 4 or IOAPIC pin 4) with `connect`. A device never holds a reference to a controller
// (DESIGN §1). The line carries a level; whether the controller latches edges (a low-to-high
// transition) or follows the level is the controller's configuration (ELCR, redirection entry).

public final class InterruptLine {
    public let name: String
    /// The current level of the wire (true = asserted).
    public private(set) var level: Bool = false
    private var sink: ((Bool) -> Void)?

    public init(name: String, sink: ((Bool) -> Void)? = nil) {
        self.name = name
        self.sink = sink
    }

    /// Connects the controller end. The sink is told every level change.
    public func connect(_ sink: @escaping (Bool) -> Void) { self.sink = sink }

    /// Drives the wire to `newLevel`; the sink hears only real changes.
    public func set(_ newLevel: Bool) {
        guard newLevel != level else { return }
        level = newLevel
        sink?(newLevel)
    }

    /// Level-triggered devices hold the line up while they need service.
    public func raise() { set(true) }
    public func lower() { set(false) }

    /// An edge: low-to-high then back to low (an ISA device's interrupt pulse). If the line is
    /// already held high, it is first dropped so the controller sees a fresh rising edge.
    public func pulse() {
        if level { set(false) }
        set(true)
        set(false)
    }

    /// Snapshot restore: sets the level without telling the sink (the controller restores its
    /// own latched state from its own section).
    public func restoreLevel(_ l: Bool) { level = l }
}
