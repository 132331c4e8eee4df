import Foundation

/// Read access to a step's column folder (`.npy` files listed in `manifest.json`), checking what it reads:
/// a missing manifest, a column absent from it, a file of the wrong length or dtype is an error that names
/// the file and the step to re-run. Opening a folder also checks that it was made by the expected step and
/// that the files it was made from are unchanged (same content hash); otherwise it is stale.
public struct ColumnStore {
    public let folder: String
    public let manifest: Manifest
    /// The step that writes this folder (for messages).
    public let producer: String

    /// Opens the artifact folder of `step` under `processed`.
    public init(_ step: PipelineStep, processed: String) throws {
        try self.init(folder: step.folder(in: processed), producer: step.producer)
    }

    /// Opens `folder`, written by the step `producer`.
    public init(folder: String, producer: String) throws {
        self.folder = folder
        self.producer = producer
        do {
            manifest = try Manifest.read(folder: folder)
        } catch PipelineError.missingFile(let path, _) {
            throw PipelineError.missingFile(path: path, hint: "Run `\(producer)` first (or `make notebooks`).")
        }
        let manifestPath = folder + "/" + Manifest.fileName
        guard manifest.producer == producer else {
            throw PipelineError.malformedInput(SourceLocation(file: manifestPath),
                reason: "was written by `\(manifest.producer)`, not `\(producer)`; point the option at \(producer)'s output or re-run it")
        }
        for input in manifest.inputs {
            let path = input.location(from: folder)
            let current: String
            do {
                current = try ContentHash.ofFile(path)
            } catch {
                throw PipelineError.invalidData("\(folder) is stale: its input \(path) is gone. Re-run `\(producer)`.")
            }
            guard current == input.hash else {
                throw PipelineError.invalidData("\(folder) is stale: \(path) changed after `\(producer)` read it (content hash \(input.hash) then, \(current) now). Re-run `\(producer)`.")
            }
        }
    }

    /// Number of rows every column has.
    public var rows: Int { manifest.rows }

    /// The manifest entry of column `name`.
    public func entry(_ name: String) throws -> Manifest.ColumnEntry {
        guard let entry = manifest.columns.first(where: { $0.name == name }) else {
            throw PipelineError.malformedInput(SourceLocation(file: folder + "/" + Manifest.fileName),
                                              reason: "has no column \"\(name)\"; re-run `\(producer)`")
        }
        return entry
    }

    /// Column `name` read from disk and checked against the manifest.
    public func array(_ name: String) throws -> NumpyFile.StoredArray {
        let entry = try entry(name)
        let path = folder + "/" + entry.file
        let array = try NumpyFile.read(path: path)
        let shape = entry.width.map { [entry.rows, $0] } ?? [entry.rows]
        guard array.descr == entry.dtype, array.shape == shape else {
            throw PipelineError.malformedInput(SourceLocation(file: path),
                reason: "holds \(array.descr) \(array.shape), the manifest says \(entry.dtype) \(shape); re-run `\(producer)`")
        }
        return array
    }

    /// Column `name` as Float32 values (integers converted, missing floats NaN, category codes as numbers).
    public func float32(_ name: String) throws -> [Float] {
        let array = try array(name)
        switch array.descr {
        case "<f4": return array.values(as: Float.self)
        case "<f8": return array.values(as: Double.self).map { Float($0) }
        case "|i1": return array.values(as: Int8.self).map { Float($0) }
        case "<i4": return array.values(as: Int32.self).map { Float($0) }
        case "<i8", "<M8[ms]": return array.values(as: Int64.self).map { Float($0) }
        default:
            throw PipelineError.malformedInput(SourceLocation(file: folder + "/" + name + ".npy"), reason: "unsupported dtype \(array.descr)")
        }
    }

    /// Column (or matrix) `name` as Float32 labels, each 0 or 1; any other value (NaN, 2, −1) is an error naming
    /// the file, the row (and a matrix's column) and the value.
    public func labels(_ name: String) throws -> [Float] {
        let values = try float32(name)
        guard let bad = values.firstIndex(where: { $0 != 0 && $0 != 1 }) else { return values }
        let entry = try entry(name)
        let width = max(entry.width ?? 1, 1)
        let position = entry.width == nil ? "row \(bad)" : "row \(bad / width), column \(bad % width)"
        throw PipelineError.malformedInput(SourceLocation(file: folder + "/" + entry.file),
                                          reason: "holds \(values[bad]) at \(position), a label must be 0 or 1; re-run `\(producer)`")
    }

    /// Column `name` as Int64 values (datetime, int64 or int32 columns).
    public func int64(_ name: String) throws -> [Int64] {
        let array = try array(name)
        switch array.descr {
        case "<i8", "<M8[ms]": return array.values(as: Int64.self)
        case "<i4": return array.values(as: Int32.self).map { Int64($0) }
        case "|i1": return array.values(as: Int8.self).map { Int64($0) }
        default:
            throw PipelineError.malformedInput(SourceLocation(file: folder + "/" + name + ".npy"), reason: "expected an integer column, found \(array.descr)")
        }
    }

    /// A categorical column's text per row (nil where missing: code −1), from its codes and the manifest's categories.
    public func categoryTexts(_ name: String) throws -> [String?] {
        let entry = try entry(name)
        guard let categories = entry.categories else {
            throw PipelineError.malformedInput(SourceLocation(file: folder + "/" + Manifest.fileName),
                                              reason: "column \"\(name)\" is not categorical; re-run `\(producer)`")
        }
        return try int32(name).map { code in code >= 0 && Int(code) < categories.count ? categories[Int(code)] : nil }
    }

    /// Column `name` as Int32 values (int32 or int8 columns).
    public func int32(_ name: String) throws -> [Int32] {
        try int64(name).map { Int32(truncatingIfNeeded: $0) }
    }
}
