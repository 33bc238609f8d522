// HAL layer: the kernel's physical frames and heap, wired to the hardware. Memory/ holds the
// platform-neutral allocators (FrameAllocator, KernelHeap); this file gives them real memory:
// frames are physical pages, heap pages are used through the direct map (so every heap
// address is a direct-map virtual address, below 2^60 as Swift requires), and the libc
// posix_memalign/free (LibC/malloc.c) are pointed at the heap.
import KernelLibC

/// Heap pages = physical frames from the frame allocator, addressed through the direct map.
struct DirectMapPageSource: PageSource {
    mutating func allocatePages(count: Int, alignment: UInt64) -> UInt64? {
        guard let physical = KernelMemory.frames?.allocate(count: count, alignment: alignment,
                                                           below: PhysicalMemory.directMapSize) else { return nil }
        return PhysicalMemory.directMapBase + physical
    }

    mutating func freePages(at address: UInt64, count: Int) {
        guard let physical = PhysicalMemory.physicalAddress(ofDirectMap: address) else { return }
        do throws(FrameError) {
            try KernelMemory.frames?.free(physical.value, count: count)
        } catch {
            // The heap only returns pages it got from here: a failure is a kernel bug.
            panic("heap returned pages the frame allocator does not own")
        }
    }

    func loadWord(at address: UInt64) -> UInt64 {
        guard let physical = PhysicalMemory.physicalAddress(ofDirectMap: address) else { return 0 }
        return PhysicalMemory.read(physical, as: UInt64.self) ?? 0
    }

    mutating func storeWord(_ value: UInt64, at address: UInt64) {
        guard let physical = PhysicalMemory.physicalAddress(ofDirectMap: address) else { return }
        PhysicalMemory.write(physical, value)
    }
}

enum KernelMemory {
    static var frames: FrameAllocator<PhysicalWordStorage>?
    static var heap: KernelHeap<DirectMapPageSource>?

    /// Starts the heap and routes posix_memalign/free to it (the boot arena stops growing).
    static func installHeap() {
        heap = KernelHeap(source: DirectMapPageSource())
        libc_install_heap(heapAllocate, heapFree)
    }
}

// C-callable entry points for LibC/malloc.c. Errors become NULL (posix_memalign -> ENOMEM).
private func heapAllocate(_ size: Int, _ alignment: Int) -> UnsafeMutableRawPointer? {
    guard KernelMemory.heap != nil else { return nil }
    do throws(HeapError) {
        let address = try KernelMemory.heap!.allocate(size: size, alignment: alignment)
        return UnsafeMutableRawPointer(bitPattern: UInt(address))
    } catch {
        return nil
    }
}

private func heapFree(_ pointer: UnsafeMutableRawPointer?) {
    guard let pointer, KernelMemory.heap != nil else { return }
    do throws(HeapError) {
        try KernelMemory.heap!.free(UInt64(UInt(bitPattern: pointer)))
    } catch {
        // Freeing something the heap never handed out (or twice) is memory corruption.
        panic("free of a pointer the kernel heap does not own")
    }
}
