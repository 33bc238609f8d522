// Layer: EmulatorCore. The deterministic event queue: device timers fire at exact virtual times.
// Order is (deadline, sequence number): two events due at the same nanosecond fire in the order
// they were scheduled. No hash order, no host time. The board runs the CPU with an instruction
// budget up to `nextDeadline` (VirtualClock.instructions(until:)), then calls `runDue()`.
//
// Events are `EventQueue.Timer` objects a device creates once (at board construction, so the
// registration order is fixed); a timer is armed or not. Snapshots save each timer's deadline
// and sequence number by registration index, so a restored machine fires the same events in the
// same order; the callbacks themselves are code, set up again by the constructors.

public final class EventQueue: Snapshottable {
    public final class Timer {
        public let name: String
        /// Registration index in its queue (the key used by snapshots).
        public let index: Int
        /// Virtual nanoseconds at which it fires; nil when not armed.
        public fileprivate(set) var deadline: UInt64?
        fileprivate var sequence: UInt64 = 0
        fileprivate let action: (_ now: UInt64) -> Void

        fileprivate init(name: String, index: Int, action: @escaping (UInt64) -> Void) {
            self.name = name
            self.index = index
            self.action = action
        }
        public var isArmed: Bool { deadline != nil }
    }

    public let clock: VirtualClock
    private var timers: [Timer] = []
    /// Armed timers sorted by (deadline, sequence); a machine has a handful, so insertion is linear.
    private var armed: [Timer] = []
    private var nextSequence: UInt64 = 0

    public init(clock: VirtualClock) { self.clock = clock }

    /// Registers a timer. `action` receives the virtual time at which the timer was due.
    public func makeTimer(name: String, action: @escaping (_ deadline: UInt64) -> Void) -> Timer {
        let t = Timer(name: name, index: timers.count, action: action)
        timers.append(t)
        return t
    }

    /// Arms (or re-arms) `timer` at virtual time `deadline` (a past deadline fires at the next `runDue`).
    public func schedule(_ timer: Timer, at deadline: UInt64) {
        remove(timer)
        timer.deadline = deadline
        timer.sequence = nextSequence
        nextSequence &+= 1
        insert(timer)
    }

    /// Arms `timer` `delay` nanoseconds from now (saturating).
    public func schedule(_ timer: Timer, after delay: UInt64) {
        let (t, o) = clock.now.addingReportingOverflow(delay)
        schedule(timer, at: o ? UInt64.max : t)
    }

    public func cancel(_ timer: Timer) {
        remove(timer)
        timer.deadline = nil
    }

    /// The earliest armed deadline.
    public var nextDeadline: UInt64? { armed.first?.deadline }

    /// Fires every timer due at or before `now` (default: the clock's time), earliest first.
    /// A timer disarms before its action runs; the action may re-arm it or others, and those
    /// fire in this same call if they are due. Returns the number of events fired.
    @discardableResult
    public func runDue(now: UInt64? = nil) -> Int {
        let t = now ?? clock.now
        var fired = 0
        while let first = armed.first, let d = first.deadline, d <= t {
            armed.removeFirst()
            first.deadline = nil
            fired += 1
            first.action(d)
        }
        return fired
    }

    private func remove(_ timer: Timer) {
        if timer.deadline == nil { return }
        if let i = armed.firstIndex(where: { $0 === timer }) { armed.remove(at: i) }
    }

    private func insert(_ timer: Timer) {
        guard let d = timer.deadline else { return }
        var i = armed.count
        while i > 0, let pd = armed[i - 1].deadline,
              pd > d || (pd == d && armed[i - 1].sequence > timer.sequence) {
            i -= 1
        }
        armed.insert(timer, at: i)
    }

    // MARK: Snapshottable
    public func save(to w: StateWriter) {
        w.section("EVTQ", version: 1) {
            w.u64(nextSequence)
            w.u32(UInt32(truncatingIfNeeded: timers.count))
            for t in timers {
                w.bool(t.deadline != nil)
                w.u64(t.deadline ?? 0)
                w.u64(t.sequence)
            }
        }
    }

    /// Restores deadlines onto the timers registered (in the same order) by this machine.
    public func restore(from r: StateReader) throws(SnapshotError) {
        try r.section("EVTQ", maxVersion: 1) { _ throws(SnapshotError) in
            let seq = try r.u64()
            let count = try r.u32()
            guard count == timers.count else {
                throw SnapshotError.invalidValue(field: "EVTQ.timerCount", value: UInt64(count))
            }
            var state: [(UInt64?, UInt64)] = []
            for _ in 0..<Int(count) {
                let on = try r.bool()
                let d = try r.u64()
                let s = try r.u64()
                state.append((on ? d : nil, s))
            }
            nextSequence = seq
            armed.removeAll()
            for (t, st) in zip(timers, state) {
                t.deadline = st.0
                t.sequence = st.1
                insert(t)
            }
        }
    }
}
