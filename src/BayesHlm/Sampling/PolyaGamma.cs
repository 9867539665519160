using System.Runtime.CompilerServices;
using BayesHlm.Statistics;
using MathNet.Numerics;

namespace BayesHlm.Sampling;

/// <summary>
/// Pólya-Gamma variates ω ~ PG(b, c), the latent precisions of the Pólya-Gamma Gibbs sampler for logistic, binomial and
/// negative-binomial likelihoods (Polson, Scott and Windle 2013, JASA). PG(b, c) = (1/2π²) Σₖ gₖ / ((k − ½)² + c²/4π²)
/// with gₖ ~ Gamma(b, 1) independent; E ω = b tanh(c/2)/(2c). The hybrid of Windle, Polson and Scott (2014, "Sampling
/// Pólya-Gamma random variates: alternate and approximate techniques") with the thresholds of their BayesLogit package:
/// <list type="bullet">
/// <item>b ≤ 13 and whole: the sum of b exact PG(1, c) draws by Devroye's alternating-series method (PSW 2013 §4).</item>
/// <item>b ≤ 13, not whole: ⌊b⌋ exact PG(1, c) draws plus PG(b − ⌊b⌋, c) from the gamma-sum representation, its first
/// K terms drawn and the rest replaced by a shifted gamma with the remainder's first three cumulants
/// (<see cref="FractionalPart"/>).</item>
/// <item>b &gt; 13: the saddle-point sampler of Windle et al. §5, an exact rejection sampler from the normalised
/// saddle-point approximation of the density. Against the exact CDF its largest error is 1.6e-4 at b = 14, 2e-5 at
/// b = 50 and 2e-6 at b = 300 (c = 0; the mean is off by 4e-4 standard deviations at b = 14): beyond what a
/// sampler's output can show. Its cost does not grow with b.</item>
/// </list>
/// BayesLogit draws from a normal with the exact mean and variance above b = 170. Not here: PG(b, 0) has skewness
/// 1.96/√b, 0.15 at b = 170, which a normal misses (a Kolmogorov distance near 0.01), while the saddle point keeps it.
/// Allocates nothing: one call per observation per sweep.
/// </summary>
internal static class PolyaGamma
{
    /// <summary>Above this b the saddle-point approximation is used (BayesLogit's <c>rpg</c>: b &gt; 13).</summary>
    public const double SaddlePointAbove = 13;

    /// <summary>A draw of ω ~ PG(<paramref name="b"/>, <paramref name="c"/>); b &gt; 0, c real (its sign is irrelevant).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Next(Random rng, double b, double c)
    {
        if (!(b > 0) || double.IsPositiveInfinity(b)) throw new ArgumentOutOfRangeException(nameof(b), b, "PG(b, c) needs a finite b > 0.");
        if (!double.IsFinite(c)) throw new ArgumentOutOfRangeException(nameof(c), c, "PG(b, c) needs a finite c.");
        c = Math.Abs(c);
        if (b > SaddlePointAbove) return SaddlePoint(rng, b, c);
        double whole = Math.Floor(b), x = 0;
        if (whole > 0)
        {
            var devroye = new Devroye(c);
            for (int i = 0; i < (int)whole; i++) x += devroye.NextJStar(rng);
            x *= 0.25;
        }
        if (b > whole) x += FractionalPart(rng, b - whole, c);
        return x;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // PG(1, c) = J*(1, c/2)/4 by Devroye's method (PSW 2013 §4 and their Algorithm 1). The density of J*(1, z) is
    // cosh(z) e^{−z²x/2} Σₙ (−1)ⁿ aₙ(x), with aₙ from the series that converges fast for small x when x ≤ T and from
    // the one for large x when x > T; at T = 0.64 both alternate with decreasing terms (Devroye 2009). The first term
    // a₀ times the tilt is the envelope, a mixture of a truncated inverse Gaussian (x ≤ T) and a shifted exponential
    // (x > T); the partial sums decide acceptance, almost always after one term (acceptance ≥ 0.9992).

    private const double T = 0.64;

    /// <summary>J*(1, z) sampler for one z, so that a sum of b draws pays for the mixture weight once.</summary>
    private readonly struct Devroye
    {
        private readonly double _halfZ2, _rate, _pLeft, _mu;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Devroye(double c)
        {
            double z = 0.5 * c;
            _halfZ2 = 0.5 * z * z;
            _rate = Math.PI * Math.PI / 8 + _halfZ2;
            _mu = z > 0 ? 1 / z : double.PositiveInfinity;
            _pLeft = z == 0 ? PLeftAtZero : LeftProbability(z, _rate);
        }

        /// <summary>One draw of J*(1, z) (= 4 PG(1, 2z)).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public double NextJStar(Random rng)
        {
            while (true)
            {
                double x, q;
                if (rng.NextDouble() < _pLeft)
                {
                    x = _mu > T ? LeftByInverseChiSquare(rng) : LeftByInverseGaussian(rng);
                    // aₙ/a₀ = (2n + 1) exp(−2n(n + 1)/x) for x ≤ T.
                    q = Math.Exp(-2 / x);
                }
                else
                {
                    x = T + Exponential(rng) / _rate;
                    // aₙ/a₀ = (2n + 1) exp(−n(n + 1)π²x/2) for x > T.
                    q = Math.Exp(-0.5 * Math.PI * Math.PI * x);
                }
                // With the sums divided by a₀: accept when u ≤ S_n for odd n, reject when u > S_n for even n.
                double u = rng.NextDouble(), s = 1, q2 = q * q, step = 1, power = 1;
                for (int n = 1; ; n++)
                {
                    step *= q2;      // q^{2n}
                    power *= step;   // q^{n(n+1)}
                    double term = (2 * n + 1) * power;
                    if ((n & 1) == 1)
                    {
                        s -= term;
                        if (u <= s) return x;
                    }
                    else
                    {
                        s += term;
                        if (u > s) break;
                    }
                }
            }
        }

        /// <summary>
        /// The left piece when 1/z &gt; T: x = 1/N² with N a standard normal beyond 1/√T (the tail by two exponentials,
        /// Devroye 1986 p. 382) has density ∝ x^{−3/2} e^{−1/(2x)} on (0, T); the tilt e^{−z²x/2} by rejection.
        /// </summary>
        private double LeftByInverseChiSquare(Random rng)
        {
            while (true)
            {
                double e1, e2;
                do
                {
                    e1 = Exponential(rng);
                    e2 = Exponential(rng);
                } while (e1 * e1 > 2 / T * e2);
                double s = 1 + T * e1, x = T / (s * s);
                if (_halfZ2 == 0 || rng.NextDouble() < Math.Exp(-_halfZ2 * x)) return x;
            }
        }

        /// <summary>The left piece when 1/z ≤ T: IG(1/z, 1) until below T (at least half its mass is).</summary>
        private double LeftByInverseGaussian(Random rng)
        {
            double x;
            do x = InverseGaussian(rng, _mu, 1); while (x >= T);
            return x;
        }
    }

    /// <summary>The mixture weight of the left piece at z = 0, from <see cref="LeftProbability"/>'s formula.</summary>
    private static readonly double PLeftAtZero = 1 / (1 + RightMassScaled(Math.PI * Math.PI / 8) / (2 * Erfcx(A)));

    private const double A = 0.88388347648318440550;       // 1/√(2T)
    private const double SqrtHalfT = 0.56568542494923801952; // √(T/2)

    /// <summary>
    /// The left piece's share of the envelope's mass. The left mass is e^{−z} erfc(a − b) + e^{z} erfc(a + b), the right
    /// (π/2) e^{−KT}/K, with a = 1/√(2T), b = z√(T/2), K = π²/8 + z²/2 (common factor cosh z dropped). Both carry
    /// e^{−z²T/2}, which overflows the two sides' terms if left in; multiplied by e^{z²T/2 + 1/(2T)} they are sums of
    /// scaled complementary error functions, with no exp at all when z &lt; 1/T.
    /// </summary>
    private static double LeftProbability(double z, double rate)
    {
        double b = z * SqrtHalfT;
        double left = z < 1 / T
            ? Erfcx(A - b) + Erfcx(A + b)
            : 2 * Math.Exp(z * (0.5 * T * z - 1) + 0.5 / T) - Erfcx(b - A) + Erfcx(A + b);
        // Written as a ratio: for large z, left overflows to ∞ and the probability is 1.
        return 1 / (1 + RightMassScaled(rate) / left);
    }

    private static double RightMassScaled(double rate) => 0.5 * Math.PI * Math.Exp(0.5 / T - Math.PI * Math.PI * T / 8) / rate;

    // ---------------------------------------------------------------------------------------------------------------
    // PG(f, c) for 0 < f < 1 (the part of a non-whole b that whole PG(1, c) draws cannot make). The first K terms of
    // the gamma sum are drawn; the remainder R = Σ_{k>K} wₖ gₖ is replaced by s + θ·Gamma(α) with R's first three
    // cumulants (κ₁ = fT₁, κ₂ = fT₂, κ₃ = 2fT₃, Tₙ = Σ_{k>K} wₖⁿ; s ≥ 0 by Cauchy–Schwarz). BayesLogit's rpg.gamma
    // instead truncates at 200 or 1000 terms and drops the rest, which biases the mean by ≈ 1/(2π²K) per unit of b.
    // The approximation's error is in the fourth and higher cumulants: with K ≥ 0.8c (so that the wₖ beyond K are
    // already falling like 1/k²) and K ≥ 8, the fourth cumulant of the remainder is off by less than ~1e-6 of
    // PG(f, c)'s own, which no Monte Carlo run can see.

    /// <summary>Terms drawn before the remainder is approximated: the weights flatten until k − ½ ≈ c/2π.</summary>
    internal static int FractionalTerms(double c) => Math.Max(8, (int)Math.Ceiling(0.8 * c));

    /// <summary>PG(f, c) for 0 &lt; f &lt; 1 (see the note above).</summary>
    internal static double FractionalPart(Random rng, double f, double c)
    {
        double d = c * c / (4 * Math.PI * Math.PI);
        int terms = FractionalTerms(c);
        var gamma = new GammaShape(f);
        double sum = 0;
        for (int k = 1; k <= terms; k++)
        {
            double h = k - 0.5;
            sum += gamma.Next(rng) / (h * h + d);
        }
        RemainderPowerSums(terms, d, out double t1, out double t2, out double t3);
        double theta = t3 / t2, alpha = f * t2 * t2 * t2 / (t3 * t3), shift = f * (t1 - t2 * t2 / t3);
        sum += Math.Max(shift, 0) + theta * new GammaShape(alpha).Next(rng);
        return sum / (2 * Math.PI * Math.PI);
    }

    /// <summary>
    /// Tₙ = Σ_{k&gt;K} ((k − ½)² + d)^{−n}, n = 1, 2, 3. Expanded in d, Tₙ = Σₘ (−1)ᵐ C(n+m−1, m) dᵐ Σ_{j≥0} (K + ½ + j)^{−2n−2m},
    /// and each midpoint sum by Euler–Maclaurin (<see cref="MidpointSum"/>). The expansion converges as ρᵐ with
    /// ρ = d/K² ≤ 0.04 (K ≥ 0.8c); the Euler–Maclaurin remainder at K = 8 is ~1e-11 of T₁ and ~1e-7 of T₃, and the
    /// remainder is a few percent of the whole sum at most, so this is far inside the approximation's own error.
    /// </summary>
    internal static void RemainderPowerSums(int terms, double d, out double t1, out double t2, out double t3)
    {
        double k = terms, inverseK2 = 1 / (k * k), rho = d * inverseK2;
        t1 = RemainderSeries(1, inverseK2, rho) / k;
        t2 = RemainderSeries(2, inverseK2, rho) * inverseK2 / k;
        t3 = RemainderSeries(3, inverseK2, rho) * inverseK2 * inverseK2 / k;
    }

    /// <summary>K^{2n−1} Tₙ as the series in ρ.</summary>
    private static double RemainderSeries(int n, double inverseK2, double rho)
    {
        double sum = 0, coefficient = 1, power = 1;
        for (int m = 0; m < 40; m++)
        {
            double term = coefficient * power * MidpointSum(2 * n + 2 * m, inverseK2);
            sum += (m & 1) == 0 ? term : -term;
            if (term < 1e-17 * sum) break;
            coefficient = coefficient * (n + m) / (m + 1);
            power *= rho;
        }
        return sum;
    }

    /// <summary>
    /// K^{p−1} Σ_{j≥0} (K + ½ + j)^{−p} by Euler–Maclaurin for a midpoint sum: ∫_K^∞ g + g′(K)/24 − 7g‴(K)/5760
    /// + 31g⁽⁵⁾(K)/967680 − 127g⁽⁷⁾(K)/154828800, g(s) = s^{−p}.
    /// </summary>
    private static double MidpointSum(int p, double inverseK2)
    {
        double p3 = p * (p + 1.0) * (p + 2), p5 = p3 * (p + 3) * (p + 4), p7 = p5 * (p + 5) * (p + 6);
        return 1.0 / (p - 1) + inverseK2 * (-p / 24.0 + inverseK2 * (7.0 / 5760 * p3
            + inverseK2 * (-31.0 / 967680 * p5 + inverseK2 * (127.0 / 154828800 * p7))));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The saddle-point sampler (Windle et al. 2014 §5; BayesLogit's PolyaGammaApproxSP). X = J*(h, z)/h is the mean of
    // h draws of J*(1, z), whose cumulant generating function is K(t) = log cosh z − log cos √(2t − z²) (cosh of
    // √(z² − 2t) below t = z²/2). Its saddle-point density is sp(x) ∝ K″(t)^{−1/2} exp(h φ(x)), φ(x) = K(t) − tx at
    // K′(t) = x. The envelope: φ = η + δ with δ(x) = ½(1/m − 1/x) left of m = 1.1 x̄ and log(x/m) right of it (x̄ = K′(0)
    // = tanh z/z, the mean), η bounded by its tangents at x̄ and at 1.2 x̄, and K″ bounded by K″(m) x³/m³ (left) and
    // K″(m) x²/m² (right); the left piece is then an inverse Gaussian IG(x̄, h) below m, the right a Gamma(h, h·r)
    // above m. The points 1.1 and 1.2 are the paper's and BayesLogit's: they accept 81–100% of proposals for h ≥ 13
    // (2.75 and 3, the polyagamma package's choice, accept 56–94%, computed with the exact envelope masses).

    /// <summary>PG(h, c) by the saddle-point approximation (used above b = 13).</summary>
    internal static double SaddlePoint(Random rng, double h, double c)
    {
        var envelope = new SaddlePointEnvelope(h, c);
        while (true)
        {
            double x;
            if (rng.NextDouble() < envelope.PLeft)
            {
                do x = InverseGaussian(rng, envelope.Mean, h); while (x >= envelope.Mid);
            }
            else x = GammaAbove(rng, h, envelope.Bound) / (h * envelope.Rate);
            if (rng.NextDouble() <= Math.Exp(envelope.LogSaddlePoint(x) - envelope.LogEnvelope(x))) return 0.25 * h * x;
        }
    }

    /// <summary>The saddle-point density of X = J*(h, z)/h and its envelope, set up for one (h, c).</summary>
    internal readonly struct SaddlePointEnvelope
    {
        private readonly double _h, _logCoshZ, _halfZ2, _halfLogAlphaLeft, _halfLogAlphaRight, _intercept, _vMean, _dvdx;

        /// <summary>x̄ = tanh z/z, the mean of X and the left piece's inverse-Gaussian mean.</summary>
        public readonly double Mean;

        /// <summary>m = 1.1 x̄, where the pieces meet.</summary>
        public readonly double Mid;

        /// <summary>The right piece's gamma rate per unit of h (minus the slope of η's tangent at 1.2 x̄).</summary>
        public readonly double Rate;

        /// <summary>h·Rate·m: the right piece's Gamma(h, 1) variate is conditioned above it.</summary>
        public readonly double Bound;

        /// <summary>The left piece's share of the envelope's mass.</summary>
        public readonly double PLeft;

        public SaddlePointEnvelope(double h, double c)
        {
            _h = h;
            double z = 0.5 * c;
            Mean = TanhOverX(z);
            Mid = 1.1 * Mean;
            double right = 1.2 * Mean;
            _logCoshZ = LogCosh(z);
            _halfZ2 = 0.5 * z * z;
            // The saddle point of the mean is known (t = 0, so v = −z²), and with it dv/dx = 1/y′(v) = 2/K″(0): every
            // root search starts from the tangent step off it, about one Newton iteration saved (proposals fall within
            // a few standard deviations, √(K″/h), of the mean).
            _vMean = -z * z;
            _dvdx = 2 / (Math.Abs(_vMean) < SeriesBelow ? 2 * TanOverRootSlopeSeries(_vMean) : Mean * Mean + (1 - Mean) / _vMean);

            Phi(Mid, StartFor(Mid), _logCoshZ, _halfZ2, out _, out double k2Mid);
            double logMid = Math.Log(Mid);
            _halfLogAlphaLeft = 0.5 * (3 * logMid - Math.Log(k2Mid));
            _halfLogAlphaRight = 0.5 * (2 * logMid - Math.Log(k2Mid));

            // η's tangent at the right point: slope −Rate, and the intercept that makes h(intercept − Rate·x) +
            // h log(x/m) the right piece's exponent.
            double phiRight = Phi(right, StartFor(right), _logCoshZ, _halfZ2, out double tRight, out _);
            Rate = tRight + 1 / right;
            _intercept = phiRight - Math.Log(right / Mid) + Rate * right;

            // The pieces' masses: the inverse Gaussian's below m, the gamma's above m (the common √(h/2π) dropped). The
            // gamma's untruncated mass bounds its truncated one; when even that is negligible (large h and c, where
            // m is far in the upper tail) the incomplete gamma function is not needed.
            double logMassLeft = _halfLogAlphaLeft + 0.5 * Math.Log(2 * Math.PI / h) + Math.Log(InverseGaussianCdf(Mid, Mean, h));
            Bound = h * Rate * Mid;
            double logMassRight = _halfLogAlphaRight + h * (_intercept - logMid - Math.Log(h * Rate)) + SpecialFunctions.GammaLn(h);
            PLeft = logMassRight - logMassLeft < -40 ? 1
                : 1 / (1 + Math.Exp(logMassRight + Math.Log(SpecialFunctions.GammaUpperRegularized(h, Bound)) - logMassLeft));
        }

        private double StartFor(double x) => _vMean + (x - Mean) * _dvdx;

        /// <summary>log of the envelope at x (without √(h/2π)).</summary>
        public double LogEnvelope(double x)
        {
            if (x < Mid)
            {
                // h(η's tangent at x̄ + δ), simplified: the tangent has slope −1/(2x̄²) and φ(x̄) = 0.
                double dx = x - Mean;
                return _halfLogAlphaLeft - 1.5 * Math.Log(x) - 0.5 * _h * dx * dx / (Mean * Mean * x);
            }
            return _halfLogAlphaRight - Math.Log(x) + _h * (_intercept - Rate * x + Math.Log(x / Mid));
        }

        /// <summary>log of the saddle-point density at x (without √(h/2π)).</summary>
        public double LogSaddlePoint(double x)
        {
            double phi = Phi(x, StartFor(x), _logCoshZ, _halfZ2, out _, out double k2);
            return _h * phi - 0.5 * Math.Log(k2);
        }
    }

    /// <summary>
    /// φ(x) = K(t) − tx at the saddle point K′(t) = x, with t and K″(t). In v = 2t − z², K′ = y(v) = tan √v/√v
    /// (tanh √−v/√−v for v &lt; 0) and K″ = 2y′(v) = x² + (1 − x)/v. The root search starts at <paramref name="start"/>.
    /// </summary>
    private static double Phi(double x, double start, double logCoshZ, double halfZ2, out double t, out double k2)
    {
        double v = SolveTanOverRoot(x, start);
        double logCosRoot = v < 0 ? LogCosh(Math.Sqrt(-v)) : Math.Log(Math.Cos(Math.Sqrt(v)));
        t = 0.5 * v + halfZ2;
        k2 = Math.Abs(v) < SeriesBelow ? 2 * TanOverRootSlopeSeries(v) : x * x + (1 - x) / v;
        return logCoshZ - logCosRoot - t * x;
    }

    // Below |v| = 1e-3 the series in v (tan r/r = 1 + r²/3 + 2r⁴/15 + …) is exact to rounding; the closed forms lose
    // digits to 1 − y and 1/v there.
    private const double SeriesBelow = 1e-3;

    private static double TanOverRootSeries(double v) =>
        1 + v * (1.0 / 3 + v * (2.0 / 15 + v * (17.0 / 315 + v * (62.0 / 2835 + v * (1382.0 / 155925)))));

    private static double TanOverRootSlopeSeries(double v) =>
        1.0 / 3 + v * (4.0 / 15 + v * (51.0 / 315 + v * (248.0 / 2835 + v * (6910.0 / 155925))));

    /// <summary>
    /// The v &lt; π²/4 with y(v) = x, by Newton's method from <paramref name="start"/> when it lies inside the bracket
    /// below (else from a bound). y is increasing and convex, so Newton's method from the right of the root falls
    /// monotonically onto it; the bracket keeps a start from the left (whose first step overshoots) off the pole at π²/4.
    /// </summary>
    internal static double SolveTanOverRoot(double x, double start = double.NaN)
    {
        if (x == 1) return 0;
        double lo, hi, v;
        if (x < 1)
        {
            // tanh r < 1 gives r < 1/x; tanh r/r ≥ 1 − r²/3 gives r² ≥ 3(1 − x). Below x = 0.3, tanh(1/x) is within 1%
            // of 1, so 1/x is all but the root.
            lo = -1 / (x * x);
            hi = -3 * (1 - x);
            v = x < 0.3 ? lo : hi;
        }
        else
        {
            // tan r/r ≥ 1 + r²/3 gives r² ≤ 3(x − 1); near the pole tan r ≈ 1/(π/2 − r), so r ≈ π/2 − 2/(πx).
            lo = 0;
            hi = Math.Min(3 * (x - 1), Math.PI * Math.PI / 4);
            double nearPole = Math.PI / 2 - 2 / (Math.PI * x);
            v = Math.Min(hi, nearPole * nearPole);
        }
        if (start > lo && start < hi) v = start;
        for (int iteration = 0; iteration < 100; iteration++)
        {
            double y, slope;
            if (Math.Abs(v) < SeriesBelow)
            {
                y = TanOverRootSeries(v);
                slope = TanOverRootSlopeSeries(v);
            }
            else
            {
                double r = Math.Sqrt(Math.Abs(v));
                y = (v > 0 ? Math.Tan(r) : Math.Tanh(r)) / r;
                slope = 0.5 * (y * y + (1 - y) / v);
            }
            double f = y - x;
            double next = v - f / slope;
            // Convergence is quadratic, so once a step is below 1e-7 (relative) the point it lands on is good to about
            // 1e-14 times y″/2y′, which is modest away from the pole: no evaluation to confirm it. Tested before the
            // bracket, since a last step below v's ulp would otherwise look like leaving it.
            if (Math.Abs(next - v) <= 1e-7 * Math.Max(1, Math.Abs(v))) return next;
            if (f > 0) hi = v; else lo = v;
            if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
            v = next;
        }
        return v;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Variates and special functions.

    /// <summary>Exp(1) by inversion; 1 − U is in (0, 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Exponential(Random rng) => -Math.Log(1 - rng.NextDouble());

    /// <summary>
    /// IG(μ, λ) by Michael, Schucany and Haas (1976), with their smaller root written as μ/(1 + a + √(a(a + 2))),
    /// a = μN²/(2λ), which keeps its digits when a is large.
    /// </summary>
    internal static double InverseGaussian(Random rng, double mu, double lambda)
    {
        double n = rng.NextStandardNormal();
        double a = mu * n * n / (2 * lambda);
        double x = mu / (1 + a + Math.Sqrt(a * (a + 2)));
        return rng.NextDouble() * (mu + x) <= mu ? x : mu * mu / x;
    }

    /// <summary>
    /// P(X ≤ x) for X ~ IG(μ, λ) and x ≥ μ: Φ(u) + e^{2λ/μ} Φ(−√2 w) with u = √(λ/x)(x/μ − 1), w = √(λ/2x)(x/μ + 1),
    /// rewritten with the scaled erfc so that e^{2λ/μ} (λ = h, up to thousands) never appears on its own.
    /// </summary>
    internal static double InverseGaussianCdf(double x, double mu, double lambda)
    {
        double u = Math.Sqrt(lambda / x) * (x / mu - 1), w = Math.Sqrt(lambda / (2 * x)) * (x / mu + 1);
        return 1 - 0.5 * Math.Exp(-0.5 * u * u) * (Erfcx(u / Math.Sqrt(2)) - Erfcx(w));
    }

    /// <summary>
    /// Gamma(a, 1) conditioned above <paramref name="bound"/>, a ≥ 1. At or below the mode a − 1 plain draws are kept
    /// when above the bound (at least about half are); above it, a shifted exponential with Dagpunar's (1978) rate
    /// λ = (B − a + √((B − a)² + 4B))/(2B), whose ratio to the target peaks at y* = (a − 1)/(1 − λ) ≥ B.
    /// </summary>
    internal static double GammaAbove(Random rng, double a, double bound)
    {
        var gamma = new GammaShape(a);
        if (bound <= a - 1)
        {
            while (true)
            {
                double y = gamma.Next(rng);
                if (y > bound) return y;
            }
        }
        double excess = bound - a;
        double lambda = (excess + Math.Sqrt(excess * excess + 4 * bound)) / (2 * bound);
        double peak = (a - 1) / (1 - lambda);
        while (true)
        {
            double y = bound + Exponential(rng) / lambda;
            double logRatio = (a - 1) * Math.Log(y / peak) - (1 - lambda) * (y - peak);
            if (-Exponential(rng) <= logRatio) return y;
        }
    }

    /// <summary>
    /// Gamma(shape, 1) by Marsaglia and Tsang (2000), its constants computed once for many draws of one shape; below
    /// shape 1, Gamma(shape + 1)·U^{1/shape}.
    /// </summary>
    private readonly struct GammaShape
    {
        private readonly double _d, _c, _inverseShape;
        private readonly bool _boost;

        public GammaShape(double shape)
        {
            _boost = shape < 1;
            double a = _boost ? shape + 1 : shape;
            _d = a - 1.0 / 3;
            _c = 1 / Math.Sqrt(9 * _d);
            _inverseShape = 1 / shape;
        }

        public double Next(Random rng)
        {
            double g;
            while (true)
            {
                double x, v;
                do
                {
                    x = rng.NextStandardNormal();
                    v = 1 + _c * x;
                } while (v <= 0);
                v = v * v * v;
                double u = rng.NextDouble(), x2 = x * x;
                if (u < 1 - 0.0331 * x2 * x2 || Math.Log(u) < 0.5 * x2 + _d * (1 - v + Math.Log(v)))
                {
                    g = _d * v;
                    break;
                }
            }
            return _boost ? g * Math.Pow(1 - rng.NextDouble(), _inverseShape) : g;
        }
    }

    /// <summary>tanh(z)/z, 1 at 0.</summary>
    private static double TanhOverX(double z) => z < 1e-4 ? 1 - z * z / 3 : Math.Tanh(z) / z;

    /// <summary>log cosh r for r ≥ 0, without overflow.</summary>
    private static double LogCosh(double r) => r + Math.Log(1 + Math.Exp(-2 * r)) - Math.Log(2);

    /// <summary>
    /// e^{x²} erfc(x), by W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev approximations for the
    /// error function", Math. Comp. 1969; the coefficients of his CALERF, netlib specfun), good to about 1e-16
    /// relative. Computed directly, not as erfc times e^{x²}, for x &gt; 0.46875: no exp and no underflow.
    /// </summary>
    internal static double Erfcx(double x)
    {
        if (x < 0) return 2 * Math.Exp(x * x) - Erfcx(-x);
        if (x <= 0.46875)
        {
            double s = x * x;
            double num = (((0.185777706184603153 * s + 3.16112374387056560) * s + 113.864154151050156) * s
                + 377.485237685302021) * s + 3209.37758913846947;
            double den = (((s + 23.6012909523441209) * s + 244.024637934444173) * s + 1282.61652607737228) * s
                + 2844.23683343917062;
            return Math.Exp(s) * (1 - x * num / den);
        }
        if (x <= 4)
        {
            double num = (((((((2.15311535474403846e-8 * x + 0.564188496988670089) * x + 8.88314979438837594) * x
                + 66.1191906371416295) * x + 298.635138197400131) * x + 881.952221241769090) * x
                + 1712.04761263407058) * x + 2051.07837782607147) * x + 1230.33935479799725;
            double den = (((((((x + 15.7449261107098347) * x + 117.693950891312499) * x + 537.181101862009858) * x
                + 1621.38957456669019) * x + 3290.79923573345963) * x + 4362.61909014324716) * x
                + 3439.36767414372164) * x + 1230.33935480374942;
            return num / den;
        }
        const double InverseSqrtPi = 0.56418958354775628695;
        if (x >= 6.71e7) return InverseSqrtPi / x;
        double r = 1 / (x * x);
        double pNum = ((((0.0163153871373020978 * r + 0.305326634961232344) * r + 0.360344899949804439) * r
            + 0.125781726111229246) * r + 0.0160837851487422766) * r + 6.58749161529837803e-4;
        double pDen = ((((r + 2.56852019228982242) * r + 1.87295284992346047) * r + 0.527905102951428412) * r
            + 0.0605183413124413191) * r + 0.00233520497626869185;
        return (InverseSqrtPi - r * pNum / pDen) / x;
    }
}
