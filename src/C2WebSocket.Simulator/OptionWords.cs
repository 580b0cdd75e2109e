using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.WebSockets;

namespace C2WebSocket.Simulator;

/// <summary>The words that set the live options from the command line (<c>--vocabulary rest</c>) and from the
/// control API (<c>POST /control/options?vocabulary=rest</c>): one table, so both speak the same language.
/// Names use '-' on the command line and '_' or '-' in query strings.</summary>
internal static class OptionWords
{
    private static readonly (string Word, PayloadVocabulary Value)[] Vocabularies =
        { ("snake", PayloadVocabulary.SnakeCase), ("rest", PayloadVocabulary.RestV4), ("none", PayloadVocabulary.NoStrategyId) };
    private static readonly (string Word, EnvelopeStrategyField Value)[] EnvelopeStrategies =
        { ("none", EnvelopeStrategyField.None), ("id", EnvelopeStrategyField.StrategyId), ("stream", EnvelopeStrategyField.StreamName) };
    private static readonly (string Word, ResumeFromFormat Value)[] ResumeFroms =
        { ("string", ResumeFromFormat.String), ("number", ResumeFromFormat.Number), ("both", ResumeFromFormat.Both) };
    private static readonly (string Word, VersionFormat Value)[] VersionFormats =
        { ("number", VersionFormat.Number), ("string", VersionFormat.String) };
    private static readonly (string Word, AckPayloadShape Value)[] AckPayloads =
        { ("full", AckPayloadShape.Full), ("empty", AckPayloadShape.Empty), ("absent", AckPayloadShape.Absent) };
    private static readonly (string Word, RetentionHoleReply Value)[] RetentionHoleReplies =
        { ("replay", RetentionHoleReply.ReplayOldest), ("gap-first", RetentionHoleReply.GapFirst) };
    private static readonly (string Word, bool Value)[] ErrorRequestIds = { ("echo", true), ("omit", false) };
    private static readonly (string Word, RestCasing Value)[] RestCasings = { ("pascal", RestCasing.Pascal), ("camel", RestCasing.Camel) };
    private static readonly (string Word, RestEndMarker Value)[] RestEndMarkers =
        { ("null", RestEndMarker.Null), ("empty", RestEndMarker.Empty), ("missing", RestEndMarker.Missing) };

    /// <summary>name=value lines for --help and the control API help.</summary>
    public const string Usage =
        "  vocabulary          snake|rest|none      synthetic payload names (snake_case, C2 REST v4, snake_case without strategy_id)\n" +
        "  envelope-strategy   none|id|stream       strategy also in the envelope of data messages (strategy_id / channel)\n" +
        "  resume-from         string|number|both   accepted JSON type(s) of resume_from\n" +
        "  error-request-id    echo|omit            error messages echo request_id or not\n" +
        "  version-format      number|string        \"v\": 4 or \"v\": \"4\"\n" +
        "  ack-payload         full|empty|absent    subscription.ack payload\n" +
        "  unsubscribe-ack     true|false           answer unsubscribe with a subscription.ack\n" +
        "  heartbeat-close-status N                 close status for a missed heartbeat (default 1008)\n" +
        "  replay-limit        N                    signals replayed before a gap (default 1000)\n" +
        "  replay-retention    N                    a replay serves only the newest N signals of a stream (0 = all)\n" +
        "  below-retention     replay|gap-first     resume_from below the oldest held: replay from it, or a gap first\n" +
        "  rejection-code      STATUS=CODE          body code of a refused upgrade, e.g. 429=TOO_MANY_REQUESTS\n" +
        "  rest-casing         pascal|camel         REST names: Results/SignalId or results/signalId\n" +
        "  rest-page-size      N                    most rows per REST page, whatever the client's Limit (default 1000)\n" +
        "  rest-end-marker     null|empty|missing   how the last REST page marks the end: next_cursor null, \"\" or absent\n";

    /// <summary>Sets one option from its word. Throws <see cref="ArgumentException"/> (or FormatException) on
    /// an unknown name or value.</summary>
    public static void Apply(SimulatorOptions o, string name, string value)
    {
        switch (name.Replace('_', '-').ToLowerInvariant())
        {
            case "vocabulary": o.Vocabulary = Parse(name, value, Vocabularies); break;
            case "envelope-strategy": o.EnvelopeStrategy = Parse(name, value, EnvelopeStrategies); break;
            case "resume-from": o.AcceptResumeFrom = Parse(name, value, ResumeFroms); break;
            case "error-request-id": o.EchoRequestIdOnError = Parse(name, value, ErrorRequestIds); break;
            case "version-format": o.VersionFormat = Parse(name, value, VersionFormats); break;
            case "ack-payload": o.AckPayload = Parse(name, value, AckPayloads); break;
            case "unsubscribe-ack": o.AckUnsubscribe = Parse(name, value, new[] { ("true", true), ("false", false) }); break;
            case "heartbeat-close-status":
                o.HeartbeatTimeoutCloseStatus = (WebSocketCloseStatus)int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                break;
            case "replay-limit": o.ReplayLimit = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture); break;
            case "replay-retention": o.ReplayRetention = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture); break;
            case "below-retention": o.BelowRetention = Parse(name, value, RetentionHoleReplies); break;
            case "rejection-code":
            {
                int sep = value.IndexOfAny(new[] { '=', ':' });
                if (sep <= 0 || sep == value.Length - 1) throw new ArgumentException($"{name}: expected STATUS=CODE, got '{value}'");
                int status = int.Parse(value.AsSpan(0, sep), NumberStyles.None, CultureInfo.InvariantCulture);
                var codes = o.HandshakeRejectionCodes ??= new Dictionary<int, string>();
                lock (codes) codes[status] = value.Substring(sep + 1);
                break;
            }
            case "rest-casing": o.Rest.Casing = Parse(name, value, RestCasings); break;
            case "rest-page-size": o.Rest.PageSize = Math.Max(1, int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture)); break;
            case "rest-end-marker": o.Rest.EndMarker = Parse(name, value, RestEndMarkers); break;
            default: throw new ArgumentException($"unknown option '{name}'");
        }
    }

    /// <summary>The current value of every option of <see cref="Usage"/>, as words.</summary>
    public static Dictionary<string, object> Describe(SimulatorOptions o)
    {
        Dictionary<string, string> codes;
        var live = o.HandshakeRejectionCodes;
        if (live is null) codes = new();
        else lock (live) codes = live.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value);
        return new Dictionary<string, object>
        {
            ["vocabulary"] = Word(o.Vocabulary, Vocabularies),
            ["envelope_strategy"] = Word(o.EnvelopeStrategy, EnvelopeStrategies),
            ["resume_from"] = Word(o.AcceptResumeFrom, ResumeFroms),
            ["error_request_id"] = Word(o.EchoRequestIdOnError, ErrorRequestIds),
            ["version_format"] = Word(o.VersionFormat, VersionFormats),
            ["ack_payload"] = Word(o.AckPayload, AckPayloads),
            ["unsubscribe_ack"] = o.AckUnsubscribe,
            ["heartbeat_close_status"] = (int)o.HeartbeatTimeoutCloseStatus,
            ["replay_limit"] = o.ReplayLimit,
            ["replay_retention"] = o.ReplayRetention,
            ["below_retention"] = Word(o.BelowRetention, RetentionHoleReplies),
            ["rejection_codes"] = codes,
            ["rest_casing"] = Word(o.Rest.Casing, RestCasings),
            ["rest_page_size"] = o.Rest.PageSize,
            ["rest_end_marker"] = Word(o.Rest.EndMarker, RestEndMarkers),
        };
    }

    private static T Parse<T>(string name, string value, (string Word, T Value)[] words)
    {
        foreach (var (w, v) in words)
            if (string.Equals(w, value, StringComparison.OrdinalIgnoreCase)) return v;
        // The C# enum names are accepted too (e.g. RestV4, StreamName).
        foreach (var (_, v) in words)
            if (string.Equals(v!.ToString(), value, StringComparison.OrdinalIgnoreCase)) return v;
        throw new ArgumentException($"{name}: expected {string.Join("|", words.Select(x => x.Word))}, got '{value}'");
    }

    private static string Word<T>(T value, (string Word, T Value)[] words) =>
        words.First(x => EqualityComparer<T>.Default.Equals(x.Value, value)).Word;
}
