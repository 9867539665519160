namespace BayesHlm.Statistics.Linalg;

/// <summary>
/// The Gaussian kernel of MATH.md §3–4 in lme4's scaled form: given the relative covariance factors Λ_k
/// (Σ_k = σ²Λ_kΛ_kᵀ) it factorises the penalised system of [X | Z_1Λ_1 | … | Z_KΛ_K | y] and gives
/// log|ΛᵀZᵀZΛ + I|, log|L_X|², the penalised residual sum of squares, β̂, and the random effects' posterior. Nested
/// factors are eliminated group by group (<see cref="NestedFactorization"/>); crossed ones by a block-diagonal factor
/// and a dense rest (<see cref="CrossedFactorization"/>). One instance is a workspace: refill it for each θ.
/// </summary>
internal abstract class GaussianKernel
{
    protected GaussianKernel(SufficientStatistics s)
    {
        Statistics = s;
        Lx = new double[s.P * s.P];
        Rx = new double[s.P];
    }

    /// <summary>L_X, the lower factor of the fixed-effect block after the random effects are eliminated (p×p).</summary>
    protected double[] Lx { get; }

    /// <summary>r_X = L_X⁻¹(the fixed effects' right-hand side): β̂ = L_X⁻ᵀr_X.</summary>
    protected double[] Rx { get; }

    /// <summary>The statistics the kernel factorises.</summary>
    public SufficientStatistics Statistics { get; }

    /// <summary>The kernel for these statistics: nested or crossed.</summary>
    public static GaussianKernel For(SufficientStatistics s) => s.Crossed ? new CrossedFactorization(s) : new NestedFactorization(s);

    /// <summary>log|Λᵀ ZᵀZ Λ + I| (sum over all groups).</summary>
    public double LogDetZ { get; protected set; }
    /// <summary>log|L_X|² with L_X the factor of the fixed-effect block after eliminating the random effects.</summary>
    public double LogDetX { get; protected set; }
    /// <summary>Penalised weighted residual sum of squares at the conditional optimum (β̂, b̂).</summary>
    public double Pwrss { get; protected set; }

    /// <summary>Sets Λ_k (row-major lower q_k×q_k each) and factorises. Returns false when the fixed-effect
    /// block is not positive definite at this θ (the random-effect blocks always are: T ⪰ I).</summary>
    public bool Update(IReadOnlyList<double[]> lambdas) => Update(lambdas, null, 1);

    /// <summary>As <see cref="Update(IReadOnlyList{double[]})"/>, with a normal prior on the fixed effects (MATH.md §3:
    /// A = XᵀX/σ² + V0⁻¹): the system is in units of σ², so the prior enters as σ²V0⁻¹ and σ²V0⁻¹m0. The prior is in
    /// the statistics' coordinates (see <see cref="SufficientStatistics.Coordinates"/>).</summary>
    public abstract bool Update(IReadOnlyList<double[]> lambdas, FixedEffectPrior? prior, double sigma2);

    /// <summary>β̂ = L_X⁻ᵀ r_X (GLS estimate at this θ).</summary>
    public double[] FixedEffects()
    {
        var beta = (double[])Rx.Clone();
        Dense.BackSolve(Lx, Statistics.P, beta, 0, 1);
        return beta;
    }

    /// <summary>(L_X L_Xᵀ)⁻¹: Cov(β̂)/σ².</summary>
    public double[] FixedCovarianceUnscaled()
    {
        int p = Statistics.P;
        var r = new double[p * p];
        Dense.InverseFromCholesky(Lx, p, r);
        return r;
    }

    /// <summary>
    /// Posterior means of u (unscaled random effects) and their covariances (in units of σ²) for every group,
    /// given y and θ. With <paramref name="includeFixedUncertainty"/> the fixed effects are integrated out
    /// (REML, HLM's "comparative" variances); without, they are held at β̂ (ML, lme4's condVar).
    /// <paramref name="visit"/>, when given, sees each group's path — β, and the u of the levels it lies in — once.
    /// </summary>
    public abstract Posterior ComputePosterior(bool includeFixedUncertainty, PathVisitor? visit = null);

    /// <summary>Reliability of the random coefficients of one group: Σ(Σ + V_j)⁻¹ (q×q; its diagonal is each
    /// coefficient's), computed as Λ T⁻¹ Λᵀ M_zz with M_zz the group's information and T = ΛᵀM_zzΛ + I.</summary>
    public abstract void ReliabilityMatrix(int level, int node, Span<double> result);

    /// <summary>
    /// A draw of all location effects (β, u) from their joint conditional given θ (MATH.md §3), after
    /// <see cref="Update(IReadOnlyList{double[]}, FixedEffectPrior?, double)"/>: Lᵀx = ℓ + σz solved from the last block
    /// up, u = Λb. One block: no β-given-u, u-given-β alternation.
    /// </summary>
    /// <param name="sigma">σ, the residual standard deviation.</param>
    /// <param name="rng">This chain's random stream.</param>
    /// <param name="beta">Receives β (p), in the statistics' coordinates.</param>
    /// <param name="u">Receives u per level (groups × q).</param>
    public abstract void Draw(double sigma, System.Random rng, double[] beta, double[][] u);

    /// <summary>Profiled deviance (−2 log-likelihood with σ² and β profiled out): REML or ML.</summary>
    public double ProfiledDeviance(bool reml) => ProfiledDeviance(reml, Pwrss, Statistics.P, LogDetX);

    /// <summary>−2 log-likelihood at a given σ² (β profiled out; REML integrates it out).</summary>
    public double Deviance(bool reml, double sigma2) => Deviance(reml, sigma2, Pwrss, Statistics.P, LogDetX);

    /// <summary>As <see cref="ProfiledDeviance(bool)"/> for a model that differs from the factorised one only in its
    /// fixed part: its penalised residual sum of squares, number of fixed effects and log|L_X|² given (a fixed effect
    /// held at a value is a model with one column fewer, and its β̂ and pwrss follow from this factorisation).</summary>
    public double ProfiledDeviance(bool reml, double pwrss, int p, double logDetX)
    {
        int dof = reml ? Statistics.N - p : Statistics.N;
        return LogDetZ + (reml ? logDetX : 0) + dof * (1 + Math.Log(2 * Math.PI * pwrss / dof));
    }

    /// <summary>As <see cref="Deviance(bool, double)"/> for a model that differs only in its fixed part (see
    /// <see cref="ProfiledDeviance(bool, double, int, double)"/>).</summary>
    public double Deviance(bool reml, double sigma2, double pwrss, int p, double logDetX)
    {
        int dof = reml ? Statistics.N - p : Statistics.N;
        double d = dof * Math.Log(2 * Math.PI * sigma2) + LogDetZ + pwrss / sigma2;
        return reml ? d + logDetX : d;
    }

    /// <summary>The σ² that maximises the likelihood at this θ.</summary>
    public double ProfiledSigma2(bool reml) => Pwrss / (reml ? Statistics.N - Statistics.P : Statistics.N);
}
