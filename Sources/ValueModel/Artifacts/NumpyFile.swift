import Foundation

/// Reading and writing numpy `.npy` files (format 1.0, little-endian, C order), so every artifact opens with
/// `numpy.load`.
public enum NumpyFile {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// The npy header for an array of `descr` with `shape`, padded so the data start 64-byte aligned.
    static func header(descr: String, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dictionary = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = magic.count + 2 + 2 + dictionary.utf8.count + 1
        dictionary += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(dictionary.utf8.count)
        return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dictionary.utf8)
    }

    /// Writes `column` to `path` atomically (`durable`: see `AtomicWrite.write(to:durable:_:)`).
    public static func write(_ column: Column, to path: String, durable: Bool = true) throws {
        try AtomicWrite.write(to: path, durable: durable) { writer in
            try writer.write(Data(header(descr: column.numpyDescr, shape: [column.count])))
            switch column {
            case let .int8(values): try writer.writeRaw(values)
            case let .int32(values): try writer.writeRaw(values)
            case let .int64(values), let .datetimeMs(values): try writer.writeRaw(values)
            case let .float32(values): try writer.writeRaw(values)
            case let .float64(values): try writer.writeRaw(values)
            case let .categorical(codes, _): try writer.writeRaw(codes)
            }
        }
    }

    /// Writes a row-major Float32 matrix `[rows, columns]` to `path` atomically.
    public static func writeMatrix(_ values: [Float], rows: Int, columns: Int, to path: String, durable: Bool = true) throws {
        precondition(values.count == rows * columns, "matrix size does not match its shape")
        try AtomicWrite.write(to: path, durable: durable) { writer in
            try writer.write(Data(header(descr: "<f4", shape: [rows, columns])))
            try writer.writeRaw(values)
        }
    }

    /// An array read back from an `.npy` file: its dtype, shape and raw little-endian bytes.
    public struct StoredArray {
        public var descr: String
        public var shape: [Int]
        public var data: Data

        /// The values as `T` (the caller checks `descr`).
        public func values<T>(as _: T.Type) -> [T] {
            data.withUnsafeBytes { raw in Array(raw.bindMemory(to: T.self)) }
        }
    }

    /// Reads an `.npy` file. Throws a located error if it is missing, truncated or not a v1/v2 npy file.
    public static func read(path: String) throws -> StoredArray {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError.missingFile(path: path, hint: "Re-run the step that writes it.")
        }
        let location = SourceLocation(file: path)
        guard data.count >= 10, Array(data.prefix(6)) == magic else {
            throw PipelineError.malformedInput(location, reason: "not a numpy .npy file")
        }
        let major = data[data.startIndex + 6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(data[data.startIndex + 8]) | Int(data[data.startIndex + 9]) << 8
            headerStart = 10
        } else {
            guard data.count >= 12 else { throw PipelineError.malformedInput(location, reason: "truncated npy header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(data[data.startIndex + 8 + $1]) << (8 * $1) }
            headerStart = 12
        }
        guard data.count >= headerStart + headerLength else {
            throw PipelineError.malformedInput(location, reason: "truncated npy header")
        }
        let text = String(decoding: data[(data.startIndex + headerStart)..<(data.startIndex + headerStart + headerLength)], as: UTF8.self)
        guard let descr = capture(text, after: "'descr': '", until: "'"),
              let shapeText = capture(text, after: "'shape': (", until: ")"),
              !text.contains("'fortran_order': True")
        else { throw PipelineError.malformedInput(location, reason: "unsupported npy header \(text)") }
        let shape = try dimensions(shapeText, location: location)
        guard let itemSize = descr.hasPrefix("<M8") ? 8 : Int(descr.drop { !$0.isNumber }.prefix { $0.isNumber }), itemSize > 0 else {
            throw PipelineError.malformedInput(location, reason: "unsupported npy dtype \(descr)")
        }
        guard let expected = DeclaredSize.bytes(shape: shape, itemSize: itemSize) else {
            throw PipelineError.malformedInput(location, reason: "its header's shape \(shape) of \(descr) needs more bytes than any file holds (corrupt header)")
        }
        // Compared before the data are copied: a header cannot make this allocate more than the file holds.
        let payloadBytes = data.count - headerStart - headerLength
        guard payloadBytes == expected else {
            throw PipelineError.malformedInput(location, reason: "holds \(payloadBytes) data bytes, its header promises \(expected) (truncated or corrupt file)")
        }
        let payload = data.subdata(in: (data.startIndex + headerStart + headerLength)..<data.endIndex)
        return StoredArray(descr: descr, shape: shape, data: payload)
    }

    /// The dimensions of a header's shape tuple (the text between its parentheses: `3, 4`, `12,` or empty): each
    /// must be a non-negative integer; anything else is an error naming the text, never a dropped dimension.
    private static func dimensions(_ shapeText: String, location: SourceLocation) throws -> [Int] {
        var pieces = shapeText.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if pieces.last == "" { pieces.removeLast() }  // "12," (a 1-tuple) and "" (a scalar)
        return try pieces.map { piece in
            guard let dimension = Int(piece), dimension >= 0 else {
                throw PipelineError.malformedInput(location, reason: "npy header shape (\(shapeText)): dimension \"\(piece)\" is not a non-negative integer")
            }
            return dimension
        }
    }

    private static func capture(_ text: String, after prefix: String, until terminator: Character) -> String? {
        guard let start = text.range(of: prefix)?.upperBound else { return nil }
        guard let end = text[start...].firstIndex(of: terminator) else { return nil }
        return String(text[start..<end])
    }
}
