import Foundation

/// Reading ONNX tensors and attributes into Doubles, with every size checked against the
/// data actually present before anything is allocated.
extension Onnx_TensorProto {
    /// Largest tensor the importer reads (2^24 values): far above any model encrypted
    /// inference can evaluate, far below what would exhaust memory.
    static let maxElements = 1 << 24

    /// The element count the dimensions claim, nil when a dimension is negative or the
    /// product overflows or exceeds `maxElements`. O(rank).
    var claimedCount: Int? {
        var count = 1
        for d in dims {
            guard d >= 0, d <= Int64(Self.maxElements) else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, product <= Self.maxElements else { return nil }
            count = product
        }
        return count
    }

    /// The values as Doubles (FLOAT, DOUBLE, INT32, INT64 from the typed fields or
    /// `raw_data`), after checking that the data holds exactly what `dims` claim.
    /// O(count). - Throws: `ImportError.invalidTensor` naming the tensor.
    func doubles(file: String) throws -> [Double] {
        func fail(_ reason: String) -> ImportError { .invalidTensor(file: file, tensor: name, reason: reason) }
        guard dataLocation != .external else {
            throw fail("its data is stored in an external file; export with the weights inside the model")
        }
        guard let count = claimedCount else {
            throw fail("dimensions \(dims) claim more than \(Self.maxElements) values (or are negative)")
        }
        let width: Int
        switch ElementType(rawValue: Int(dataType)) {
        case .float: width = 4
        case .double, .int64: width = 8
        case .int32: width = 4
        default: throw fail("element type \(dataType) is not a number type the importer reads (float, double, int32, int64)")
        }
        let stored: Int
        if !rawData.isEmpty {
            guard rawData.count % width == 0 else { throw fail("raw data of \(rawData.count) bytes is not a whole number of \(width)-byte values") }
            stored = rawData.count / width
        } else {
            switch ElementType(rawValue: Int(dataType)) {
            case .float: stored = floatData.count
            case .double: stored = doubleData.count
            case .int32: stored = int32Data.count
            default: stored = int64Data.count
            }
        }
        guard stored == count else {
            throw fail("dimensions \(dims) claim \(count) values but the tensor holds \(stored)")
        }
        if rawData.isEmpty {
            switch ElementType(rawValue: Int(dataType)) {
            case .float: return floatData.map(Double.init)
            case .double: return doubleData
            case .int32: return int32Data.map(Double.init)
            default: return int64Data.map(Double.init)
            }
        }
        return rawData.withUnsafeBytes { bytes in
            (0..<count).map { i in
                switch ElementType(rawValue: Int(dataType)) {
                case .float: return Double(Float(bitPattern: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian))
                case .double: return Double(bitPattern: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian)
                case .int32: return Double(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                default: return Double(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                }
            }
        }
    }

    /// The values as strings (STRING tensors, e.g. skl2onnx's class labels) or integers
    /// printed as strings (INT64 labels). - Throws: `ImportError.invalidTensor`.
    func labels(file: String) throws -> [String] {
        if ElementType(rawValue: Int(dataType)) == .string {
            guard let count = claimedCount, count == stringData.count else {
                throw ImportError.invalidTensor(file: file, tensor: name, reason: "dimensions \(dims) do not match its \(stringData.count) strings")
            }
            return stringData.map { String(decoding: $0, as: UTF8.self) }
        }
        return try doubles(file: file).map { String(Int($0)) }
    }

    /// The ONNX element types the importer reads (TensorProto.DataType numbering).
    enum ElementType: Int {
        case float = 1, int32 = 6, int64 = 7, string = 8, double = 11
    }
}

extension Onnx_NodeProto {
    /// The node's name, or `op_type` and its first output when it has none (for messages).
    var displayName: String { name.isEmpty ? "\(opType) → \(output.first ?? "?")" : name }

    /// The attribute called `name`, if any.
    func attribute(_ name: String) -> Onnx_AttributeProto? { attribute.first { $0.name == name } }

    /// An integer attribute (`i`), or `defaultValue` when absent.
    func int(_ name: String, default defaultValue: Int) -> Int { attribute(name).map { Int($0.i) } ?? defaultValue }

    /// A float attribute (`f`), or `defaultValue` when absent.
    func float(_ name: String, default defaultValue: Double) -> Double { attribute(name).map { Double($0.f) } ?? defaultValue }

    /// A string attribute (`s`), or `defaultValue` when absent.
    func string(_ name: String, default defaultValue: String) -> String {
        attribute(name).map { String(decoding: $0.s, as: UTF8.self) } ?? defaultValue
    }

    /// A float-list attribute (`floats`), checked against `maxElements`.
    func floats(_ name: String, file: String) throws -> [Double] {
        guard let values = attribute(name)?.floats else { return [] }
        guard values.count <= Onnx_TensorProto.maxElements else {
            throw ImportError.invalidTensor(file: file, tensor: "\(displayName).\(name)", reason: "\(values.count) values is above the limit")
        }
        return values.map(Double.init)
    }
}
