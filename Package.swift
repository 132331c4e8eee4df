// swift-tools-version:6.0
// The multi-head value model pipeline: one library (ValueModel) and one small executable per step.
import PackageDescription

let package = Package(
    name: "ValueModelPipeline",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "0-synthetic-data", targets: ["SyntheticData"]),
        .executable(name: "1-data-preparation", targets: ["DataPreparation"]),
        .executable(name: "2-graph-construction", targets: ["GraphConstruction"]),
        .executable(name: "3-training", targets: ["Training"]),
        .executable(name: "4-head-weight-estimation", targets: ["HeadWeightEstimation"]),
        .executable(name: "5-policy-evaluation", targets: ["PolicyEvaluation"]),
        .executable(name: "6-policy-learning", targets: ["PolicyLearning"]),
        .executable(name: "bench", targets: ["Bench"]),
        .library(name: "ValueModel", targets: ["ValueModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .target(
            name: "CGnuplot",
            path: "Sources/CGnuplot",
            linkerSettings: [.linkedLibrary("boost_iostreams"), .linkedLibrary("boost_filesystem")]
        ),
        .target(
            name: "ValueModel",
            dependencies: ["COpenBLAS"],
            path: "Sources/ValueModel"
        ),
        // Figures (gnuplot through CGnuplot): only the executables and the tests import it, so the numeric library
        // cannot depend on plotting.
        .target(
            name: "Reporting",
            dependencies: ["ValueModel", "CGnuplot"],
            path: "Sources/Reporting"
        ),
        .target(
            name: "StepCommandLine",
            dependencies: ["ValueModel", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/StepCommandLine"
        ),
        .executableTarget(
            name: "SyntheticData",
            dependencies: ["ValueModel", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/SyntheticData"
        ),
        .executableTarget(
            name: "DataPreparation",
            dependencies: ["ValueModel", "Reporting", "StepCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/DataPreparation"
        ),
        .executableTarget(
            name: "GraphConstruction",
            dependencies: ["ValueModel", "Reporting", "StepCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/GraphConstruction"
        ),
        .executableTarget(
            name: "Training",
            dependencies: ["ValueModel", "Reporting", "StepCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Training"
        ),
        .executableTarget(
            name: "HeadWeightEstimation",
            dependencies: ["ValueModel", "Reporting", "StepCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/HeadWeightEstimation"
        ),
        .executableTarget(
            name: "PolicyEvaluation",
            dependencies: ["ValueModel", "Reporting", "StepCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/PolicyEvaluation"
        ),
        .executableTarget(
            name: "PolicyLearning",
            dependencies: ["ValueModel", "Reporting", "StepCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/PolicyLearning"
        ),
        .executableTarget(
            name: "Bench",
            dependencies: ["ValueModel", "Reporting", "COpenBLAS", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Bench"
        ),
        .testTarget(
            name: "ValueModelTests",
            dependencies: ["ValueModel", "Reporting", "StepCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tests/ValueModelTests",
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx17
)
