namespace LayerNet.Gpu;

/// <summary>The shape and scalars of one product C = alpha op(A) op(B) + beta C (row-major, op a transpose where set).</summary>
internal readonly struct GemmShape(int m, int n, int k, bool transposeA, bool transposeB, float alpha, float beta)
{
    public readonly int M = m;
    public readonly int N = n;
    public readonly int K = k;
    public readonly int TransposeA = transposeA ? 1 : 0;
    public readonly int TransposeB = transposeB ? 1 : 0;
    public readonly float Alpha = alpha;
    public readonly float Beta = beta;
}
