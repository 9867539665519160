using System.Diagnostics;
using BayesHlm.Data;
using BayesHlm.Model;
using CsCheck;

namespace BayesHlm.Tests.Properties;

/// <summary>
/// Bounded fuzzing of every reader of user text: the formula and equation parsers, the CSV reader and the model-file
/// reader, each fed inputs built from its own alphabet. Whatever the input, the only failure allowed is a
/// <see cref="UserInputException"/> (a message for the user), and no input may take more than two seconds. A crash found
/// here becomes a test of its own (Cli/HostileInputTests.cs, FuzzFoundTests). The default run is deterministic (the same
/// 3,000 inputs per reader every time, so CI is repeatable); BAYESHLM_FUZZ_SECONDS=N fuzzes each reader with fresh
/// random inputs for N seconds instead (CsCheck, which shrinks a crash to a small input).
/// </summary>
[Trait("Category", "Slow")]
public class FuzzTests
{
    private static readonly int Seconds = int.TryParse(Environment.GetEnvironmentVariable("BAYESHLM_FUZZ_SECONDS"), out int s) ? s : 0;

    private static void Fuzz<T>(Gen<T> gen, Action<T> assert)
    {
        if (Seconds > 0)
        {
            gen.Sample(assert, time: Seconds, threads: 1);
            return;
        }
        for (uint i = 0; i < 3_000; i++) assert(gen.Generate(new PCG(i, 20261202), null, out _));
    }

    private static Gen<string> Text(params string[] pieces) =>
        Gen.OneOf(Gen.OneOf<string>(pieces), Gen.Char.Select(c => c.ToString())).Array[0, 40].Select(parts => string.Concat(parts));

    private static void Survives(string input, Action<string> read)
    {
        var clock = Stopwatch.StartNew();
        try { read(input); }
        catch (UserInputException) { }
        catch (Exception e) { throw new Exception($"{e.GetType().Name} on input {Quote(input)}: {e.Message}", e); }
        if (clock.Elapsed > TimeSpan.FromSeconds(2)) throw new Exception($"{clock.Elapsed.TotalSeconds:F1} s on input {Quote(input)}");
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";

    [Fact]
    public void TheFormulaParser_NeverCrashes() =>
        Fuzz(Text("y", " ~ ", "x", "g", "(", ")", "|", "||", " + ", "-", "*", ":", "/", "^", "0", "1", "2", ",", "center(", "factor(", "log(", "mean(", "`", " ", "(1 | g)", "x*y"),
            s => Survives(s, f => ModelSpec.FromFormula(f)));

    [Fact]
    public void TheEquationParser_NeverCrashes() =>
        Fuzz(Text("b0", "b1", " = ", "g00", "g10", "*", "x", "u0", "u1", "r0", "e", " + ", "0", "(", ")", "center(x, g)", ":", "="),
            s => Survives(s, eq => HlmBuilder.Level1("y = b0 + b1*x + e").Level2("g", eq).Build()));

    [Fact]
    public void TheCsvReader_NeverCrashes()
    {
        using var folder = new TestFolder();
        string path = folder.PathOf("fuzz.csv");
        var text = Gen.OneOf(Gen.OneOf<string>("a,b,c\n", ",", ";", "\t", "\n", "\r\n", "\"", "1", "-2.5e3", "NA", ".", "x", " ", "é", "\u0000"), Gen.Char.Select(c => c.ToString()))
            .Array[0, 60].Select(p => string.Concat(p));
        Fuzz(text, t =>
        {
            File.WriteAllText(path, t);
            Survives(t, _ => DataTable.ReadCsv(path));
        });
        Fuzz(Gen.Byte.Array[0, 200], b =>
        {
            File.WriteAllBytes(path, b);
            Survives(Convert.ToHexString(b), _ => DataTable.ReadCsv(path));
        });
    }

    [Fact]
    public void TheModelFileReader_NeverCrashes()
    {
        using var folder = new TestFolder();
        string path = folder.PathOf("fuzz.yaml");
        var lines = Gen.OneOf(Gen.OneOf<string>(
            "data: x.csv", "formula: y ~ x + (1 | g)", "name: m", "method: reml", "level1:", "  equation: y = b0 + e", "level2:", "  group: g",
            "  equations:", "    - b0 = g00 + u0", "priors:", "  residual: {dist: half_t_sd, df: 3, scale: 1}", "sampler:", "  seed: 3",
            "&a [1, 2]", "*a", "---", "- ", ": ", "{", "}", "[", "]", "'", "\"", "  ", "!!o]", "%TAG"), Gen.String[0, 12]);
        Fuzz(lines.Array[0, 14].Select(l => string.Join("\n", l)), t =>
        {
            File.WriteAllText(path, t);
            Survives(t, _ => ModelFile.Load(path));
        });
    }
}
