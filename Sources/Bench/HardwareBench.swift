import ArgumentParser
import COpenBLAS
import Foundation
import ValueModel

/// `bench hw`: this machine's measured sgemm rate through OpenBLAS (the peak the cost model divides by),
/// the rate at the GNN head's own GEMM shape, and memory copy bandwidth; plus OpenBLAS's kernel and version.
struct HardwareBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hw", abstract: "Measure sgemm GFLOP/s (OpenBLAS) and copy GB/s on this machine.")

    @Option(help: "Threads for OpenBLAS.")
    var threads = 2

    @Option(help: "Timed repeats of each measurement (the best is the peak; the median is also reported).")
    var repeats = 5

    func validate() throws {
        guard threads > 0, repeats > 0 else { throw ValidationError("--threads and --repeats must be positive") }
    }

    /// GFLOP/s of `C[m, n] = A[m, k] · B[k, n]`: best and median over `repeats` after one warm-up.
    func sgemmRate(m: Int, n: Int, k: Int) -> (best: Double, median: Double) {
        var generator = SeededGenerator(seed: 1)
        let a = (0..<(m * k)).map { _ in Float(generator.nextUniform()) }
        let b = (0..<(k * n)).map { _ in Float(generator.nextUniform()) }
        var c = [Float](repeating: 0, count: m * n)
        var samples = Samples()
        for i in 0...repeats {
            let run = { cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &c, Int32(n)) }
            if i == 0 { run() } else { samples.time(run) }
        }
        let rates = samples.seconds.map { 2 * Double(m) * Double(n) * Double(k) / $0 / 1e9 }.sorted()
        return (rates[rates.count - 1], rates[rates.count / 2])
    }

    func run() throws {
        LearningThreads.configure(threads: threads)
        var fields = commonFields(threads: threads)
        for size in [1024, 2048, 4096] {
            let rate = sgemmRate(m: size, n: size, k: size)
            fields["sgemm\(size)_gflops"] = rate.best
            fields["sgemm\(size)_gflops_median"] = rate.median
        }
        // The first layer of the GNN-64 edge head on a training batch: [4096, 192] · [192, 128].
        let head = sgemmRate(m: 4096, n: 128, k: 192)
        fields["sgemm_head_4096x192x128_gflops"] = head.best
        // Copy bandwidth over 1 GiB (read + write bytes).
        let count = 1 << 28
        let source = UnsafeMutablePointer<Float>.allocate(capacity: count), target = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { source.deallocate(); target.deallocate() }
        source.initialize(repeating: 1, count: count)
        target.initialize(repeating: 0, count: count)
        var copies = Samples()
        for _ in 0..<repeats { copies.time { target.update(from: source, count: count) } }
        fields["copy_GBps_read_plus_write"] = 2 * Double(count) * 4 / (copies.seconds.min() ?? 1) / 1e9
        fields["openblas_corename"] = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        fields["openblas_kernel"] = BLASKernel.description
        fields["openblas_config"] = openblas_get_config().map { String(cString: $0) } ?? "unknown"
        fields["scenario"] = "hw"
        fields["model"] = "hw"
        try printJSONLine(fields)
    }
}
