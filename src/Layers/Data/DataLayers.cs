using LayerNet.Plugins;

namespace LayerNet.Layers.Data;

/// <summary>Registration of the layers that feed data into a net.</summary>
public static class DataLayers
{
    /// <summary>Registers the data layers under Caffe's type names.</summary>
    public static LayerNetBuilder AddDataLayers(this LayerNetBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .AddLayer<InputLayer>("Input")
            .AddLayer<DummyDataLayer>("DummyData")
            .AddLayer<HDF5DataLayer>("HDF5Data")
            .AddLayer<DataLayer>("Data")
            .AddLayer<MemoryDataLayer>("MemoryData")
            .AddLayer<IdxDataLayer>("IdxData")
            .AddParameterExtensions(LayernetReflection.Descriptor);
    }
}
