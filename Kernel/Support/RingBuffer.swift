// Kernel / Support: a fixed-capacity FIFO of values (serial receive/transmit buffers, event
// queues). Storage is allocated once at init; push on a full buffer either fails or overwrites the
// oldest element, the caller chooses. No allocation after init, never a trap.
//
// Public API:
//   struct RingBuffer<Element>   init(capacity:filler:), count, capacity, isEmpty, isFull,
//                                push(_:) -> Bool, pushOverwriting(_:) -> Bool (true = dropped one),
//                                pop() -> Element?, peek(), subscript(i) (0 = oldest), removeAll()

public struct RingBuffer<Element> {
    private var slots: [Element]
    private var head = 0          // index of the oldest element
    public private(set) var count = 0

    /// `filler` initialises the unused slots (Embedded Swift has no uninitialised arrays).
    public init(capacity: Int, filler: Element) {
        slots = Array(repeating: filler, count: max(1, capacity))
    }

    public var capacity: Int { slots.count }
    public var isEmpty: Bool { count == 0 }
    public var isFull: Bool { count == slots.count }

    /// Appends; returns false (and drops `value`) when full.
    @discardableResult
    public mutating func push(_ value: Element) -> Bool {
        guard count < slots.count else { return false }
        slots[(head &+ count) % slots.count] = value
        count &+= 1
        return true
    }

    /// Appends, dropping the oldest element when full; returns true when one was dropped.
    @discardableResult
    public mutating func pushOverwriting(_ value: Element) -> Bool {
        if count < slots.count { push(value); return false }
        slots[head] = value
        head = (head &+ 1) % slots.count
        return true
    }

    public mutating func pop() -> Element? {
        guard count > 0 else { return nil }
        let v = slots[head]
        head = (head &+ 1) % slots.count
        count &-= 1
        return v
    }

    public func peek() -> Element? { count > 0 ? slots[head] : nil }

    /// i-th element from the oldest; nil outside 0..<count.
    public subscript(i: Int) -> Element? {
        guard i >= 0 && i < count else { return nil }
        return slots[(head &+ i) % slots.count]
    }

    public mutating func removeAll() { head = 0; count = 0 }
}
