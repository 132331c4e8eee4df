/// Where in an input file something went wrong: the file, a 1-based line and, when known, a 1-based column
/// (the field's position in the header) and the column's name.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var columnName: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, columnName: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.columnName = columnName
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let column { text += ":\(column)" }
        if let columnName { text += " (column \"\(columnName)\")" }
        return text
    }
}

/// Every error a step can report to its user. Each carries enough to find and fix the cause.
public enum PipelineError: Error, Equatable, CustomStringConvertible {
    /// An input file does not exist or cannot be opened.
    case missingFile(path: String, hint: String)
    /// A required column is absent from a file's header.
    case missingColumn(SourceLocation, expected: String)
    /// A field could not be read as the type its column needs.
    case unparsableValue(SourceLocation, text: String, expected: String)
    /// A row or file violates the format in a way that cannot be skipped.
    case malformedInput(SourceLocation, reason: String)
    /// The data are readable but unusable (for example no interaction falls in any burst).
    case invalidData(String)
    /// An artifact could not be written.
    case writeFailed(path: String, reason: String)
    /// An option has a value the step cannot use.
    case invalidOption(name: String, reason: String)
    /// gnuplot could not render a figure; `message` carries gnuplot's own complaint when it gave one.
    case figureFailed(path: String, message: String)

    public var description: String { "error: " + message }

    /// What went wrong, without the leading "error: " (for quoting one error inside another).
    public var message: String {
        switch self {
        case let .missingFile(path, hint):
            return "\(path): file not found. \(hint)"
        case let .missingColumn(location, expected):
            return "\(location): required column \"\(expected)\" is missing from the header"
        case let .unparsableValue(location, text, expected):
            let shown = text.count > 60 ? String(text.prefix(60)) + "…" : text
            return "\(location): cannot read \"\(shown)\" as \(expected)"
        case let .malformedInput(location, reason):
            return "\(location): \(reason)"
        case let .invalidData(reason):
            return reason
        case let .writeFailed(path, reason):
            return "cannot write \(path): \(reason)"
        case let .invalidOption(name, reason):
            return "option \(name): \(reason)"
        case let .figureFailed(path, message):
            return "cannot render figure \(path): \(message)"
        }
    }
}

extension PipelineError {
    /// The same error with its line number moved by `offset` (for files read in chunks that each count
    /// lines from their own start).
    func shiftingLines(by offset: Int) -> PipelineError {
        func shift(_ location: SourceLocation) -> SourceLocation {
            var moved = location
            moved.line = location.line.map { $0 + offset }
            return moved
        }
        switch self {
        case let .missingColumn(location, expected): return .missingColumn(shift(location), expected: expected)
        case let .unparsableValue(location, text, expected): return .unparsableValue(shift(location), text: text, expected: expected)
        case let .malformedInput(location, reason): return .malformedInput(shift(location), reason: reason)
        default: return self
        }
    }
}
