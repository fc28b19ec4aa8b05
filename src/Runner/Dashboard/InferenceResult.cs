namespace LayerNet.Runner.Dashboard;

/// <summary>The answer to one classification on the Inference page.</summary>
/// <param name="Id">Names the kept activations (<c>/api/inference/activations.png?id=</c>).</param>
/// <param name="Image">The image: its path under the root, or the uploaded file's name.</param>
/// <param name="Output">The blob read as probabilities.</param>
/// <param name="Top">The five most probable classes, most probable first.</param>
/// <param name="Blobs">Every blob of the net, in the order the pass writes them.</param>
internal sealed record InferenceResult(string Id, string Image, string Output, IReadOnlyList<InferenceClass> Top, IReadOnlyList<InferenceBlob> Blobs);
