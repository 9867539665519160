using System.Diagnostics;
using System.Text.RegularExpressions;
using BayesHlm.Tests.Cli;

namespace BayesHlm.Tests.Reporting;

/// <summary>report.html in a real headless browser (Chromium): the page loads without script or network errors and
/// every embedded image is decoded and shown; a screenshot is kept as a test artifact.</summary>
public class HtmlReportTests
{
    private static string Chromium()
    {
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable" })
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
                if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        throw new InvalidOperationException("No Chromium on PATH: install it (Debian: apt-get install chromium); .ci/run does this.");
    }

    private static (string StdOut, string StdErr) Browse(params string[] args)
    {
        var psi = new ProcessStartInfo(Chromium()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(90_000), "Chromium did not finish within 90 s");
        return (stdout.Result, stderr.Result);
    }

    [Fact]
    public void Report_LoadsInABrowser_EveryImageShown_NoErrors_ScreenshotKept()
    {
        using var folder = new TestFolder();
        var (run, _) = PlotsTests.HsbRun(folder);
        var r = CliRunner.Run("report", run.Directory);
        Assert.True(r.ExitCode == 0, r.ToString());
        string file = Path.Combine(run.Directory, "report.html");
        string html = File.ReadAllText(file);
        int images = Regex.Matches(html, "<img ").Count;
        Assert.True(images >= 8, $"only {images} images in the report");
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html); // self-contained: nothing fetched from a network
        foreach (var section in new[] { "Warnings", "Model", "Data", "Priors", "Sampler", "Diagnostics", "Bayes beside REML", "Plots", "Reproduce" })
            Assert.Contains($"<h2>{section}</h2>", html);

        var (dom, log) = Browse("--dump-dom", "--virtual-time-budget=10000", new Uri(file).AbsoluteUri);
        Assert.Contains($"data-images-shown=\"{images}/{images}\"", dom);
        Assert.DoesNotContain("Uncaught", log);
        Assert.DoesNotContain("Failed to load resource", log);

        string artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        string shot = Path.Combine(artifacts, "report.png");
        if (File.Exists(shot)) File.Delete(shot);
        Browse("--window-size=1200,3000", $"--screenshot={shot}", new Uri(file).AbsoluteUri);
        Assert.True(File.Exists(shot) && new FileInfo(shot).Length > 20_000, $"no screenshot at {shot}");
    }
}
