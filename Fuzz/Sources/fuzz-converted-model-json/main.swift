import EncryptedML
import Foundation
import FuzzSupport
import Models
import Plaintext

/// libFuzzer entry: the converted-model-json reader must refuse any input with an error, never crash,
/// hang or allocate what a header merely claims.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = fuzzData(bytes, count)
    if let model = try? EncryptedModel.decode(data, file: "fuzz") { _ = try? model.validate() }
    return 0
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzContext.writeSeeds(kind: "converted-model-json")
    return 0
}

/// The process entry (SwiftPM aliases `main` to it): libFuzzer's driver over `fuzzOne`.
@_cdecl("fuzz_converted_model_json_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzOne)
}
