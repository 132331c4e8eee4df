import Foundation

/// Reading a JSON file a step or the generator wrote (`best_gnn.json`, `estimate.json`, `ground_truth.json`) with
/// errors a user can act on: text that is not JSON (a truncated or damaged file), a missing key, a value of the wrong
/// type or a `null` is named with the file and the key path (`headline.weights[1]`), never shown as a raw
/// `DecodingError`. The reader then checks the values themselves (`JSONFile.refuse`).
public enum JSONFile {
    /// Decodes `T` from the file at `path`. `what` names the file in a message ("step 3's best_gnn.json"), `missing`
    /// says what to do when there is no file, `fix` how to get a good one. Non-finite numbers written as strings
    /// (`"nan"`, `"inf"`, `"-inf"`, as the steps write them) are read as numbers, so that a reader refuses them by name.
    public static func decode<T: Decodable>(_ type: T.Type, from path: String, what: String, missing: String, fix: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError.missingFile(path: path, hint: missing)
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw PipelineError.malformedInput(SourceLocation(file: path), reason: "not \(what): \(reason(error, data: data)); \(fix)")
        }
    }

    /// The error for a value of the file at `path` that decoded but cannot be used: `key` (a key path) and why.
    public static func refuse(_ path: String, _ key: String, _ problem: String, fix: String) -> PipelineError {
        .malformedInput(SourceLocation(file: path), reason: "\"\(key)\" \(problem); \(fix)")
    }

    /// A decoding error in words.
    static func reason(_ error: DecodingError, data: Data) -> String {
        switch error {
        case let .dataCorrupted(context) where context.codingPath.isEmpty:
            guard let problem = syntaxProblem(data) else {
                // The text parses: Foundation reports a number that does not fit its type this way, without its key.
                return "a number in it does not fit its key (a fraction, a negative or too large a number where a whole number goes)"
            }
            return "its text is not valid JSON (\(problem)): a truncated or damaged file"
        case let .dataCorrupted(context):
            return "\"\(keyPath(context.codingPath))\" cannot be read: \(context.debugDescription)"
        case let .keyNotFound(key, context):
            return "\"\(keyPath(context.codingPath + [key]))\" is missing"
        case let .typeMismatch(type, context):
            return "\"\(keyPath(context.codingPath))\" is not \(describe(type))"
        case let .valueNotFound(type, context):
            return "\"\(keyPath(context.codingPath))\" is null, expected \(describe(type))"
        @unknown default:
            return "\(error)"
        }
    }

    /// What the JSON parser says is wrong with `data` (such as "Unexpected end of file during JSON parse."); nil when
    /// it is valid JSON.
    static func syntaxProblem(_ data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
        }
    }

    /// `headline.weights[1]` for the coding path headline → weights → 1 (`(root)` for the whole file).
    static func keyPath(_ path: [any CodingKey]) -> String {
        let text = path.reduce(into: "") { text, key in
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text.isEmpty ? "(root)" : text
    }

    /// A JSON type as a reader would call it.
    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Float.Type: return "a number"
        case is Int.Type, is Int32.Type, is Int64.Type, is UInt64.Type: return "a whole number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return name
        }
    }
}
