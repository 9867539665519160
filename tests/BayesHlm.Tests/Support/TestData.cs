using BayesHlm.Data;

namespace BayesHlm.Tests.Support;

/// <summary>The repository's data sets, read afresh on each call (a test may not see another's changes).</summary>
public static class TestData
{
    /// <summary>A CSV file of the repository's <c>models/data/</c> folder.</summary>
    public static DataTable Read(string fileName) => DataTable.ReadCsv(RepositoryPaths.Data(fileName));

    /// <summary>High School and Beyond (models/data/hsb.csv): 7185 students in 160 schools.</summary>
    public static DataTable Hsb() => Read("hsb.csv");

    /// <summary>The simulated three-level data (models/data/three_level_sim.csv): students in classrooms in schools.</summary>
    public static DataTable ThreeLevelSim() => Read("three_level_sim.csv");
}
