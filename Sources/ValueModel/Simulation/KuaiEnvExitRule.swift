/// When a simulated user leaves, as KuaiEnv decides it (`chongminggao/DORL-codes`,
/// `environments/KuaiRec/env/KuaiEnv.py`, `_determine_whether_to_leave` and `step`).
///
/// Before the video of turn `t` (0-based) is watched, KuaiEnv looks at the videos of the window
/// `sequence_action[t − N : t]`, counts how often each tag occurs among them, and ends the session when any tag of
/// the new video occurs more than `threshold` times; at `t = 0` it never leaves, and at `t ≥ maxTurn − 1` it always
/// does. The video that triggers the exit is still watched and rewarded (the reward is added before `done` is
/// acted on), so a session of `L` turns has `L` rewarded videos.
///
/// **The early-step slice.** The window is a Python slice of a list that holds exactly `t` videos. For `t ≥ N` it
/// is the last N videos. For `t < N` the start `t − N` is negative, and Python counts it from the end of the list:
/// start `t − N + t = 2t − N`, clamped at 0. So for `t ≤ N/2` the window is all `t` videos, and for
/// `N/2 < t < N` it is only the last `N − t` of them: with N = 5, turns 1…5 see 1, 2, 2, 1, 5 videos.
/// Reproduced as it is (`window(turn:)`), because every published KuaiEnv number comes from it.
public struct KuaiEnvExitRule: Sendable, Equatable, Codable {
    /// `num_leave_compute`: the window length N.
    public var window: Int
    /// `leave_threshold`: a tag may occur this many times in the window; one more ends the session.
    public var threshold: Int
    /// `max_turn`: the session ends after this many videos at the latest.
    public var maxTurn: Int

    /// The defaults are the setting of DORL's published KuaiRec results: the headers of their logs
    /// (`results_for_paper/results_all/kuairec/`) record `num_leave_compute 4, leave_threshold 0`, with at most 30
    /// videos; their `script/run_main.sh` passes N = 1 instead (leave when the new video shares a tag with the
    /// previous one).
    public init(window: Int = 4, threshold: Int = 0, maxTurn: Int = 30) {
        self.window = window
        self.threshold = threshold
        self.maxTurn = maxTurn
    }

    /// The positions of the history KuaiEnv's slice `history[turn − N : turn]` covers when the history holds `turn`
    /// videos (Python's negative-start rule included).
    public func window(turn: Int) -> Range<Int> {
        var start = turn - window
        if start < 0 { start += turn }   // a negative start counts from the end of the list…
        start = max(0, start)            // …and is clamped at its beginning
        return start..<max(start, turn)
    }

    /// Whether the user leaves at `turn` (0-based; `history` holds the videos of turns 0..<turn) when shown a video
    /// with `tags`; `tagsOf` gives the tags of a history entry.
    public func leaves(turn: Int, history: [Int32], tags: [Int32], tagsOf: (Int32) -> [Int32]) -> Bool {
        if turn >= maxTurn - 1 { return true }
        if turn == 0 { return false }
        var counts: [Int32: Int] = [:]
        for position in window(turn: turn) {
            for tag in tagsOf(history[position]) { counts[tag, default: 0] += 1 }
        }
        return tags.contains { counts[$0, default: 0] > threshold }
    }
}
