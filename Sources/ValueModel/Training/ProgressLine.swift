import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A live progress line for a training run: `label  step 120/2000  loss 0.3512  val AUC 0.8123 (best 0.8130)
/// 14.2 steps/s  ETA ≤ 2m12s`. On a terminal it is redrawn in place (`\r`, at most 10 times a second);
/// otherwise (CI logs, files) a plain line is printed every `interval` seconds and once at the end.
public final class ProgressLine {
    private let label: String
    private let total: Int
    private let interval: Double
    private let isTerminal: Bool
    private let sink: (String) -> Void
    private let start = ResourceUsage.now()
    private var lastPrint = -Double.infinity
    private var lastWidth = 0

    /// A line for a run of at most `total` steps. `isTerminal` defaults to `isatty(stderr)`; `sink` defaults
    /// to standard error.
    public init(label: String, total: Int, interval: Double = 10, isTerminal: Bool? = nil, sink: ((String) -> Void)? = nil) {
        self.label = label
        self.total = total
        self.interval = interval
        self.isTerminal = isTerminal ?? (isatty(STDERR_FILENO) != 0)
        self.sink = sink ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// The text of the line after `step` steps (ETA assumes the remaining steps run at the mean rate so far; with
    /// early stopping it is an upper bound, shown as `≤`).
    public static func text(label: String, step: Int, total: Int, loss: Double, validationAUC: Double?, best: Double?,
                            elapsed: Double, upperBound: Bool) -> String {
        let rate = elapsed > 0 ? Double(step) / elapsed : 0
        var parts = ["\(label)", "step \(step)/\(total)", "loss \(Format.fixed(loss, 4))"]
        if let validationAUC { parts.append("val AUC \(Format.fixed(validationAUC, 4))" + (best.map { " (best \(Format.fixed($0, 4)))" } ?? "")) }
        parts.append("\(Format.fixed(rate, 1)) steps/s")
        let remaining = rate > 0 ? Double(total - step) / rate : .nan
        parts.append("ETA \(upperBound ? "≤ " : "")\(duration(remaining))")
        return parts.joined(separator: "  ")
    }

    /// `95` -> `1m35s`, `7.2` -> `7s`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }

    /// Reports progress after `step` steps (rate-limited).
    public func update(step: Int, loss: Double, validationAUC: Double?, best: Double?, upperBound: Bool) {
        let now = ResourceUsage.now()
        guard now - lastPrint >= (isTerminal ? 0.1 : interval) else { return }
        lastPrint = now
        emit(Self.text(label: label, step: step, total: total, loss: loss, validationAUC: validationAUC, best: best,
                       elapsed: now - start, upperBound: upperBound))
    }

    /// Reports progress of a loop that is not a training run: `label  done/total  rate/s  ETA` (rate-limited).
    public func update(done: Int, unit: String) {
        let now = ResourceUsage.now()
        guard now - lastPrint >= (isTerminal ? 0.1 : interval) else { return }
        lastPrint = now
        let elapsed = now - start
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        emit("\(label)  \(done)/\(total) \(unit)  \(Format.fixed(rate, 1)) \(unit)/s  ETA \(Self.duration(rate > 0 ? Double(total - done) / rate : .nan))")
    }

    /// Ends the line with a summary (always printed).
    public func finish(_ summary: String) {
        emit(label + "  " + summary)
        if isTerminal { sink("\n") }
    }

    private func emit(_ text: String) {
        if isTerminal {
            let padding = String(repeating: " ", count: max(0, lastWidth - text.count))
            lastWidth = text.count
            sink("\r" + text + padding)
        } else {
            sink(text + "\n")
        }
    }
}
