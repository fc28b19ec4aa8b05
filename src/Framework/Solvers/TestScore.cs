namespace LayerNet.Solvers;

/// <summary>One test output's mean over a test pass.</summary>
/// <param name="Iteration">The training iteration at which the test ran.</param>
/// <param name="TestNet">The test net's index.</param>
/// <param name="Output">The output blob's name.</param>
/// <param name="Value">The mean over test_iter batches.</param>
public readonly record struct TestScore(int Iteration, int TestNet, string Output, double Value);
