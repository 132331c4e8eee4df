/// A CSV file opened for streaming: its header, and a record-by-record scan with typed, located accessors.
public final class CSVFile {
    /// The file's path as given (shown in every error).
    public let path: String
    /// The header's column names, in file order.
    public let header: [String]
    let mapped: MappedFile
    /// Byte offset of the first data record, and the line it starts on.
    let dataStart: Int
    let dataStartLine: Int

    /// Opens `path` and reads its header. `hint` is appended to a missing-file error (what to do about it).
    public init(path: String, hint: String = "") throws {
        self.path = path
        mapped = try MappedFile(path: path, hint: hint)
        var scanner = CSVScanner(bytes: mapped.bytes)
        var fields: [CSVFieldSpan] = []
        var line = 1
        guard let status = scanner.nextRecord(into: &fields, recordLine: &line) else {
            throw PipelineError.malformedInput(SourceLocation(file: path, line: 1), reason: "the file is empty (no header line)")
        }
        if case let .malformed(reason) = status {
            throw PipelineError.malformedInput(SourceLocation(file: path, line: line), reason: "header: \(reason)")
        }
        let base = mapped.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        header = fields.map { CSVFile.text(base, $0) }
        dataStart = scanner.offset
        dataStartLine = scanner.line
    }

    /// The 0-based positions of `names` in the header; throws `missingColumn` naming the first one absent.
    public func columnIndices(_ names: [String]) throws -> [Int] {
        try names.map { name in
            guard let index = header.firstIndex(of: name) else {
                throw PipelineError.missingColumn(SourceLocation(file: path, line: 1), expected: name)
            }
            return index
        }
    }

    /// The location of field `column` (0-based) of a record starting on `line`.
    public func location(line: Int, column: Int?) -> SourceLocation {
        guard let column else { return SourceLocation(file: path, line: line) }
        let name = column < header.count ? header[column] : nil
        return SourceLocation(file: path, line: line, column: column + 1, columnName: name)
    }

    /// Calls `body` for every data record, in file order; returns the number of blank lines skipped.
    @discardableResult
    public func forEachRecord(_ body: (CSVRecord) throws -> Void) throws -> Int {
        try forEachRecord(in: dataStart..<mapped.bytes.count, firstLine: dataStartLine, body)
    }

    /// Calls `body` for every record in a byte range that starts at a record boundary; returns the number of blank
    /// lines skipped in the range.
    @discardableResult
    func forEachRecord(in range: Range<Int>, firstLine: Int, _ body: (CSVRecord) throws -> Void) throws -> Int {
        guard let base = mapped.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        var scanner = CSVScanner(bytes: mapped.bytes, range: range, firstLine: firstLine)
        var fields: [CSVFieldSpan] = []
        fields.reserveCapacity(header.count + 4)
        var line = firstLine
        while let status = scanner.nextRecord(into: &fields, recordLine: &line) {
            try fields.withUnsafeBufferPointer { spans in
                try body(CSVRecord(file: self, base: base, fields: spans, line: line, status: status))
            }
        }
        return scanner.blankLines
    }

    /// The text of a field, with `""` unescaped in quoted fields. Invalid UTF-8 is repaired with U+FFFD.
    static func text(_ base: UnsafePointer<UInt8>?, _ span: CSVFieldSpan) -> String {
        guard let base, span.end > span.start else { return "" }
        let bytes = UnsafeBufferPointer(start: base + span.start, count: span.end - span.start)
        guard span.hasDoubledQuotes else { return String(decoding: bytes, as: UTF8.self) }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            unescaped.append(bytes[index])
            index += (bytes[index] == UInt8(ascii: "\"") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"")) ? 2 : 1
        }
        return String(decoding: unescaped, as: UTF8.self)
    }
}

/// One record of a `CSVFile` during a scan: valid only inside the scan's closure.
public struct CSVRecord {
    let file: CSVFile
    let base: UnsafePointer<UInt8>
    let fields: UnsafeBufferPointer<CSVFieldSpan>
    /// The physical line the record starts on (1-based; the header is line 1).
    public let line: Int
    /// Whether the record follows the CSV grammar.
    public let status: CSVRecordStatus

    /// Number of fields in this record.
    public var fieldCount: Int { fields.count }

    /// Throws unless the record is well formed and has exactly as many fields as the header.
    public func requireShape() throws {
        if case let .malformed(reason) = status {
            throw PipelineError.malformedInput(file.location(line: line, column: nil), reason: reason)
        }
        guard fields.count == file.header.count else {
            throw PipelineError.malformedInput(
                file.location(line: line, column: nil),
                reason: "expected \(file.header.count) fields as in the header, found \(fields.count)")
        }
    }

    /// The raw text of field `column` (0-based); invalid UTF-8 is repaired with U+FFFD.
    public func text(_ column: Int) -> String { CSVFile.text(base, fields[column]) }

    /// The text of field `column` (0-based), or nil when its bytes are not valid UTF-8.
    public func validText(_ column: Int) -> String? {
        let span = fields[column]
        let bytes = UnsafeBufferPointer(start: base + span.start, count: span.end - span.start)
        guard bytes.allSatisfy({ $0 < 0x80 }) || String(validating: bytes, as: UTF8.self) != nil else { return nil }
        return text(column)
    }

    /// Whether field `column` is empty.
    public func isEmpty(_ column: Int) -> Bool { fields[column].end == fields[column].start }

    /// Field `column` as an integer, or a located error.
    @inline(__always)
    public func int(_ column: Int) throws -> Int {
        let span = fields[column]
        guard let value = FieldParsing.parseInt(base, span.start, span.end) else {
            throw PipelineError.unparsableValue(file.location(line: line, column: column), text: text(column), expected: "an integer")
        }
        return value
    }

    /// Field `column` as a floating-point number, or a located error.
    @inline(__always)
    public func double(_ column: Int) throws -> Double {
        let span = fields[column]
        guard let value = FieldParsing.parseDouble(base, span.start, span.end) else {
            throw PipelineError.unparsableValue(file.location(line: line, column: column), text: text(column), expected: "a number")
        }
        return value
    }

    /// Field `column` as a finite number (no NaN or infinity), or a located error.
    @inline(__always)
    public func finiteDouble(_ column: Int) throws -> Double {
        let value = try double(column)
        guard value.isFinite else { throw error(column, expected: "a finite number") }
        return value
    }

    /// Field `column` as a `YYYY-MM-DD HH:MM:SS[.fff]` timestamp, or nil when it does not parse.
    @inline(__always)
    public func dateTime(_ column: Int) -> FieldParsing.ParsedTime? {
        let span = fields[column]
        return FieldParsing.parseDateTime(base, span.start, span.end)
    }

    /// The located error for field `column`, for callers with their own checks.
    public func error(_ column: Int, expected: String) -> PipelineError {
        .unparsableValue(file.location(line: line, column: column), text: text(column), expected: expected)
    }
}
