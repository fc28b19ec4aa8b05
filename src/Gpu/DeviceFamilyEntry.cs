namespace LayerNet.Gpu;

/// <summary>One entry of <see cref="DeviceFamilies.All"/>: the exact layer types a family runs, and how to make it.</summary>
internal sealed record DeviceFamilyEntry(Type[] Layers, Func<GpuDevice, DeviceFamily> Make);
