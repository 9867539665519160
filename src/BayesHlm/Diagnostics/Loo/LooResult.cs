namespace BayesHlm.Diagnostics.Loo;

/// <summary>
/// A PSIS-LOO estimate as loo 2.5.1's <c>loo()</c> returns it: elpd_loo, p_loo and looic with their standard
/// errors, the pointwise values, and the diagnostics (k̂, PSIS n_eff, Monte Carlo SE).
/// </summary>
public sealed class LooResult
{
    internal LooResult(int draws, IReadOnlyList<string> names, double[] elpdLoo, double[] pLoo, double[] paretoK,
                       double[] nEff, double[] mcse, double[] relativeEfficiency)
    {
        Draws = draws;
        Names = names;
        PointwiseElpdLoo = elpdLoo;
        PointwisePLoo = pLoo;
        ParetoK = paretoK;
        NEff = nEff;
        PointwiseMcseElpdLoo = mcse;
        RelativeEfficiency = relativeEfficiency;
        ElpdLoo = LooEstimate.Of(elpdLoo);
        PLoo = LooEstimate.Of(pLoo);
        LooIc = LooEstimate.Of(elpdLoo.Select(e => -2 * e).ToArray());
        Diagnostic = new ParetoKDiagnostic(paretoK, nEff, draws);
        McseElpdLoo = Diagnostic.AllBelowBadThreshold ? Math.Sqrt(mcse.Sum(m => m * m)) : double.NaN;
    }

    /// <summary>S, the number of draws.</summary>
    public int Draws { get; }

    /// <summary>Observation names.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Expected log pointwise predictive density, Σ of <see cref="PointwiseElpdLoo"/>.</summary>
    public LooEstimate ElpdLoo { get; }

    /// <summary>Effective number of parameters, Σ (lpd_i − elpd_loo_i).</summary>
    public LooEstimate PLoo { get; }

    /// <summary>−2 · elpd_loo, on the deviance scale.</summary>
    public LooEstimate LooIc { get; }

    /// <summary>Monte Carlo SE of elpd_loo, √Σ mcse_i²; NaN (loo's NA) when some k̂ exceeds 0.7.</summary>
    public double McseElpdLoo { get; }

    /// <summary>log Σ_s w_is p(y_i | θ_s), the PSIS estimate of each observation's leave-one-out predictive density.</summary>
    public IReadOnlyList<double> PointwiseElpdLoo { get; }

    /// <summary>lpd_i − elpd_loo_i per observation.</summary>
    public IReadOnlyList<double> PointwisePLoo { get; }

    /// <summary>Monte Carlo SE of each elpd_loo_i (loo's mcse_elpd).</summary>
    public IReadOnlyList<double> PointwiseMcseElpdLoo { get; }

    /// <summary>Pareto shape estimate k̂ per observation (+∞ when the tail could not be fitted).</summary>
    public IReadOnlyList<double> ParetoK { get; }

    /// <summary>PSIS effective sample size per observation: r_eff / Σ w².</summary>
    public IReadOnlyList<double> NEff { get; }

    /// <summary>The r_eff each observation's smoothing used.</summary>
    public IReadOnlyList<double> RelativeEfficiency { get; }

    /// <summary>The k̂ bands and thresholds.</summary>
    public ParetoKDiagnostic Diagnostic { get; }
}
