/// DORL's published KuaiRec results (Gao et al., SIGIR 2023), mean ± sd over the evaluation epochs, as
/// `chongminggao/DORL-codes` commits them in `results_for_paper/figures/main_result_table.tex` (KuaiRec columns).
public enum DORLPublishedTable {
    /// One published row: R_tra, R_each, session length and MCD, each mean and sd.
    public struct Row: Codable, Sendable, Equatable {
        public var method: String
        public var returnPerSession: [Double]
        public var rewardPerStep: [Double]
        public var length: [Double]
        public var majorityCategoryDomination: [Double]
    }

    public static let rows: [Row] = [
        Row(method: "UCB", returnPerSession: [3.6059, 0.6092], rewardPerStep: [0.8531, 0.1145], length: [4.2190, 0.3892], majorityCategoryDomination: [0.8112, 0.0582]),
        Row(method: "ε-greedy", returnPerSession: [3.5152, 0.7315], rewardPerStep: [0.8276, 0.1286], length: [4.2186, 0.4049], majorityCategoryDomination: [0.8226, 0.0482]),
        Row(method: "SQN", returnPerSession: [4.6730, 1.2149], rewardPerStep: [0.9125, 0.0551], length: [5.1109, 1.2881], majorityCategoryDomination: [0.6860, 0.0931]),
        Row(method: "CRR", returnPerSession: [4.1631, 0.2535], rewardPerStep: [0.8945, 0.0365], length: [4.6541, 0.2150], majorityCategoryDomination: [0.8648, 0.0168]),
        Row(method: "CQL", returnPerSession: [2.5062, 1.7665], rewardPerStep: [0.6843, 0.2279], length: [3.2239, 1.3647], majorityCategoryDomination: [0.3858, 0.3853]),
        Row(method: "BCQ", returnPerSession: [2.1234, 0.0815], rewardPerStep: [0.7078, 0.0272], length: [3.0000, 0.0000], majorityCategoryDomination: [0.6667, 0.0000]),
        Row(method: "MBPO", returnPerSession: [12.0426, 1.3115], rewardPerStep: [0.7701, 0.0290], length: [15.6461, 1.6373], majorityCategoryDomination: [0.3621, 0.0465]),
        Row(method: "IPS", returnPerSession: [12.8326, 1.3531], rewardPerStep: [0.7673, 0.0234], length: [16.7270, 1.6834], majorityCategoryDomination: [0.2150, 0.0644]),
        Row(method: "MOPO", returnPerSession: [11.4269, 1.7500], rewardPerStep: [0.8917, 0.0505], length: [12.8086, 1.8502], majorityCategoryDomination: [0.4793, 0.0619]),
        Row(method: "DORL", returnPerSession: [20.4942, 2.6707], rewardPerStep: [0.7673, 0.0264], length: [26.7117, 3.4190], majorityCategoryDomination: [0.3792, 0.0149]),
    ]

    /// Seconds between consecutive epochs 2-27 of DORL's published KuaiRec run (`results_for_paper/results_all/kuairec/
    /// [DORL]_2023_01_18-17_45_45.log`, its timestamps; each epoch is 100,000 training steps plus an evaluation of 100
    /// sessions, on a CUDA device by the log's settings): the least and the most.
    public static let logSecondsPerEpoch = (least: 46.0, most: 58.0)
}
