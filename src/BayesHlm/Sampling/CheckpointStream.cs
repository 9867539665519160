namespace BayesHlm.Sampling;

/// <summary>
/// Writes a chain's state for a checkpoint: doubles as their exact IEEE bits, counts as 64-bit integers, arrays with
/// their length first, so <see cref="CheckpointReader"/> can refuse a checkpoint that does not fit the model.
/// </summary>
internal sealed class CheckpointWriter(BinaryWriter w)
{
    public void Write(double value) => w.Write(value);

    public void Write(long value) => w.Write(value);

    public void Write(ulong value) => w.Write(value);

    public void Write(ReadOnlySpan<double> values)
    {
        w.Write(values.Length);
        foreach (double v in values) w.Write(v);
    }
}

/// <summary>Reads what <see cref="CheckpointWriter"/> wrote, in the same order; an array whose length is not the one the
/// model needs is an <see cref="InvalidDataException"/> (the checkpoint is another model's).</summary>
internal sealed class CheckpointReader(BinaryReader r)
{
    public double ReadDouble() => r.ReadDouble();

    public long ReadInt64() => r.ReadInt64();

    public ulong ReadUInt64() => r.ReadUInt64();

    /// <summary>Fills <paramref name="into"/>, whose length must be the one written.</summary>
    public void ReadInto(Span<double> into)
    {
        int length = r.ReadInt32();
        if (length != into.Length)
            throw new InvalidDataException($"The checkpoint holds {length} values where the model has {into.Length}: it is another model's.");
        for (int i = 0; i < into.Length; i++) into[i] = r.ReadDouble();
    }
}
