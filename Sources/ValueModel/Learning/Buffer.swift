/// A fixed-size, zero-initialised Float32 buffer with a stable address, freed when the last reference goes.
///
/// Parameters, gradients, optimiser moments and saved activations live in these, so layers can keep raw
/// pointers for the duration of a step without copy-on-write surprises (as llm.c keeps one malloc per group).
public final class FloatBuffer: @unchecked Sendable {
    /// First element.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of Float32 elements.
    public let count: Int

    /// A zero-filled buffer of `count` floats.
    public init(count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    /// Sets every element to zero.
    public func zero() { pointer.update(repeating: 0, count: count) }

    /// A copy of the contents as an array.
    public func toArray() -> [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

/// A reusable scratch buffer that only grows (activations for a batch size that may change between calls).
final class Workspace {
    private(set) var buffer = FloatBuffer(count: 0)

    /// A pointer to at least `count` floats (contents unspecified unless `zeroed`).
    func pointer(count: Int, zeroed: Bool = false) -> UnsafeMutablePointer<Float> {
        if buffer.count < count { buffer = FloatBuffer(count: count) }
        if zeroed { buffer.pointer.update(repeating: 0, count: count) }
        return buffer.pointer
    }
}
