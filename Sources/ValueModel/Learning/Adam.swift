import Foundation

/// Adam exactly as PyTorch's `torch.optim.Adam` with defaults (betas 0.9 / 0.999, eps 1e-8, no weight decay,
/// no amsgrad), bias-corrected, over a whole `ParameterStore` (every element is updated, also where the
/// gradient is zero, as PyTorch does for dense gradients).
public final class Adam {
    /// Learning rate.
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Number of updates taken so far.
    public private(set) var step = 0
    private let parameters: ParameterStore
    private let m: FloatBuffer
    private let v: FloatBuffer

    /// An optimiser for `parameters` with zero moments.
    public init(parameters: ParameterStore, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        m = FloatBuffer(count: parameters.count)
        v = FloatBuffer(count: parameters.count)
    }

    /// Copies of the first and second moment buffers (in the parameters' flat layout), for a checkpoint.
    public var firstMoment: [Float] { m.toArray() }
    public var secondMoment: [Float] { v.toArray() }

    /// Continues from a checkpoint: the step count and both moment buffers (lengths must match the parameters).
    public func restore(step: Int, firstMoment: [Float], secondMoment: [Float]) throws {
        guard step >= 0, firstMoment.count == m.count, secondMoment.count == v.count else {
            throw PipelineError.invalidData("Adam state has \(firstMoment.count) / \(secondMoment.count) moments at step \(step), the model has \(m.count) parameters")
        }
        self.step = step
        firstMoment.withUnsafeBufferPointer { m.pointer.update(from: $0.baseAddress!, count: m.count) }
        secondMoment.withUnsafeBufferPointer { v.pointer.update(from: $0.baseAddress!, count: v.count) }
    }

    /// One update from the gradients currently in `parameters.gradients`.
    public func update() {
        step += 1
        let t = Double(step)
        let biasCorrection1 = 1 - pow(Double(beta1), t)
        let biasCorrection2Sqrt = (1 - pow(Double(beta2), t)).squareRoot()
        let stepSize = Float(Double(learningRate) / biasCorrection1)
        let bc2 = Float(biasCorrection2Sqrt)
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        let p = parameters.values.pointer, g = parameters.gradients.pointer
        let mp = m.pointer, vp = v.pointer
        parallelRanges(parameters.count, minimumChunk: 1 << 15) { range in
            for i in range {
                let gi = g[i]
                let mi = mp[i] + (1 - b1) * (gi - mp[i])         // exp_avg.lerp_(grad, 1 - beta1)
                let vi = b2 * vp[i] + (1 - b2) * gi * gi         // exp_avg_sq.mul_(beta2).addcmul_(g, g, 1 - beta2)
                mp[i] = mi
                vp[i] = vi
                let denom = vi.squareRoot() / bc2 + eps
                p[i] -= stepSize * (mi / denom)
            }
        }
    }
}
