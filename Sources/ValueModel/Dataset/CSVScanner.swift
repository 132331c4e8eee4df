/// One field of a CSV record: a byte range of the file. A quoted field's range excludes the quotes;
/// `hasDoubledQuotes` says that `""` sequences inside it still need unescaping.
public struct CSVFieldSpan: Sendable {
    public var start: Int
    public var end: Int
    public var isQuoted: Bool
    public var hasDoubledQuotes: Bool
}

/// What the scanner found for one record.
public enum CSVRecordStatus: Equatable, Sendable {
    /// A well-formed record.
    case ok
    /// A record that breaks the CSV grammar (text after a closing quote, or a quote left open at the end of
    /// the file); its fields are still returned as far as they could be read.
    case malformed(reason: String)
}

/// A quote-aware CSV tokenizer over a byte buffer (RFC 4180 plus what real files do): fields separated by
/// commas, records by LF, CRLF or a lone CR; a quoted field may hold commas, newlines and `""` for a quote;
/// a UTF-8 byte order mark at the start is skipped; blank lines are skipped (as pandas does).
///
/// The scanner never allocates per field: it fills a caller-owned array of spans, reused across records.
public struct CSVScanner {
    private let base: UnsafePointer<UInt8>?
    private let end: Int
    private var position: Int
    /// The 1-based physical line on which the next record starts.
    public private(set) var line: Int
    /// Blank lines skipped so far (a file's final line break does not make one).
    public private(set) var blankLines = 0

    /// Scans `bytes[range]`. `firstLine` is the physical line number of `range.lowerBound`.
    public init(bytes: UnsafeRawBufferPointer, range: Range<Int>? = nil, firstLine: Int = 1) {
        base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let range = range ?? 0..<bytes.count
        end = range.upperBound
        position = range.lowerBound
        line = firstLine
        if position == 0, end >= 3, let base, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF {
            position = 3
        }
    }

    /// The byte offset of the next unread record.
    public var offset: Int { position }

    /// Reads the next record's fields into `fields` (cleared first). Returns nil at the end of the input.
    /// `recordLine` receives the physical line the record starts on.
    public mutating func nextRecord(into fields: inout [CSVFieldSpan], recordLine: inout Int) -> CSVRecordStatus? {
        fields.removeAll(keepingCapacity: true)
        guard let base else { return nil }
        // Skip blank lines.
        while position < end, base[position] == UInt8(ascii: "\n") || base[position] == UInt8(ascii: "\r") {
            consumeLineBreak(base)
            blankLines += 1
        }
        guard position < end else { return nil }
        recordLine = line
        var status = CSVRecordStatus.ok
        while true {
            var span = CSVFieldSpan(start: position, end: position, isQuoted: false, hasDoubledQuotes: false)
            if position < end, base[position] == UInt8(ascii: "\"") {
                span.isQuoted = true
                position += 1
                span.start = position
                var closed = false
                while position < end {
                    let byte = base[position]
                    if byte == UInt8(ascii: "\"") {
                        if position + 1 < end, base[position + 1] == UInt8(ascii: "\"") {
                            span.hasDoubledQuotes = true
                            position += 2
                            continue
                        }
                        span.end = position
                        position += 1
                        closed = true
                        break
                    }
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    position += 1
                }
                if !closed {
                    span.end = position
                    status = .malformed(reason: "a quoted field is not closed before the end of the file")
                    fields.append(span)
                    return status
                }
                // After the closing quote only a separator or a line end may follow.
                if position < end, !isSeparatorOrLineEnd(base[position]) {
                    status = .malformed(reason: "unexpected text after a closing quote")
                    while position < end, !isSeparatorOrLineEnd(base[position]) { position += 1 }
                }
            } else {
                while position < end, !isSeparatorOrLineEnd(base[position]) { position += 1 }
                span.end = position
            }
            fields.append(span)
            if position >= end { return status }
            if base[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            consumeLineBreak(base)
            return status
        }
    }

    @inline(__always)
    private func isSeparatorOrLineEnd(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    @inline(__always)
    private mutating func consumeLineBreak(_ base: UnsafePointer<UInt8>) {
        if base[position] == UInt8(ascii: "\r"), position + 1 < end, base[position + 1] == UInt8(ascii: "\n") {
            position += 2
        } else {
            position += 1
        }
        line += 1
    }
}
