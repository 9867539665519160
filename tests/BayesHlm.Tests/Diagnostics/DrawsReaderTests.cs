using BayesHlm.Diagnostics;

namespace BayesHlm.Tests.Diagnostics;

/// <summary><see cref="DrawsReader"/> on small files written to a temporary folder: our draws.csv, CmdStan output
/// (one file per chain, with and without saved warm-up), and the errors a user must be able to act on.</summary>
public sealed class DrawsReaderTests : IDisposable
{
    private readonly TestFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string text) => _dir.Write(name, text.ReplaceLineEndings("\n"));

    private static DataException Fails(params string[] paths) => Assert.Throws<DataException>(() => DrawsReader.Read(paths));

    // ---- CmdStan files --------------------------------------------------------------------------------

    private const string SamplerColumns = "lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__";

    /// <summary>The top of a CmdStan 2.3x output file, as <c>cmdstan model sample</c> writes it.</summary>
    private static string CmdStanPreamble(int chain, int numWarmup, bool saveWarmup, int thin = 1) => $"""
        # stan_version_major = 2
        # stan_version_minor = 33
        # stan_version_patch = 1
        # model = eight_schools_model
        # start_datetime = 2024-06-01 12:00:00 UTC
        # method = sample (Default)
        #   sample
        #     num_samples = 4
        #     num_warmup = {numWarmup}
        #     save_warmup = {(saveWarmup ? 1 : 0)}
        #     thin = {thin}{(thin == 1 ? " (Default)" : "")}
        #     adapt
        #       engaged = 1 (Default)
        #       gamma = 0.05 (Default)
        #       delta = 0.8 (Default)
        #       kappa = 0.75 (Default)
        #       t0 = 10 (Default)
        #       init_buffer = 75 (Default)
        #       term_buffer = 50 (Default)
        #       window = 25 (Default)
        #     algorithm = hmc (Default)
        #       hmc
        #         engine = nuts (Default)
        #           nuts
        #             max_depth = 10 (Default)
        #         metric = diag_e (Default)
        #         metric_file =  (Default)
        #         stepsize = 1 (Default)
        #         stepsize_jitter = 0 (Default)
        #     num_chains = 1 (Default)
        # id = {chain}
        # data
        #   file = eight_schools.data.json
        # init = 2 (Default)
        # random
        #   seed = 1234
        # output
        #   file = output_{chain}.csv
        #   diagnostic_file =  (Default)
        #   refresh = 100 (Default)
        #   sig_figs = -1 (Default)
        #   profile_file = profile.csv (Default)
        #   save_cmdstan_config = 0 (Default)
        # num_threads = 1 (Default)
        # stanc_version = stanc3 v2.33.1
        # stancflags = 
        {SamplerColumns},mu,tau,theta.1,theta.2

        """;

    private const string Adaptation = """
        # Adaptation terminated
        # Step size = 0.412
        # Diagonal elements of inverse mass matrix:
        # 9.87, 1.23, 0.98, 1.01

        """;

    private const string Timing = """
        # 
        #  Elapsed Time: 0.043 seconds (Warm-up)
        #                0.038 seconds (Sampling)
        #                0.081 seconds (Total)
        # 

        """;

    /// <summary>A sampler row: the parameters are chain·10 + draw (mu), 0.5 (tau), −draw (theta.1), draw/10 (theta.2).</summary>
    private static string Row(int chain, int draw, int divergent = 0) =>
        FormattableString.Invariant($"-7.{draw},0.9{draw},0.412,3,7,{divergent},9.{draw},{chain * 10 + draw},0.5,{-draw},{draw / 10.0}\n");

    [Fact]
    public void CmdStan_TwoFilesOneChainEach_SamplerColumnsDropped_NamesMapped_DivergencesCounted()
    {
        string f1 = Write("output_1.csv", CmdStanPreamble(1, 1000, false) + Adaptation
            + Row(1, 1) + Row(1, 2, divergent: 1) + Row(1, 3) + Row(1, 4) + Timing);
        string f2 = Write("output_2.csv", CmdStanPreamble(2, 1000, false) + Adaptation
            + Row(2, 1) + Row(2, 2) + Row(2, 3) + Row(2, 4, divergent: 1) + Timing);

        var result = DrawsReader.Read([f1, f2]);
        var d = result.Draws;

        Assert.Equal(["mu", "tau", "theta[1]", "theta[2]"], d.Names);
        Assert.Equal(2, d.Chains);
        Assert.Equal(4, d.Iterations);
        Assert.Equal(2, result.DivergentTransitions);
        Assert.Equal([f1, f2], result.Sources);
        Assert.Equal([11.0, 12, 13, 14, 21, 22, 23, 24], d.Draws(0).ToArray()); // mu, chain after chain
        Assert.Equal([21.0, 22, 23, 24], d.Chain(0, 1).ToArray());
        Assert.Equal([-1.0, -2, -3, -4, -1, -2, -3, -4], d.Draws(2).ToArray());
        Assert.Equal([0.1, 0.2, 0.3, 0.4], d.Chain(3, 0).ToArray());
    }

    [Fact]
    public void CmdStan_SavedWarmupRowsAreDropped()
    {
        // save_warmup = 1, num_warmup = 3: the first three rows of each file are warm-up, before the adaptation block.
        string Body(int chain) => CmdStanPreamble(chain, 3, true)
            + "-50.1,0.1,1,1,1,0,60,100,9,100,100\n-40.2,0.2,1,1,1,0,50,200,9,200,200\n-30.3,0.3,1,1,1,0,40,300,9,300,300\n"
            + Adaptation + Row(chain, 1) + Row(chain, 2) + Row(chain, 3, divergent: 1) + Row(chain, 4) + Timing;
        var result = DrawsReader.Read([Write("w1.csv", Body(1)), Write("w2.csv", Body(2))]);

        Assert.Equal(4, result.Draws.Iterations);
        Assert.Equal([11.0, 12, 13, 14, 21, 22, 23, 24], result.Draws.Draws(0).ToArray());
        Assert.Equal(2, result.DivergentTransitions);
    }

    [Fact]
    public void CmdStan_DivergentWarmupTransitionsAreNotCounted()
    {
        // Warm-up rows are discarded; a divergence during adaptation is not a divergence of the posterior draws
        // (CmdStan's diagnose, cmdstanr and ArviZ count the sampling iterations only).
        string Body(int chain) => CmdStanPreamble(chain, 3, true)
            + "-50.1,0.1,1,1,1,1,60,100,9,100,100\n-40.2,0.2,1,1,1,1,50,200,9,200,200\n-30.3,0.3,1,1,1,0,40,300,9,300,300\n"
            + Adaptation + Row(chain, 1) + Row(chain, 2) + Row(chain, 3, divergent: chain == 1 ? 1 : 0) + Row(chain, 4) + Timing;
        var result = DrawsReader.Read([Write("dw1.csv", Body(1)), Write("dw2.csv", Body(2))]);

        Assert.Equal(4, result.Draws.Iterations);
        Assert.Equal(1, result.DivergentTransitions);
    }

    [Fact]
    public void CmdStan_SavedWarmupWithThinning_DropsTheThinnedWarmupRows()
    {
        // With thin = 2, Stan writes every second warm-up iteration: num_warmup = 6 gives ⌈6/2⌉ = 3 warm-up rows.
        string Body(int chain) => CmdStanPreamble(chain, 6, true, thin: 2)
            + "-50.1,0.1,1,1,1,0,60,100,9,100,100\n-40.2,0.2,1,1,1,0,50,200,9,200,200\n-30.3,0.3,1,1,1,0,40,300,9,300,300\n"
            + Adaptation + Row(chain, 1) + Row(chain, 2) + Row(chain, 3) + Row(chain, 4) + Timing;
        var result = DrawsReader.Read([Write("t1.csv", Body(1)), Write("t2.csv", Body(2))]);

        Assert.Equal(4, result.Draws.Iterations);
        Assert.Equal([11.0, 12, 13, 14, 21, 22, 23, 24], result.Draws.Draws(0).ToArray());
    }

    [Fact]
    public void CmdStan_MatrixNamesBecomeCommaIndices()
    {
        string text = "# stan_version_major = 2\nlp__,divergent__,Sigma.1.1,Sigma.1.2,Sigma.2.1,Sigma.2.2,beta.10,a.b\n"
            + string.Concat(Enumerable.Range(1, 4).Select(i => $"-1,0,{i},0.{i},0.{i},2,{i},{i}\n"));
        var d = DrawsReader.Read([Write("sigma.csv", text)]).Draws;

        Assert.Equal(["Sigma[1,1]", "Sigma[1,2]", "Sigma[2,1]", "Sigma[2,2]", "beta[10]", "a.b"], d.Names);
        Assert.Equal(1, d.Chains);
    }

    [Fact]
    public void CmdStan_RaggedRow_ReportsThePhysicalLineOfTheFile()
    {
        // The comment preamble, the header, four adaptation comment lines, one draw row; the next row, cut short,
        // is the one to report, by its line in the file: a user opening the file in an editor must land on it.
        string preamble = CmdStanPreamble(1, 1000, false);
        int headerLine = preamble.Split('\n').Length - 1;
        string path = Write("ragged_cmdstan.csv", preamble + Adaptation + Row(1, 1) + "-7.2,0.92,0.412,3,7,0,9.2,12,0.5\n" + Row(1, 3) + Row(1, 4));
        int badLine = headerLine + Adaptation.Split('\n').Length - 1 + 2;

        var e = Fails(path);
        Assert.Contains("ragged_cmdstan.csv", e.Message);
        Assert.True(File.ReadLines(path).ElementAt(badLine - 1).StartsWith("-7.2,"), "test set-up: the line counted wrong");
        Assert.True(e.Message.Contains($"line {badLine}:"), $"expected line {badLine}; the message: {e.Message}");
    }

    // ---- our draws.csv --------------------------------------------------------------------------------

    [Fact]
    public void OurFormat_QuotedHeaderAsWrittenByR_TwoChains()
    {
        // write.csv(draws, row.names = FALSE) quotes the header; the rows of chain 1 come first.
        string path = Write("draws.csv", """
            "chain","iteration","mu","beta[1]","Sigma[1,2]"
            1,1,0.1,1.5,-0.25
            1,2,0.2,1.6,-0.5
            1,3,0.3,1.7,NA
            1,4,0.4,1.8,-1e-3
            2,1,1.1,2.5,0.25
            2,2,1.2,2.6,0.5
            2,3,1.3,2.7,0.75
            2,4,1.4,2.8,1E+2

            """);
        var result = DrawsReader.Read([path]);
        var d = result.Draws;

        Assert.Equal(["mu", "beta[1]", "Sigma[1,2]"], d.Names);
        Assert.Equal(2, d.Chains);
        Assert.Equal(4, d.Iterations);
        Assert.Equal(0, result.DivergentTransitions);
        Assert.Equal([0.1, 0.2, 0.3, 0.4, 1.1, 1.2, 1.3, 1.4], d.Draws(0).ToArray());
        Assert.Equal([2.5, 2.6, 2.7, 2.8], d.Chain(1, 1).ToArray());
        var sigma = d.Draws(2).ToArray();
        Assert.True(double.IsNaN(sigma[2]));
        Assert.Equal(-0.001, sigma[3]);
        Assert.Equal(100, sigma[7]);
    }

    [Fact]
    public void OurFormat_NoChainColumn_NamesFileLineAndColumns()
    {
        string path = Write("nochain.csv", "iteration,mu,tau\n1,0.1,1\n2,0.2,1\n3,0.3,1\n4,0.4,1\n");
        var e = Fails(path);
        Assert.Contains("nochain.csv", e.Message);
        Assert.Contains("line 1", e.Message);
        Assert.Contains("'chain'", e.Message);
        Assert.Contains("iteration, mu, tau", e.Message);
    }

    [Fact]
    public void OurFormat_RaggedRow_NamesTheLine()
    {
        string path = Write("ragged.csv", "chain,iteration,mu,tau\n1,1,0.1,1\n1,2,0.2,1\n1,3,0.3\n1,4,0.4,1\n");
        var e = Fails(path);
        Assert.Contains("ragged.csv", e.Message);
        Assert.Contains("line 4:", e.Message);
        Assert.Contains("3 fields", e.Message);
        Assert.Contains("4", e.Message);
    }

    [Fact]
    public void OurFormat_NonNumericValue_NamesLineColumnAndValue()
    {
        string path = Write("text.csv", "chain,iteration,mu,tau\n1,1,0.1,1\n1,2,0.2,1\n1,3,0.3,1\n1,4,0.4,abc\n");
        var e = Fails(path);
        Assert.Contains("text.csv", e.Message);
        Assert.Contains("line 5", e.Message);
        Assert.Contains("'tau'", e.Message);
        Assert.Contains("'abc'", e.Message);
    }

    [Fact]
    public void OurFormat_BadChainNumber_NamesLineAndValue()
    {
        string path = Write("chain.csv", "chain,iteration,mu\n1,1,0.1\n1.5,2,0.2\n");
        var e = Fails(path);
        Assert.Contains("chain.csv", e.Message);
        Assert.Contains("line 3", e.Message);
        Assert.Contains("'1.5'", e.Message);
    }

    [Fact]
    public void SingleDrawPerChain_IsRefused()
    {
        string path = Write("single.csv", "chain,iteration,mu\n1,1,0.1\n2,1,0.2\n");
        var e = Fails(path);
        Assert.Contains("single.csv", e.Message);
        Assert.Contains("single draw", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ChainsOfDifferentLengths_AreRefused()
    {
        string path = Write("uneven.csv", "chain,iteration,mu\n1,1,0.1\n1,2,0.2\n1,3,0.3\n1,4,0.4\n1,5,0.5\n2,1,0.1\n2,2,0.2\n2,3,0.3\n2,4,0.4\n");
        var e = Fails(path);
        Assert.Contains("different numbers of draws", e.Message);
        Assert.Contains("chain 1 in", e.Message);
        Assert.Contains("uneven.csv': 5", e.Message);
        Assert.Contains("uneven.csv': 4", e.Message);
    }

    [Fact]
    public void CmdStanFilesOfDifferentLengths_AreRefused()
    {
        string f1 = Write("long.csv", CmdStanPreamble(1, 1000, false) + Row(1, 1) + Row(1, 2) + Row(1, 3) + Row(1, 4) + Row(1, 5));
        string f2 = Write("short.csv", CmdStanPreamble(2, 1000, false) + Row(2, 1) + Row(2, 2) + Row(2, 3) + Row(2, 4));
        var e = Fails(f1, f2);
        Assert.Contains("different numbers of draws", e.Message);
        Assert.Contains("long.csv': 5", e.Message);
        Assert.Contains("short.csv': 4", e.Message);
    }

    [Fact]
    public void TwoFilesWithDifferentParameters_AreRefused()
    {
        string f1 = Write("model_a.csv", "chain,iteration,mu,tau\n" + string.Concat(Enumerable.Range(1, 4).Select(i => $"1,{i},0.{i},1\n")));
        string f2 = Write("model_b.csv", "chain,iteration,mu,sigma\n" + string.Concat(Enumerable.Range(1, 4).Select(i => $"2,{i},0.{i},1\n")));
        var e = Fails(f1, f2);
        Assert.Contains("model_a.csv", e.Message);
        Assert.Contains("model_b.csv", e.Message);
        Assert.Contains("tau", e.Message);
        Assert.Contains("sigma", e.Message);
    }

    [Fact]
    public void MissingFile_AndNoFile_AreRefused()
    {
        string path = _dir.PathOf("absent.csv");
        Assert.Contains("absent.csv", Fails(path).Message);
        Assert.Contains("No draws file", Fails().Message);
    }

    [Fact]
    public void ReadDraws_SummariseWithoutError()
    {
        // End to end: the CmdStan files above go through the summary (4 draws per chain: ESS needs split halves of 3).
        string f1 = Write("e1.csv", CmdStanPreamble(1, 1000, false) + string.Concat(Enumerable.Range(1, 8).Select(i => Row(1, i))));
        string f2 = Write("e2.csv", CmdStanPreamble(2, 1000, false) + string.Concat(Enumerable.Range(1, 8).Select(i => Row(2, i))));
        var table = PosteriorSummary.Summarise(DrawsReader.Read([f1, f2]).Draws);
        Assert.Equal(["mu", "tau", "theta[1]", "theta[2]"], table.Rows.Select(r => r.Variable));
        Assert.True(table.Rows.Single(r => r.Variable == "tau").Constant);
        Assert.Contains(table.Warnings, w => w.Contains("Constant") && w.Contains("tau"));
    }
}
