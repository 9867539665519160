using System.Diagnostics;
using BayesHlm.Data;
using BayesHlm.Model;
using BayesHlm.Statistics;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Estimation.Glmm;

/// <summary>Settings of a binomial or Poisson ML fit.</summary>
public sealed record GlmmOptions
{
    /// <summary>1: the Laplace approximation (glmer's default); more: adaptive Gauss–Hermite quadrature with that many
    /// points per group (glmer's nAGQ), for one scalar random effect only.</summary>
    public int QuadraturePoints { get; init; } = 1;

    /// <summary>Confidence level of the fixed effects' Wald intervals.</summary>
    public double ConfidenceLevel { get; init; } = 0.95;
}

/// <summary>
/// Maximum likelihood for multilevel logistic (bernoulli, binomial) and Poisson models, as glmer computes it: the
/// likelihood at (θ, β) by the Laplace approximation or adaptive quadrature (<see cref="GlmmLikelihood"/>), maximised by
/// Newton over θ and β together; β's standard errors from the inverse Hessian of −2 log L over (θ, β) (glmer's
/// default), Wald z tests; the random effects' conditional modes and sds. REML does not exist for these families.
/// </summary>
public static class GeneralizedFit
{
    /// <summary>Fits <paramref name="spec"/> (its <see cref="ModelSpec.Family"/> binomial, bernoulli or Poisson) to the data.</summary>
    public static RemlFit Fit(ModelSpec spec, DataTable data, GlmmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(data);
        if (spec.Family == Family.Gaussian) throw new ArgumentException("A gaussian model is fitted by Reml.Fit.", nameof(spec));
        var clock = Stopwatch.StartNew();
        var (statistics, _) = SufficientStatistics.BuildWithDesign(spec, data);
        return Fit(statistics.ForSampler(), options ?? new GlmmOptions(), clock);
    }

    /// <summary>Fits from the statistics of a binomial or Poisson model (built with their rows).</summary>
    public static RemlFit Fit(SufficientStatistics statistics, GlmmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        if (statistics.Rows is null) throw new ArgumentException("Not a binomial or Poisson model's statistics: fit a gaussian model by Reml.Fit.", nameof(statistics));
        return Fit(statistics.ForSampler(), options ?? new GlmmOptions(), Stopwatch.StartNew());
    }

    /// <summary>The EB/ML fit a run makes: REML or ML for a gaussian model, the Laplace approximation for a binomial or
    /// Poisson one.</summary>
    public static RemlFit ForRun(SufficientStatistics statistics, RemlOptions options)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        return statistics.Spec.Family == Family.Gaussian ? Reml.Fit(statistics, options) : Fit(statistics);
    }

    // s: the statistics as the sampler holds them (random columns as written), with their rows.
    private static RemlFit Fit(SufficientStatistics s, GlmmOptions options, Stopwatch clock)
    {
        int points = options.QuadraturePoints;
        if (points < 1 || points > 100) throw new ModelSpecificationException($"The number of quadrature points must be from 1 to 100, not {points}.");
        if (points > 1 && (s.Levels.Count != 1 || s.Levels[0].Size != 1))
            throw new ModelSpecificationException("Adaptive quadrature (--agq) integrates one scalar random effect per group, as glmer's nAGQ > 1 does; this model has " +
                (s.Levels.Count == 0 ? "none" : $"{s.Levels.Sum(l => l.Size)} random coefficients over {s.Levels.Count} factor(s)") + ". Use --method laplace.");
        var likelihood = new GlmmLikelihood(s, s.Rows!);
        var map = likelihood.Map;
        int nt = map.Count, p = s.P;
        var warnings = new List<string>(s.DesignWarnings);
        double Objective(double[] x) => likelihood.Deviance(x.AsSpan(0, nt), x.AsSpan(nt), points);
        var batch = Batch(likelihood, points);

        // From the model without random effects (β by IRLS at θ = 0), θ at the identity, as glmer starts.
        var x0 = new double[nt + p];
        var beta0 = FixedOnlyStart(likelihood, p, nt);
        map.Initial().CopyTo(x0, 0);
        beta0.CopyTo(x0, nt);
        var result = NewtonMinimizer.Minimize(Objective, x0, polish: false, batch: batch, fewerPoints: true);
        var x = result.X;
        map.Normalize(x[..nt]).CopyTo(x, 0);
        if (!result.Converged) warnings.Add("The optimiser did not converge: the estimates may not be the maximum. Simplify the random part, or check for a predictor that separates the outcome.");
        return Assemble(s, likelihood, x, points, options, result.Converged, result.Iterations, warnings, clock);
    }

    /// <summary>
    /// Everything a fit reports at given parameters instead of estimated ones: the likelihood, β's SEs, the conditional
    /// modes — so that another program's estimates can be checked at exactly its own values.
    /// </summary>
    /// <param name="spec">The model (family binomial, bernoulli or Poisson).</param>
    /// <param name="data">The data.</param>
    /// <param name="covariances">Σ_k per grouping level, q_k×q_k row-major, random columns as written.</param>
    /// <param name="beta">The fixed effects, in the user's coordinates.</param>
    /// <param name="options">Laplace or quadrature.</param>
    public static RemlFit AtParameters(ModelSpec spec, DataTable data, IReadOnlyList<double[]> covariances, double[] beta, GlmmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(covariances);
        ArgumentNullException.ThrowIfNull(beta);
        var clock = Stopwatch.StartNew();
        options ??= new GlmmOptions();
        var (statistics, _) = SufficientStatistics.BuildWithDesign(spec, data);
        var s = statistics.ForSampler();
        var likelihood = new GlmmLikelihood(s, s.Rows!);
        var theta = likelihood.Map.FromCovariances(covariances, 1) ?? throw new ArgumentException("A covariance matrix is not positive semi-definite.", nameof(covariances));
        var inside = (double[])beta.Clone();
        s.Coordinates.Fixed.MultiplyL(inside);
        return Assemble(s, likelihood, [.. theta, .. inside], options.QuadraturePoints, options, true, 0, [], clock);
    }

    // x = (θ, β in the statistics' coordinates).
    private static RemlFit Assemble(SufficientStatistics s, GlmmLikelihood likelihood, double[] x, int points, GlmmOptions options,
        bool converged, int iterations, List<string> warnings, Stopwatch clock)
    {
        var rows = s.Rows!;
        var map = likelihood.Map;
        int nt = map.Count, p = s.P;
        double Objective(double[] v) => likelihood.Deviance(v.AsSpan(0, nt), v.AsSpan(nt), points);
        var theta = x[..nt];
        double minus2ll = Objective(x);

        // Cov(θ, β) = 2H⁻¹ of −2 log L; β's block is glmer's vcov.
        var hessian = NumericalDerivatives.Hessian(Batch(likelihood, points), x, fewerPoints: true);
        // NumericalDerivatives.Hessian is exactly symmetric.
        var cov = Statistics.Linalg.Dense.TryInverse(hessian, nt + p);
        var fixedCov = new double[p * p];
        bool hessianOk = cov is not null;
        for (int a = 0; a < p; a++)
            for (int c = 0; c < p; c++) fixedCov[a * p + c] = hessianOk ? 2 * cov![(nt + a) * (nt + p) + nt + c] : double.NaN;
        if (!hessianOk) warnings.Add("The Hessian of the likelihood is not positive definite at the estimates: the standard errors are not available. The model may be over-parameterised for these data.");
        var beta = x[nt..];
        s.Coordinates.ToUser(beta);
        s.Coordinates.ToUserCovariance(fixedCov);

        double zCrit = Normal.InvCDF(0, 1, (1 + options.ConfidenceLevel) / 2);
        var fixedEffects = new List<FixedEffectEstimate>();
        for (int i = 0; i < p; i++)
        {
            double se = Math.Sqrt(fixedCov[i * p + i]), z = beta[i] / se;
            fixedEffects.Add(new FixedEffectEstimate(s.FixedNames[i], beta[i], se, double.NaN, double.NaN, double.PositiveInfinity, z,
                2 * Normal.CDF(0, 1, -Math.Abs(z)), beta[i] - zCrit * se, beta[i] + zCrit * se));
        }

        // Σ_k = Λ_kΛ_kᵀ (σ² = 1), the random columns as written.
        var sigma = map.ToCovariances(theta, 1);
        var covariance = new List<CovarianceEstimate>();
        var singularLevel = new bool[s.Levels.Count];
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var level = s.Levels[k];
            int q = level.Size;
            for (int r = 0; r < q; r++)
            {
                singularLevel[k] |= sigma[k][r * q + r] < 1e-8;
                for (int c = 0; c <= r; c++)
                    if (level.Free[r, c])
                        covariance.Add(new CovarianceEstimate(level.Grouping.Name, level.TermNames[c], r == c ? null : level.TermNames[r], sigma[k][r * q + c], null, null, null));
            }
        }
        // The conditional modes at the estimates: the main workspace's last evaluation was at x itself (the Hessian's
        // points ran on workspaces of their own).
        var groups = GroupModes(s, likelihood);
        int parameters = nt + p;
        var fit = new FitStatistics(minus2ll, minus2ll + 2 * parameters, double.NaN, minus2ll + parameters * Math.Log(s.N), parameters)
        {
            AicLme4 = minus2ll + 2 * parameters,
            BicLme4 = minus2ll + parameters * Math.Log(s.N),
            ParametersLme4 = parameters,
        };
        foreach (var k in Enumerable.Range(0, s.Levels.Count).Where(k => singularLevel[k]))
            warnings.Add($"Singular fit: the covariance matrix of the random effects for '{s.Levels[k].Grouping.Name}' is at the boundary (a variance of 0): the data show no variation there beyond the level-1 outcome's own. Consider simplifying the random part, or see the Bayesian fit.");
        foreach (var level in s.Levels)
            if (level.Grouping.Count < 10)
                warnings.Add($"Only {level.Grouping.Count} groups for '{level.Grouping.Name}': its variance estimates are imprecise, and with a binary outcome the Laplace fit and the posterior can differ markedly.");
        if (rows.Design.OutcomeCoding is { } coding) warnings.Insert(0, $"Outcome coded {coding}.");
        // Separation: a predictor that splits the outcome (almost) perfectly sends its coefficient off without bound, and
        // the likelihood flattens there, so the optimiser stops "converged". A change of 15 in the log-odds per sd of a
        // column (odds × 3·10⁶) is no estimate.
        var separating = new List<string>();
        for (int i = 0; i < p; i++)
        {
            var column = rows.X[i];
            double sd = Math.Sqrt(column.Select(v => v * v).Average() - Math.Pow(column.Average(), 2));
            double scale = i == s.InterceptIndex || !(sd > 0) ? 1 : sd;
            if (Math.Abs(x[nt + i]) * scale > 15 && rows.Family != Family.Poisson) separating.Add(s.FixedNames[i]);
        }
        // The intercept runs off with a separating predictor: name it only when it runs off alone.
        if (separating.Count > 1) separating.Remove("(Intercept)");
        if (separating.Count > 0)
        {
            converged = false;
            warnings.Insert(0, $"Separation: {string.Join(", ", separating.Select(n => $"'{n}'"))} predict{(separating.Count == 1 ? "s" : "")} the outcome (almost) perfectly in these data, so " +
                "the maximum likelihood estimate does not exist: the coefficient grows without bound and its SE is meaningless. Remove or recode the predictor, " +
                "or fit the model by 'bayeshlm sample', whose prior keeps the coefficient finite.");
        }

        return new RemlFit
        {
            Spec = s.Spec,
            Method = points > 1 ? EstimationMethod.AdaptiveQuadrature : EstimationMethod.Laplace,
            Algorithm = EstimationAlgorithm.Newton,
            Observations = s.N,
            GroupCounts = s.Levels.Select(l => (l.Grouping.Name, l.Grouping.Count)).ToList(),
            Frame = s.Frame,
            FixedEffects = fixedEffects,
            Covariance = covariance,
            Fit = fit,
            Groups = groups,
            Icc = [],
            ResidualVariance = 1,
            Converged = converged,
            Iterations = iterations,
            Singular = singularLevel.Any(b => b),
            Warnings = warnings,
            Seconds = clock.Elapsed.TotalSeconds,
            FixedCovariance = fixedCov,
            DegreesOfFreedom = DegreesOfFreedomMethod.Wald,
            ConfidenceLevel = options.ConfidenceLevel,
            Family = s.Spec.Family,
            QuadraturePoints = points,
        };
    }

    /// <summary>
    /// The deviance at many points at once (a derivative's), spread over the cores: each point on a workspace of its own,
    /// starting from the modes <paramref name="main"/> holds now, so the values do not depend on which core took which point.
    /// </summary>
    private static Func<IReadOnlyList<double[]>, double[]> Batch(GlmmLikelihood main, int points)
    {
        var pool = new System.Collections.Concurrent.ConcurrentBag<GlmmLikelihood>();
        int nt = main.Map.Count;
        return xs =>
        {
            var values = new double[xs.Count];
            var start = main.Modes.Select(m => (double[])m.Clone()).ToArray();
            Parallel.For(0, xs.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                () => pool.TryTake(out var w) ? w : main.NewWorkspace(),
                (i, _, w) =>
                {
                    w.StartFrom(start);
                    values[i] = w.Deviance(xs[i].AsSpan(0, nt), xs[i].AsSpan(nt), points);
                    return w;
                },
                pool.Add);
            return values;
        };
    }

    /// <summary>β of the model without random effects, by IRLS on the p×p normal equations (θ = 0 in the likelihood).</summary>
    private static double[] FixedOnlyStart(GlmmLikelihood likelihood, int p, int nt)
    {
        var beta = new double[p];
        var zero = new double[nt];
        double previous = double.PositiveInfinity;
        for (int iteration = 0; iteration < 50; iteration++)
        {
            double d = likelihood.Deviance(zero, beta);
            var (xtwx, xtwr) = likelihood.FixedNormalEquations();
            if (!Statistics.Linalg.Dense.CholeskyInPlace(xtwx, p)) break;
            Statistics.Linalg.Dense.ForwardSolve(xtwx, p, xtwr, 0, 1);
            Statistics.Linalg.Dense.BackSolve(xtwx, p, xtwr, 0, 1);
            for (int c = 0; c < p; c++) beta[c] += xtwr[c];
            if (Math.Abs(previous - d) < 1e-10 * (1 + Math.Abs(d))) break;
            previous = d;
        }
        return beta;
    }

    /// <summary>Per level: each group's conditional modes and sds (lme4's ranef and condVar) and the reliabilities of
    /// the working model at the mode.</summary>
    private static List<GroupEffects> GroupModes(SufficientStatistics s, GlmmLikelihood likelihood)
    {
        var result = new List<GroupEffects>();
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var level = s.Levels[k];
            int q = level.Size, groups = level.Grouping.Count;
            var modes = new double[groups][];
            var sds = new double[groups][];
            var reliability = new double[groups][];
            var rel = new double[q * q];
            for (int g = 0; g < groups; g++)
            {
                modes[g] = likelihood.Modes[k].AsSpan(g * q, q).ToArray();
                sds[g] = Enumerable.Range(0, q).Select(a => Math.Sqrt(Math.Max(likelihood.ModeCovariances[k][g * q * q + a * q + a], 0))).ToArray();
                likelihood.Kernel.ReliabilityMatrix(k, g, rel);
                reliability[g] = Enumerable.Range(0, q).Select(a => rel[a * q + a]).ToArray();
            }
            result.Add(new GroupEffects(level.Grouping.Name, level.Grouping.GroupNames, level.TermNames, level.Grouping.RowCount,
                modes, sds, new double[]?[groups], new double[]?[groups], new double[]?[groups], new double[]?[groups], reliability));
        }
        return result;
    }
}
