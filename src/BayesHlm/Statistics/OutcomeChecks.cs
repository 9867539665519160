using System.Globalization;
using BayesHlm.Data;
using BayesHlm.Model;

namespace BayesHlm.Statistics;

/// <summary>The outcome's values against its family: 0/1 for bernoulli, whole numbers from 0 to the trials for
/// binomial, whole numbers from 0 for poisson. A value out of place is refused naming its row, not fitted as a
/// number it is not.</summary>
internal static class OutcomeChecks
{
    public static void Check(ModelSpec spec, DataTable data, int[] rows, double[] y, double[]? trials)
    {
        string name = spec.Outcome.Name;
        static string N(double v) => v.ToString("G10", CultureInfo.InvariantCulture);
        switch (spec.Family)
        {
            case Family.Bernoulli:
                for (int i = 0; i < y.Length; i++)
                    if (y[i] is not (0 or 1))
                        throw new DataException($"{data.Where(rows[i])}, column '{spec.Outcome.Column}': a bernoulli outcome is 0 or 1, not {N(y[i])}. " +
                            "Recode it to 0/1; for counts out of a number of trials use --family binomial --trials COLUMN, for counts of events --family poisson.");
                if (y.All(v => v == y[0]))
                    throw new DataException($"The outcome '{name}' is {N(y[0])} in every row the model uses: there is no event (or no non-event) to model.");
                break;
            case Family.Binomial:
                for (int i = 0; i < y.Length; i++)
                {
                    double n = trials![i];
                    if (!(n >= 1) || n != Math.Floor(n) || double.IsInfinity(n))
                        throw new DataException($"{data.Where(rows[i])}, column '{spec.Trials}': the number of trials must be a whole number of at least 1, not {N(n)}.");
                    if (!(y[i] >= 0) || y[i] != Math.Floor(y[i]) || y[i] > n)
                        throw new DataException($"{data.Where(rows[i])}, column '{spec.Outcome.Column}': a binomial outcome counts successes, a whole number from 0 to the trials ({N(n)} in '{spec.Trials}'), not {N(y[i])}.");
                }
                if (y.All(v => v == 0) || y.Select((v, i) => v == trials![i]).All(b => b))
                    throw new DataException($"The outcome '{name}' is {(y[0] == 0 ? "0" : "equal to the trials")} in every row the model uses: there is nothing to model.");
                break;
            case Family.Poisson:
                for (int i = 0; i < y.Length; i++)
                    if (!(y[i] >= 0) || y[i] != Math.Floor(y[i]) || double.IsInfinity(y[i]))
                        throw new DataException($"{data.Where(rows[i])}, column '{spec.Outcome.Column}': a poisson outcome counts events, a whole number of at least 0, not {N(y[i])}.");
                if (y.All(v => v == 0))
                    throw new DataException($"The outcome '{name}' is 0 in every row the model uses: there are no events to model.");
                break;
        }
    }
}
