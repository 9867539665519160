using BayesHlm.Data;

namespace BayesHlm.Tests.Data;

/// <summary>Column names written with precomposed and with combining accents look the same and name the same column.
/// Expected decompositions are the Unicode standard's (UAX #15 and the code charts), not this code's output.</summary>
public class CanonicalNameTests
{
    [Theory]
    [InlineData("r\u00e9sultat", "re\u0301sultat")]                 // é = e + acute
    [InlineData("\u1EC7", "e\u0323\u0302")]                         // ệ: dot below (class 220) before circumflex (230)
    [InlineData("e\u0302\u0323", "e\u0323\u0302")]                  // marks reordered by combining class
    [InlineData("\u212B", "A\u030A")]                               // ANGSTROM SIGN → A + ring (a singleton decomposition)
    [InlineData("\uD55C", "\u1112\u1161\u11AB")]                    // Hangul 한 by the algorithm of §3.12
    [InlineData("\u0385", "\u00A8\u0301")]                          // GREEK DIALYTIKA TONOS: one level of decomposition
    [InlineData("\u01D5", "U\u0308\u0304")]                         // Ǖ decomposes twice
    [InlineData("school_id", "school_id")]
    public void Decompose_GivesTheStandardsNfd(string text, string nfd) =>
        Assert.Equal(nfd, UnicodeCanonical.Decompose(text));

    [Fact]
    public void AFormulaTypedInNfc_FindsAHeaderWrittenInNfd()
    {
        using var folder = new TestFolder();
        var lines = new List<string> { "re\u0301sultat,x,\u00e9cole" };
        var rng = new Random(3);
        for (int i = 0; i < 120; i++) lines.Add($"{rng.NextDouble() + i % 6:R},{rng.NextDouble():R},s{i % 6}");
        string csv = folder.Write("d.csv", string.Join("\n", lines) + "\n");
        var r = BayesHlm.Tests.Cli.CliRunner.Run("reml", "--data", csv, "--formula", "r\u00e9sultat ~ x + (1 | \u00e9cole)");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("6 groups of \u00e9cole", r.StdOut);
    }

    [Fact]
    public void TwoHeaderNamesThatLookTheSame_AreRefused()
    {
        using var folder = new TestFolder();
        string csv = folder.Write("d.csv", "r\u00e9sultat,re\u0301sultat,g\n1,2,a\n3,4,b\n");
        var e = Assert.Throws<DataException>(() => DataTable.ReadCsv(csv));
        Assert.Contains("written with different Unicode code points", e.Message);
    }
}
