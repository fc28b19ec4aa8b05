namespace LayerNet.Gpu;

/// <summary>
/// How a row-major product (<see cref="GemmShape"/>: C = alpha op(A) op(B) + beta C, every matrix dense) is asked of
/// cuBLAS, which is column-major: a row-major matrix read column-major is its transpose, so C^T = op(B)^T op(A)^T is
/// computed with B as cuBLAS's first operand and A as its second, and no data moves.
/// </summary>
/// <param name="TransposeFirst">Whether cuBLAS transposes its first operand (our B).</param>
/// <param name="TransposeSecond">Whether cuBLAS transposes its second operand (our A).</param>
/// <param name="M">cuBLAS's rows of C: our columns, N.</param>
/// <param name="N">cuBLAS's columns of C: our rows, M.</param>
/// <param name="K">The inner dimension.</param>
/// <param name="LeadingFirst">The leading dimension of the first operand (B as stored).</param>
/// <param name="LeadingSecond">The leading dimension of the second operand (A as stored).</param>
/// <param name="LeadingC">The leading dimension of C (our N).</param>
internal readonly record struct CublasCall(bool TransposeFirst, bool TransposeSecond, int M, int N, int K, int LeadingFirst, int LeadingSecond, int LeadingC)
{
    /// <summary>The call for a row-major product.</summary>
    public static CublasCall For(GemmShape shape) => new(
        TransposeFirst: shape.TransposeB != 0,
        TransposeSecond: shape.TransposeA != 0,
        M: shape.N,
        N: shape.M,
        K: shape.K,
        // B is stored K x N (N per row), or N x K when transposed; A is M x K, or K x M when transposed.
        LeadingFirst: shape.TransposeB != 0 ? shape.K : shape.N,
        LeadingSecond: shape.TransposeA != 0 ? shape.M : shape.K,
        LeadingC: shape.N);
}
