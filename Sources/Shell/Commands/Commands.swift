import Alignment
import LanguageModel

/// The namespace every command's spec lives in, one file per command.
enum Commands {}

extension Registry {
    /// Every command of the shell, in the order `help` lists them.
    public static let standard = Registry([
        Commands.help, Commands.run, Commands.set, Commands.unset, Commands.show, Commands.echo,
        Commands.history, Commands.timer, Commands.about, Commands.expect, Commands.quit, Commands.exit,
        Commands.newModel, Commands.loadModel, Commands.saveModel, Commands.copyModel, Commands.mergeAdapter, Commands.info,
        Commands.trainTokenizer, Commands.tokenize, Commands.loadData, Commands.saveData, Commands.mergeData, Commands.generate, Commands.pretrain, Commands.sft,
        Commands.plot, Commands.fit, Commands.worldGenerate, Commands.gold, Commands.eval, Commands.results,
        Commands.sample, Commands.label, Commands.showComparisons, Commands.trainRM, Commands.evalRM,
        Commands.score, Commands.reward, Commands.bestofn, Commands.rsRound,
        Commands.ppoInit, Commands.ppoStep, Commands.ppoShow, Commands.dpoInit, Commands.dpoStep, Commands.dpoShow,
        Commands.grpoInit, Commands.grpoStep, Commands.grpoShow, Commands.rlooInit, Commands.rlooStep, Commands.rlooShow,
        Commands.restGrow, Commands.restImprove, Commands.caiRevise, Commands.hirRelabel, Commands.hirTrain,
    ])
}

extension Commands {
    /// The tokenizer of a model that can chat; else `withoutMarkers` for a tokenizer with
    /// neither a chat template nor the world's markers, or the reason its template fails.
    static func chatTokenizer(
        _ entry: ModelEntry, _ name: String, _ invocation: Invocation, at argument: String, _ withoutMarkers: String
    ) throws -> BPETokenizer {
        guard let tokenizer = entry.tokenizer else { throw invocation.error(withoutMarkers, at: argument) }
        do { try ChatFormat.check(tokenizer) } catch {
            throw invocation.error(tokenizer.chatTemplate == nil ? withoutMarkers : "\(name) cannot chat: \(error)", at: argument)
        }
        return tokenizer
    }
}
