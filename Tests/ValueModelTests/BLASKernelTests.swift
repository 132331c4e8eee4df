import Testing
@testable import ValueModel

@Suite("BLAS kernel selection at start-up")
struct BLASKernelTests {
    static let xeon: Set<String> = ["sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd", "avx512_fp16", "amx_tile"]
    static let epyc: Set<String> = ["sse2", "avx", "avx2", "fma"]
    static let old: Set<String> = ["sse2", "sse4_2", "avx"]

    @Test("a generic fallback on an AVX-512 CPU probes SkylakeX, then Haswell; on an AVX2 CPU, Haswell")
    func fallbackProbes() {
        #expect(BLASKernel.decide(corename: "Prescott", coretype: nil, flags: Self.xeon) == .probe(["SkylakeX", "Haswell"]))
        #expect(BLASKernel.decide(corename: "prescott", coretype: nil, flags: Self.epyc) == .probe(["Haswell"]))
        #expect(BLASKernel.decide(corename: "Nehalem", coretype: "", flags: Self.epyc) == .probe(["Haswell"]))
    }

    @Test("a recognised CPU, a set OPENBLAS_CORETYPE, or a CPU without AVX2 keeps OpenBLAS's choice")
    func keeps() {
        for (corename, coretype, flags) in [("Zen", nil, Self.epyc), ("SkylakeX", nil, Self.xeon), ("Prescott", "Haswell", Self.xeon),
                                            ("Prescott", "Prescott", Self.xeon), ("Prescott", nil, Self.old)] as [(String, String?, Set<String>)] {
            guard case .keep = BLASKernel.decide(corename: corename, coretype: coretype, flags: flags) else {
                Issue.record("\(corename), OPENBLAS_CORETYPE=\(coretype ?? "unset"): expected to keep"); continue
            }
        }
        // AVX-512 foundation alone (no BW/VL/DQ/CD, as on Xeon Phi) is not SkylakeX.
        #expect(BLASKernel.decide(corename: "Prescott", coretype: nil, flags: ["avx512f", "avx2", "fma"]) == .probe(["Haswell"]))
    }

    @Test("CPU flags are read from the first processor of /proc/cpuinfo")
    func flagsFromCPUInfo() {
        let text = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 avx2 fma avx512f\nbugs\t\t: spectre\n\nprocessor\t: 1\nflags\t\t: fpu\n"
        #expect(BLASKernel.cpuFlags(cpuinfo: text) == ["fpu", "sse2", "avx2", "fma", "avx512f"])
        #expect(BLASKernel.cpuFlags(cpuinfo: "").isEmpty)
    }

    @Test("the probe's check (sgemm, sgemv, ssyrk against plain loops) passes under this process's kernel")
    func kernelCheck() {
        #expect(BLASKernel.kernelAgrees())
        #expect(!BLASKernel.description.isEmpty)
    }
}

extension BLASKernelTests {
    @Test("a step executable as a probe child: exits 0 under a kernel that computes right, non-zero under one OpenBLAS does not load")
    func probeChild() throws {
        let executable = ExecutableOptionsTests.products + "/3-training"
        let flags = BLASKernel.cpuFlags(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
        if flags.isSuperset(of: ["avx2", "fma"]) { #expect(BLASKernel.probe(executable: executable, kernel: "Haswell")) }
        // OpenBLAS falls back to another kernel for an unknown name, so the probe's corename check fails.
        #expect(!BLASKernel.probe(executable: executable, kernel: "NoSuchKernel"))
    }
}
