namespace C2WebSocket.Simulator;

/// <summary>The REST API's place in the simulator: one <see cref="SimulatorRest"/> (history of every published
/// signal, endpoints, faults, request log), fed by one call at the publish point and reached through the router.</summary>
public sealed partial class C2Simulator
{
    private SimulatorRest? _rest;

    /// <summary>The REST API (docs/protocol.md §11): its history, faults (<see cref="SimulatorRest.FailNext"/>,
    /// <see cref="SimulatorRest.DelayNext"/>) and request log. Options: <see cref="SimulatorOptions.Rest"/>.</summary>
    public SimulatorRest Rest => System.Threading.LazyInitializer.EnsureInitialized(ref _rest, () => new SimulatorRest(this))!;

    /// <summary>Base http(s):// address of the REST API (the WebSocket's host and port).</summary>
    public System.Uri RestUri => HttpUri;
}
