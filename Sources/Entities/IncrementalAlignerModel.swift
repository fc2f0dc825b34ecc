/// The incremental aligner a daemon workspace uses (its `aligner` setting: config file, control API, CLI, store).
/// Engine implements each (`make`, `restore`).
public enum IncrementalAlignerModel: String, Sendable, CaseIterable, Codable {
    /// fast_align's reparameterised IBM 2, trained by incremental EM (`IncrementalAligner`).
    case ibm2
    /// The same IBM 2, its table refined by an HMM over the stored corpus whenever it changed
    /// (`HMMRefinedIncrementalAligner`): the refinement `transfer`'s `best` aligner applies. The saved state is the
    /// IBM 2's, so switching between the two needs no realignment.
    case ibm2HMM = "ibm2-hmm"

    /// The aligner of a workspace that names none.
    public static let `default` = IncrementalAlignerModel.ibm2

    public static var allowedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Decodes a raw value; anything else is an error naming the allowed values.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let model = IncrementalAlignerModel(rawValue: text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath, debugDescription: "must be one of \(Self.allowedNames), got \(text)"
                )
            )
        }
        self = model
    }
}
