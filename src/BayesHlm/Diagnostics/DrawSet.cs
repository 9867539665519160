namespace BayesHlm.Diagnostics;

/// <summary>
/// Posterior draws of several parameters from several chains of equal length, as any sampler produces
/// them. Immutable. Draws of one parameter are stored chain after chain, so a chain is a contiguous span.
/// </summary>
public sealed class DrawSet
{
    private readonly double[][] _draws; // per parameter: chains × iterations, chain-major

    /// <param name="names">Parameter names.</param>
    /// <param name="chains">Number of chains.</param>
    /// <param name="iterations">Draws per chain.</param>
    /// <param name="draws">Per parameter, chains × iterations values, chain after chain.</param>
    public DrawSet(IReadOnlyList<string> names, int chains, int iterations, double[][] draws)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(draws);
        if (names.Count != draws.Length) throw new ArgumentException("One array of draws per parameter name is needed.", nameof(draws));
        if (chains < 1 || iterations < 1) throw new ArgumentException("At least one chain and one draw are needed.");
        foreach (var d in draws)
            if (d.Length != chains * iterations) throw new ArgumentException($"Each parameter needs {chains} × {iterations} draws.", nameof(draws));
        Names = names;
        Chains = chains;
        Iterations = iterations;
        _draws = draws;
    }

    /// <summary>Parameter names; parameter i's draws are <see cref="Draws(int)"/> of i.</summary>
    public IReadOnlyList<string> Names { get; }
    /// <summary>Number of chains.</summary>
    public int Chains { get; }
    /// <summary>Draws per chain (kept draws: warm-up excluded).</summary>
    public int Iterations { get; }
    /// <summary>Number of parameters.</summary>
    public int ParameterCount => Names.Count;

    /// <summary>All draws of parameter <paramref name="parameter"/>, chain after chain.</summary>
    public ReadOnlySpan<double> Draws(int parameter) => _draws[parameter];

    /// <summary>All draws of the parameter named <paramref name="name"/>, chain after chain.</summary>
    public ReadOnlySpan<double> Draws(string name) => _draws[IndexOf(name)];

    /// <summary>Index of the parameter <paramref name="name"/>; a clear error (with the closest name) when absent.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Names.Count; i++) if (Names[i] == name) return i;
        string closest = BayesHlm.Data.Closest.Name(name, Names);
        throw new DataException($"No parameter '{name}' in the draws.{(closest.Length > 0 ? $" Did you mean '{closest}'?" : "")}");
    }

    /// <summary>The draws of one chain.</summary>
    public ReadOnlySpan<double> Chain(int parameter, int chain) => _draws[parameter].AsSpan(chain * Iterations, Iterations);

    /// <summary>The parameters named in <paramref name="names"/>, in that order.</summary>
    public DrawSet Select(IEnumerable<string> names)
    {
        var list = names.ToList();
        var idx = list.Select(n => Names.ToList().IndexOf(n)).ToArray();
        for (int i = 0; i < idx.Length; i++)
            if (idx[i] < 0)
            {
                string closest = BayesHlm.Data.Closest.Name(list[i], Names);
                throw new DataException($"No parameter '{list[i]}' in the draws.{(closest.Length > 0 ? $" Did you mean '{closest}'?" : "")}");
            }
        return new DrawSet(list, Chains, Iterations, idx.Select(i => _draws[i]).ToArray());
    }
}
