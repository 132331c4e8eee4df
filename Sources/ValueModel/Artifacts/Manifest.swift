import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

        /// Where the input is for the artifact folder `folder` whose manifest lists it: a `../` path relative to that
        /// folder (see `Manifest.portable`), any other path as written.
        public func location(from folder: String) -> String {
            path.hasPrefix("../") ? (folder as NSString).deletingLastPathComponent + "/" + path.dropFirst(3) : path
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

    /// Describes the input files at `paths` (size and content hash, through symbolic links).
    public static func describeInputs(_ paths: [String]) throws -> [Input] {
        try paths.map { path in Input(path: path, bytes: fileSize(path) ?? 0, hash: try ContentHash.ofFile(path)) }
    }

    /// The size of the file at `path`, following symbolic links (nil when there is none).
    public static func fileSize(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    /// The same manifest with its inputs' paths made independent of the working directory, for the artifact folder
    /// `folder`: an input inside the folder's parent (another step's artifacts under the same processed folder) as a
    /// path relative to `folder` (`../step1/manifest.json`), so a copied or moved processed folder checks its own
    /// steps; any other input (the raw files) as an absolute path.
    public func portable(for folder: String) -> Manifest {
        let root = Self.absolute((folder as NSString).deletingLastPathComponent)
        var copy = self
        copy.inputs = inputs.map { input in
            var moved = input
            let path = Self.absolute(input.path)
            moved.path = path.hasPrefix(root + "/") ? "../" + path.dropFirst(root.count + 1) : path
            return moved
        }
        return copy
    }

    /// `path` made absolute against the working directory, with `.` and `..` resolved (links are kept).
    public static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path.isEmpty ? "." : path).standardizedFileURL.path
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
    /// The raw folder step 1 read, as its manifest under `processed` records it: the default `--raw` of the later
    /// steps, so they read the same files step 1 did.
    public static func rawFolder(processed: String) throws -> String {
        let manifest = try read(folder: PipelineStep.dataPreparation.folder(in: processed))
        guard let raw = manifest.options["raw"] else {
            throw PipelineError.invalidOption(name: "--raw", reason: "\(PipelineStep.dataPreparation.folder(in: processed))/\(fileName) does not record the raw folder step 1 read; pass --raw")
        }
        return raw
    }

    /// Checks that `raw` (the `--raw` option) holds the files step 1 read: every recorded input whose file
    /// name exists in `raw` must have the recorded size, and `big_matrix.csv` must be there.
    public static func checkRawFolder(_ raw: String, against step1Inputs: [Input], option: String = "--raw") throws {
        for input in step1Inputs {
            let name = URL(fileURLWithPath: input.path).lastPathComponent
            let path = raw + "/" + name
            let bytes = fileSize(path)
            if bytes == nil && name != "big_matrix.csv" { continue }
            guard bytes == input.bytes else {
                throw PipelineError.invalidOption(name: option, reason: "\(raw) is not the folder step 1 read: \(path) " + (bytes.map { "has \($0) bytes" } ?? "is missing")
                                                  + ", step 1 read \(input.bytes) bytes from \(input.path); pass step 1's folder or re-run `1-data-preparation`")
            }
        }
    }
}
