import Foundation

/// An error building, training, loading or saving a tokenizer.
///
/// When the problem comes from a file, `file` names it (its last path component), and
/// the message starts with that name, e.g.
/// `tokenizer.json: merge 12 ("Ġ t") names unknown token "t"`.
public struct TokenizerError: LocalizedError, Equatable, Sendable {
    /// What is wrong.
    public enum Problem: Equatable, Sendable {
        /// The file could not be read or written; the payload is the system's reason.
        case unreadable(String)
        /// The file is not valid JSON (truncated, for instance); the payload is the parser's reason.
        case invalidJSON(String)
        /// A required field is missing (dotted path such as `model.vocab`).
        case missingField(String)
        /// A field has the wrong JSON type.
        case wrongType(field: String, expected: String)
        /// The model is not a BPE model (e.g. `WordPiece`, `Unigram`).
        case unsupportedModel(String)
        /// A setting this tokenizer does not implement (it would encode differently).
        case unsupportedSetting(String)
        /// A merge entry is neither `"a b"` nor `["a", "b"]`.
        case malformedMerge(index: Int, text: String)
        /// A merge names a token that is not in the vocabulary.
        case unknownMergeToken(index: Int, merge: String, token: String)
        /// The concatenation of a merge's two tokens is not in the vocabulary.
        case mergeResultNotInVocabulary(index: Int, merge: String, result: String)
        /// The same pair is merged twice.
        case duplicateMerge(index: Int, merge: String)
        /// Two different tokens have the same id.
        case duplicateID(id: Int, first: String, second: String)
        /// An id is negative, too large for `Int32`, or leaves a gap (ids must be dense).
        case idOutOfRange(token: String, id: Int, count: Int)
        /// A special token has a different id in the vocabulary.
        case conflictingSpecialToken(token: String, specialID: Int, vocabularyID: Int)
        /// One of the 256 byte tokens is missing from the vocabulary.
        case missingByteToken(byte: UInt8, token: String)
        /// A special token is the empty string.
        case emptySpecialToken
        /// A special token is listed twice.
        case duplicateSpecialToken(String)
        /// The chat template cannot be read (the payload says where and what, e.g. a construct
        /// the Jinja subset lacks).
        case chatTemplate(String)
        /// The requested vocabulary size is below 256 bytes + the special tokens.
        case vocabularySizeTooSmall(requested: Int, minimum: Int)
    }

    /// The file concerned (last path component), if any.
    public var file: String?
    /// What is wrong.
    public var problem: Problem

    /// Creates an error, optionally naming a file.
    public init(_ problem: Problem, file: String? = nil) {
        self.problem = problem
        self.file = file
    }

    /// The same error attributed to `file` (keeps an existing file name).
    public func inFile(_ file: String) -> TokenizerError {
        TokenizerError(problem, file: self.file ?? file)
    }

    /// A one-line message starting with the file name when there is one.
    public var errorDescription: String? {
        guard let file else { return problemDescription }
        return "\(file): \(problemDescription)"
    }

    /// The message without the file name.
    public var problemDescription: String {
        switch problem {
        case .unreadable(let reason):
            return "cannot be read or written (\(reason))"
        case .invalidJSON(let reason):
            return "is not valid JSON (\(reason))"
        case .missingField(let field):
            return "missing field \"\(field)\""
        case .wrongType(let field, let expected):
            return "field \"\(field)\" should be \(expected)"
        case .unsupportedModel(let type):
            return "model type \"\(type)\" is not supported (only \"BPE\" is)"
        case .unsupportedSetting(let setting):
            return "unsupported setting: \(setting)"
        case .malformedMerge(let index, let text):
            return "merge \(index) (\(text)) is not a pair of tokens"
        case .unknownMergeToken(let index, let merge, let token):
            return "merge \(index) (\"\(merge)\") names unknown token \"\(token)\""
        case .mergeResultNotInVocabulary(let index, let merge, let result):
            return "merge \(index) (\"\(merge)\") makes \"\(result)\", which is not in the vocabulary"
        case .duplicateMerge(let index, let merge):
            return "merge \(index) (\"\(merge)\") repeats an earlier merge"
        case .duplicateID(let id, let first, let second):
            return "id \(id) is given to both \"\(first)\" and \"\(second)\""
        case .idOutOfRange(let token, let id, let count):
            return "id \(id) of \"\(token)\" is out of range 0..<\(count) (ids must be dense)"
        case .conflictingSpecialToken(let token, let specialID, let vocabularyID):
            return "special token \"\(token)\" has id \(specialID) but the vocabulary gives it \(vocabularyID)"
        case .missingByteToken(let byte, let token):
            return "the vocabulary lacks the token \"\(token)\" for byte \(byte)"
        case .emptySpecialToken:
            return "a special token is empty"
        case .duplicateSpecialToken(let token):
            return "special token \"\(token)\" is listed twice"
        case .chatTemplate(let reason):
            return "\(reason); give another with chat_template=FILE"
        case .vocabularySizeTooSmall(let requested, let minimum):
            return "vocabulary size \(requested) is below the minimum \(minimum) (256 bytes + special tokens)"
        }
    }
}
