using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace BayesHlm.Diagnostics;

/// <summary>
/// Biased autocovariances (1/n) Σ_t y_t y_{t+k} of a centred sequence at every lag, by FFT (MathNet): zero-pad
/// to a power of two at least 2n, transform, take |F|², transform back. The buffer is made once per length.
/// </summary>
internal sealed class Autocovariance
{
    private readonly int _n;
    private readonly Complex[] _buffer;

    public Autocovariance(int n)
    {
        _n = n;
        int size = 1;
        while (size < 2 * n) size <<= 1;
        _buffer = new Complex[size];
    }

    /// <summary>Adds the autocovariances of <paramref name="centred"/> (length n) to <paramref name="into"/>[0..n).</summary>
    public void AddBiased(ReadOnlySpan<double> centred, Span<double> into)
    {
        int n = _n;
        for (int i = 0; i < _buffer.Length; i++) _buffer[i] = i < n ? new Complex(centred[i], 0) : Complex.Zero;
        Fourier.Forward(_buffer, FourierOptions.NoScaling);
        for (int i = 0; i < _buffer.Length; i++)
        {
            double re = _buffer[i].Real, im = _buffer[i].Imaginary;
            _buffer[i] = new Complex(re * re + im * im, 0);
        }
        Fourier.Inverse(_buffer, FourierOptions.NoScaling);
        double scale = 1.0 / ((double)_buffer.Length * n);
        for (int k = 0; k < n; k++) into[k] += _buffer[k].Real * scale;
    }
}
