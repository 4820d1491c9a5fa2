extension CKKSContext {
    func galoisKey(_ element: Int, _ keys: CKKSEvaluationKeys, step: Int?, _ what: String) throws -> KeySwitchingKey {
        try checkKey(keys.contextFingerprint, what)
        guard let key = keys.galois[element] else {
            throw EncryptedMLError.missingRotationKey(step: step, galoisElement: element, available: keys.rotationSteps)
        }
        return key
    }

    /// Applies the automorphism σ_g with the decomposition of `c1` already computed.
    func applyGalois(_ ct: CKKSCiphertext, decomposition: KeySwitchDecomposition, element: Int,
                     key: KeySwitchingKey) -> CKKSCiphertext {
        let permutation = key.permutation ?? GaloisPermutation(element: element, degree: degree)
        let (e0, e1) = innerProduct(decomposition, key: key, permutation: permutation)
        var c0 = modDown(e0, level: ct.level)
        let c1 = modDown(e1, level: ct.level)
        c0.add(permutation.apply(to: ct.c0), moduli: moduli(level: ct.level))
        return CKKSCiphertext(c0: c0, c1: c1, scale: ct.scale, contextFingerprint: fingerprint)
    }

    /// Rotates the slots left by `steps`: slot i ← slot i + steps (negative steps rotate right).
    /// Level and scale are unchanged. Cost: one key switch (decomposition, inner product, two ModDowns).
    /// - Throws: `.missingRotationKey` when the keys lack this rotation, `.mismatchedContext`.
    public func rotate(_ ct: CKKSCiphertext, by steps: Int, evaluationKeys: CKKSEvaluationKeys) throws -> CKKSCiphertext {
        try check(ct, "rotate")
        let element = GaloisPermutation.rotationElement(steps: steps, degree: degree)
        if element == 1 { return ct }
        let key = try galoisKey(element, evaluationKeys, step: steps, "rotate by \(steps)")
        return applyGalois(ct, decomposition: decompose(ct.c1), element: element, key: key)
    }

    /// In-place `rotate(_:by:evaluationKeys:)`.
    public func rotateInPlace(_ ct: inout CKKSCiphertext, by steps: Int, evaluationKeys: CKKSEvaluationKeys) throws {
        ct = try rotate(ct, by: steps, evaluationKeys: evaluationKeys)
    }

    /// Complex conjugation of every slot. Cost: one key switch.
    /// - Throws: `.missingRotationKey` when the keys were generated without `conjugation: true`.
    public func conjugate(_ ct: CKKSCiphertext, evaluationKeys: CKKSEvaluationKeys) throws -> CKKSCiphertext {
        try check(ct, "conjugate")
        let element = GaloisPermutation.conjugationElement(degree: degree)
        let key = try galoisKey(element, evaluationKeys, step: nil, "conjugate")
        return applyGalois(ct, decomposition: decompose(ct.c1), element: element, key: key)
    }

    /// Hoisted rotations: decomposes `c1` once and returns `ct` rotated by each of `steps`, in
    /// order (0 gives `ct` itself). Each extra rotation costs only an inner product and two
    /// ModDowns — about half a rotation saved per rotation after the first.
    /// - Throws: `.missingRotationKey` for a step without a key (checked before any work).
    public func rotateHoisted(_ ct: CKKSCiphertext, by steps: [Int], evaluationKeys: CKKSEvaluationKeys) throws
        -> [CKKSCiphertext]
    {
        try check(ct, "rotateHoisted")
        let elements = steps.map { GaloisPermutation.rotationElement(steps: $0, degree: degree) }
        var keys: [KeySwitchingKey?] = []
        for (step, element) in zip(steps, elements) {
            keys.append(element == 1 ? nil : try galoisKey(element, evaluationKeys, step: step, "rotate by \(step)"))
        }
        guard keys.contains(where: { $0 != nil }) else { return steps.map { _ in ct } }
        let decomposition = decompose(ct.c1)
        // The rotations share the decomposition and are independent: several cores when parallel.
        return try concurrentMap(Array(zip(elements, keys))) { pair in
            guard let key = pair.1 else { return ct }
            return applyGalois(ct, decomposition: decomposition, element: pair.0, key: key)
        }
    }

    /// Decomposes `ct.c1` once for use with `rotate(_:decomposition:by:evaluationKeys:)`, when
    /// the rotations are not known together. Cost: half a rotation.
    public func decompose(_ ct: CKKSCiphertext) throws -> KeySwitchDecomposition {
        try check(ct, "decompose")
        return decompose(ct.c1)
    }

    /// Rotation reusing a decomposition of the same ciphertext's `c1`. Cost: inner product and two ModDowns.
    /// - Throws: `.invalidOperand` if the decomposition is of another level or parameters.
    public func rotate(_ ct: CKKSCiphertext, decomposition: KeySwitchDecomposition, by steps: Int,
                       evaluationKeys: CKKSEvaluationKeys) throws -> CKKSCiphertext {
        try check(ct, "rotate")
        guard decomposition.contextFingerprint == fingerprint, decomposition.level == ct.level else {
            throw EncryptedMLError.invalidOperand(
                "decomposition (level \(decomposition.level)) does not belong to this level-\(ct.level) ciphertext; call decompose(ct) on it")
        }
        let element = GaloisPermutation.rotationElement(steps: steps, degree: degree)
        if element == 1 { return ct }
        let key = try galoisKey(element, evaluationKeys, step: steps, "rotate by \(steps)")
        return applyGalois(ct, decomposition: decomposition, element: element, key: key)
    }
}
