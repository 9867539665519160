using BayesHlm.Estimation.Glmm;
using BayesHlm.Model;

namespace BayesHlm.ModelChecks;

/// <summary>
/// Every row's log-likelihood under every draw (<see cref="ObservationLikelihood"/>), computed for any block of rows on
/// demand: the draws' parameters — β, each level's u, σ² — are read (or drawn) once, laid out draws-contiguous, and a
/// row's values for all draws are then a short product of its x and z with them. So PSIS-LOO can take the rows a
/// block at a time, and the whole rows × draws matrix is never held.
/// </summary>
internal sealed class ObservationDraws
{
    private readonly RowPredictor _rows;
    private readonly double[] _beta;        // p × draws
    private readonly double[][] _u;         // per level: (groups × q) × draws
    private readonly double[] _halfLog, _half, _constants;
    private readonly int _draws;

    public ObservationDraws(RowPredictor rows)
    {
        rows.RequireGroupEffects("The observation-wise log-likelihood");
        _rows = rows;
        var s = rows.Statistics;
        int p = s.P, draws = rows.Draws, n = rows.N;
        _draws = draws;
        _beta = new double[p * draws];
        _u = s.Levels.Select(l => new double[(long)l.Grouping.Count * l.Size * draws > Array.MaxLength
            ? throw new ModelSpecificationException($"{l.Grouping.Count:N0} groups × {draws:N0} draws of effects do not fit in memory: thin the run (--thin).")
            : l.Grouping.Count * l.Size * draws]).ToArray();
        _halfLog = new double[draws];
        _half = new double[draws];
        Parallel.For(0, draws, rows.NewWorkspace, (d, _, w) =>
        {
            double sigma2 = rows.Parameters(d, w);
            _halfLog[d] = 0.5 * Math.Log(sigma2);
            _half[d] = 0.5 / sigma2;
            for (int c = 0; c < p; c++) _beta[c * draws + d] = w.Beta[c];
            for (int k = 0; k < _u.Length; k++)
            {
                var from = w.U[k];
                var to = _u[k];
                for (int j = 0; j < from.Length; j++) to[(long)j * draws + d] = from[j];
            }
            return w;
        }, _ => { });
        var weights = rows.Weights;
        _constants = new double[n];
        for (int i = 0; i < n; i++)
            _constants[i] = rows.Family == Family.Gaussian
                ? -0.5 * Math.Log(2 * Math.PI) + 0.5 * Math.Log(weights?[i] ?? 1)
                : LevelOne.Constant(rows.Family, rows.Y[i], rows.Trials[i]);
    }

    /// <summary>Rows [<paramref name="from"/>, <paramref name="to"/>) into <paramref name="into"/>, row after row, each
    /// row's draws contiguous.</summary>
    public void Fill(int from, int to, double[] into)
    {
        var glmm = _rows.Rows;
        var s = _rows.Statistics;
        int draws = _draws, p = s.P;
        var q = s.Levels.Select(l => l.Size).ToArray();
        var family = _rows.Family;
        var y = _rows.Y;
        var trials = _rows.Trials;
        var weights = _rows.Weights;
        double shift = _rows.Shift;
        Parallel.For(from, to, () => new double[draws], (i, _, eta) =>
        {
            Array.Fill(eta, glmm.Offset[i] + shift);
            for (int c = 0; c < p; c++)
            {
                double x = glmm.X[c][i];
                if (x == 0) continue;
                var beta = _beta.AsSpan(c * draws, draws);
                for (int d = 0; d < draws; d++) eta[d] += x * beta[d];
            }
            for (int k = 0; k < q.Length; k++)
            {
                int g = glmm.GroupOfRow[k][i];
                for (int a = 0; a < q[k]; a++)
                {
                    double z = glmm.Z[k][a][i];
                    if (z == 0) continue;
                    var u = _u[k].AsSpan((g * q[k] + a) * draws, draws);
                    for (int d = 0; d < draws; d++) eta[d] += z * u[d];
                }
            }
            var row = into.AsSpan(checked((int)((long)(i - from) * draws)), draws);
            double constant = _constants[i];
            if (family == Family.Gaussian)
            {
                double wi = weights?[i] ?? 1, yi = y[i];
                for (int d = 0; d < draws; d++)
                {
                    double r = yi - eta[d];
                    row[d] = constant - _halfLog[d] - _half[d] * wi * r * r;
                }
            }
            else
                for (int d = 0; d < draws; d++) row[d] = constant + LevelOne.LogKernel(family, y[i], trials[i], eta[d]);
            return eta;
        }, _ => { });
    }
}
