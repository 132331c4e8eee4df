// The latent side of a synthetic KuaiRec world: users, videos, categories and the factors behind engagement.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One category of the three-level KuaiRec taxonomy.
public struct SyntheticCategory: Sendable, Equatable, Codable {
    /// The id written to the caption file.
    public var id: Int
    /// The UTF-8 name written to the caption file.
    public var name: String
    /// Index of the level-1 parent (level-2 categories), or -1.
    public var parent: Int
}

/// Users, videos and categories with their latent factors, drawn from the configuration's seed.
/// Arrays are structure-of-arrays; factor matrices are row-major `[count, dimension]`.
public struct SyntheticLatentWorld: Sendable {
    /// The id and name of an unknown level-2 or level-3 category, as in KuaiRec.
    public static let unknownCategoryId = -124
    public static let unknownCategoryName = "UNKNOWN"
    /// Bounds of video durations in milliseconds.
    public static let minDurationMs = 2_000
    public static let maxDurationMs = 600_000

    public let configuration: SyntheticWorldConfiguration
    public let dimension: Int
    public var userCount: Int { configuration.users }
    public var videoCount: Int { configuration.videos }

    // Categories.
    public let level1: [SyntheticCategory]
    public let level2: [SyntheticCategory]
    public let level3: [SyntheticCategory]

    // Users.
    /// [users, d]
    public let userFactors: [Double]
    /// [users, level1.count]: additive preference for a level-1 category.
    public let userCategoryPreference: [Double]
    /// Mean 1; scales the number of sessions per day.
    public let userActivity: [Double]
    /// Log of the user's median session length.
    public let userSessionLogMedian: [Double]
    public let userSkipBias: [Double]
    public let userLoopBias: [Double]
    public let userWatchBias: [Double]

    // Videos.
    /// [videos, d]
    public let videoFactors: [Double]
    public let videoQuality: [Double]
    public let videoLoopiness: [Double]
    public let videoDurationMs: [Int]
    /// Index into `level1`.
    public let videoLevel1: [Int]
    /// Index into `level2`, or -1 (unknown).
    public let videoLevel2: [Int]
    /// Index into `level3`, or -1 (unknown).
    public let videoLevel3: [Int]
    /// Log of the video's popularity (the popularity channel's retrieval weight): `popularitySpread ·
    /// (0.6 · quality + 0.8 · noise)`.
    public let videoLogPopularity: [Double]
    /// Beijing day number of the upload (written to item_daily_features' `upload_dt`); a pool only holds videos
    /// uploaded on or before the session's day.
    public let videoUploadDay: [Int]

    /// Draws the world. Everything here comes from one generator seeded by `configuration.seed`.
    public init(configuration: SyntheticWorldConfiguration) {
        self.configuration = configuration
        let d = configuration.latentDimension
        dimension = d
        var master = SeededGenerator(seed: configuration.seed)
        var rng = master.split()

        // --- Categories: level 1, level 2 nested under level 1, a few level 3.
        let n1 = configuration.level1CategoryCount
        let level1Ids = Array(SyntheticLatentWorld.sample(distinct: n1, from: 1..<(n1 + 16), using: &rng)).sorted()
        var l1: [SyntheticCategory] = []
        for c in 0..<n1 {
            let name = c < SyntheticNames.level1.count ? SyntheticNames.level1[c] : "类别\(c)"
            l1.append(SyntheticCategory(id: level1Ids[c], name: name, parent: -1))
        }
        var l2: [SyntheticCategory] = []
        var l2ByParent: [[Int]] = Array(repeating: [], count: n1)
        var nextL2Id = 100 + Int(rng.next() % 50)
        for c in 0..<n1 {
            let children = 2 + Int(rng.next() % 5)
            for k in 0..<children {
                let suffix = SyntheticNames.level2Suffixes[(c * 7 + k) % SyntheticNames.level2Suffixes.count]
                l2ByParent[c].append(l2.count)
                l2.append(SyntheticCategory(id: nextL2Id, name: l1[c].name + suffix, parent: c))
                nextL2Id += 1 + Int(rng.next() % 3)
            }
        }
        var l3: [SyntheticCategory] = []
        for k in 0..<max(3, n1 / 2) {
            let parent = l2.isEmpty ? -1 : Int(rng.next() % UInt64(l2.count))
            let base = parent >= 0 ? l2[parent].name : "其他"
            l3.append(SyntheticCategory(id: 600 + 3 * k, name: base + "·细分\(k + 1)", parent: parent))
        }
        level1 = l1
        level2 = l2
        level3 = l3

        // Category centres in factor space and per-category shifts.
        let centre1 = SyntheticLatentWorld.normals(n1 * d, using: &rng)
        let centre2 = SyntheticLatentWorld.normals(l2.count * d, using: &rng)
        var categoryDurationShift = [Double](repeating: 0, count: n1)
        var categoryLoopShift = [Double](repeating: 0, count: n1)
        for c in 0..<n1 {
            categoryDurationShift[c] = 0.25 * rng.nextNormal()
            categoryLoopShift[c] = 0.6 * rng.nextNormal()
        }
        // Music and dance loop more.
        for (c, category) in l1.enumerated() where category.name == "音乐" || category.name == "舞蹈" {
            categoryLoopShift[c] = abs(categoryLoopShift[c]) + 0.8
        }
        var popularity = (0..<n1).map { 1 / pow(Double($0) + 1, 0.8) }
        let popularityTotal = popularity.reduce(0, +)
        popularity = popularity.map { $0 / popularityTotal }

        // --- Videos.
        var vrng = master.split()
        let nv = configuration.videos
        var vf = [Double](repeating: 0, count: nv * d)
        var quality = [Double](repeating: 0, count: nv)
        var loopiness = [Double](repeating: 0, count: nv)
        var duration = [Int](repeating: 0, count: nv)
        var v1 = [Int](repeating: 0, count: nv)
        var v2 = [Int](repeating: -1, count: nv)
        var v3 = [Int](repeating: -1, count: nv)
        for v in 0..<nv {
            // Level 1 by popularity; make sure every level-1 category has at least one video.
            var c = 0
            if v < n1 {
                c = v
            } else {
                var r = vrng.nextUniform()
                while c < n1 - 1 && r >= popularity[c] { r -= popularity[c]; c += 1 }
            }
            v1[v] = c
            let children = l2ByParent[c]
            let c2 = vrng.nextUniform() < 0.08 ? -1 : children[Int(vrng.next() % UInt64(children.count))]
            v2[v] = c2
            if vrng.nextUniform() < 0.03 { v3[v] = Int(vrng.next() % UInt64(l3.count)) }
            for k in 0..<d {
                var x = 0.75 * centre1[c * d + k] + 0.55 * vrng.nextNormal()
                if c2 >= 0 { x += 0.35 * centre2[c2 * d + k] }
                vf[v * d + k] = x
            }
            quality[v] = vrng.nextNormal()
            loopiness[v] = categoryLoopShift[c] + 0.8 * vrng.nextNormal()
            let logDuration = log(9_000.0) + categoryDurationShift[c] + 0.75 * vrng.nextNormal()
            let ms = exp(logDuration).rounded()
            duration[v] = Int(min(Double(SyntheticLatentWorld.maxDurationMs), max(Double(SyntheticLatentWorld.minDurationMs), ms)))
        }
        videoFactors = vf
        videoQuality = quality
        videoLoopiness = loopiness
        videoDurationMs = duration
        videoLevel1 = v1
        videoLevel2 = v2
        videoLevel3 = v3

        // --- Popularity and upload days (their own stream, so the draws above do not move).
        var prng = master.split()
        let firstBurstDay = SyntheticCalendar.burstDays[0]
        var logPopularity = [Double](repeating: 0, count: nv)
        var uploadDay = [Int](repeating: 0, count: nv)
        for v in 0..<nv {
            logPopularity[v] = configuration.popularitySpread * (0.6 * quality[v] + 0.8 * prng.nextNormal())
            if prng.nextUniform() < configuration.uploadedDuringBursts {
                uploadDay[v] = SyntheticCalendar.burstDays[Int(prng.next() % UInt64(SyntheticCalendar.burstDays.count))]
            } else {
                uploadDay[v] = firstBurstDay - 1 - Int(min(1100, exp(log(60.0) + 1.1 * prng.nextNormal())))
            }
        }
        videoLogPopularity = logPopularity
        videoUploadDay = uploadDay

        // --- Users.
        var urng = master.split()
        let nu = configuration.users
        var uf = [Double](repeating: 0, count: nu * d)
        var pref = [Double](repeating: 0, count: nu * n1)
        var activity = [Double](repeating: 0, count: nu)
        var sessionLog = [Double](repeating: 0, count: nu)
        var skipBias = [Double](repeating: 0, count: nu)
        var loopBias = [Double](repeating: 0, count: nu)
        var watchBias = [Double](repeating: 0, count: nu)
        let logMedian = log(configuration.sessionLengthMedian)
        for u in 0..<nu {
            for k in 0..<d { uf[u * d + k] = urng.nextNormal() }
            for c in 0..<n1 { pref[u * n1 + c] = 0.35 * urng.nextNormal() }
            for _ in 0..<min(3, n1) { pref[u * n1 + Int(urng.next() % UInt64(n1))] += 0.6 }
            activity[u] = exp(0.5 * urng.nextNormal() - 0.125)
            sessionLog[u] = logMedian + 0.3 * urng.nextNormal()
            skipBias[u] = 0.4 * urng.nextNormal()
            loopBias[u] = 0.4 * urng.nextNormal()
            watchBias[u] = 0.15 * urng.nextNormal()
        }
        userFactors = uf
        userCategoryPreference = pref
        userActivity = activity
        userSessionLogMedian = sessionLog
        userSkipBias = skipBias
        userLoopBias = loopBias
        userWatchBias = watchBias
    }

    /// `0.8 · <u, v> / sqrt(d) + preference(u, level-1 of v)`: how much the user likes the video.
    @inline(__always)
    public func affinity(user: Int, video: Int) -> Double {
        let d = dimension
        var dot = 0.0
        userFactors.withUnsafeBufferPointer { uf in
            videoFactors.withUnsafeBufferPointer { vf in
                let ub = user * d, vb = video * d
                for k in 0..<d { dot += uf[ub + k] * vf[vb + k] }
            }
        }
        return 0.8 * dot / Double(d).squareRoot() + userCategoryPreference[user * level1.count + videoLevel1[video]]
    }

    /// The retrieval model's fixed error η on the affinity of (user, video): a standard normal that depends on
    /// (seed, user, video) only, so every session of the user sees the same error.
    @inline(__always)
    public func retrievalError(user: Int, video: Int) -> Double {
        var z = configuration.seed ^ 0x7E7A_1EA1_0000_0000
        z = z &+ UInt64(truncatingIfNeeded: user) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: video) &* 0xD1B5_4A32_D192_ED03
        var g = SeededGenerator(seed: z)
        return g.nextNormal()
    }

    static func normals(_ count: Int, using rng: inout SeededGenerator) -> [Double] {
        (0..<count).map { _ in rng.nextNormal() }
    }

    /// `count` distinct integers from `range` (partial Fisher-Yates).
    static func sample(distinct count: Int, from range: Range<Int>, using rng: inout SeededGenerator) -> [Int] {
        var pool = Array(range)
        precondition(count <= pool.count)
        for i in 0..<count {
            let j = i + Int(rng.next() % UInt64(pool.count - i))
            pool.swapAt(i, j)
        }
        return Array(pool[0..<count])
    }
}

/// Names used by the synthetic files (UTF-8, Chinese-ish like KuaiRec's).
enum SyntheticNames {
    static let level1 = [
        "颜值", "美食", "游戏", "搞笑", "萌宠", "音乐", "舞蹈", "体育", "汽车", "旅游",
        "时尚", "美妆", "亲子", "教育", "科技", "影视", "二次元", "三农", "健身", "情感",
        "剧情", "生活", "明星娱乐", "摄影", "动漫", "家居", "职场", "军事", "历史", "才艺",
    ]
    static let level2Suffixes = ["日常", "教程", "测评", "合集", "精选", "挑战", "vlog", "技巧", "现场", "解说", "花絮"]
    static let captionWords = [
        "今天", "分享", "一下", "真的", "太好看了", "记录生活", "快乐", "朋友们", "第一次", "学会了",
        "喜欢", "关注我", "每天", "更新", "家人们", "绝了", "治愈", "上热门", "推荐", "加油",
    ]
    static let coverTexts = ["UNKNOWN", "UNKNOWN", "UNKNOWN", "必看", "教程来了", "第二集", "太难了", "一起来"]
}
