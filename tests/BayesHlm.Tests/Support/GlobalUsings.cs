global using BayesHlm.Tests.Support;
// The alias decides bare 'TestFolder' for files that also import BayesHlm.Tests.Cli, where a forwarding
// TestFolder remains (see Cli/TestFolder.cs); inside namespace BayesHlm.Tests.Cli that forward is found first.
global using TestFolder = BayesHlm.Tests.Support.TestFolder;
