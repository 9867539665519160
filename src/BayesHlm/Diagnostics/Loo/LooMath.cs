using System.Numerics;
using System.Runtime.InteropServices;

namespace BayesHlm.Diagnostics.Loo;

/// <summary>The elementary functions loo's arithmetic relies on, accurate where the naive forms lose digits
/// (.NET has no log1p or expm1 of full accuracy), and the sums over draws that dominate the cost of PSIS-LOO,
/// in SIMD lanes (.NET's vector exp and log are within a few ulps of Math.Exp and Math.Log).</summary>
internal static class LooMath
{
    /// <summary>log(1 + x) accurate for small x (Goldberg's correction of the rounded 1 + x).</summary>
    public static double Log1p(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>exp(x) − 1 accurate for small x (Kahan's correction of the rounded exp).</summary>
    public static double Expm1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1 || double.IsPositiveInfinity(u)) return u == 1 ? x : u;
        double um1 = u - 1;
        return um1 == -1 ? -1 : um1 * x / Math.Log(u);
    }

    /// <summary><see cref="Log1p(double)"/> in SIMD lanes.</summary>
    public static Vector<double> Log1p(Vector<double> x)
    {
        var u = Vector<double>.One + x;
        return Vector.ConditionalSelect(Vector.Equals(u, Vector<double>.One), x, Vector.Log(u) * x / (u - Vector<double>.One));
    }

    /// <summary><see cref="Expm1(double)"/> in SIMD lanes.</summary>
    public static Vector<double> Expm1(Vector<double> x)
    {
        var u = Vector.Exp(x);
        var um1 = u - Vector<double>.One;
        var corrected = Vector.ConditionalSelect(Vector.Equals(um1, -Vector<double>.One), -Vector<double>.One, um1 * x / Vector.Log(u));
        var exact = Vector.Equals(u, Vector<double>.One);
        var infinite = Vector.Equals(u, new Vector<double>(double.PositiveInfinity));
        return Vector.ConditionalSelect(exact, x, Vector.ConditionalSelect(infinite, u, corrected));
    }

    /// <summary>Σ log1p(a·x_j): the profile likelihood of the generalized Pareto fit evaluates it on every grid point.</summary>
    public static double SumLog1p(double a, ReadOnlySpan<double> x)
    {
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<double>.Count)
        {
            var lanes = MemoryMarshal.Cast<double, Vector<double>>(x);
            var acc = Vector<double>.Zero;
            var va = new Vector<double>(a);
            foreach (var v in lanes)
            {
                var ax = va * v;
                var u = Vector<double>.One + ax;
                var corrected = Vector.Log(u) * ax / (u - Vector<double>.One);
                acc += Vector.ConditionalSelect(Vector.Equals(u, Vector<double>.One), ax, corrected);
            }
            sum = Vector.Sum(acc);
            i = lanes.Length * Vector<double>.Count;
        }
        for (; i < x.Length; i++) sum += Log1p(a * x[i]);
        return sum;
    }

    /// <summary>log Σ exp(v), shifted by the maximum (matrixStats::logSumExp; ±∞ when the maximum is).</summary>
    public static double LogSumExp(ReadOnlySpan<double> v)
    {
        double max = Max(v);
        return double.IsInfinity(max) ? max : max + Math.Log(SumExp(v, max));
    }

    /// <summary>Σ exp(v_j − shift).</summary>
    public static double SumExp(ReadOnlySpan<double> v, double shift)
    {
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && v.Length >= Vector<double>.Count)
        {
            var lanes = MemoryMarshal.Cast<double, Vector<double>>(v);
            var acc = Vector<double>.Zero;
            var s = new Vector<double>(shift);
            foreach (var x in lanes) acc += Vector.Exp(x - s);
            sum = Vector.Sum(acc);
            i = lanes.Length * Vector<double>.Count;
        }
        for (; i < v.Length; i++) sum += Math.Exp(v[i] - shift);
        return sum;
    }

    /// <summary>into_j = exp(v_j − shift).</summary>
    public static void Exp(ReadOnlySpan<double> v, double shift, Span<double> into)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && v.Length >= Vector<double>.Count)
        {
            var lanes = MemoryMarshal.Cast<double, Vector<double>>(v);
            var target = MemoryMarshal.Cast<double, Vector<double>>(into);
            var s = new Vector<double>(shift);
            for (int j = 0; j < lanes.Length; j++) target[j] = Vector.Exp(lanes[j] - s);
            i = lanes.Length * Vector<double>.Count;
        }
        for (; i < v.Length; i++) into[i] = Math.Exp(v[i] - shift);
    }

    public static double Max(ReadOnlySpan<double> v)
    {
        double max = double.NegativeInfinity;
        foreach (double x in v) if (x > max) max = x;
        return max;
    }
}
