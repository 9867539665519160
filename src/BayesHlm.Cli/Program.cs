using System.CommandLine;
using BayesHlm.Cli;

var output = HighlightingWriter.For(Console.Out, Console.IsOutputRedirected, args);
var error = HighlightingWriter.For(Console.Error, Console.IsErrorRedirected, args);
try
{
    return CliApp.Run(args, output, error);
}
finally
{
    output.Flush();
    error.Flush();
}
