import Files
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of one model directory, opened together, so that config.json,
/// model.safetensors and tokenizer.json belong to the same save even while
/// another process saves over the directory.
///
/// The directory is opened first and each file is opened inside it (`openat`):
/// a save swaps a whole new directory into the path, and the open directory
/// still names the one opened. config.json and tokenizer.json are read at once;
/// model.safetensors stays open (its header read and checked), and its tensors
/// are read later from that same descriptor. Should the directory be swapped
/// out while its files are being opened (a file then seems missing), the new
/// one is opened instead, up to three times.
public struct ModelDirectorySnapshot: Sendable {
    /// The directory.
    public let url: URL
    /// config.json, decoded.
    let config: HuggingFaceConfig
    /// model.safetensors, or the shards model.safetensors.index.json names, open.
    public let weights: ModelWeights
    /// tokenizer.json's bytes, or nil when the directory has none.
    public let tokenizerJSON: Data?
    /// tokenizer_config.json's bytes, or nil.
    public let tokenizerConfigJSON: Data?
    /// chat_template.jinja's text, or nil.
    public let chatTemplateJinja: String?

    /// Whether config.json marks a model saved as a chat model.
    public var isChatModel: Bool { config.chatFormat ?? false }

    /// Opens the model directory at `url` and reads its config and header.
    ///
    /// - Throws: `ModelFileError.badConfig` when there is no directory or no
    ///   config.json, or it is not valid; `CheckpointError` for model.safetensors
    ///   (missing, truncated, hostile header); `TokenizerError` when
    ///   tokenizer.json is there but cannot be read.
    /// - Complexity: O(size of config.json, tokenizer.json and the header);
    ///   tensor data is not read.
    public static func open(_ url: URL) throws -> ModelDirectorySnapshot {
        var attempt = 1
        while true {
            guard let directory = try FileDescriptor.openIfPresent(
                url.path, in: nil, flags: O_RDONLY | O_DIRECTORY, reporting: url.path, operation: "open the directory")
            else { throw noConfig(url) }
            defer { directory.closeIgnoringErrors() }
            do {
                return try read(url, in: directory)
            } catch where attempt < 3 && !directory.isStill(at: url.path) {
                attempt += 1
            }
        }
    }

    /// Opens every file inside `directory`, then reads them.
    private static func read(_ url: URL, in directory: FileDescriptor) throws -> ModelDirectorySnapshot {
        func open(_ name: String, _ operation: String) throws -> FileDescriptor? {
            try FileDescriptor.openIfPresent(
                name, in: directory, flags: O_RDONLY, reporting: url.appendingPathComponent(name).path, operation: operation)
        }
        guard let configFile = try open(GPT.configFileName, "open") else { throw noConfig(url) }
        defer { configFile.closeIgnoringErrors() }
        let weightsURL = url.appendingPathComponent(GPT.weightsFileName)
        let weights: ModelWeights
        if let weightsFile = try open(GPT.weightsFileName, "open for reading") {
            weights = ModelWeights(single: try SafetensorsFile(reading: weightsFile, url: weightsURL))
        } else if let indexFile = try open(GPT.weightsIndexFileName, "open") {
            // A sharded checkpoint: each shard opened inside the same directory.
            defer { indexFile.closeIgnoringErrors() }
            let indexPath = url.appendingPathComponent(GPT.weightsIndexFileName).path
            weights = try ModelWeights(index: Data(try indexFile.readToEnd(limit: configLimit)), indexPath: indexPath) { shard in
                let shardURL = url.appendingPathComponent(shard)
                guard let file = try open(shard, "open for reading") else {
                    throw ModelFileError.badConfig(path: indexPath, reason: "the shard \(shard) that weight_map names is missing")
                }
                return try SafetensorsFile(reading: file, url: shardURL)
            }
        } else {
            throw CheckpointError.io(path: weightsURL.path, operation: "open for reading", reason: String(cString: strerror(ENOENT)))
        }
        func read(_ name: String) throws -> Data? {
            guard let file = try open(name, "open") else { return nil }
            defer { file.closeIgnoringErrors() }
            do { return Data(try file.readToEnd()) } catch {
                throw TokenizerError(.unreadable(error.localizedDescription), file: name)
            }
        }
        return ModelDirectorySnapshot(
            url: url, config: try decodeConfig(configFile, path: configFile.path), weights: weights,
            tokenizerJSON: try read(GPT.tokenizerFileName),
            tokenizerConfigJSON: try read(TokenizerConfig.fileName),
            chatTemplateJinja: try read(TokenizerConfig.templateFileName).map { Text.normalized(String(decoding: $0, as: UTF8.self)) })
    }

    /// The most bytes of config.json or a shard index read: real ones are a few
    /// kilobytes (an index of thousands of tensors, a few hundred).
    public static let configLimit = 16 << 20

    /// The error for a path that is not a model directory.
    private static func noConfig(_ url: URL) -> ModelFileError {
        .badConfig(path: url.path, reason: "no config.json here (is it a model directory?)")
    }

    /// config.json's content, decoded.
    private static func decodeConfig(_ file: FileDescriptor, path: String) throws -> HuggingFaceConfig {
        var data = Data()
        do {
            data = Data(try file.readToEnd(limit: configLimit))
            return try JSONDecoder().decode(HuggingFaceConfig.self, from: data)
        } catch let error as DecodingError {
            throw ModelFileError.badConfig(path: path, reason: wholeNumberProblem(data) ?? "config.json is not valid (\(describe(error)))")
        } catch let error as CheckpointError {
            throw error
        } catch {
            let reason = (error as? LocalizedError)?.errorDescription ?? "\(error)"
            throw ModelFileError.badConfig(path: path, reason: "cannot read config.json (\(reason))")
        }
    }
}

/// The first size or count in config.json that is not a whole number an Int holds
/// (2.5, 1e30), which JSONDecoder reports only as "not valid JSON", without the key.
private func wholeNumberProblem(_ data: Data) -> String? {
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
    for key in HuggingFaceConfig.wholeNumberKeys.sorted() {
        guard let number = object[key] as? NSNumber else { continue }
        let value = number.doubleValue
        if value.rounded() != value { return "\(key) is \(number); it must be a whole number" }
        if abs(value) >= 0x1p62 { return "\(key) is \(number), past any size this engine takes" }
    }
    return nil
}

/// A decoding error as one line: the key path and what was wrong.
private func describe(_ error: DecodingError) -> String {
    switch error {
    case let .typeMismatch(_, c), let .valueNotFound(_, c), let .keyNotFound(_, c), let .dataCorrupted(c):
        let path = c.codingPath.map(\.stringValue).joined(separator: ".")
        return path.isEmpty ? c.debugDescription : "\(path): \(c.debugDescription)"
    @unknown default:
        return "\(error)"
    }
}
