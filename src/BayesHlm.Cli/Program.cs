using System.CommandLine;
using BayesHlm.Cli;

return CliApp.Run(args, Console.Out, Console.Error);
