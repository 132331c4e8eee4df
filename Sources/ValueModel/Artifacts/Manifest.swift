import Foundation

/// The description every artifact folder carries in `manifest.json`: who made it, from what, with which
/// options, and what it holds, so a later step can refuse stale or mismatched inputs.
public struct Manifest: Codable {
    public static let fileName = "manifest.json"

    /// An input file and the content hash it had when the artifact was made.
    public struct Input: Codable, Equatable {
        public var path: String
        public var bytes: Int
        public var hash: String

        public init(path: String, bytes: Int, hash: String) {
            self.path = path
            self.bytes = bytes
            self.hash = hash
        }
    }

    /// One stored array: its `.npy` file, numpy dtype, row count, (categorical) sorted categories and,
    /// for a matrix, its width.
    public struct ColumnEntry: Codable {
        public var name: String
        public var file: String
        public var dtype: String
        public var rows: Int
        public var categories: [String]?
        /// Number of columns for a 2-D `[rows, width]` matrix; nil for a 1-D column.
        public var width: Int?
    }

    public var producer: String
    public var version: Int
    public var options: [String: String]
    public var inputs: [Input]
    public var rows: Int
    public var columns: [ColumnEntry] = []

    public init(producer: String, version: Int, options: [String: String], inputs: [Input], rows: Int) {
        self.producer = producer
        self.version = version
        self.options = options
        self.inputs = inputs
        self.rows = rows
    }

    /// Describes the input files at `paths` (size and content hash).
    public static func describeInputs(_ paths: [String]) throws -> [Input] {
        try paths.map { path in
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            return Input(path: path, bytes: size, hash: try ContentHash.ofFile(path))
        }
    }

    /// Pretty, key-sorted JSON.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Reads `folder/manifest.json`.
    public static func read(folder: String) throws -> Manifest {
        let path = folder + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError.missingFile(path: path, hint: "Run the step that writes \(folder) first.")
        }
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: data)
        } catch {
            throw PipelineError.malformedInput(SourceLocation(file: path), reason: "not a valid manifest: \(error)")
        }
        try manifest.checkCounts(path: path)
        return manifest
    }

    /// Throws, naming `path` and the field, when a count a reader sizes arrays by is negative (an edited or corrupt
    /// manifest): `rows`, a column's `rows` or `width`, an input's `bytes`.
    func checkCounts(path: String) throws {
        func refuse(_ field: String, _ value: Int) -> PipelineError {
            .malformedInput(SourceLocation(file: path), reason: "\(field) is \(value), a count cannot be negative (edited or corrupt manifest); re-run `\(producer)`")
        }
        guard rows >= 0 else { throw refuse("rows", rows) }
        for column in columns {
            guard column.rows >= 0 else { throw refuse("column \"\(column.name)\" rows", column.rows) }
            if let width = column.width, width < 0 { throw refuse("column \"\(column.name)\" width", width) }
        }
        for input in inputs where input.bytes < 0 { throw refuse("input \(input.path) bytes", input.bytes) }
    }
}

extension Manifest {
    /// Checks that `raw` (the `--raw` option) holds the files step 1 read: every recorded input whose file
    /// name exists in `raw` must have the recorded size, and `big_matrix.csv` must be there.
    public static func checkRawFolder(_ raw: String, against step1Inputs: [Input], option: String = "--raw") throws {
        for input in step1Inputs {
            let name = URL(fileURLWithPath: input.path).lastPathComponent
            let path = raw + "/" + name
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let bytes = (attributes?[.size] as? NSNumber)?.intValue
            if bytes == nil && name != "big_matrix.csv" { continue }
            guard bytes == input.bytes else {
                throw PipelineError.invalidOption(name: option, reason: "\(raw) is not the folder step 1 read: \(path) " + (bytes.map { "has \($0) bytes" } ?? "is missing")
                                                  + ", step 1 read \(input.bytes) bytes from \(input.path); pass step 1's folder or re-run `1-data-preparation`")
            }
        }
    }
}
