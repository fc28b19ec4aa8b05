using LayerNet.Blobs;
using LayerNet.Layers;

namespace LayerNet.Nets;

/// <summary>What <see cref="Net.PlanMemory"/> did: the bytes of blob data the planned blobs held before and after, and in how many buffers.</summary>
/// <param name="PlannedBlobs">Blobs whose data now lives in a shared buffer.</param>
/// <param name="BytesBefore">Their data storage before the plan, in bytes (each distinct array once).</param>
/// <param name="BytesAfter">The buffers they share now, in bytes.</param>
/// <param name="Buffers">How many buffers.</param>
public sealed record BlobMemoryPlan(int PlannedBlobs, long BytesBefore, long BytesAfter, int Buffers);

/// <summary>
/// Lays out the data of a net whose backward never runs: blobs that are never alive at the same time share one
/// buffer. A blob is alive from the first layer that writes it to the last layer that reads or writes it; a top that
/// shares its bottom's storage (<see cref="Layer.TopStorage"/>) is one blob with it. Buffers are handed out in layer
/// order, best fit first, and come back once the last reader of their blob has run.
/// </summary>
internal static class MemoryPlanner
{
    public static BlobMemoryPlan Plan(
        IReadOnlyList<Layer> layers,
        IReadOnlyList<Blob[]> bottoms,
        IReadOnlyList<Blob[]> tops,
        IReadOnlyList<Blob> blobs,
        ISet<Blob> kept,
        bool[]? absorbed = null)
    {
        // One group per storage: blobs that share data now (in place, Split, views set up so far) or will (TopStorage).
        var index = new Dictionary<Blob, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < blobs.Count; i++)
        {
            index[blobs[i]] = i;
        }

        var parent = new int[blobs.Count];
        for (var i = 0; i < parent.Length; i++)
        {
            parent[i] = i;
        }

        int Find(int x)
        {
            while (parent[x] != x)
            {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }

            return x;
        }

        void Union(int a, int b) => parent[Find(a)] = Find(b);

        var byArray = new Dictionary<float[], int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < blobs.Count; i++)
        {
            if (!byArray.TryAdd(blobs[i].DataStorage, i))
            {
                Union(i, byArray[blobs[i].DataStorage]);
            }
        }

        var pinned = new bool[blobs.Count];
        var parameterArrays = new HashSet<float[]>(ReferenceEqualityComparer.Instance);
        foreach (var layer in layers)
        {
            foreach (var parameter in layer.Blobs)
            {
                parameterArrays.Add(parameter.DataStorage);
            }
        }

        for (var l = 0; l < layers.Count; l++)
        {
            for (var t = 0; t < tops[l].Length; t++)
            {
                var top = index[tops[l][t]];
                // A layer folded into the one before it shares that layer's output (Net.AbsorbFollowingLayers).
                var storage = absorbed is not null && absorbed[l] ? 0 : layers[l].TopStorage(t);
                if (storage >= 0 && storage < bottoms[l].Length)
                {
                    Union(top, index[bottoms[l][storage]]);
                }
                else if (storage == Layer.FixedTopStorage || bottoms[l].Length == 0)
                {
                    // A data or input layer's top may be written outside the pass (by the caller, at set-up).
                    pinned[top] = true;
                }
            }
        }

        for (var i = 0; i < blobs.Count; i++)
        {
            if (kept.Contains(blobs[i]) || parameterArrays.Contains(blobs[i].DataStorage))
            {
                pinned[i] = true;
            }
        }

        // Per group: pinned if any member is; alive from its first writer to its last user; as large as its largest member.
        var groupPinned = new bool[blobs.Count];
        var first = new int[blobs.Count];
        var last = new int[blobs.Count];
        var size = new int[blobs.Count];
        Array.Fill(first, int.MaxValue);
        Array.Fill(last, -1);
        for (var i = 0; i < blobs.Count; i++)
        {
            var g = Find(i);
            groupPinned[g] |= pinned[i];
            size[g] = Math.Max(size[g], blobs[i].Count);
        }

        for (var l = 0; l < layers.Count; l++)
        {
            foreach (var top in tops[l])
            {
                var g = Find(index[top]);
                first[g] = Math.Min(first[g], l);
                last[g] = Math.Max(last[g], l);
            }

            foreach (var bottom in bottoms[l])
            {
                var g = Find(index[bottom]);
                last[g] = Math.Max(last[g], l);

                // Read before any layer writes it: its values come from outside the pass.
                if (first[g] > l)
                {
                    groupPinned[g] = true;
                }
            }
        }

        var starting = new List<int>[layers.Count];
        var ending = new List<int>[layers.Count];
        for (var l = 0; l < layers.Count; l++)
        {
            starting[l] = [];
            ending[l] = [];
        }

        for (var g = 0; g < blobs.Count; g++)
        {
            if (Find(g) == g && !groupPinned[g] && first[g] != int.MaxValue && size[g] > 0)
            {
                starting[first[g]].Add(g);
                ending[last[g]].Add(g);
            }
        }

        // Hand out buffers in layer order: a group takes the smallest free buffer that holds it, else a new one.
        var free = new List<float[]>();
        var assigned = new float[blobs.Count][];
        var buffers = 0;
        long bytesAfter = 0;
        for (var l = 0; l < layers.Count; l++)
        {
            foreach (var g in starting[l])
            {
                var best = -1;
                for (var f = 0; f < free.Count; f++)
                {
                    if (free[f].Length >= size[g] && (best < 0 || free[f].Length < free[best].Length))
                    {
                        best = f;
                    }
                }

                if (best >= 0)
                {
                    assigned[g] = free[best];
                    free.RemoveAt(best);
                }
                else
                {
                    assigned[g] = new float[size[g]];
                    buffers++;
                    bytesAfter += (long)size[g] * sizeof(float);
                }
            }

            // Released after this layer: a group that starts at the next layer may take it.
            foreach (var g in ending[l])
            {
                free.Add(assigned[g]);
            }
        }

        var before = new HashSet<float[]>(ReferenceEqualityComparer.Instance);
        var memories = new Dictionary<float[], Blobs.SyncedMemory>(ReferenceEqualityComparer.Instance);
        var planned = 0;
        for (var i = 0; i < blobs.Count; i++)
        {
            var g = Find(i);
            if (assigned[g] is { } buffer)
            {
                before.Add(blobs[i].DataStorage);
                if (!memories.TryGetValue(buffer, out var memory))
                {
                    memory = new Blobs.SyncedMemory(buffer);
                    memories.Add(buffer, memory);
                }

                blobs[i].UseDataStorage(memory);
                planned++;
            }
        }

        var bytesBefore = before.Sum(array => (long)array.Length * sizeof(float));
        return new BlobMemoryPlan(planned, bytesBefore, bytesAfter, buffers);
    }
}
