using System.Numerics;
using System.Runtime.CompilerServices;

namespace BayesHlm.Statistics;

/// <summary>
/// A chain's random stream: xoshiro256** (Blackman and Vigna 2018) seeded by SplitMix64, with standard normals by
/// the 256-layer ziggurat (Marsaglia and Tsang 2000; the layer index and the uniform taken from disjoint bits, as
/// Doornik 2005 advises). The sampler draws hundreds of normals per sweep; Box–Muller's log, sqrt and cos for each
/// one cost more than the rest of the draw. A <see cref="Random"/>, so MathNet's distributions can use it too.
/// Not thread-safe: one per chain.
/// </summary>
public sealed class ChainRandom : Random
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>The stream for <paramref name="seed"/>; equal seeds give equal streams on every machine.</summary>
    public ChainRandom(ulong seed)
    {
        ulong z = seed;
        _s0 = SplitMix(ref z); _s1 = SplitMix(ref z); _s2 = SplitMix(ref z); _s3 = SplitMix(ref z);
    }

    private static ulong SplitMix(ref ulong z)
    {
        ulong r = z += 0x9E3779B97F4A7C15UL;
        r = (r ^ (r >> 30)) * 0xBF58476D1CE4E5B9UL;
        r = (r ^ (r >> 27)) * 0x94D049BB133111EBUL;
        return r ^ (r >> 31);
    }

    /// <summary>Saves the generator's whole state (four words), so a resumed chain continues the same stream.</summary>
    internal void SaveState(Sampling.CheckpointWriter into)
    {
        into.Write(_s0); into.Write(_s1); into.Write(_s2); into.Write(_s3);
    }

    /// <summary>Restores a state <see cref="SaveState"/> saved; the all-zero state, from which xoshiro never moves, is refused.</summary>
    internal void RestoreState(Sampling.CheckpointReader from)
    {
        ulong s0 = from.ReadUInt64(), s1 = from.ReadUInt64(), s2 = from.ReadUInt64(), s3 = from.ReadUInt64();
        if ((s0 | s1 | s2 | s3) == 0) throw new InvalidDataException("The checkpoint's random state is all zero: it is damaged.");
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    /// <summary>The next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextBits()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1), 53 bits.</summary>
    public override double NextDouble() => (NextBits() >> 11) * (1.0 / (1UL << 53));

    /// <inheritdoc/>
    protected override double Sample() => NextDouble();

    /// <inheritdoc/>
    public override int Next()
    {
        while (true)
        {
            int v = (int)(NextBits() >> 33);
            if (v != int.MaxValue) return v;
        }
    }

    /// <inheritdoc/>
    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (int)(NextDouble() * maxValue);
    }

    /// <inheritdoc/>
    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return minValue + (int)(NextDouble() * ((long)maxValue - minValue));
    }

    /// <inheritdoc/>
    public override long NextInt64() => (long)(NextBits() >> 1);

    /// <inheritdoc/>
    public override void NextBytes(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++) buffer[i] = (byte)(NextBits() >> 56);
    }

    /// <inheritdoc/>
    public override void NextBytes(byte[] buffer) => NextBytes(buffer.AsSpan());

    // Ziggurat tables: x[i] is the right edge of layer i (x[0] the base layer's equivalent width, x[256] = 0),
    // f[i] = exp(−x[i]²/2). Every layer, the base with its tail included, has area V.
    private const double R = 3.6541528853610088, V = 0.00492867323399;
    private static readonly double[] X = BuildX();
    private static readonly double[] F = X.Select(x => Math.Exp(-0.5 * x * x)).ToArray();

    private static double[] BuildX()
    {
        var x = new double[257];
        x[0] = V / Math.Exp(-0.5 * R * R);
        x[1] = R;
        for (int i = 2; i < 256; i++) x[i] = Math.Sqrt(-2 * Math.Log(V / x[i - 1] + Math.Exp(-0.5 * x[i - 1] * x[i - 1])));
        x[256] = 0;
        return x;
    }

    /// <summary>A standard normal variate. The rectangle of a layer (about 99% of draws) here, small enough to be inlined
    /// where the sampler draws its hundreds of normals per sweep; the rest of the ziggurat in
    /// <see cref="NextNormalOutsideRectangle"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextNormal()
    {
        ulong bits = NextBits();
        int i = (int)(bits & 0xFF);
        // A signed uniform on (−1, 1) from the top 53 bits, disjoint from the layer's 8.
        double u = 2 * ((bits >> 11) * (1.0 / (1UL << 53))) - 1;
        double x = u * X[i];
        return Math.Abs(x) < X[i + 1] ? x : NextNormalOutsideRectangle(i, u, x);
    }

    /// <summary><see cref="NextNormal"/> when its first point <paramref name="x"/> = <paramref name="u"/>·x[i] of layer
    /// <paramref name="i"/> lies outside the layer's rectangle: the tail or the wedge, and new points until one is taken.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private double NextNormalOutsideRectangle(int i, double u, double x)
    {
        while (true)
        {
            if (i == 0)
            {
                // The tail beyond R (Marsaglia 1964).
                double a, b;
                do
                {
                    a = -Math.Log(1 - NextDouble()) / R;
                    b = -Math.Log(1 - NextDouble());
                } while (2 * b < a * a);
                return u < 0 ? -(R + a) : R + a;
            }
            if (F[i] + NextDouble() * (F[i + 1] - F[i]) < Math.Exp(-0.5 * x * x)) return x;
            ulong bits = NextBits();
            i = (int)(bits & 0xFF);
            u = 2 * ((bits >> 11) * (1.0 / (1UL << 53))) - 1;
            x = u * X[i];
            if (Math.Abs(x) < X[i + 1]) return x;
        }
    }
}
