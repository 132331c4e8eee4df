import Foundation

/// A generated Markdown notebook: prose, tables, figures and code, written atomically at the end.
public struct Notebook {
    private var lines: [String] = []

    /// A notebook headed by `title` and the `Provenance` line of the process writing it.
    public init(title: String) {
        lines.append("# \(title)")
        lines.append("")
        lines.append(Provenance.line)
        lines.append("")
    }

    /// A section heading (level 2, or deeper).
    public mutating func heading(_ text: String, level: Int = 2) {
        lines.append(String(repeating: "#", count: level) + " " + text)
        lines.append("")
    }

    /// A paragraph of Markdown text.
    public mutating func paragraph(_ text: String) {
        lines.append(text)
        lines.append("")
    }

    /// A bulleted list.
    public mutating func bullets(_ items: [String]) {
        lines += items.map { "- " + $0 }
        lines.append("")
    }

    /// A table with a header row; `alignRight` marks numeric columns.
    public mutating func table(_ header: [String], _ rows: [[String]], alignRight: Set<Int> = []) {
        func escape(_ cell: String) -> String { cell.replacingOccurrences(of: "|", with: "\\|") }
        lines.append("| " + header.map(escape).joined(separator: " | ") + " |")
        lines.append("|" + header.indices.map { alignRight.contains($0) ? "---:|" : "---|" }.joined())
        for row in rows { lines.append("| " + row.map(escape).joined(separator: " | ") + " |") }
        lines.append("")
    }

    /// An embedded figure; `path` is relative to the notebook.
    public mutating func figure(_ path: String, caption: String) {
        lines.append("![\(caption)](\(path))")
        lines.append("")
        lines.append("*\(caption)*")
        lines.append("")
    }

    /// A fenced code block.
    public mutating func code(_ text: String, language: String = "") {
        lines.append("```" + language)
        lines.append(text)
        lines.append("```")
        lines.append("")
    }

    /// The notebook's Markdown text.
    public var markdown: String { lines.joined(separator: "\n") }

    /// Writes the notebook atomically.
    public func write(to path: String) throws {
        try AtomicWrite.write(markdown, to: path)
    }
}

/// Number formatting for notebooks: fixed decimals, thousands separators, percentages.
public enum Format {
    /// `value` with `digits` decimals.
    public static func fixed(_ value: Double, _ digits: Int = 3) -> String {
        guard value.isFinite else { return value.isNaN ? "–" : (value > 0 ? "∞" : "−∞") }
        return String(format: "%.\(digits)f", value)
    }

    /// An integer with thin thousands separators (`12,530,806`).
    public static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(character)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// A fraction as a percentage with `digits` decimals.
    public static func percent(_ fraction: Double, _ digits: Int = 1) -> String {
        fixed(100 * fraction, digits) + "%"
    }
}
