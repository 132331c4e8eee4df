import Foundation

/// Element types of a safetensors tensor (the format's dtype strings).
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
    case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool: return 1
        }
    }
}

/// One tensor of a safetensors file: dtype, shape and its little-endian bytes.
public struct SafetensorsTensor: Sendable, Equatable {
    public var dtype: SafetensorsDType
    public var shape: [Int]
    /// Raw little-endian element bytes, `shape.product * dtype.byteSize` long.
    public var bytes: [UInt8]

    /// Number of elements.
    public var count: Int { bytes.count / dtype.byteSize }

    /// A tensor from raw bytes; the byte count must match shape and dtype (checked without overflow).
    public init(dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) throws {
        guard DeclaredSize.bytes(shape: shape, itemSize: dtype.byteSize) == bytes.count else {
            throw PipelineError.invalidData("safetensors: \(bytes.count) bytes do not fit dtype \(dtype.rawValue) shape \(shape)")
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An F32 tensor.
    public init(float32 values: [Float], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        dtype = .f32
        self.shape = shape
        bytes = Self.littleEndianBytes(values.map { $0.bitPattern })
    }

    /// An F64 tensor.
    public init(float64 values: [Double], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        dtype = .f64
        self.shape = shape
        bytes = Self.littleEndianBytes(values.map { $0.bitPattern })
    }

    /// An I64 tensor.
    public init(int64 values: [Int64], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        dtype = .i64
        self.shape = shape
        bytes = Self.littleEndianBytes(values.map { UInt64(bitPattern: $0) })
    }

    /// An I32 tensor.
    public init(int32 values: [Int32], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        dtype = .i32
        self.shape = shape
        bytes = Self.littleEndianBytes(values.map { UInt32(bitPattern: $0) })
    }

    /// The elements as Float32 (from F32, F64, F16, BF16 or any integer type).
    public func floats() -> [Float] {
        switch dtype {
        case .f32: return load(UInt32.self).map { Float(bitPattern: $0) }
        case .f64: return load(UInt64.self).map { Float(Double(bitPattern: $0)) }
        case .bf16: return load(UInt16.self).map { Float(bitPattern: UInt32($0) << 16) }
        case .f16: return load(UInt16.self).map { Float(halfBits: $0) }
        default: return integers().map { Float($0) }
        }
    }

    /// The elements as Float64 (exact for F64, F32, F16, BF16 and integers up to 2^53).
    public func doubles() -> [Double] {
        switch dtype {
        case .f64: return load(UInt64.self).map { Double(bitPattern: $0) }
        case .f32, .bf16, .f16: return floats().map { Double($0) }
        default: return integers().map { Double($0) }
        }
    }

    /// The elements as Int64 (integer and BOOL types; floats are truncated toward zero).
    public func integers() -> [Int64] {
        switch dtype {
        case .i64: return load(UInt64.self).map { Int64(bitPattern: $0) }
        case .u64: return load(UInt64.self).map { Int64(truncatingIfNeeded: $0) }
        case .i32: return load(UInt32.self).map { Int64(Int32(bitPattern: $0)) }
        case .u32: return load(UInt32.self).map { Int64($0) }
        case .i16: return load(UInt16.self).map { Int64(Int16(bitPattern: $0)) }
        case .u16: return load(UInt16.self).map { Int64($0) }
        case .i8: return bytes.map { Int64(Int8(bitPattern: $0)) }
        case .u8, .bool: return bytes.map { Int64($0) }
        case .f64, .f32, .f16, .bf16: return doubles().map { Int64($0) }
        }
    }

    private func load<T: FixedWidthInteger>(_: T.Type) -> [T] {
        let n = bytes.count / MemoryLayout<T>.size
        return [T](unsafeUninitializedCapacity: n) { out, initialised in
            bytes.withUnsafeBytes { raw in
                for i in 0..<n { out[i] = T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)) }
            }
            initialised = n
        }
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * MemoryLayout<T>.size)
        out.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() { raw.storeBytes(of: v.littleEndian, toByteOffset: i * MemoryLayout<T>.size, as: T.self) }
        }
        return out
    }
}

private extension Float {
    /// IEEE 754 half precision bits to Float.
    init(halfBits h: UInt16) {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24          // subnormal (or zero)
            self = sign != 0 ? -magnitude : magnitude
        } else if exponent == 31 {
            self = Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        } else {
            self = Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
        }
    }
}

/// A safetensors file (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length,
/// a JSON header `{name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}`, then the data.
/// PyTorch users open it with `safetensors.torch.load_file`.
public struct SafetensorsFile: Sendable, Equatable {
    /// Tensors by name.
    public var tensors: [String: SafetensorsTensor]
    /// The free-form string metadata (`__metadata__`).
    public var metadata: [String: String]

    /// An in-memory file.
    public init(tensors: [String: SafetensorsTensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads and validates the file at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw PipelineError.missingFile(path: url.path, hint: "expected a .safetensors checkpoint (\(error.localizedDescription))")
        }
        try self.init(data: data, path: url.path)
    }

    /// Parses safetensors bytes (`path` only names the source in errors).
    public init(data: Data, path: String = "<memory>") throws {
        func fail(_ reason: String) -> PipelineError { .malformedInput(SourceLocation(file: path), reason: reason) }
        guard data.count >= 8 else { throw fail("file is \(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8) else { throw fail("header length \(headerLength) exceeds the file size \(data.count)") }
        let headerEnd = 8 + Int(headerLength)
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)) } catch {
            throw fail("header is not valid JSON: \(error.localizedDescription)")
        }
        guard let header = json as? [String: Any] else { throw fail("header is not a JSON object") }
        let dataSize = data.count - headerEnd
        var tensors: [String: SafetensorsTensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw fail("__metadata__ value of \(k) is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shapeAny = entry["shape"] as? [Any],
                  let offsetsAny = entry["data_offsets"] as? [Any], offsetsAny.count == 2
            else { throw fail("tensor \(name): entry needs dtype, shape and two data_offsets") }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else { throw fail("tensor \(name): unsupported dtype \(dtypeName)") }
            let shape = try shapeAny.map { (v: Any) -> Int in
                guard let n = DeclaredSize.nonNegativeInteger(v) else { throw fail("tensor \(name): shape \(shapeAny) holds \(v), not a non-negative integer") }
                return n
            }
            let offsets = try offsetsAny.map { (v: Any) -> Int in
                guard let n = DeclaredSize.nonNegativeInteger(v) else { throw fail("tensor \(name): data_offsets hold \(v), not a non-negative integer") }
                return n
            }
            guard offsets[0] <= offsets[1], offsets[1] <= dataSize else {
                throw fail("tensor \(name): data_offsets \(offsets) outside the \(dataSize)-byte data section")
            }
            guard offsets[1] - offsets[0] == DeclaredSize.bytes(shape: shape, itemSize: dtype.byteSize) else {
                throw fail("tensor \(name): \(offsets[1] - offsets[0]) bytes do not match dtype \(dtypeName) and shape \(shape)")
            }
            let bytes = [UInt8](data[(headerEnd + offsets[0])..<(headerEnd + offsets[1])])
            tensors[name] = try SafetensorsTensor(dtype: dtype, shape: shape, bytes: bytes)
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The serialised bytes: tensors in name order (deterministic output), header padded with spaces to a
    /// multiple of 8 bytes as the reference implementation does.
    public func serialized() throws -> Data {
        var entries: [String] = []
        var offset = 0
        let names = tensors.keys.sorted()
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(Self.jsonString($0)):\(Self.jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        for name in names {
            let t = tensors[name]!
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append("\(Self.jsonString(name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + t.bytes.count)]}")
            offset += t.bytes.count
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }
        var out = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for name in names { out.append(contentsOf: tensors[name]!.bytes) }
        return out
    }

    /// Writes the file to `url` (through a temporary file and a rename, so readers never see half a file).
    public func write(to url: URL) throws {
        let bytes = try serialized()
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try bytes.write(to: temporary)
            if FileManager.default.fileExists(atPath: url.path) { _ = try FileManager.default.replaceItemAt(url, withItemAt: temporary) }
            else { try FileManager.default.moveItem(at: temporary, to: url) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw PipelineError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }

    /// The tensor `name`, or an error naming the file's contents.
    public func tensor(_ name: String) throws -> SafetensorsTensor {
        guard let t = tensors[name] else {
            throw PipelineError.invalidData("safetensors: no tensor named \(name) (have \(tensors.keys.sorted().prefix(8).joined(separator: ", "))…)")
        }
        return t
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
