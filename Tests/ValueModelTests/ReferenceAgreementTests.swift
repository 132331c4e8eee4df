import Foundation
import Testing
@testable import ValueModel

/// Steps 1-2 against the pandas port of the original notebooks (../shared/reference/), on the committed
/// fixture folder `Fixtures/reference/` (made by scripts/make-reference-fixture.sh). Every step-1 column must
/// match the reference's within 1e-4 relative (categorical codes, labels and counters exactly), and the
/// train/validation/test split must be the same edges.
@Suite struct ReferenceAgreementTests {
    static let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path + "/reference"

    /// A reference CSV as columns of raw strings.
    static func table(_ name: String) throws -> [String: [String]] {
        let file = try CSVFile(path: folder + "/" + name)
        var columns = [[String]](repeating: [], count: file.header.count)
        try file.forEachRecord { record in
            try record.requireShape()
            for index in 0..<record.fieldCount { columns[index].append(record.text(index)) }
        }
        return Dictionary(uniqueKeysWithValues: zip(file.header, columns))
    }

    static let ours = Result { try HandWrittenWorld.prepare(folder + "/raw") }

    func number(_ text: String) -> Double {
        text.isEmpty ? .nan : (Double(text) ?? .nan)
    }

    @Test func rowsComeInTheSameOrder() throws {
        let reference = try Self.table("processed_data.csv")
        let columns = try Self.ours.get().columns
        let count = try #require(reference["user_id"]).count
        #expect(count > 1000)
        #expect(columns["user_id"]?.count == count)
        for key in ["user_id", "video_id", "timestamp", "session", "sess_rank", "sess_len", "burst_id",
                    "y_complete", "y_long", "y_rewatch", "y_neg", "play_duration", "watch_ratio"] {
            let expected = try #require(reference[key]).map(number)
            let column = try #require(columns[key])
            // pandas' default CSV float parser is not always correctly rounded: allow its last-digit slips
            let mismatches = (0..<count).filter { abs(column.value(at: $0) - expected[$0]) > 1e-12 * max(1, abs(expected[$0])) }
            #expect(mismatches.isEmpty, "\(key): rows \(mismatches.prefix(5)) differ")
        }
    }

    @Test func everyFeatureColumnMatches() throws {
        let reference = try Self.table("gnn_features.csv")
        let columns = try Self.ours.get().columns
        var compared = 0
        for name in EdgeFeatures.names {
            let expected = try #require(reference[name], "reference lacks \(name)").map(number)
            let column = try #require(columns[name], "step 1 lacks \(name)")
            var isCode = false
            if case .categorical = column { isCode = true }
            var worst = 0.0
            for row in expected.indices {
                let a = column.value(at: row)
                let b = expected[row]
                // pandas stores a missing category as code -1
                let ours = isCode && a.isNaN ? -1 : a
                if ours.isNaN || b.isNaN {
                    #expect(ours.isNaN && b.isNaN, "\(name) row \(row): \(ours) vs \(b)")
                    continue
                }
                if isCode {
                    #expect(ours == b, "\(name) row \(row): code \(ours) vs \(b)")
                } else {
                    worst = max(worst, abs(ours - b) / max(abs(b), 1e-2))
                }
            }
            #expect(worst <= 1e-4, "\(name): max relative difference \(worst)")
            compared += 1
        }
        #expect(compared == 64)
    }

    @Test func categoryTablesAndNamesMatch() throws {
        let reference = try Self.table("processed_data.csv")
        let columns = try Self.ours.get().columns
        for name in ["u_user_active_degree", "u_follow_user_num_range", "u_onehot_feat4", "u_onehot_feat12",
                     "i_author_id", "i_music_id", "i_video_tag_id", "i_video_tag_name", "i_cat_level1_name", "i_cat_level2_name"] {
            let expected = try #require(reference[name])
            guard case let .categorical(codes, categories) = try #require(columns[name]) else {
                Issue.record("\(name) is not categorical")
                continue
            }
            let decoded = codes.map { $0 < 0 ? "" : categories[Int($0)] }
            #expect(decoded == expected, "\(name) differs")
        }
    }

    @Test func splitMatches() throws {
        let (processed, _) = try HandWrittenWorld.prepareGraph(Self.folder + "/raw")
        for (part, file) in [("train_idx", "split_train_idx.txt"), ("val_idx", "split_valid_idx.txt"), ("test_idx", "split_test_idx.txt")] {
            let expected = try String(contentsOfFile: Self.folder + "/" + file, encoding: .utf8).split(separator: "\n").compactMap { Int64($0) }
            let ours = try NumpyFile.read(path: processed + "/step2/" + part + ".npy").values(as: Int64.self)
            #expect(ours == expected, "\(part) differs")
        }
        // the edge matrix equals the reference's features with missing values set to 0
        let reference = try Self.table("gnn_features.csv")
        let matrix = try NumpyFile.read(path: processed + "/step2/edge_features.npy").values(as: Float.self)
        for (feature, name) in EdgeFeatures.names.enumerated() {
            let expected = try #require(reference[name]).map { number($0) }.map { $0.isNaN ? 0 : $0 }
            let worst = expected.indices.map { abs(Double(matrix[$0 * 64 + feature]) - expected[$0]) / max(abs(expected[$0]), 1e-2) }.max() ?? 0
            #expect(worst <= 1e-4, "\(name): \(worst)")
        }
    }
}
