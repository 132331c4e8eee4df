import COpenBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which OpenBLAS kernel this process runs, and choosing one when OpenBLAS did not recognise the CPU.
///
/// Debian 12's OpenBLAS 0.3.21 falls back to its generic `Prescott` kernels on CPUs newer than it knows (a recent
/// Xeon runs sgemm 4-5x slower than with `SkylakeX`), and says nothing. At start-up, when the kernel is a generic
/// one, `OPENBLAS_CORETYPE` is unset and the CPU has AVX2 or AVX-512, each executable probes the kernels the CPU
/// flags allow — in a child process, because a kernel the flags allow can still fault (SkylakeX dies with SIGILL
/// on an AMD EPYC that lists AVX-512) — and re-executes itself with the first under which the routines the pipeline calls agree with plain loops.
/// A `OPENBLAS_CORETYPE` set by the user or the machine is never overridden.
public enum BLASKernel {
    /// OpenBLAS's generic x86 kernels: what it runs when it does not recognise the CPU.
    public static let genericKernels: Set<String> = ["prescott", "katmai", "coppermine", "northwood", "core2", "penryn",
                                                     "dunnington", "nehalem", "atom", "banias", "generic"]

    /// What start-up does about the kernel.
    public enum Decision: Equatable, Sendable {
        /// Run with the kernel OpenBLAS chose (the reason, for the notebook).
        case keep(String)
        /// Probe these kernels in order and use the first that works.
        case probe([String])
    }

    /// The decision for a process whose OpenBLAS reports `corename`, with `OPENBLAS_CORETYPE` = `coretype` (nil
    /// when unset) on a CPU with `flags` (as in /proc/cpuinfo; read only when OpenBLAS fell back to a generic kernel).
    public static func decide(corename: String, coretype: String?, flags: @autoclosure () -> Set<String>) -> Decision {
        if let coretype, !coretype.isEmpty { return .keep("OPENBLAS_CORETYPE=\(coretype) set in the environment") }
        guard genericKernels.contains(corename.lowercased()) else { return .keep("OpenBLAS recognised the CPU") }
        let flags = flags()
        var candidates: [String] = []
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]) { candidates.append("SkylakeX") }
        if flags.isSuperset(of: ["avx2", "fma"]) { candidates.append("Haswell") }
        return candidates.isEmpty ? .keep("OpenBLAS fell back to \(corename), and the CPU has neither AVX2 nor AVX-512") : .probe(candidates)
    }

    /// The flags of the first processor in a /proc/cpuinfo text.
    public static func cpuFlags(cpuinfo: String) -> Set<String> {
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    /// The kernel OpenBLAS runs in this process.
    public static var corename: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// One line for the notebooks: the kernel and how it came to be.
    public static var description: String {
        let environment = ProcessInfo.processInfo.environment
        if let fallback = environment[chosenVariable], let coretype = environment["OPENBLAS_CORETYPE"] {
            return "OpenBLAS kernel \(corename): OpenBLAS fell back to its generic \(fallback) kernel on this CPU, so start-up probed and chose OPENBLAS_CORETYPE=\(coretype)"
        }
        if case let .keep(reason) = decide(corename: corename, coretype: environment["OPENBLAS_CORETYPE"], flags: localFlags) {
            return "OpenBLAS kernel \(corename) (\(reason))"
        }
        return "OpenBLAS kernel \(corename) (generic; no faster kernel passed the start-up probe)"
    }

    /// True when the BLAS routines the pipeline calls — sgemm (a small square product and a blocked MLP-shaped
    /// one), sgemv and ssyrk — agree with plain loops to 1e-4 relative.
    public static func kernelAgrees() -> Bool {
        var generator = SeededGenerator(seed: 5)
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float(generator.nextUniform() - 0.5) } }
        func close(_ x: Float, _ y: Double) -> Bool { abs(Double(x) - y) <= 1e-4 * max(1, abs(y)) }
        // C [m, n] = A [m, k] · B [k, n].
        for (m, k, n) in [(96, 96, 96), (512, 192, 64)] {
            let a = random(m * k), b = random(k * n)
            var c = [Float](repeating: 0, count: m * n)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for l in 0..<k { sum += Double(a[i * k + l]) * Double(b[l * n + j]) }
                    if !close(c[i * n + j], sum) { return false }
                }
            }
        }
        // y [m] = A [m, k] · x [k]; C [k, k] = Aᵀ A (upper triangle).
        let m = 300, k = 40
        let a = random(m * k), x = random(k)
        var y = [Float](repeating: 0, count: m)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(k), 1, a, Int32(k), x, 1, 0, &y, 1)
        for i in 0..<m where !close(y[i], (0..<k).reduce(0.0) { $0 + Double(a[i * k + $1]) * Double(x[$1]) }) { return false }
        var gram = [Float](repeating: 0, count: k * k)
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(k), Int32(m), 1, a, Int32(k), 0, &gram, Int32(k))
        for i in 0..<k {
            for j in i..<k where !close(gram[i * k + j], (0..<m).reduce(0.0) { $0 + Double(a[$1 * k + i]) * Double(a[$1 * k + j]) }) { return false }
        }
        return true
    }

    static let probeVariable = "VALUEMODEL_BLAS_PROBE"
    static let chosenVariable = "VALUEMODEL_BLAS_FALLBACK"

    static var localFlags: Set<String> { cpuFlags(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "") }

    /// Call first in `main`, before any BLAS work. A probe child runs its check and exits; otherwise, when the
    /// decision is to probe, each candidate is tried in a child process and the program re-executes itself with
    /// the first that passes (it continues with the generic kernel when none does or re-execution fails).
    public static func selectAtStartup() {
        let environment = ProcessInfo.processInfo.environment
        if environment[probeVariable] != nil {
            let wanted = environment["OPENBLAS_CORETYPE"]?.lowercased() ?? ""
            exit(corename.lowercased() == wanted && kernelAgrees() ? 0 : 1)
        }
        guard case let .probe(candidates) = decide(corename: corename, coretype: environment["OPENBLAS_CORETYPE"], flags: localFlags),
              let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return }
        for kernel in candidates where probe(executable: executable, kernel: kernel) {
            var variables = environment
            variables["OPENBLAS_CORETYPE"] = kernel
            variables[chosenVariable] = corename
            FileHandle.standardError.write(Data("OpenBLAS fell back to its generic \(corename) kernel; re-running with OPENBLAS_CORETYPE=\(kernel) (probed)\n".utf8))
            let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
            let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
            execve(executable, arguments, envp)
            return  // execve returned: keep the generic kernel.
        }
    }

    /// Runs this executable as a probe child under `kernel`; true when it exits 0 (a crash or a wrong sgemm is false).
    static func probe(executable: String, kernel: String) -> Bool {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        var variables = ProcessInfo.processInfo.environment
        variables["OPENBLAS_CORETYPE"] = kernel
        variables[probeVariable] = "1"
        child.environment = variables
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        do { try child.run() } catch { return false }
        child.waitUntilExit()
        return child.terminationReason == .exit && child.terminationStatus == 0
    }
}
