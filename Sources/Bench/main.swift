// bench: the Swift side of `make bench` (scripts/bench.sh). Each subcommand times one scenario on the
// pipeline's own step-2 artifacts (the same files ../shared/bench's PyTorch + PyG side reads through
// scripts/bench_pyg.py) and prints one JSON line; `chart` renders the notebook's ratio figures with gnuplot.
// Timings only: no test depends on them.
import ArgumentParser
import ValueModel

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Speed of this pipeline's learning engine, for notebooks/benchmarks.md (one JSON line per scenario).",
        subcommands: [TrainBench.self, LogisticBench.self, ScoringBench.self, RLBench.self, HardwareBench.self, RatioChart.self])
}

BLASKernel.selectAtStartup()
BenchCommand.main()
