import Foundation
import ValueModel

/// Repeated wall-clock measurements of one quantity, summarised as the notebook prints them.
struct Samples {
    private(set) var seconds: [Double] = []

    /// Times `body` once and records its wall time; returns what `body` returns.
    mutating func time<T>(_ body: () throws -> T) rethrows -> T {
        let start = ResourceUsage.now()
        let value = try body()
        seconds.append(ResourceUsage.now() - start)
        return value
    }

    /// Median (upper median for an even count), min, max and every value, as JSON fields `<name>_s_…`.
    func fields(_ name: String) -> [String: Any] {
        guard !seconds.isEmpty else { return [:] }
        let sorted = seconds.sorted()
        return ["\(name)_s_median": sorted[sorted.count / 2], "\(name)_s_min": sorted[0],
                "\(name)_s_max": sorted[sorted.count - 1], "\(name)_s_all": seconds]
    }
}

/// Prints `fields` as one JSON line with sorted keys (what scripts/bench_report.py reads).
func printJSONLine(_ fields: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

/// The 1-, 5- and 15-minute load averages (empty where /proc/loadavg is not there).
func loadAverage() -> [String] {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).map(String.init) ?? []
}

/// Fields every scenario reports: implementation, threads, peak memory, load average.
func commonFields(threads: Int) -> [String: Any] {
    ["implementation": "swift", "threads": threads, "peak_rss_mb": ResourceUsage.peakResidentMiB(), "loadavg_at_end": loadAverage()]
}
