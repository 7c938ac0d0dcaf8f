/// A binary heap whose order is given on every call by `precedes(a, b)`: the element for
/// which nothing else precedes it is popped first.
///
/// The order is passed per call (rather than stored) so that it may read state that
/// grows while the heap lives, as the trainer's token table does. Callers must pass the
/// same strict ordering every time. With a strict total order the sequence of pops does
/// not depend on the order of the pushes.
struct BinaryHeap<Element> {
    /// The heap array: `storage[0]` is the first element in the order.
    private(set) var storage: [Element] = []

    /// Creates an empty heap.
    init() {}

    /// Whether the heap has no element.
    var isEmpty: Bool { storage.isEmpty }

    /// The number of elements.
    var count: Int { storage.count }

    /// Removes every element, keeping the capacity.
    mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
    }

    /// Adds an element.
    @inline(__always)
    mutating func push(_ element: Element, by precedes: (Element, Element) -> Bool) {
        storage.append(element)
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if !precedes(storage[child], storage[parent]) { break }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the first element in the order, or `nil` when empty.
    @inline(__always)
    mutating func pop(by precedes: (Element, Element) -> Bool) -> Element? {
        guard !storage.isEmpty else { return nil }
        let last = storage.count - 1
        storage.swapAt(0, last)
        let top = storage.removeLast()
        var parent = 0
        let count = storage.count
        while true {
            let left = 2 * parent + 1
            if left >= count { break }
            let right = left + 1
            var best = left
            if right < count, precedes(storage[right], storage[left]) { best = right }
            if !precedes(storage[best], storage[parent]) { break }
            storage.swapAt(best, parent)
            parent = best
        }
        return top
    }
}
