namespace BayesHlm.Tests.Cli;

/// <summary>Forward to <see cref="Support.TestFolder"/>, its old name: Sampling/PublicApiTests.cs names
/// <c>BayesHlm.Tests.Cli.TestFolder</c> in full. Delete once no test does.</summary>
public sealed class TestFolder : Support.TestFolder;
