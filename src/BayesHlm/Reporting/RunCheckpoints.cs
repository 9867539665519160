using System.Diagnostics;
using System.Text;
using BayesHlm.Sampling;

namespace BayesHlm.Reporting;

/// <summary>When the chains save their state: every <see cref="Every"/> of wall time per chain, and when they stop.</summary>
/// <param name="Every">Time between two checkpoints of a chain (10 s by default: a killed run loses at most that).</param>
internal sealed record CheckpointPolicy(TimeSpan Every)
{
    /// <summary>Every 10 s.</summary>
    public static CheckpointPolicy Default { get; } = new(TimeSpan.FromSeconds(10));

    /// <summary>Called after each checkpoint is on disk, on the chain's thread (tests stop a run at a chosen iteration with it).</summary>
    public Action<ChainCheckpoint>? Saved { get; init; }
}

/// <summary>
/// A run directory's checkpoints: one file per chain, <c>checkpoint.chainN.bin</c>, holding the chain's state
/// (<see cref="GibbsChain.Save"/>), the iteration, and the mark of its draws part file (<see cref="PartMark"/>: the
/// draws up to the checkpoint, flushed before the file is written). Each file is written under a temporary name and
/// renamed, so a kill during a write leaves the one before whole. The file also holds the run's key
/// (<see cref="KeyOf"/>): a checkpoint of another run is refused, not continued.
/// </summary>
internal sealed class RunCheckpoints : ICheckpointStore
{
    private const string Magic = "BAYESHLM-CHECKPOINT";
    private const int Version = 1;
    private readonly string _directory, _key;
    private readonly StreamingDrawsWriter _draws;
    private readonly CheckpointPolicy _policy;
    private readonly long _every;
    private readonly long[] _due;

    public RunCheckpoints(string directory, string key, int chains, StreamingDrawsWriter draws, CheckpointPolicy policy)
    {
        _directory = directory;
        _key = key;
        _draws = draws;
        _policy = policy;
        _every = (long)(policy.Every.TotalSeconds * Stopwatch.Frequency);
        long first = Stopwatch.GetTimestamp() + _every;
        _due = Enumerable.Repeat(first, chains).ToArray();
    }

    /// <summary>The file of <paramref name="chain"/>'s checkpoint.</summary>
    public static string PathOf(string directory, int chain) => Path.Combine(directory, $"checkpoint.chain{chain + 1}.bin");

    /// <summary>Whether <paramref name="name"/> is a checkpoint file's name.</summary>
    public static bool IsCheckpointFile(string name) =>
        name.StartsWith("checkpoint.chain", StringComparison.Ordinal) && name.EndsWith(".bin", StringComparison.Ordinal);

    /// <summary>The run's identity as its checkpoints record it: SHA-256 of what decides its draws — the data's hash,
    /// the model, the priors in full, the sampler's settings — and of the program's version, which decides them too.</summary>
    public static string KeyOf(RunManifest m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var decisive = m with
        {
            Complete = false, Running = true, IterationsReached = [], DrawsPerChain = null, Name = null, Command = null, AncillaryAcceptance = [],
            Timings = new RunTimings(0, 0, 0, 0, 0, 0, 0), Warnings = [], Files = [], Versions = m.Versions with { DotNet = "", Os = "" },
        };
        return RunManifest.Sha256Of(Encoding.UTF8.GetBytes(decisive.ToJson()));
    }

    public bool IsDue(int chain) => Stopwatch.GetTimestamp() >= _due[chain];

    public void Save(ChainCheckpoint checkpoint)
    {
        var mark = _draws.Mark(checkpoint.Chain);
        if (mark.Rows != checkpoint.Kept)
            throw new InvalidOperationException($"Chain {checkpoint.Chain + 1} kept {checkpoint.Kept} draws but its part file holds {mark.Rows}.");
        AtomicFile.Write(PathOf(_directory, checkpoint.Chain), stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(Version);
            w.Write(_key);
            w.Write(checkpoint.Chain);
            w.Write(checkpoint.Iteration);
            w.Write(checkpoint.Kept);
            w.Write(mark.Bytes);
            w.Write(mark.Sha256.Length);
            w.Write(mark.Sha256);
            w.Write(checkpoint.State.Length);
            w.Write(checkpoint.State);
        });
        _due[checkpoint.Chain] = Stopwatch.GetTimestamp() + _every;
        _policy.Saved?.Invoke(checkpoint);
    }

    /// <summary>Whether <paramref name="directory"/> holds any checkpoint.</summary>
    public static bool AnyIn(string directory) =>
        Directory.Exists(directory) && Directory.EnumerateFiles(directory).Any(f => IsCheckpointFile(Path.GetFileName(f)));

    /// <summary>Every chain's checkpoint and its part file's mark.</summary>
    /// <exception cref="ModelSpecificationException">A chain has none, or one that is damaged or another run's.</exception>
    public static IReadOnlyList<(ChainCheckpoint Checkpoint, PartMark Mark)> Load(string directory, int chains, string key)
    {
        var result = new List<(ChainCheckpoint, PartMark)>();
        for (int c = 0; c < chains; c++)
        {
            string path = PathOf(directory, c);
            if (!File.Exists(path))
                throw new ModelSpecificationException($"'{directory}' has no checkpoint of chain {c + 1} ('{Path.GetFileName(path)}'), so the run cannot be resumed. Run the model again (--force).");
            try
            {
                using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
                if (r.ReadString() != Magic || r.ReadInt32() != Version) throw new InvalidDataException("not a checkpoint this version writes");
                if (r.ReadString() != key)
                    throw new ModelSpecificationException($"'{path}' is another run's checkpoint (its model, data, priors, settings or bayeshlm version differ from run.json's): the directory mixes runs. Run the model again (--force).");
                int chain = r.ReadInt32(), iteration = r.ReadInt32(), kept = r.ReadInt32();
                long bytes = r.ReadInt64();
                var sha = r.ReadBytes(r.ReadInt32());
                var state = r.ReadBytes(r.ReadInt32());
                if (chain != c || iteration < 0 || kept < 0 || bytes < 0 || sha.Length != 32 || r.BaseStream.Position != r.BaseStream.Length)
                    throw new InvalidDataException("its fields do not fit");
                result.Add((new ChainCheckpoint(chain, iteration, kept, state), new PartMark(bytes, kept, sha)));
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
            {
                throw new ModelSpecificationException($"'{path}' is damaged ({e.Message}), so the run cannot be resumed. Run the model again (--force).", e);
            }
        }
        return result;
    }

    /// <summary>Deletes the checkpoints: the run is complete.</summary>
    public static void DeleteAll(string directory)
    {
        foreach (var f in Directory.EnumerateFiles(directory).Where(f => IsCheckpointFile(Path.GetFileName(f))).ToList()) File.Delete(f);
    }
}
