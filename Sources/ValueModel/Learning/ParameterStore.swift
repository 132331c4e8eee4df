/// Where one named tensor lives inside a `ParameterStore`: PyTorch's state_dict name, its shape
/// (weights `[out, in]` as PyTorch stores them) and its offset in the flat buffers.
public struct ParameterEntry: Equatable, Sendable {
    /// The state_dict name, for example `edge_mlp.0.weight`.
    public let name: String
    /// The tensor's shape.
    public let shape: [Int]
    /// Offset of the first element in `values` / `gradients`.
    public let offset: Int
    /// Number of elements (the product of `shape`).
    public var count: Int { shape.reduce(1, *) }
}

/// All parameters of a model in one contiguous Float32 buffer, with a gradient buffer of the same layout
/// (as llm.c keeps `params_memory` and `grads_memory`). The optimiser walks the flat buffers; layers hold
/// offsets; checkpoints use the names.
public final class ParameterStore: @unchecked Sendable {
    /// The named tensors in registration order.
    public let entries: [ParameterEntry]
    /// Parameter values.
    public let values: FloatBuffer
    /// Gradients, same layout; `zeroGradients()` before each backward.
    public let gradients: FloatBuffer

    /// Lays out the given `(name, shape)` tensors one after another, all zero.
    public init(_ layout: [(name: String, shape: [Int])]) {
        var entries: [ParameterEntry] = []
        var offset = 0
        for (name, shape) in layout {
            let entry = ParameterEntry(name: name, shape: shape, offset: offset)
            entries.append(entry)
            offset += entry.count
        }
        self.entries = entries
        values = FloatBuffer(count: offset)
        gradients = FloatBuffer(count: offset)
    }

    /// Total number of scalar parameters.
    public var count: Int { values.count }

    /// The entry called `name`, if any.
    public func entry(_ name: String) -> ParameterEntry? { entries.first { $0.name == name } }

    /// Pointer to the values of `name` (traps if absent: layer wiring is fixed at construction).
    func valuePointer(_ name: String) -> UnsafeMutablePointer<Float> {
        guard let e = entry(name) else { preconditionFailure("no parameter named \(name)") }
        return values.pointer + e.offset
    }

    /// Pointer to the gradients of `name`.
    func gradientPointer(_ name: String) -> UnsafeMutablePointer<Float> {
        guard let e = entry(name) else { preconditionFailure("no parameter named \(name)") }
        return gradients.pointer + e.offset
    }

    /// A copy of the values of `name` (nil if absent).
    public func value(_ name: String) -> [Float]? {
        guard let e = entry(name) else { return nil }
        return Array(UnsafeBufferPointer(start: values.pointer + e.offset, count: e.count))
    }

    /// A copy of the gradient of `name` (nil if absent).
    public func gradient(_ name: String) -> [Float]? {
        guard let e = entry(name) else { return nil }
        return Array(UnsafeBufferPointer(start: gradients.pointer + e.offset, count: e.count))
    }

    /// Overwrites the values of `name`; throws if the name or the element count does not match.
    public func setValue(_ name: String, _ newValues: [Float]) throws {
        guard let e = entry(name) else {
            throw PipelineError.invalidData("parameter \(name) does not exist in this model")
        }
        guard newValues.count == e.count else {
            throw PipelineError.invalidData("parameter \(name) has \(e.count) elements (shape \(e.shape)), got \(newValues.count)")
        }
        newValues.withUnsafeBufferPointer { (values.pointer + e.offset).update(from: $0.baseAddress!, count: e.count) }
    }

    /// Overwrites every value from a flat array in this store's layout (a training checkpoint).
    public func setAllValues(_ flat: [Float]) throws {
        guard flat.count == count else {
            throw PipelineError.invalidData("a checkpoint of \(flat.count) parameters does not fit a model of \(count)")
        }
        flat.withUnsafeBufferPointer { values.pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// Sets every gradient to zero.
    public func zeroGradients() { gradients.zero() }

    /// Copies all values from `other` (same layout required).
    public func copyValues(from other: ParameterStore) {
        precondition(other.entries == entries, "parameter layouts differ")
        values.pointer.update(from: other.values.pointer, count: count)
    }
}

// MARK: - PyTorch default initialisations

extension ParameterStore {
    /// `nn.Linear` default: kaiming_uniform(a = √5) on the weight, i.e. U(-1/√fan_in, 1/√fan_in), and the
    /// same bound for the bias. `weight` is `[out, in]`.
    func initLinear(weight: String, bias: String?, using generator: inout SeededGenerator) {
        guard let w = entry(weight) else { preconditionFailure("no parameter \(weight)") }
        let fanIn = w.shape[1]
        let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
        fillUniform(weight, bound: bound, using: &generator)
        if let bias { fillUniform(bias, bound: bound, using: &generator) }
    }

    /// Glorot (Xavier) uniform, PyG's `glorot`: U(-√(6 / (fan_in + fan_out)), +…).
    func initGlorot(_ name: String, using generator: inout SeededGenerator) {
        guard let w = entry(name) else { preconditionFailure("no parameter \(name)") }
        let bound = (6 / Double(w.shape[0] + w.shape[1])).squareRoot()
        fillUniform(name, bound: bound, using: &generator)
    }

    /// `nn.Embedding` default: N(0, 1).
    func initNormal(_ name: String, using generator: inout SeededGenerator) {
        let p = valuePointer(name)
        for i in 0..<entry(name)!.count { p[i] = Float(generator.nextNormal()) }
    }

    private func fillUniform(_ name: String, bound: Double, using generator: inout SeededGenerator) {
        let p = valuePointer(name)
        for i in 0..<entry(name)!.count { p[i] = Float((generator.nextUniform() * 2 - 1) * bound) }
    }
}
