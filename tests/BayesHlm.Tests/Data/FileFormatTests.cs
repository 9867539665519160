using System.IO.Compression;
using System.Text;
using BayesHlm.Data;
using BayesHlm.Tests.Cli;

namespace BayesHlm.Tests.Data;

/// <summary>Only text is read as CSV: Latin-1 bytes stop the read at the line where they are (they would otherwise
/// merge café and cafè into one group), gzip is read through, and other formats are named by their first bytes.</summary>
public class FileFormatTests
{
    private const string Csv = "region,x,y\ncafé,1,2.5\ncafè,2,3.1\ncafê,3,2.2\ncafë,4,4.0\n";

    [Fact]
    public void Latin1Bytes_StopTheRead_NamingTheLine()
    {
        using var folder = new TestFolder();
        string path = folder.PathOf("latin1.csv");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(Csv));
        var e = Assert.Throws<DataException>(() => DataTable.ReadCsv(path));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("not UTF-8 (byte 0xE9)", e.Message);
        var cli = CliRunner.Run("reml", "--data", path, "--formula", "y ~ x + (1 | region)");
        Assert.Equal(2, cli.ExitCode);
        Assert.Contains("Save the file as UTF-8", cli.StdErr);

        // The same text as UTF-8 keeps four regions.
        File.WriteAllText(path, Csv);
        Assert.Equal(4, ((TextColumn)DataTable.ReadCsv(path)["region"]).DistinctValues.Count);
    }

    [Fact]
    public void AGzippedCsv_ReadsAsTheCsvInside()
    {
        using var folder = new TestFolder();
        string gz = folder.PathOf("hsb.csv.gz");
        using (var target = File.Create(gz))
        using (var zip = new GZipStream(target, CompressionLevel.Fastest))
        using (var source = File.OpenRead(RepositoryPaths.Data("hsb.csv")))
            source.CopyTo(zip);
        var plain = DataTable.ReadCsv(RepositoryPaths.Data("hsb.csv"));
        var read = DataTable.ReadCsv(gz);
        Assert.Equal(plain.RowCount, read.RowCount);
        Assert.Equal(((NumericColumn)plain["mathach"]).Values.ToArray(), ((NumericColumn)read["mathach"]).Values.ToArray());
    }

    [Theory]
    [InlineData("PAR1\u0015\u0004", "a Parquet file")]
    [InlineData("SQLite format 3\0\u0010\0", "an SQLite database")]
    [InlineData("PK\u0003\u0004\u0014\0", "a ZIP archive")]
    [InlineData("BZh91AY", "bzip2-compressed")]
    [InlineData("a,b\n1,\0\u0001", "binary, not text")]
    public void OtherFormats_AreNamed_NotReadAsCsv(string start, string named)
    {
        using var folder = new TestFolder();
        string path = folder.PathOf("data.csv");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(start + new string('x', 40)));
        var e = Assert.Throws<DataException>(() => DataTable.ReadCsv(path));
        Assert.Contains($"is {named}", e.Message);
        Assert.Contains("not a CSV text file", e.Message);
    }
}
