import Foundation
@testable import ValueModel

/// A KuaiRec folder small enough to compute every step-1 value by hand (the expectations live in
/// DataPreparationTests, each with its arithmetic). Users 0 and 1 have features, user 2 has none; video 13
/// has neither item features nor categories. File rows are deliberately out of order.
enum HandWrittenWorld {
    static let bigMatrix = """
        user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio
        1,12,5000,20000,2020-07-12 23:30:00.000,20200712,1594567800.000,0.25
        1,11,500,10000,2020-07-12 23:30:00.000,20200712,1594567800.000,0.05
        1,12,100,20000,2020-07-13 00:10:00.000,20200713,1594570200.000,0.005
        1,12,40000,20000,2020-08-27 00:00:00.000,20200827,1598457600.000,2.0
        0,10,9000,4000,2020-07-05 10:30:00.000,20200705,1593916200.000,2.25
        0,10,5000,4000,2020-07-05 10:00:00.000,20200705,1593914400.000,1.25
        0,11,1000,10000,2020-07-05 10:01:00.000,20200705,1593914460.000,0.1
        0,13,3000,3000,2020-07-05 12:00:30.500,20200705,1593921630.500,1.0
        0,12,13000,20000,2020-07-05 12:00:00.000,20200705,1593921600.000,0.65
        0,10,100,4000,2020-07-20 09:00:00.000,20200720,1595206800.000,0.025
        0,10,4000,4000,2020-08-01 08:05:00,20200801,1596240300.000,1.0
        0,11,2000,10000,2020-08-01 08:00:00.000,20200801,1596240000.000,0.2
        2,10,4000,4000,2020-09-05 23:59:59.999,20200905,1599321599.999,1.0

        """

    static let userFeatures = """
        user_id,user_active_degree,is_lowactive_period,is_live_streamer,is_video_author,follow_user_num,follow_user_num_range,fans_user_num,fans_user_num_range,friend_user_num,friend_user_num_range,register_days,register_days_range,onehot_feat0,onehot_feat1,onehot_feat2,onehot_feat3,onehot_feat4,onehot_feat5,onehot_feat6,onehot_feat7,onehot_feat8,onehot_feat9,onehot_feat10,onehot_feat11,onehot_feat12,onehot_feat13,onehot_feat14,onehot_feat15,onehot_feat16,onehot_feat17
        0,high_active,0,1,0,5,"(0,10]",0,0,2,"[1,5)",61,61-90,1,3,2,0,7,1,1,1,1,1,1,1,1,1,1,1,1,1
        1,UNKNOWN,1,0,,600,500+,20,"[10,100)",0,0,400,366-730,0,5,2,0,,1,1,1,1,1,1,1,1,1,1,1,1,1

        """

    static let itemDailyFeatures = """
        video_id,date,author_id,video_type,upload_dt,upload_type,visible_status,video_duration,video_width,video_height,music_id,video_tag_id,video_tag_name,show_cnt
        10,20200705,100,NORMAL,2020-07-01,ShortImport,public,4000.0,720,1280,1000,5,"美食,生活",10
        11,20200705,100,NORMAL,2020-06-01,Web,public,10000.0,,1920,441,6,游戏,3
        11,20200706,100,AD,2020-06-01,Web,public,10000.0,1080,1920,441,6,游戏,4
        12,20200705,200,NORMAL,2020-07-06,LongImport,friends,20000.0,720,0,441,,旅行,1

        """

    /// With a byte order mark and CRLF line ends; two lines with the wrong field count (too few and too many),
    /// both for videos without interactions.
    static let captionCategory = "\u{FEFF}" + [
        "video_id,manual_cover_text,caption,topic_tag,first_level_category_id,first_level_category_name,second_level_category_id,second_level_category_name,third_level_category_id,third_level_category_name",
        "10,UNKNOWN,\"a caption, with comma\",[],1,美食,11,家常菜,-124,UNKNOWN",
        "99,UNKNOWN,broken,[],3",
        "11,UNKNOWN,\"multi\r\nline \"\"quoted\"\" caption\",\"['a','b']\",1,美食,12,烘焙,-124,UNKNOWN",
        "98,UNKNOWN,x,y,[],3,a,31,b,-124,UNKNOWN",
        "12,UNKNOWN,plain,[],2,旅行,21,自驾,201,公路",
    ].joined(separator: "\r\n") + "\r\n"

    /// Writes the four files into a new temporary folder and returns its path.
    static func write() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handwritten-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let files = ["big_matrix.csv": bigMatrix, "user_features.csv": userFeatures,
                     "item_daily_features.csv": itemDailyFeatures, "kuairec_caption_category.csv": captionCategory]
        for (name, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        return folder
    }

    /// Runs step 1 on the folder and returns its columns by name, in emission order, plus the report.
    static func prepare(_ folder: String) throws -> (columns: [String: Column], order: [String], report: PreparationReport) {
        var columns: [String: Column] = [:]
        var order: [String] = []
        let report = try DataPreparation.run(folder: folder) { name, column in
            columns[name] = column
            order.append(name)
        }
        return (columns, order, report)
    }

    /// Runs steps 1 and 2 on the raw folder `raw` into a new temporary folder; returns that folder (holding `step1/`
    /// and `step2/`, committed with empty input lists) and step 2's summary.
    static func prepareGraph(_ raw: String) throws -> (processed: String, summary: GraphConstruction.Summary) {
        let processed = FileManager.default.temporaryDirectory.appendingPathComponent("graph-\(UUID().uuidString)").path
        let step1 = try ArtifactDirectory(path: processed + "/step1")
        let report = try DataPreparation.run(folder: raw) { try step1.write($0, $1) }
        try step1.commit(manifest: Manifest(producer: "1-data-preparation", version: 1, options: [:], inputs: [], rows: report.keptRows))
        let output = try ArtifactDirectory(path: processed + "/step2")
        let summary = try GraphConstruction.run(step1: try ColumnStore(folder: processed + "/step1", producer: "1-data-preparation"),
                                                output: output, options: .init(messagePassing: .all, seed: 1))
        try output.commit(manifest: Manifest(producer: "2-graph-construction", version: 1, options: [:], inputs: [], rows: summary.edges))
        return (processed, summary)
    }
}
