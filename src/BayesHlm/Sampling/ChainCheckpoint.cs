namespace BayesHlm.Sampling;

/// <summary>One chain's checkpoint: its whole state (<see cref="GibbsChain.Save"/>) after <see cref="Iteration"/>
/// iterations, warm-up included, having handed its first <see cref="Kept"/> draws to the draw sink.</summary>
/// <param name="Chain">The chain, from 0.</param>
/// <param name="Iteration">Iterations done, warm-up included.</param>
/// <param name="Kept">Kept draws made so far.</param>
/// <param name="State">The chain's state as <see cref="GibbsChain.Save"/> writes it.</param>
internal sealed record ChainCheckpoint(int Chain, int Iteration, int Kept, byte[] State);

/// <summary>Where the chains save their checkpoints. Asked after every iteration whether one is due — so that must
/// cost next to nothing — and handed each checkpoint on the chain's own thread, after the chain's draws up to it were
/// handed to the draw sink; chains call at the same time, each for its own.</summary>
internal interface ICheckpointStore
{
    /// <summary>Whether <paramref name="chain"/> should save its state now.</summary>
    bool IsDue(int chain);

    /// <summary>Keeps the checkpoint (the last one of a chain replaces the one before).</summary>
    void Save(ChainCheckpoint checkpoint);
}

/// <summary>A chain to continue from its checkpoint, with the draws it had kept by then (<see cref="ChainCheckpoint.Kept"/>
/// rows of the parameters' values, row after row), so the run's draws are whole.</summary>
internal sealed record ChainContinuation(ChainCheckpoint Checkpoint, double[] KeptDraws);
