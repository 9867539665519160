namespace BayesHlm;

/// <summary>Base type for errors in what the user supplied (data, formula, model file):
/// the message says what is wrong, where, and how to fix it. The CLI maps these to exit code 2.</summary>
public abstract class UserInputException : Exception
{
    /// <param name="message">What is wrong, where, and how to fix it: shown to the user as it is.</param>
    /// <param name="inner">The error that revealed the problem, if any.</param>
    protected UserInputException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>A problem with a data file or its values: names the file, line and column where known.</summary>
public sealed class DataException : UserInputException
{
    /// <param name="message">What is wrong, where, and how to fix it: shown to the user as it is.</param>
    /// <param name="inner">The error that revealed the problem, if any.</param>
    public DataException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>A problem with the declared model (formula, model file, builder): names the position where known.</summary>
public sealed class ModelSpecificationException : UserInputException
{
    /// <param name="message">What is wrong, where, and how to fix it: shown to the user as it is.</param>
    /// <param name="inner">The error that revealed the problem, if any.</param>
    public ModelSpecificationException(string message, Exception? inner = null) : base(message, inner) { }
}
