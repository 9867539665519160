namespace BayesHlm.Model;

/// <summary>The level-1 distribution of the outcome given the linear predictor, with its canonical link.</summary>
public enum Family
{
    /// <summary>Normal with an estimated (or known) variance; identity link. The linear mixed model.</summary>
    Gaussian,
    /// <summary>0/1 outcomes; logit link.</summary>
    Bernoulli,
    /// <summary>Counts of successes out of a number of trials (a column); logit link.</summary>
    Binomial,
    /// <summary>Counts of events; log link (an exposure enters as <c>offset(log(exposure))</c>).</summary>
    Poisson,
}

/// <summary>Names and parsing of <see cref="Family"/>.</summary>
public static class Families
{
    /// <summary>The family's name as written on the command line and in output: <c>gaussian</c>, <c>bernoulli</c>, ….</summary>
    public static string Name(this Family family) => family.ToString().ToLowerInvariant();

    /// <summary>The link function's name: identity, logit or log.</summary>
    public static string Link(this Family family) => family switch
    {
        Family.Gaussian => "identity",
        Family.Bernoulli or Family.Binomial => "logit",
        _ => "log",
    };

    /// <summary>The linear predictor as the level-1 equation writes it: <c>logit(p)</c>, <c>log(mu)</c>, or the outcome itself.</summary>
    public static string LinearPredictorName(this Family family, string outcome) => family switch
    {
        Family.Gaussian => outcome,
        Family.Bernoulli or Family.Binomial => $"logit(p[{outcome}])",
        _ => $"log(mu[{outcome}])",
    };

    /// <summary>A level-1 equation with the link written on its left (<c>logit(pass) = b0 + …</c> for a bernoulli or binomial
    /// outcome, <c>log(events) = …</c> for a Poisson one) as the plain equation of the outcome; other equations as they are.
    /// (For a gaussian model <c>log(y) = …</c> is a model of log y and stays.)</summary>
    public static string WithoutLink(string equation, Family family)
    {
        ArgumentNullException.ThrowIfNull(equation);
        int eq = equation.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0 || family == Family.Gaussian) return equation;
        string left = equation[..eq].Trim(), link = family.Link();
        if (left.StartsWith(link + "(", StringComparison.Ordinal) && left.EndsWith(')'))
            return left[(link.Length + 1)..^1].Trim() + " " + equation[eq..];
        return equation;
    }

    /// <summary>Parses a family name (case-insensitive; <c>binary</c> and <c>logistic</c> mean bernoulli, <c>normal</c>
    /// gaussian, <c>count</c> poisson); the message lists the families.</summary>
    public static Family Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "gaussian" or "normal" => Family.Gaussian,
            "bernoulli" or "binary" or "logistic" => Family.Bernoulli,
            "binomial" => Family.Binomial,
            "poisson" or "count" => Family.Poisson,
            _ => throw new ModelSpecificationException($"Unknown family '{text}': use gaussian, bernoulli (0/1 outcomes), binomial (successes out of --trials) or poisson (counts)."),
        };
    }
}
