using System.Diagnostics;
using BayesHlm.Data;
using BayesHlm.Model;
using BayesHlm.Statistics;
using BayesHlm.Statistics.Linalg;
using MathNet.Numerics.Distributions;

namespace BayesHlm.Estimation;

/// <summary>
/// EB/ML estimation (MATH.md §3–4): REML or ML by Newton on the profiled criterion or by EM, then fixed
/// effects with SEs, df, t tests and intervals; covariance parameters with asymptotic SEs; fit statistics;
/// empirical Bayes group estimates with reliabilities.
/// </summary>
public static class Reml
{
    /// <summary>Fits a model to a data set. The reported time covers model set-up through the estimates.</summary>
    public static RemlFit Fit(ModelSpec spec, DataTable data, RemlOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(data);
        var clock = Stopwatch.StartNew();
        var stats = SufficientStatistics.Build(spec, data);
        return Fit(stats, options, clock);
    }

    /// <summary>Fits from prepared sufficient statistics.</summary>
    public static RemlFit Fit(SufficientStatistics statistics, RemlOptions? options = null) =>
        Fit(statistics, options, Stopwatch.StartNew());

    /// <summary>Fits a gaussian model to a CSV file read in one streaming pass (<see cref="SufficientStatistics.BuildFromCsv"/>:
    /// memory in the number of groups, not rows; anything the pass cannot carry is read whole). The reported time covers
    /// the reading too, as <see cref="Fit(ModelSpec, DataTable, RemlOptions?)"/>'s covers the set-up.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="path">The CSV file.</param>
    /// <param name="options">REML or ML and the rest.</param>
    /// <param name="labelColumns">Columns read as text.</param>
    /// <param name="missingValues">Codes that mark a missing value.</param>
    /// <param name="decimalComma">Numbers are written with a decimal comma.</param>
    public static RemlFit FitCsv(ModelSpec spec, string path, RemlOptions? options = null, IEnumerable<string>? labelColumns = null,
        IEnumerable<string>? missingValues = null, bool decimalComma = false)
    {
        var clock = Stopwatch.StartNew();
        return Fit(SufficientStatistics.BuildFromCsv(spec, path, labelColumns, missingValues, decimalComma), options, clock);
    }

    /// <summary>Fits a gaussian model to a Parquet file streamed a row group at a time
    /// (<see cref="SufficientStatistics.BuildFromParquet"/>), as <see cref="FitCsv"/>.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="path">The Parquet file.</param>
    /// <param name="options">REML or ML and the rest.</param>
    /// <param name="labelColumns">Columns read as text.</param>
    /// <param name="missingValues">Codes that mark a missing value.</param>
    public static RemlFit FitParquet(ModelSpec spec, string path, RemlOptions? options = null, IEnumerable<string>? labelColumns = null,
        IEnumerable<string>? missingValues = null)
    {
        var clock = Stopwatch.StartNew();
        return Fit(SufficientStatistics.BuildFromParquet(spec, path, labelColumns, missingValues), options, clock);
    }

    /// <summary>Fits a gaussian model to an SQL source (DuckDB, PostgreSQL) whose database computes the per-group statistics
    /// in one GROUP BY (<see cref="Statistics.Moments.SqlMomentQuery"/>): only one row per cell leaves it. A model the
    /// moments cannot carry, or missing-value codes, read the rows instead. The reported time covers the query.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="source">The database and its selection (table or query, filter).</param>
    /// <param name="options">REML or ML and the rest.</param>
    /// <param name="missingValues">Codes that mark a missing value (applied to the rows, so they are read).</param>
    public static RemlFit FitSql(ModelSpec spec, Data.Sources.DataSource source, RemlOptions? options = null, IEnumerable<string>? missingValues = null)
    {
        var clock = Stopwatch.StartNew();
        return Fit(Statistics.Moments.SqlMoments.Build(spec, source, missingValues, out _), options, clock);
    }

    /// <summary>
    /// Fits the model separately for each value of <paramref name="byColumn"/> (SAS <c>BY</c>). A group whose data
    /// cannot be fitted (one school, a typo in its rows) gets its error instead of a fit; the others go on.
    /// Rows with a missing BY value belong to no group and are counted in <see cref="ByFits.MissingByValue"/>.
    /// </summary>
    public static ByFits FitBy(ModelSpec spec, DataTable data, string byColumn, RemlOptions? options = null) =>
        FitBy(data, byColumn, rows => Fit(spec, rows, options));

    /// <summary>As <see cref="FitBy(ModelSpec, DataTable, string, RemlOptions?)"/> with any fit of a subset of the rows
    /// (a binomial or Poisson model's), at most <paramref name="parallel"/> at once (default: one per core).</summary>
    public static ByFits FitBy(DataTable data, string byColumn, Func<DataTable, RemlFit> fit, int? parallel = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(fit);
        var column = data[byColumn];
        var rows = Enumerable.Range(0, data.RowCount).Where(i => !column.IsMissing(i)).ToArray();
        if (rows.Length == 0)
            throw new DataException($"The BY column '{byColumn}' has no values in {DataTable.SourceLabel(data.Source)}: every row is missing.");
        var (codes, levels) = ModelFrame.FactorCodes(column, rows);
        var result = new ByFit[levels.Length];
        // The BY groups' fits are independent: spread over the cores, each kept in its value's place, so the output
        // comes in the input's order whatever finishes first.
        try
        {
            Parallel.For(0, levels.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel ?? Environment.ProcessorCount) }, level =>
            {
                var keep = new bool[data.RowCount];
                for (int i = 0; i < rows.Length; i++) if (codes[i] == level) keep[rows[i]] = true;
                try
                {
                    result[level] = new ByFit(levels[level], fit(data.Subset(keep)), null);
                }
                catch (UserInputException e)
                {
                    result[level] = new ByFit(levels[level], null, $"In the rows where {byColumn} = {levels[level]}: {e.Message}");
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Anything but bad input is a fault of ours: raised as the single fit would have raised it.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        return new ByFits(byColumn, result, data.RowCount - rows.Length);
    }

    /// <summary>
    /// Everything a fit reports, at given covariance parameters instead of estimated ones (as the HLM software
    /// can fix τ): fixed effects, their SEs and df, EB predictions, the likelihood. Also lets the estimates of
    /// another program be checked at exactly its own values.
    /// </summary>
    /// <param name="statistics">The model on its data.</param>
    /// <param name="covariances">Σ_k per grouping level (outermost first), q_k×q_k row-major.</param>
    /// <param name="residualVariance">σ².</param>
    /// <param name="options">Method (REML/ML) and df settings.</param>
    public static RemlFit AtCovariance(SufficientStatistics statistics, IReadOnlyList<double[]> covariances, double residualVariance, RemlOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(covariances);
        var clock = Stopwatch.StartNew();
        options ??= RemlOptions.Default;
        // The fit works on centred random slopes where Σ_k is unstructured (as Fit does): the given Σ_k move into those coordinates.
        statistics = statistics.ForReml();
        var theta = KernelTheta(statistics, covariances, residualVariance)
            ?? throw new ArgumentException("A covariance matrix is not positive semi-definite.", nameof(covariances));
        var criterion = new ProfiledDeviance(statistics, options.Method == EstimationMethod.Reml);
        criterion.Evaluate(theta);
        return Assemble(statistics, options, criterion, theta, residualVariance, 0, true, options.Algorithm, new List<string>(), clock);
    }

    /// <summary>θ of the user's Σ_k (as a fit reports them) and σ², in the coordinates of <paramref name="forReml"/>
    /// (<see cref="SufficientStatistics.ForReml"/>'s); null when a Σ_k is not positive semi-definite.</summary>
    internal static double[]? KernelTheta(SufficientStatistics forReml, IReadOnlyList<double[]> covariances, double residualVariance)
    {
        var inside = covariances.Select((x, k) =>
        {
            var copy = (double[])x.Clone();
            forReml.Coordinates.RandomCovarianceFromUser(k, copy);
            return copy;
        }).ToArray();
        return new ThetaMap(forReml.Levels).FromCovariances(inside, residualVariance);
    }

    private static RemlFit Fit(SufficientStatistics s, RemlOptions? options, Stopwatch clock)
    {
        options ??= RemlOptions.Default;
        if (s.Spec.Family != Family.Gaussian)
            throw new ModelSpecificationException($"REML and linear ML are for gaussian outcomes; a {s.Spec.Family.Name()} outcome is fitted by GeneralizedFit.Fit (bayeshlm reml --family {s.Spec.Family.Name()}: Laplace or adaptive quadrature).");
        s = s.ForReml();
        var criterion = new ProfiledDeviance(s, options.Method == EstimationMethod.Reml);
        var warnings = new List<string>(s.DesignWarnings);
        var (theta, iterations, converged, algorithm) = Optimize(s, criterion, options, warnings);
        criterion.Evaluate(theta);
        double sigma2 = criterion.Sigma2;
        return Assemble(s, options, criterion, theta, sigma2, iterations, converged, algorithm, warnings, clock);
    }

    // The criterion comes in already evaluated at θ: its factorisation is read, not recomputed.
    private static RemlFit Assemble(SufficientStatistics s, RemlOptions options, ProfiledDeviance criterion, double[] theta, double sigma2,
        int iterations, bool converged, EstimationAlgorithm algorithm, List<string> warnings, Stopwatch clock)
    {
        bool reml = criterion.Reml;
        var f = criterion.Factorization;
        var sigma = criterion.Map.ToCovariances(theta, sigma2);
        for (int k = 0; k < sigma.Length; k++) s.Coordinates.RandomCovarianceToUser(k, sigma[k]);
        var singularLevel = SingularLevels(s, theta, criterion.Map);
        bool singular = singularLevel.Any(x => x);
        // With precision weights the rows' variances are σ²/w_i: −2 log L has −Σ log w_i more (as lme4 counts it).
        double minus2ll = f.Deviance(reml, sigma2) - s.LogWeightSum;
        var beta = f.FixedEffects();
        s.Coordinates.ToUser(beta);
        var fixedCov = f.FixedCovarianceUnscaled();
        s.Coordinates.ToUserCovariance(fixedCov);
        for (int i = 0; i < fixedCov.Length; i++) fixedCov[i] *= sigma2;
        var groups = GroupEffectsBuilder.Build(s, f, sigma2);

        // Asymptotic covariance of the covariance parameters, then Satterthwaite df (own workspace).
        var cp = new CovarianceParameters(s, reml, theta, sigma2);
        var acov = cp.AsymptoticCovarianceOfV();
        if (acov is null) warnings.Add("The Hessian of the likelihood is not positive definite at the estimates, so covariance-parameter standard errors and Satterthwaite df are not available. The model may be over-parameterised for these data.");
        var covSe = acov is null ? null : cp.StandardErrors(acov);
        var satterthwaite = acov is null ? Enumerable.Repeat(double.NaN, s.P).ToArray() : cp.SatterthwaiteDf(acov);
        // Between-within df follow the nesting. Crossed factors have no subject in which all the others nest, and SAS then
        // does not split the residual df (DDFM=BW has no effect: N − rank X); the fit uses Satterthwaite's instead.
        var bw = s.Crossed ? Enumerable.Repeat((double)(s.N - s.P), s.P).ToArray() : BetweenWithinDf(s, warnings);
        var dfMethod = s.Crossed ? DegreesOfFreedomMethod.Satterthwaite : options.DegreesOfFreedom;

        var fixedEffects = new List<FixedEffectEstimate>();
        double z = (1 + options.ConfidenceLevel) / 2;
        for (int i = 0; i < s.P; i++)
        {
            double se = Math.Sqrt(fixedCov[i * s.P + i]);
            double df = dfMethod == DegreesOfFreedomMethod.Satterthwaite && !double.IsNaN(satterthwaite[i]) ? satterthwaite[i]
                : !double.IsNaN(bw[i]) ? bw[i] : s.N - s.P;
            double t = beta[i] / se;
            double p = 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));
            double crit = StudentT.InvCDF(0, 1, df, z);
            fixedEffects.Add(new FixedEffectEstimate(s.FixedNames[i], beta[i], se, bw[i], satterthwaite[i], df, t, p, beta[i] - crit * se, beta[i] + crit * se));
        }

        var covariance = new List<CovarianceEstimate>();
        for (int i = 0; i < cp.Parameters.Count; i++)
        {
            var (k, r, c, _) = cp.Parameters[i];
            var level = s.Levels[k];
            // No Wald test for a parameter pinned at the boundary: its SE is not meaningful there.
            bool boundary = singularLevel[k] && AtBoundary(level, sigma[k], sigma2, r, c);
            covariance.Add(MakeCovariance(level.Grouping.Name, level.TermNames[r], r == c ? null : level.TermNames[c],
                sigma[k][r * level.Size + c], boundary ? null : covSe?[i]));
        }
        // A known level-1 variance is data, not a parameter: no Residual row.
        if (!s.KnownResidualVariance) covariance.Add(MakeCovariance("Residual", null, null, sigma2, covSe?[^1]));

        int nCov = cp.Parameters.Count + (s.KnownResidualVariance ? 0 : 1);
        int parameters = reml ? nCov : nCov + s.P;
        double nStar = reml ? s.N - s.P : s.N;
        // SAS's J: the top level's groups; for crossed factors the fewest (as lme4 and the references count BIC).
        double subjects = s.Levels.Count > 0 ? s.Levels.Min(l => l.Grouping.Count) : s.N;
        var fit = new FitStatistics(minus2ll,
            minus2ll + 2 * parameters,
            nStar - parameters - 1 > 0 ? minus2ll + 2 * parameters * nStar / (nStar - parameters - 1) : double.NaN, // SAS prints it as missing
            minus2ll + parameters * Math.Log(subjects),
            parameters)
        {
            AicLme4 = minus2ll + 2 * (nCov + s.P),
            BicLme4 = minus2ll + (nCov + s.P) * Math.Log(s.N),
            ParametersLme4 = nCov + s.P,
        };

        var icc = new List<(string, double)>();
        if (!s.KnownResidualVariance && s.Levels.Count > 0 && s.Levels.All(l => l.Size == 1 && l.TermNames[0] == "(Intercept)"))
        {
            double total = sigma2 + sigma.Sum(x => x[0]);
            foreach (var (l, k) in s.Levels.Select((l, k) => (l, k))) icc.Add((l.Grouping.Name, sigma[k][0] / total));
        }

        if (singular)
            foreach (var k in Enumerable.Range(0, s.Levels.Count).Where(k => singularLevel[k]))
                warnings.Add($"Singular fit: the covariance matrix of the random effects for '{s.Levels[k].Grouping.Name}' is at the boundary " +
                             $"({string.Join(", ", ZeroVarianceTerms(s.Levels[k], sigma[k], sigma2))}). The data show no variation there beyond level-1 noise; " +
                             "consider simplifying the random part, or see the Bayesian fit, whose posterior does not collapse to zero.");
        foreach (var level in s.Levels)
            if (level.Grouping.Count < 10)
                warnings.Add($"Only {level.Grouping.Count} groups for '{level.Grouping.Name}': its variance estimates are imprecise and their Wald SEs understate the uncertainty.");

        return new RemlFit
        {
            Spec = s.Spec,
            Method = options.Method,
            Algorithm = algorithm,
            Observations = s.N,
            GroupCounts = s.Levels.Select(l => (l.Grouping.Name, l.Grouping.Count)).ToList(),
            Frame = s.Frame,
            FixedEffects = fixedEffects,
            Covariance = covariance,
            Fit = fit,
            Groups = groups,
            Icc = icc,
            ResidualVariance = sigma2,
            Converged = converged,
            Iterations = iterations,
            Singular = singular,
            Warnings = warnings,
            Seconds = clock.Elapsed.TotalSeconds,
            FixedCovariance = fixedCov,
            DegreesOfFreedom = dfMethod,
            ConfidenceLevel = options.ConfidenceLevel,
        };
    }

    /// <summary>Σ_ii/σ² below 1e-8: lme4's isSingular tolerance (θ below 1e-4).</summary>
    private static bool ZeroVariance(RandomLevel level, double[] sigma, double sigma2, int i) =>
        sigma[i * level.Size + i] <= 1e-8 * sigma2;

    private static bool UnitCorrelation(RandomLevel level, double[] sigma, int i, int j)
    {
        int q = level.Size;
        double v = sigma[i * q + i] * sigma[j * q + j];
        return i != j && v > 0 && Math.Abs(sigma[i * q + j]) >= (1 - 1e-6) * Math.Sqrt(v);
    }

    /// <summary>A covariance parameter on the boundary of the parameter space: a variance of zero, a covariance
    /// with such a variance, or a correlation of ±1.</summary>
    private static bool AtBoundary(RandomLevel level, double[] sigma, double sigma2, int r, int c) =>
        ZeroVariance(level, sigma, sigma2, r) || ZeroVariance(level, sigma, sigma2, c) || UnitCorrelation(level, sigma, r, c);

    private static IEnumerable<string> ZeroVarianceTerms(RandomLevel level, double[] sigma, double sigma2)
    {
        bool any = false;
        for (int i = 0; i < level.Size; i++)
            if (ZeroVariance(level, sigma, sigma2, i)) { any = true; yield return $"variance of {level.TermNames[i]} ≈ 0"; }
        for (int i = 0; i < level.Size; i++)
            for (int j = 0; j < i; j++)
                if (UnitCorrelation(level, sigma, i, j)) { any = true; yield return $"correlation of {level.TermNames[j]} and {level.TermNames[i]} ≈ ±1"; }
        if (!any) yield return "its covariance matrix is singular";
    }

    /// <summary>COVTEST: Wald Z; one-sided p for variances (bounded below by 0), two-sided for covariances.</summary>
    private static CovarianceEstimate MakeCovariance(string group, string? t1, string? t2, double est, double? se)
    {
        if (se is not double s || !(s > 0)) return new CovarianceEstimate(group, t1, t2, est, null, null, null);
        double z = est / s;
        double p = t2 is null ? 1 - Normal.CDF(0, 1, z) : 2 * (1 - Normal.CDF(0, 1, Math.Abs(z)));
        return new CovarianceEstimate(group, t1, t2, est, s, z, p);
    }

    private static (double[] Theta, int Iterations, bool Converged, EstimationAlgorithm Used) Optimize(
        SufficientStatistics s, ProfiledDeviance criterion, RemlOptions options, List<string> warnings)
    {
        var map = criterion.Map;
        if (map.Count == 0) return ([], 0, true, options.Algorithm);
        bool reml = criterion.Reml;
        // Unconstrained: flipping the sign of a column of Λ leaves Σ unchanged, so the criterion is smooth and
        // symmetric through Λ_jj = 0 and a fit at the boundary is simply a minimum at 0. Signs are normalised after.
        if (s.KnownResidualVariance && options.Algorithm != EstimationAlgorithm.Newton)
        {
            // EM's σ² step has nothing to estimate here; Newton on the criterion with σ² = 1 is the fit.
            if (options.Algorithm == EstimationAlgorithm.Em) warnings.Add("EM is not used when the level-1 variances are known; the fit is by Newton's method.");
            options = options with { Algorithm = EstimationAlgorithm.Newton };
        }
        if (s.Crossed && options.Algorithm != EstimationAlgorithm.Newton)
        {
            // EM's M-step reads each group's second moments through the nesting; crossed factors are fitted by Newton.
            if (options.Algorithm == EstimationAlgorithm.Em) warnings.Add("EM is not used for crossed random effects; the fit is by Newton's method.");
            options = options with { Algorithm = EstimationAlgorithm.Newton };
        }
        if (options.Algorithm == EstimationAlgorithm.Em)
        {
            var em = RunEm(s, criterion, options);
            var theta = map.FromCovariances(em.Sigma, em.Sigma2) ?? throw new InvalidOperationException("EM ended at an indefinite covariance matrix.");
            bool converged = em.Converged;
            if (em.Crawled || !em.Converged)
            {
                // Near the boundary EM stops where the likelihood stops moving, or runs out of iterations, up to 1e-5
                // short of the optimum; Newton steps on the same criterion finish it, so EM and Newton report the same.
                var finished = NewtonMinimizer.Minimize(x => criterion.Evaluate(x), theta);
                theta = finished.X;
                converged = finished.Converged;
                warnings.Add(em.Converged
                    ? "EM slows to a crawl near the boundary (a variance near 0 or a correlation near ±1); its estimates were finished by Newton steps on the same criterion."
                    : $"EM did not converge in {options.MaxEmIterations} iterations (it crawls where a variance is near 0 or a correlation near ±1); its last iterate was finished by Newton steps on the same criterion.");
            }
            var best = BestOfStarts(s, criterion, new NewtonMinimizer.Result(theta, 0, converged), warnings);
            return (map.Normalize(best.X), em.Iterations + best.Iterations, best.Converged, EstimationAlgorithm.Em);
        }
        // The Richardson polish brings θ from about 1e-7 to 1e-10, which reproducibility across row orders and EM needs on
        // small data; where a crossed criterion factorises a large dense block per evaluation, the polish would double them.
        bool polish = !s.Crossed || CrossedFactorization.DenseRandomEffects(s) <= 500;
        var newton = BestOfStarts(s, criterion, NewtonMinimizer.Minimize(x => criterion.Evaluate(x), s.Crossed ? MomentStart(s, map) : Start(s, map, map.Initial()), polish: polish, batch: criterion.EvaluateMany), warnings);
        if (newton.Converged || options.Algorithm == EstimationAlgorithm.Newton)
        {
            if (!newton.Converged) warnings.Add($"Newton iterations did not converge ({newton.Iterations} iterations); try --algorithm em.");
            return (map.Normalize(newton.X), newton.Iterations, newton.Converged, EstimationAlgorithm.Newton);
        }
        // Fallback: EM to get close (a bounded number of steps), then Newton to polish.
        var fallback = RunEm(s, criterion, options with { MaxEmIterations = Math.Min(options.MaxEmIterations, 10_000) });
        var start = map.FromCovariances(fallback.Sigma, fallback.Sigma2) ?? Start(s, map, map.Initial());
        var polished = BestOfStarts(s, criterion, NewtonMinimizer.Minimize(x => criterion.Evaluate(x), start), warnings);
        if (!polished.Converged) warnings.Add("Neither Newton nor EM converged cleanly; treat the estimates with caution.");
        return (map.Normalize(polished.X), newton.Iterations + fallback.Iterations + polished.Iterations, polished.Converged, EstimationAlgorithm.Em);
    }

    /// <summary>Below this many groups at the top level every fit is searched again from other starts.</summary>
    private const int FewGroups = 50;

    /// <summary>
    /// On data with few groups the criterion can have more than one minimum, and Newton from Λ = I may end in the worse:
    /// seen on 5–9 groups, −2 log L 0.004 to 3.4 above the optimum, and two orders of the same groups, or x and 0.01·x,
    /// ending at different points — on the boundary (θ_ii = 0 is a mirror plane of the criterion) and inside. A fit on
    /// fewer than <see cref="FewGroups"/> top-level groups, or ending on the boundary, is searched again from other
    /// points (<see cref="OtherStarts"/>) and the lowest criterion is kept. With many groups the criterion is close to
    /// quadratic about its optimum, and such fits (HSB's 160 schools) are not rerun.
    /// </summary>
    private static NewtonMinimizer.Result BestOfStarts(SufficientStatistics s, ProfiledDeviance criterion, NewtonMinimizer.Result first, List<string> warnings)
    {
        var map = criterion.Map;
        bool fewGroups = s.Levels.Count > 0 && s.Levels.Min(l => l.Grouping.Count) < FewGroups;
        if (!first.Converged || !(fewGroups || SingularLevels(s, first.X, map).Any(x => x))) return first;
        double Criterion(double[] theta) => criterion.Evaluate(theta);
        var best = first;
        double lowest = Criterion(first.X);
        foreach (var start in OtherStarts(map).Select(unit => Start(s, map, unit)))
        {
            // Only the winner needs the final steps' precision: the others are compared at about 1e-6.
            var other = NewtonMinimizer.Minimize(Criterion, start, polish: false);
            double value = Criterion(other.X);
            // Not only converged searches: on another machine's rounding the same start may stop a step short.
            if (value < lowest - 1e-9 * Math.Max(1, Math.Abs(lowest))) (best, lowest) = (other, value);
        }
        if (ReferenceEquals(best, first)) return first;
        best = NewtonMinimizer.Minimize(Criterion, best.X);
        lowest = Criterion(best.X);
        if (!best.Converged || !(lowest < Criterion(first.X))) return first;
        warnings.Add($"The likelihood has more than one optimum here: the first one found was not the best, and a search from other starting values reached −2 log L {Criterion(first.X) - lowest:G3} lower, which is the fit reported.");
        return best;
    }

    /// <summary>
    /// A start given in the columns' own units, Λ = D⁻¹Λ₀ with D the spread of each random column (its sd for a centred
    /// slope, 1 for an intercept): Λ has the units of 1/z, so Λ₀ = I read as is would start x and 100·x at different
    /// models, and Newton from them could end at different optima of a criterion with several (seen on 5 groups:
    /// −2 log L 0.16 apart). Newton's steps scale with θ, so from these starts the search is the same at any scale.
    /// </summary>
    private static double[] Start(SufficientStatistics s, ThetaMap map, double[] unit)
    {
        var total = s.Total();
        int m = s.M;
        var spread = new double[s.Levels.Count][];
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var level = s.Levels[k];
            int z0 = s.ZOffset[k], one = level.InterceptIndex;
            double n = one >= 0 ? total[(z0 + one) * m + z0 + one] : s.N;
            spread[k] = Enumerable.Range(0, level.Size).Select(a =>
            {
                double sd = Math.Sqrt(total[(z0 + a) * m + z0 + a] / n);
                return sd > 0 && double.IsFinite(sd) ? sd : 1;
            }).ToArray();
        }
        var theta = (double[])unit.Clone();
        for (int i = 0; i < theta.Length; i++)
        {
            var (k, row, _) = map.Entry(i);
            theta[i] /= spread[k][row];
        }
        return theta;
    }

    /// <summary>
    /// For crossed factors, where each evaluation factorises a dense block, a start nearer the optimum: each level's
    /// random intercept at τ/σ of its own one-way ANOVA (moment estimates from the groups' sums: τ² = (MSB − MSW)/n₀),
    /// the rest as <see cref="Start"/>. Unit-free like θ, so it does not move with the units of y. On InstEval it halves
    /// the Newton iterations.
    /// </summary>
    private static double[] MomentStart(SufficientStatistics s, ThetaMap map)
    {
        var theta = Start(s, map, map.Initial());
        int m = s.M, yi = s.YIndex;
        double yy = s.Total()[yi * m + yi];
        for (int k = 0; k < s.Levels.Count; k++)
        {
            var level = s.Levels[k];
            int one = level.InterceptIndex;
            if (one < 0) continue;
            int z = s.ZOffset[k] + one, groups = level.Grouping.Count;
            var nodes = s.NodeCrossProducts(k);
            double n = 0, sum = 0, between = 0, nSquares = 0;
            for (int j = 0; j < groups; j++)
            {
                double nj = nodes[j * m * m + z * m + z], sj = nodes[j * m * m + z * m + yi];
                if (!(nj > 0)) continue;
                n += nj; sum += sj; between += sj * sj / nj; nSquares += nj * nj;
            }
            if (groups < 2 || !(n > groups)) continue;
            double msw = (yy - between) / (n - groups), msb = (between - sum * sum / n) / (groups - 1);
            double n0 = (n - nSquares / n) / (groups - 1);
            double tau2 = Math.Max((msb - msw) / n0, 0.01 * msw);
            double ratio = Math.Sqrt(tau2 / msw);
            if (!double.IsFinite(ratio)) continue;
            for (int i = 0; i < theta.Length; i++)
                if (map.Entry(i) is var (lk, row, col) && lk == k && row == one && col == one) theta[i] = ratio;
        }
        return theta;
    }

    /// <summary>Λ₀ = cI for c from 0.1 to 10; Λ₀ = I with every off-diagonal entry +½ or −½ (correlated starts); and on
    /// each face of the boundary, Λ₀ = I with one diagonal entry of a correlated level at 0 and the off-diagonals 0 or ±½.
    /// θ_jj = 0 is a mirror plane of the criterion, so Newton from there searches the face itself: the rank-deficient
    /// Σ (a correlation of ±1) where an optimum can lie that no interior start reaches (seen on 5 groups).</summary>
    private static IEnumerable<double[]> OtherStarts(ThetaMap map)
    {
        var identity = map.Initial();
        foreach (double c in (double[])[0.1, 0.5, 2, 10]) yield return identity.Select(v => c * v).ToArray();
        if (Enumerable.Range(0, map.Count).All(map.IsDiagonal)) yield break;
        foreach (double r in (double[])[0.5, -0.5])
            yield return identity.Select((v, i) => map.IsDiagonal(i) ? v : r).ToArray();
        for (int j = 0; j < map.Count; j++)
        {
            var (level, row, _) = map.Entry(j);
            bool correlated = Enumerable.Range(0, map.Count).Any(i => !map.IsDiagonal(i) && map.Entry(i).Level == level);
            if (!map.IsDiagonal(j) || !correlated) continue;
            bool inRow = Enumerable.Range(0, map.Count).Any(i => !map.IsDiagonal(i) && map.Entry(i).Level == level && map.Entry(i).Row == row);
            foreach (double r in inRow ? [0, 0.5, -0.5] : (double[])[0])
                yield return identity.Select((v, i) => i == j ? 0 : map.IsDiagonal(i) ? v : map.Entry(i).Level == level && map.Entry(i).Row == row ? r : 0).ToArray();
        }
    }

    private static EmAlgorithm.Result RunEm(SufficientStatistics s, ProfiledDeviance criterion, RemlOptions options)
    {
        // Start where Newton starts (Λ = D⁻¹, see Start), with σ² profiled at that Λ.
        var map = criterion.Map;
        var start = Start(s, map, map.Initial());
        criterion.Evaluate(start);
        double sigma2 = criterion.Factorization.ProfiledSigma2(criterion.Reml);
        var sigma = map.ToCovariances(start, sigma2);
        var em = new EmAlgorithm(s, criterion.Reml);
        return em.Run(sigma2, sigma, options.MaxEmIterations);
    }

    private static bool[] SingularLevels(SufficientStatistics s, double[] theta, ThetaMap map)
    {
        var result = new bool[s.Levels.Count];
        for (int i = 0; i < map.Count; i++)
            if (map.IsDiagonal(i) && Math.Abs(theta[i]) < 1e-4) result[map.Entry(i).Level] = true; // lme4's isSingular tolerance
        return result;
    }

    /// <summary>SAS ddfm=bw, generalised to nested levels: an effect constant within the groups of level k gets
    /// J_k − J_(k−1) − (number of such effects); one that varies within the innermost groups gets
    /// N − J_(K−1) − (number of such effects).</summary>
    private static double[] BetweenWithinDf(SufficientStatistics s, List<string> warnings)
    {
        int levels = s.Levels.Count;
        var counts = new int[levels + 1];
        foreach (int l in s.ConstantBelowLevel) counts[l]++;
        var df = new double[s.P];
        for (int c = 0; c < s.P; c++)
        {
            int l = s.ConstantBelowLevel[c];
            int units = l < levels ? s.Levels[l].Grouping.Count : s.N;
            int outer = l == 0 ? 0 : s.Levels[l - 1].Grouping.Count;
            int d = units - outer - counts[l];
            if (d < 1)
            {
                string level = l < levels ? $"the groups of '{s.Levels[l].Grouping.Name}'" : "the rows";
                warnings.Add($"Between-within df for '{s.FixedNames[c]}' would be {d}: more effects vary at the level of {level} than that level has units. " +
                             "Its df is set to 1; consider fewer level-2 predictors, or --df satterthwaite.");
                d = 1;
            }
            df[c] = d;
        }
        return df;
    }
}
