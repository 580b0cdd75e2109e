using System;
using System.Collections.Generic;
using System.Net.WebSockets;

namespace C2WebSocket.Simulator;

/// <summary>Configuration of a <see cref="C2Simulator"/>. Most values are read live, so tests may
/// change them after start (e.g. <see cref="EchoRequestIdOnError"/>, <see cref="ServerClockOffset"/>).
/// <see cref="Port"/> and <see cref="UseTls"/> are read at start only.</summary>
public sealed class SimulatorOptions
{
    /// <summary>The demo API key present in the default <see cref="ApiKeys"/>.</summary>
    public const string DefaultDemoApiKey = "c2-demo-key-0001";

    /// <summary>TCP port on 127.0.0.1; 0 = ephemeral (the chosen port is kept across <see cref="C2Simulator.RestartAsync"/>).</summary>
    public int Port { get; set; } = 0;

    /// <summary>Serve wss:// with a throwaway self-signed certificate generated in memory.</summary>
    public bool UseTls { get; set; }

    /// <summary>Known API keys. Default: one demo key allowed on every strategy.</summary>
    public Dictionary<string, SimulatorKey> ApiKeys { get; set; } = new(StringComparer.Ordinal)
    {
        [DefaultDemoApiKey] = new SimulatorKey(),
    };

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The server closes a connection when now - lastAck (or connect time) &gt; Interval + Grace.</summary>
    public TimeSpan HeartbeatGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Undocumented by C2: the close status used for a missed heartbeat. Default 1008 (PolicyViolation),
    /// description "heartbeat timeout".</summary>
    public WebSocketCloseStatus HeartbeatTimeoutCloseStatus { get; set; } = WebSocketCloseStatus.PolicyViolation;

    /// <summary>11th concurrent connection of one key -> HTTP 429 before the upgrade.</summary>
    public int MaxConnectionsPerKey { get; set; } = 10;

    /// <summary>Server-wide cap -> HTTP 503 before the upgrade.</summary>
    public int MaxConnectionsTotal { get; set; } = int.MaxValue;

    /// <summary>101st (channel, strategy) pair on one connection -> error SUBSCRIPTION_LIMIT.</summary>
    public int MaxSubscriptionsPerConnection { get; set; } = 100;

    /// <summary>Maximum number of signals replayed for one resume_from before a gap message.</summary>
    public int ReplayLimit { get; set; } = 1000;

    /// <summary>Client timestamp outside server-now +/- tolerance -> error INVALID_PARAMETER field "Timestamp".</summary>
    public TimeSpan ClockTolerance { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The simulator's "now" = UtcNow + offset: used for its own timestamps and for validating client timestamps.</summary>
    public TimeSpan ServerClockOffset { get; set; } = TimeSpan.Zero;

    /// <summary>Undocumented by C2: whether error messages echo the request's request_id.</summary>
    public bool EchoRequestIdOnError { get; set; } = true;

    /// <summary>Undocumented by C2: accepted JSON type(s) of payload.resume_from.</summary>
    public ResumeFromFormat AcceptResumeFrom { get; set; } = ResumeFromFormat.Both;

    /// <summary>The "v" field of every server message.</summary>
    public int ProtocolVersion { get; set; } = 4;

    // ------------------------------------------------------------ open points of the C2 docs (docs/protocol.md §13.2)
    // All read live: a change applies to messages built afterwards. History keeps the bytes as first sent,
    // so a replay is byte-identical to the live message whatever the options say now.

    /// <summary>Undocumented by C2: the JSON type of "v" on every server message (<c>4</c> or <c>"4"</c>).</summary>
    public VersionFormat VersionFormat { get; set; } = VersionFormat.Number;

    /// <summary>Undocumented by C2: the field names and value types of <b>synthetic</b> strategy.signal and
    /// strategy.positions payloads (payloads given to PublishSignal/PublishPosition are sent as given).</summary>
    public PayloadVocabulary Vocabulary { get; set; } = PayloadVocabulary.SnakeCase;

    /// <summary>Undocumented by C2: whether data messages also name their strategy in the envelope
    /// (<c>"strategy_id": N</c> or <c>"channel": "strategy.signal:N"</c>). Independent of <see cref="Vocabulary"/>.</summary>
    public EnvelopeStrategyField EnvelopeStrategy { get; set; } = EnvelopeStrategyField.None;

    /// <summary>Undocumented by C2: the payload of subscription.ack (request_id is echoed in every shape).</summary>
    public AckPayloadShape AckPayload { get; set; } = AckPayloadShape.Full;

    /// <summary>Undocumented by C2: whether an unsubscribe is answered with a subscription.ack. False = the
    /// subscription is removed silently (validation errors are still answered).</summary>
    public bool AckUnsubscribe { get; set; } = true;

    /// <summary>Undocumented by C2 (only the 401 body is shown): the body <c>code</c> of a refused upgrade, per
    /// HTTP status. Statuses missing here answer "ERROR". Lock the dictionary to change it while running.</summary>
    public Dictionary<int, string> HandshakeRejectionCodes { get; set; } = new()
    {
        [401] = "UNAUTHORIZED",
        [403] = "FORBIDDEN",
        [429] = "RATE_LIMITED",
        [503] = "SERVICE_UNAVAILABLE",
    };

    /// <summary>Messages kept per (channel, strategy) stream for replay; the oldest delivered ones are
    /// dropped beyond this (a resume_from older than the kept history then gets a gap).</summary>
    public int MaxHistoryPerStream { get; set; } = 100_000;

    /// <summary>How many of the newest signals of a stream a replay can serve (0 = every one kept, see
    /// <see cref="MaxHistoryPerStream"/>), as a server that holds only recent signals for the socket. Only the replay
    /// forgets: published signals stay in memory (<see cref="C2Simulator.HistoryCount"/>, for a history served elsewhere).</summary>
    public int ReplayRetention { get; set; }

    /// <summary>Undocumented by C2: what a replay does when resume_from is below the oldest signal it still holds
    /// (<see cref="ReplayRetention"/>).</summary>
    public RetentionHoleReply BelowRetention { get; set; } = RetentionHoleReply.ReplayOldest;

    /// <summary>Approximate size in bytes of a synthetic strategy.signal message.</summary>
    public int SyntheticPayloadBytes { get; set; } = 400;

    /// <summary>Largest client message accepted; larger ones close the socket with 1009 (MessageTooBig).</summary>
    public int MaxClientMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>Serve the HTTP control surface under /control/* (publish, faults, stats). Off when embedded by default.</summary>
    public bool EnableControlApi { get; set; }

    /// <summary>The REST API's answers: casing, page size, end marker (README: "REST API").</summary>
    public SimulatorRestOptions Rest { get; set; } = new();

    /// <summary>Opt-in timing hook for benchmarks (null by default: no cost). Called with (connection id, isAck,
    /// Stopwatch timestamp) just before a heartbeat is written to a socket and when a heartbeat.ack is received.
    /// Runs on the connection's send or receive loop: keep it short and never throw.</summary>
    public Action<int, bool, long>? HeartbeatObserver { get; set; }
}

/// <summary>Authorization of one API key.</summary>
public sealed class SimulatorKey
{
    /// <summary>Strategies the key may subscribe to; null = all.</summary>
    public HashSet<long>? AllowedStrategies { get; set; }

    /// <summary>Strategies the key may never subscribe to (wins over <see cref="AllowedStrategies"/>).</summary>
    public HashSet<long> ForbiddenStrategies { get; set; } = new();

    internal bool MayAccess(long strategyId)
    {
        lock (this)
        {
            if (ForbiddenStrategies.Contains(strategyId)) return false;
            return AllowedStrategies is null || AllowedStrategies.Contains(strategyId);
        }
    }
}

/// <summary>The JSON type(s) accepted for payload.resume_from (its wire type is undocumented by C2).</summary>
public enum ResumeFromFormat { String, Number, Both }

/// <summary>JSON type of the envelope's "v": <c>4</c> (every C2 example) or <c>"4"</c> (the overview's field table).</summary>
public enum VersionFormat { Number, String }

/// <summary>Field names of synthetic data payloads (the C2 payload schema is undocumented).</summary>
public enum PayloadVocabulary
{
    /// <summary>snake_case names with <c>strategy_id</c> (strategy_id, signal_id, symbol, side "buy"/"sell", ...).</summary>
    SnakeCase,
    /// <summary>C2's REST v4 names (docs/protocol.md §7.3): StrategyId, SignalId, Side "1"/"2", OrderType "1"/"2"/"3",
    /// OpenClose "O"/"C", OrderQuantity, Limit, Stop, TIF "0"/"1", C2Symbol{FullSymbol,SymbolType}, PostedAt;
    /// positions: StrategyId, Quantity (signed), AvgPx, C2Symbol, UpdatedAt.</summary>
    RestV4,
    /// <summary><see cref="SnakeCase"/> without <c>strategy_id</c>: with <see cref="EnvelopeStrategyField.None"/>
    /// no strategy id is anywhere in the message.</summary>
    NoStrategyId,
}

/// <summary>Where (besides the payload) a data message names its strategy.</summary>
public enum EnvelopeStrategyField
{
    /// <summary>Nowhere in the envelope (every C2 example).</summary>
    None,
    /// <summary><c>"strategy_id": 12345678</c> at envelope level.</summary>
    StrategyId,
    /// <summary><c>"channel": "strategy.signal:12345678"</c> at envelope level (the stream name the gap message uses).</summary>
    StreamName,
}

/// <summary>A replay asked for from below the oldest signal held (<see cref="SimulatorOptions.ReplayRetention"/>).</summary>
public enum RetentionHoleReply
{
    /// <summary>Replays from the oldest signal held (capped at the replay limit, then a gap as usual), saying nothing
    /// about the signals it no longer holds: the replay simply starts above resume_from + 1.</summary>
    ReplayOldest,
    /// <summary>Sends a gap at once (its "from" is the resume_from asked for), then replays from the oldest held as
    /// <see cref="ReplayOldest"/> does.</summary>
    GapFirst,
}

/// <summary>Payload of subscription.ack.</summary>
public enum AckPayloadShape
{
    /// <summary><c>{"action","channel","strategy_id"}</c>.</summary>
    Full,
    /// <summary><c>"payload": {}</c>.</summary>
    Empty,
    /// <summary>No payload key.</summary>
    Absent,
}
