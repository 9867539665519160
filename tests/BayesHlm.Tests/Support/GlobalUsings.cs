global using BayesHlm.Tests.Support;
