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

    public var description: String {
        switch self {
        case let .missingFile(path, hint):
            return "error: \(path): file not found. \(hint)"
        case let .missingColumn(location, expected):
            return "error: \(location): required column \"\(expected)\" is missing from the header"
        case let .unparsableValue(location, text, expected):
            let shown = text.count > 60 ? String(text.prefix(60)) + "…" : text
            return "error: \(location): cannot read \"\(shown)\" as \(expected)"
        case let .malformedInput(location, reason):
            return "error: \(location): \(reason)"
        case let .invalidData(reason):
            return "error: \(reason)"
        case let .writeFailed(path, reason):
            return "error: cannot write \(path): \(reason)"
        case let .invalidOption(name, reason):
            return "error: option \(name): \(reason)"
        }
    }
}
