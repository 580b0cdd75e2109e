using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace C2WebSocket.Simulator;

/// <summary>
/// A C2-compatible WebSocket server (Kestrel on 127.0.0.1) for tests, benchmarks and offline script
/// development. Follows the protocol of docs/protocol.md; where C2 is silent, <see cref="SimulatorOptions"/>
/// picks the branch (README: "Open points of the C2 docs"). Defaults:
/// <list type="bullet">
/// <item>Streams: one per (channel, strategy) with its own seq_id starting at 1 (positions carry seq_id too).</item>
/// <item>Missed heartbeat: close status <see cref="SimulatorOptions.HeartbeatTimeoutCloseStatus"/> (default 1008), description "heartbeat timeout".</item>
/// <item>101st subscription: error code SUBSCRIPTION_LIMIT, field null.</item>
/// <item>Unknown msg_type / malformed JSON / binary frame: error INVALID_PARAMETER (field "MsgType" or null), connection stays open.</item>
/// <item>subscription.ack payload: {"action","channel","strategy_id"}; unsubscribe is acked too (even if not subscribed);
///   a duplicate subscribe is acked again (replaying again when it carries resume_from) without double live delivery.</item>
/// <item>resume_from is ignored on strategy.positions; 0 means no replay.</item>
/// <item>Client message larger than <see cref="SimulatorOptions.MaxClientMessageBytes"/>: close 1009.</item>
/// <item>Client close: echoed with the same status. Server pings (WebSocket keep-alive) are disabled.</item>
/// </list>
/// The type is split by job: hosting and lifecycle (this file), the handshake gate, the stream store and
/// replay, fault injection, observation.
/// </summary>
public sealed partial class C2Simulator : IAsyncDisposable
{
    internal readonly SimulatorStats StatsInternal = new();
    private readonly object _gate = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private WebApplication? _app;
    private int _port;
    private bool _disposed;

    private C2Simulator(SimulatorOptions options)
    {
        Options = options;
        options.ApiKeys ??= new Dictionary<string, SimulatorKey>(StringComparer.Ordinal) { [SimulatorOptions.DefaultDemoApiKey] = new() };
        DemoApiKey = options.ApiKeys.ContainsKey(SimulatorOptions.DefaultDemoApiKey) || options.ApiKeys.Count == 0
            ? SimulatorOptions.DefaultDemoApiKey
            : options.ApiKeys.Keys.First();
        if (options.UseTls) Certificate = CreateSelfSignedCertificate();
    }

    /// <summary>Starts a simulator on 127.0.0.1 (ephemeral port unless <see cref="SimulatorOptions.Port"/> is set).</summary>
    public static async Task<C2Simulator> StartAsync(SimulatorOptions? options = null, CancellationToken ct = default)
    {
        var sim = new C2Simulator(options ?? new SimulatorOptions());
        await sim.StartServerAsync(sim.Options.Port, ct).ConfigureAwait(false);
        return sim;
    }

    public Uri Uri => new($"{(Options.UseTls ? "wss" : "ws")}://127.0.0.1:{_port}/ws");
    /// <summary>Base http(s):// address (for the /control/* API).</summary>
    public Uri HttpUri => new($"{(Options.UseTls ? "https" : "http")}://127.0.0.1:{_port}/");
    public string DemoApiKey { get; }
    public SimulatorOptions Options { get; }
    public X509Certificate2? Certificate { get; }
    public SimulatorStats Stats => StatsInternal;

    /// <summary>The simulator's clock: UtcNow + <see cref="SimulatorOptions.ServerClockOffset"/>.</summary>
    public DateTimeOffset Now => DateTimeOffset.UtcNow + Options.ServerClockOffset;

    // ================================================================ hosting

    private async Task StartServerAsync(int port, CancellationToken ct)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(C2Simulator).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelCore();
        if (Certificate is not null) builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port, lo =>
            {
                // HTTP/1.1 only: C2 documents the classic "101 Switching Protocols" upgrade.
                lo.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1;
                if (Certificate is not null) lo.UseHttps(Certificate);
            });
        });
        builder.Services.AddLogging();
        // No ConsoleLifetime: an embedded simulator must not grab Ctrl+C / SIGTERM from its host process.
        builder.Services.AddSingleton<IHostLifetime, NoopHostLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Run(HandleRequestAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _port = new Uri(address).Port;
        _app = app;
    }

    private async Task StopServerAsync()
    {
        var app = _app;
        _app = null;
        if (app is null) return;
        DropAllConnections();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await app.StopAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception) { }
        try { await app.DisposeAsync().ConfigureAwait(false); } catch (Exception) { }
    }

    /// <summary>Stops Kestrel (dropping every connection) and starts it again on the same port;
    /// history and seq counters are kept.</summary>
    public async Task RestartAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await StopServerAsync().ConfigureAwait(false);
            // The port may linger briefly; retry the bind for up to ~3 s.
            for (int attempt = 0; ; attempt++)
            {
                try { await StartServerAsync(_port, default).ConfigureAwait(false); break; }
                catch (IOException) when (attempt < 30) { await Task.Delay(100).ConfigureAwait(false); }
            }
        }
        finally { _lifecycle.Release(); }
        NotifyChanged();
    }

    public async ValueTask DisposeAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            Unfreeze();
            await StopServerAsync().ConfigureAwait(false);
        }
        finally { _lifecycle.Release(); }
    }

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=C2WebSocket.Simulator", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, false));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    private async Task HandleRequestAsync(HttpContext ctx)
    {
        try
        {
            if (ctx.Request.Path == "/ws")
                await HandleWebSocketAsync(ctx).ConfigureAwait(false);
            else if (SimulatorRest.Handles(ctx.Request.Path))
                await Rest.HandleAsync(ctx).ConfigureAwait(false);
            else if (Options.EnableControlApi && ctx.Request.Path.StartsWithSegments("/control"))
                await ControlApi.HandleAsync(this, ctx).ConfigureAwait(false);
            else
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
        }
        catch (Exception)
        {
            // A connection handler never throws out; a broken request is simply aborted.
            try { ctx.Abort(); } catch { }
        }
    }

    private sealed class NoopHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
