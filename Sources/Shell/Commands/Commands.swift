import Alignment
import LanguageModel

/// The namespace every command's spec lives in, one file per command.
enum Commands {}

extension Registry {
    /// Every command of the shell under its stage of the pipeline, in the order `help` lists them.
    public static let standard = Registry(stages: [
        Stage("session", [Commands.help, Commands.lesson, Commands.explain, Commands.run, Commands.set, Commands.unset, Commands.show, Commands.echo,
                          Commands.history, Commands.timer, Commands.about, Commands.expect, Commands.quit, Commands.exit]),
        Stage("models and data", [Commands.newModel, Commands.loadModel, Commands.saveModel, Commands.copyModel, Commands.mergeAdapter,
                                  Commands.info, Commands.trainTokenizer, Commands.tokenize, Commands.template, Commands.loadData, Commands.saveData,
                                  Commands.mergeData, Commands.export, Commands.worldGenerate, Commands.worldPrompts, Commands.worldProblems]),
        Stage("pretraining and finetuning", [Commands.pretrain, Commands.sft]),
        Stage("generation", [Commands.generate, Commands.chat, Commands.sample]),
        Stage("labels", [Commands.label, Commands.showComparisons]),
        Stage("reward models", [Commands.trainRM, Commands.evalRM, Commands.score]),
        Stage("rewards and best-of-n", [Commands.reward, Commands.serveReward, Commands.bestofn, Commands.rsRound, Commands.restGrow, Commands.restImprove]),
        Stage("RL", [Commands.ppoInit, Commands.ppoStep, Commands.ppoShow, Commands.grpoInit, Commands.grpoStep, Commands.grpoShow,
                     Commands.rlooInit, Commands.rlooStep, Commands.rlooShow]),
        Stage("preference optimisation", [Commands.dpoInit, Commands.dpoStep, Commands.dpoShow]),
        Stage("AI feedback and relabeling", [Commands.caiRevise, Commands.hirRelabel, Commands.hirTrain]),
        Stage("evaluation", [Commands.gold, Commands.eval, Commands.results]),
        Stage("plots", [Commands.plot, Commands.fit]),
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
