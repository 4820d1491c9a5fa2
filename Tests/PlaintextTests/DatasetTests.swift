import Foundation
import Models
import Plaintext
import Testing

@Test func bundledDataSetsLoadWithTheirShapesAndLabels() throws {
    let cancer = try Dataset.load(csv: Fixtures.csv("breast_cancer"))
    #expect(cancer.count == 569 && cancer.featureCount == 30 && cancer.targetName == "diagnosis")
    #expect(Set(cancer.classLabels) == ["benign", "malignant"])
    #expect(cancer.classCounts.sorted() == [212, 357])
    let digits = try Dataset.load(csv: Fixtures.csv("digits"))
    #expect(digits.count == 1797 && digits.featureCount == 64 && digits.classCount == 10)
    let iris = try Dataset.load(csv: Fixtures.csv("iris"))
    #expect(iris.count == 150 && iris.featureCount == 4)
    #expect(iris.classLabels == ["setosa", "versicolor", "virginica"])  // order of first appearance
    #expect(iris.row(0) == [5.1, 3.5, 1.4, 0.2])
}

@Test func targetColumnCanBeChosenByName() throws {
    let table = try CSVReader.parse("label,x,y\na,1,2\nb,3,4\n", file: "t.csv")
    let data = try Dataset(table: table, target: "label")
    #expect(data.featureNames == ["x", "y"] && data.features == [1, 2, 3, 4] && data.labels == [0, 1])
}

@Test func stratifiedSplitKeepsClassProportionsAndIsReproducible() throws {
    let data = try Dataset.load(csv: Fixtures.csv("breast_cancer"))
    let (train, test) = try data.stratifiedSplit(testFraction: 0.3, seed: 7)
    #expect(train.count + test.count == data.count)
    #expect(test.classCounts.sorted() == [64, 107])  // ⌊212·0.3+0.5⌋, ⌊357·0.3+0.5⌋
    let again = try data.stratifiedSplitIndices(testFraction: 0.3, seed: 7)
    let other = try data.stratifiedSplitIndices(testFraction: 0.3, seed: 8)
    #expect(again.test == (try data.stratifiedSplitIndices(testFraction: 0.3, seed: 7)).test)
    #expect(again.test != other.test)
    #expect(Set(again.train).isDisjoint(with: again.test))
}

@Test func testSetIsReadAgainstTheModelsColumnsAndLabels() throws {
    // Columns in another order, an extra column, numeric labels written differently.
    let table = try CSVReader.parse("extra,y,target,x\nq,2,1.0,1\nr,4,0,3\n", file: "t.csv")
    let data = try Dataset(table: table, featureNames: ["x", "y"], targetName: "target", classLabels: ["0", "1"])
    #expect(data.features == [1, 2, 3, 4])
    #expect(data.labels == [1, 0])
    #expect(throws: DataError.unknownLabel(file: "t.csv", row: 2, column: "target", value: "7", known: ["0", "1"])) {
        try Dataset(table: CSVReader.parse("x,y,target\n1,2,7\n", file: "t.csv"),
                    featureNames: ["x", "y"], targetName: "target", classLabels: ["0", "1"])
    }
    #expect(throws: DataError.missingColumn(file: "t.csv", column: "target")) {
        try Dataset(table: CSVReader.parse("x,y\n1,2\n", file: "t.csv"),
                    featureNames: ["x", "y"], targetName: "target", classLabels: ["0", "1"])
    }
    #expect(throws: DataError.missingColumn(file: "t.csv", column: "y")) {
        try Dataset(table: CSVReader.parse("x,target\n1,0\n", file: "t.csv"),
                    featureNames: ["x", "y"], targetName: "target", classLabels: ["0", "1"])
    }
}

@Test func standardizerFitMatchesPlainArithmetic() throws {
    let data = try Dataset.load(csv: Fixtures.csv("iris"))
    let s = Standardizer(fitting: data.features, count: data.count, featureCount: data.featureCount)
    for j in 0..<data.featureCount {
        let column = (0..<data.count).map { data.features[$0 * data.featureCount + j] }
        let mean = column.reduce(0, +) / Double(column.count)
        let sd = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(column.count)).squareRoot()
        #expect(abs(s.mean[j] - mean) < 1e-12 && abs(s.scale[j] - sd) < 1e-12)
    }
    var x = data.features
    s.transform(rows: &x, featureCount: data.featureCount)
    #expect(Array(x[0..<4]) == s.transform(data.row(0)))
}
