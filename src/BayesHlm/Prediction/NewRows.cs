using BayesHlm.Data;
using BayesHlm.Formula;
using BayesHlm.Model;
using BayesHlm.Statistics;

namespace BayesHlm.Prediction;

/// <summary>
/// The design of rows to predict, built by the model's own formula on them: their outcome may be absent or missing
/// (a placeholder stands in and is never read), functions of the data (<c>center(x, g)</c>, <c>mean(x, g)</c>) are
/// computed over the new rows, and their fixed-effect columns must be the fit's.
/// </summary>
internal static class NewRows
{
    /// <summary>The new rows' design, and how many rows had to be left out for a missing predictor or group.</summary>
    public static (Design Design, int Dropped) Design(ModelSpec spec, DataTable data, IReadOnlyList<string> fixedNames)
    {
        if (spec.Variables.Any(v => v.Function == VariableFunction.Poly))
            throw new ModelSpecificationException("Prediction for models with poly() terms is not supported: their orthogonal basis would be recomputed from the new rows. Write the powers as columns of the data instead.");
        // A placeholder every family and outcome function accepts: 1 for a linear or 0/1 outcome (whose log may be
        // taken), 0 for counts.
        var placeholder = new NumericColumn(spec.Outcome.Column, Enumerable.Repeat(spec.Family is Family.Gaussian or Family.Bernoulli ? 1.0 : 0.0, data.RowCount).ToArray());
        data = new DataTable([.. data.Columns.Where(c => c.Name != spec.Outcome.Column), placeholder], data.Source,
            Enumerable.Range(0, data.RowCount).Select(data.LineOf).ToArray());
        var frame = ModelFrame.Build(spec, data, outcomeIsPlaceholder: true);
        var design = Statistics.Design.Build(spec, frame, data.Source);
        if (!design.FixedNames.SequenceEqual(fixedNames))
            throw new ModelSpecificationException(
                $"The new data give the model other fixed-effect columns ({string.Join(", ", design.FixedNames)}) than the fit's ({string.Join(", ", fixedNames)}): " +
                "a factor has other levels there. Give the new data every level of each factor the model uses (rows of a level can be removed from the output afterwards).");
        return (design, frame.RowsRead - frame.RowCount);
    }

    /// <summary>Each new row's group per level in the fit (<paramref name="known"/>: per level, its groups' names), or −1
    /// for a group the fit has not seen (or every group, with <paramref name="allNew"/>).</summary>
    public static int[][] KnownGroups(Design design, IReadOnlyList<IReadOnlyList<string>> known, bool allNew)
    {
        var result = new int[design.Levels.Length][];
        for (int k = 0; k < result.Length; k++)
        {
            var index = known[k].Select((name, j) => (name, j)).ToDictionary(t => t.name, t => t.j);
            var names = design.Levels[k].Grouping.GroupNames;
            var cellLevel = design.CellLevel[k];
            result[k] = design.LeafOfRow.Select(cell => !allNew && index.TryGetValue(names[cellLevel[cell]], out int j) ? j : -1).ToArray();
        }
        return result;
    }

    /// <summary>What to tell the reader about functions of the data computed over the new rows.</summary>
    public static IReadOnlyList<string> Notes(ModelSpec spec)
    {
        var grouped = spec.Variables.Where(v => v.Function is VariableFunction.Center or VariableFunction.Mean && v.Group is not null).Select(v => v.Name).Distinct().ToList();
        return grouped.Count == 0 ? [] : [$"{string.Join(", ", grouped)}: computed over the new rows' groups, as the formula reads them (give every row of a group to get the group's own mean)."];
    }
}
