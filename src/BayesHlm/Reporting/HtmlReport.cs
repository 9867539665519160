using System.Globalization;
using System.Net;
using System.Text;
using BayesHlm.Comparison;
using BayesHlm.Diagnostics;

namespace BayesHlm.Reporting;

/// <summary>
/// One self-contained page for a finished run (report.html): warnings first, then the model as declared, the data, the
/// priors, the sampler's settings and times, the diagnostics, Bayes beside EB/ML, the plots (embedded as PNG data, so
/// no network and no side files are needed to view it) and the command that reproduces the run.
/// </summary>
public static class HtmlReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Builds the page from the run, its comparison and diagnostics, embedding the PNG plots already written;
    /// with <paramref name="checks"/>, a "Model checks" section (posterior predictive checks, leave-one-out).</summary>
    public static string Render(FinishedRun run, ComparisonTable comparison, DiagnosticsTable diagnostics, IReadOnlyList<string> pngPlots, ModelCheckSection? checks = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(comparison);
        ArgumentNullException.ThrowIfNull(diagnostics);
        ArgumentNullException.ThrowIfNull(pngPlots);
        var m = run.Manifest;
        var sb = new StringBuilder();
        string title = m.Name ?? Path.GetFileName(Path.GetFullPath(run.Directory).TrimEnd(Path.DirectorySeparatorChar));
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append(" — BayesHlm report</title>\n");
        sb.Append("<style>body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;color:#222;line-height:1.4}")
          .Append("table{border-collapse:collapse;margin:.5em 0 1em}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right}")
          .Append("td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}.warn{background:#fff4e5;border-left:4px solid #e69f00;padding:.5em 1em}")
          .Append(".ok{background:#eef7ee;border-left:4px solid #009e73;padding:.5em 1em}pre{background:#f6f6f6;padding:.7em;overflow-x:auto}")
          .Append("img{max-width:100%;border:1px solid #eee;margin:.5em 0}h2{border-bottom:2px solid #0072b2;padding-bottom:.2em}.flag{color:#d55e00;font-weight:bold}</style>\n");
        sb.Append("</head><body>\n<h1>").Append(E(title)).Append("</h1>\n");
        string status = m.Complete ? "complete" : "interrupted";
        sb.Append("<p>Run directory <code>").Append(E(Path.GetFullPath(run.Directory))).Append("</code> · status <b>").Append(E(status)).Append("</b></p>\n");

        // Warnings first: what the reader must know before trusting anything below.
        var warnings = new List<string>();
        if (!m.Complete) warnings.Add("The run was interrupted: the draws are those the chains had made when it stopped.");
        warnings.AddRange(diagnostics.Warnings);
        string method = comparison.Method;
        warnings.AddRange(run.Reml.Warnings.Select(w => $"{method}: " + w));
        warnings.AddRange(comparison.Parameters.Where(p => p.Disagree).Select(p => $"Bayes and {method} disagree on {p.Parameter} (by {p.Difference:F2} posterior sds); see the comparison."));
        sb.Append("<h2>Warnings</h2>\n");
        if (warnings.Count == 0) sb.Append($"<div class=\"ok\">No convergence warnings (R̂ ≤ 1.01, bulk- and tail-ESS ≥ 100 per chain) and no {method} warnings.</div>\n");
        else sb.Append("<div class=\"warn\"><ul>").Append(string.Concat(warnings.Select(w => $"<li>{E(w)}</li>"))).Append("</ul></div>\n");

        sb.Append("<h2>Model</h2>\n<p>Formula: <code>").Append(E(m.Model.ToFormula())).Append("</code></p>\n");
        if (m.Equations is { } equations) sb.Append("<pre>").Append(E(string.Join("\n", equations))).Append("</pre>\n");
        if (m.Model.KnownResidual is { } known) sb.Append("<p>Level-1 variances known: ").Append(E(known.ToString())).Append(".</p>\n");

        sb.Append("<h2>Data</h2>\n<p><code>").Append(E(m.Data.Path)).Append("</code>: ")
          .Append(run.Statistics.Frame.RowsUsed.ToString("N0", Inv)).Append(" rows used of ").Append(run.Statistics.Frame.RowsRead.ToString("N0", Inv)).Append(" read.</p>\n");
        var missing = run.Statistics.Frame.MissingByColumn.Where(m => m.Value > 0).ToList();
        sb.Append("<p>Missing values dropped: ").Append(missing.Count == 0 ? "none" : E(string.Join(", ", missing.Select(m => $"{m.Key} {m.Value}")))).Append(".</p>\n");
        var groups = new StringBuilder("<table><tr><th>Grouping factor</th><th>Groups</th><th>Smallest</th><th>Median size</th><th>Largest</th></tr>");
        foreach (var level in run.Statistics.Levels)
        {
            var sizes = level.Grouping.RowCount.OrderBy(x => x).ToArray();
            groups.Append($"<tr><td>{E(level.Grouping.Name)}</td><td>{level.Grouping.Count}</td><td>{sizes[0]}</td><td>{sizes[sizes.Length / 2]}</td><td>{sizes[^1]}</td></tr>");
        }
        sb.Append(groups).Append("</table>\n");

        sb.Append("<h2>Priors</h2>\n<p>Every prior as used, defaults filled in (pass this object back as <code>--priors</code> to repeat the run):</p>\n<pre>")
          .Append(E(m.Priors.ToJson())).Append("</pre>\n");

        sb.Append("<h2>Sampler</h2>\n");
        var o = m.Sampler;
        sb.Append("<p>").Append(E(string.Create(Inv, $"chains {o.Chains}, iter {o.Iterations}, warmup {o.Warmup}, thin {o.Thin}, seed {o.Seed}"))).Append(".</p>\n");
        sb.Append("<p>Wall time (s): ").Append(E(string.Join(", ", m.Timings.Stages.Select(t => $"{t.Stage} {Math.Round(t.Seconds, 4).ToString("0.###", Inv)}")))).Append(".</p>\n");

        sb.Append("<h2>Diagnostics</h2>\n<p>").Append(diagnostics.Chains).Append(" chains × ").Append(diagnostics.Iterations)
          .Append(" draws; R̂ and ESS as Vehtari et al. (2021).</p>\n<table><tr><th>Parameter</th><th>Mean</th><th>sd</th><th>5%</th><th>95%</th><th>R̂</th><th>Bulk-ESS</th><th>Tail-ESS</th></tr>");
        foreach (var r in diagnostics.Rows)
            sb.Append($"<tr><td>{E(r.Variable)}</td><td>{N(r.Mean)}</td><td>{N(r.Sd)}</td><td>{N(r.Q5)}</td><td>{N(r.Q95)}</td><td>{r.Rhat.ToString("F3", Inv)}</td><td>{r.EssBulk.ToString("F0", Inv)}</td><td>{r.EssTail.ToString("F0", Inv)}</td></tr>");
        sb.Append("</table>\n");

        sb.Append($"<h2>Bayes beside {method}</h2>\n<table><tr><th>Parameter</th><th>{method}</th><th>SE</th><th>95% CI</th><th>Posterior mean</th><th>sd</th><th>95% interval</th><th>Difference (sd)</th></tr>");
        foreach (var p in comparison.Parameters)
            sb.Append($"<tr><td>{E(p.Parameter)}{(p.Disagree ? " <span class=\"flag\">*</span>" : "")}</td><td>{N(p.Estimate)}</td><td>{(p.StandardError is double se ? N(se) : ".")}</td>" +
                      $"<td>[{N(p.Lower)}, {N(p.Upper)}]</td><td>{N(p.Mean)}</td><td>{N(p.Sd)}</td><td>[{N(p.Lower95)}, {N(p.Upper95)}]</td><td>{p.Difference.ToString("F2", Inv)}</td></tr>");
        sb.Append("</table>\n");
        var reasons = comparison.Parameters.Where(p => p.Reasons.Count > 0).ToList();
        if (reasons.Count > 0)
            sb.Append("<ul>").Append(string.Concat(reasons.SelectMany(p => p.Reasons.Select(r => $"<li><b>{E(p.Parameter)}</b>: {E(r)}</li>")))).Append("</ul>\n");
        if (comparison.AverageReliability.Count > 0)
        {
            sb.Append("<table><tr><th>Level</th><th>Coefficient</th><th>Reliability (REML)</th><th>Reliability (posterior)</th></tr>");
            foreach (var (level, term, rel, post) in comparison.AverageReliability)
                sb.Append($"<tr><td>{E(level)}</td><td>{E(term)}</td><td>{rel.ToString("F3", Inv)}</td><td>{post.ToString("F3", Inv)}</td></tr>");
            sb.Append("</table>\n");
        }

        if (checks is not null) ModelChecks(sb, checks);

        sb.Append("<h2>Plots</h2>\n");
        foreach (var file in pngPlots) Figure(sb, file);

        sb.Append("<h2>Reproduce</h2>\n<pre>").Append(E(m.Command ?? "(command not recorded)"))
          .Append("</pre>\n<p>The seed is in the command or the model file (").Append(E(string.Create(Inv, $"seed {o.Seed}")))
          .Append("); the same seed gives the same draws on any machine and any number of threads.</p>\n");
        // Marks, once the page has loaded, how many images were decoded and shown (read by the report's browser test).
        sb.Append("<script>window.addEventListener('load',function(){var i=document.images,n=0;for(var k=0;k<i.length;k++)if(i[k].complete&&i[k].naturalWidth>0)n++;")
          .Append("document.body.setAttribute('data-images-shown',n+'/'+i.length);});</script>\n");
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    private static void Figure(StringBuilder sb, string file) =>
        sb.Append("<figure><img alt=\"").Append(E(Path.GetFileNameWithoutExtension(file))).Append("\" src=\"data:image/png;base64,")
          .Append(Convert.ToBase64String(File.ReadAllBytes(file))).Append("\"><figcaption>").Append(E(Path.GetFileNameWithoutExtension(file).Replace('_', ' '))).Append("</figcaption></figure>\n");

    /// <summary>The posterior (or prior) predictive check's statistics with their p-values and plots, and the
    /// leave-one-out estimates.</summary>
    private static void ModelChecks(StringBuilder sb, ModelCheckSection checks)
    {
        sb.Append("<h2>Model checks</h2>\n");
        if (checks.Predictive is { } ppc)
        {
            sb.Append("<h3>").Append(ppc.Prior ? "Prior predictive check" : "Posterior predictive check").Append("</h3>\n<p>")
              .Append(ppc.Draws.ToString("N0", Inv)).Append(ppc.Prior ? " data sets drawn from the priors alone." : " replicated data sets, new observations in the same groups.")
              .Append(" p = Pr(T(y<sub>rep</sub>) ≥ T(y)); near 0 or 1 the model does not reproduce that feature of the data.</p>\n")
              .Append("<table><tr><th>Statistic</th><th>Observed</th><th>Replicated mean</th><th>5%</th><th>95%</th><th>p</th></tr>");
            foreach (var st in ppc.Statistics)
            {
                var (mean, q5, q95) = st.ReplicatedSummary();
                bool extreme = !ppc.Prior && (st.PValue < PredictiveCheckWriters.Tail || st.PValue > 1 - PredictiveCheckWriters.Tail);
                sb.Append($"<tr><td>{E(st.Name)}{(extreme ? " <span class=\"flag\">*</span>" : "")}</td><td>{N(st.Observed)}</td><td>{N(mean)}</td><td>{N(q5)}</td><td>{N(q95)}</td><td>{st.PValue.ToString("F3", Inv)}</td></tr>");
            }
            sb.Append("</table>\n");
            foreach (var file in checks.PredictivePlots) Figure(sb, file);
        }
        foreach (string reason in checks.NotChecked) sb.Append("<div class=\"warn\">").Append(E(reason)).Append("</div>\n");
        if (checks.LooText is { } loo) sb.Append("<h3>Leave-one-out cross-validation (PSIS-LOO)</h3>\n<pre>").Append(E(loo)).Append("</pre>\n");
    }

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    private static string N(double v) => Format.Num(v, 4);
}

/// <summary>What the report's "Model checks" section shows.</summary>
/// <param name="Predictive">The posterior (or prior) predictive check, or null.</param>
/// <param name="PredictivePlots">Its PNG plots.</param>
/// <param name="LooText">The leave-one-out table as text, or null.</param>
/// <param name="NotChecked">Why a check could not be made, said in the section instead.</param>
public sealed record ModelCheckSection(ModelChecks.PredictiveCheckResult? Predictive, IReadOnlyList<string> PredictivePlots, string? LooText, IReadOnlyList<string> NotChecked);
