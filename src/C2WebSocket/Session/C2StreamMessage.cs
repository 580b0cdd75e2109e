using System;
using System.Globalization;
using System.Text;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// A data message of a subscribed channel. The envelope fields are typed; the payload's schema is not
    /// published by C2, so it stays as received and is decoded into plain values on first use (never on the
    /// receive loop). The PowerShell layer exposes every top-level payload field as a property
    /// (<c>Where-Object symbol -eq 'ESZ6'</c>).
    /// </summary>
    public abstract class C2StreamMessage
    {
        private readonly byte[] _utf8;
        private readonly int _payloadStart, _payloadLength;
        private readonly TokenRef _id, _timestamp;
        private PayloadFields? _fields;
        private string? _idText;
        private DateTimeOffset? _timestampValue;
        private bool _timestampParsed;

        internal C2StreamMessage(int sessionId, string channel, long? strategyId, in Envelope env, byte[] utf8, DateTimeOffset receivedAt, long epoch)
        {
            SessionId = sessionId;
            Channel = channel;
            StrategyId = strategyId;
            SeqId = env.SeqId;
            _id = env.Id;
            _timestamp = env.Timestamp;
            _payloadStart = env.PayloadStart;
            _payloadLength = env.PayloadIsObject ? env.PayloadLength : 0;
            ReceivedAt = receivedAt;
            _utf8 = utf8;
            Epoch = epoch;
        }

        /// <summary>An order from C2's REST history delivered in the stream in place of a range the socket could not
        /// deliver (<see cref="Source"/> "History"): the row is the payload, its time the timestamp, no seq_id.</summary>
        internal C2StreamMessage(int sessionId, string channel, long strategyId, string? id, DateTimeOffset? time, byte[] rowUtf8,
            DateTimeOffset receivedAt, long epoch, C2DeliveryGap filledGap)
        {
            SessionId = sessionId;
            Channel = channel;
            StrategyId = strategyId;
            _idText = id;
            _timestampValue = time;
            _timestampParsed = true;
            _payloadStart = 0;
            _payloadLength = rowUtf8.Length;
            ReceivedAt = receivedAt;
            _utf8 = rowUtf8;
            Epoch = epoch;
            Source = SourceHistory;
            FilledGap = filledGap;
        }

        internal const string SourceStream = "Stream", SourceHistory = "History";

        public int SessionId { get; }
        public string Channel { get; }
        /// <summary>The strategy, from the message (payload or envelope) or, when the message does not name it, from
        /// the connection that carried it (each such strategy then has its own). Empty only when it cannot be known.</summary>
        public long? StrategyId { get; }
        public long? SeqId { get; }
        /// <summary>The server's message id.</summary>
        public string? Id => _idText ??= _id.Decode(_utf8);

        /// <summary>The server's timestamp of the message (UTC).</summary>
        public DateTimeOffset? Timestamp
        {
            get
            {
                if (!_timestampParsed)
                {
                    _timestampValue = Timestamps.TryParse(_timestamp.Decode(_utf8), out var t) ? t : (DateTimeOffset?)null;
                    _timestampParsed = true;
                }
                return _timestampValue;
            }
        }

        /// <summary>When this client received it (local clock, UTC).</summary>
        public DateTimeOffset ReceivedAt { get; }

        /// <summary>"Stream": the server sent it on the socket. "History": an order from C2's REST history, delivered in
        /// place of a range the socket could not deliver (no SeqId; Id and Timestamp are the row's Id and posting time).</summary>
        public string Source { get; } = SourceStream;

        /// <summary>For a "History" object, the range it fills (PowerShell: the hidden member <c>FilledGap</c>).</summary>
        internal C2DeliveryGap? FilledGap { get; }

        /// <summary>The message exactly as the server sent it. Internal so that reflection-based serialisers
        /// (ConvertTo-Json) leave it out; PowerShell reaches it as the hidden member <c>RawJson</c> (C2WebSocket.Types.ps1xml).</summary>
        internal string RawJson => Encoding.UTF8.GetString(_utf8);

        /// <summary>Values the PowerShell layer built from this message (wrapped times, nested objects), kept so that
        /// repeated property reads do not rebuild them. Opaque here: Session/ uses no PowerShell type.</summary>
        internal object?[]? Projections;

        internal int RawLength => _utf8.Length;
        internal long Epoch { get; }
        internal StreamKey Key => new StreamKey(Channel, StrategyId);

        /// <summary>The payload's fields, decoded on first use.</summary>
        internal PayloadFields Fields => _fields ??= PayloadFields.Decode(_utf8, _payloadStart, _payloadLength);

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0} strategy {1} seq {2}", Channel, StrategyId?.ToString(CultureInfo.InvariantCulture) ?? "?", SeqId?.ToString(CultureInfo.InvariantCulture) ?? "-");
    }

    /// <summary>A <c>strategy.signal</c> message, or an order from C2's REST history delivered in its stream (<see cref="C2StreamMessage.Source"/>).</summary>
    public sealed class C2Signal : C2StreamMessage
    {
        internal C2Signal(int sessionId, long? strategyId, in Envelope env, byte[] utf8, DateTimeOffset receivedAt, long epoch)
            : base(sessionId, Channels.Signal, strategyId, env, utf8, receivedAt, epoch) { }

        private C2Signal(int sessionId, long strategyId, string? id, DateTimeOffset? time, byte[] row, DateTimeOffset receivedAt, long epoch, C2DeliveryGap gap)
            : base(sessionId, Channels.Signal, strategyId, id, time, row, receivedAt, epoch, gap) { }

        /// <summary>The signal object of a REST order row that fills <paramref name="gap"/>: Source "History", the row's
        /// fields as the payload, its Id and posting time (<paramref name="time"/>, read by the matcher) as Id and Timestamp.</summary>
        internal static C2Signal FromHistory(C2RestRow row, C2DeliveryGap gap, DateTimeOffset? time, DateTimeOffset receivedAt, long epoch)
        {
            var rowId = row.Fields["Id"];
            var id = rowId is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : rowId as string;
            return new C2Signal(gap.SessionId, gap.StrategyId ?? row.QueriedStrategyId ?? 0, id, time, row.Utf8, receivedAt, epoch, gap);
        }
    }

    /// <summary>A <c>strategy.positions</c> message.</summary>
    public sealed class C2PositionUpdate : C2StreamMessage
    {
        internal C2PositionUpdate(int sessionId, long? strategyId, in Envelope env, byte[] utf8, DateTimeOffset receivedAt, long epoch)
            : base(sessionId, Channels.Positions, strategyId, env, utf8, receivedAt, epoch) { }
    }

    /// <summary>Why a range of messages did not reach the pipeline (the TargetObject of the ErrorRecord).</summary>
    public enum C2DeliveryProblem
    {
        /// <summary>The server did not replay a range: a replay began above the point asked for (the server no longer holds
        /// what lies between), or it sent a gap before anything new (docs/protocol.md §8.3). Fetch the range from REST.</summary>
        ReplayLimitExceeded,
        /// <summary>The inbox of a strategy.positions stream was full; position updates cannot be replayed.</summary>
        InboxOverflow,
        /// <summary>A subscription could not be restored after a reconnect.</summary>
        ResubscribeFailed,
        /// <summary>seq_id 1 (or lower) may have been published while no resume point existed; resume_from cannot fetch it.</summary>
        NotReplayable,
    }

    /// <summary>A range of messages of one stream that did not reach the pipeline, reported in order with the stream.</summary>
    public sealed class C2DeliveryGap
    {
        internal C2DeliveryGap(int sessionId, C2DeliveryProblem problem, string channel, long? strategyId, long? afterSeqId, string message)
        {
            SessionId = sessionId; Problem = problem; Channel = channel; StrategyId = strategyId; AfterSeqId = afterSeqId; Message = message;
        }
        /// <summary>The advice that ends the message of a range C2's REST history may hold; the reader replaces it with
        /// what history did for the range (or the exact command).</summary>
        internal const string RestAdvice = " Fetch them from the C2 REST API (GetStrategyHistoricalOrders).";

        public int SessionId { get; }
        public C2DeliveryProblem Problem { get; }
        public string Channel { get; }
        public long? StrategyId { get; }
        /// <summary>The missing messages have a seq_id greater than this (null: from the start of the stream).</summary>
        public long? AfterSeqId { get; }
        /// <summary>...and smaller than this: the first seq_id delivered after the gap, once known.</summary>
        public long? BeforeSeqId { get; internal set; }
        /// <summary>How many messages are known to be affected, when the client could count them.</summary>
        public long? Count { get; internal set; }
        /// <summary>The server time window the range falls in, when known (for a REST query).</summary>
        public DateTimeOffset? From { get; internal set; }
        public DateTimeOffset? To { get; internal set; }
        /// <summary>What C2's REST history did for the range ("Filled from history: N orders ...", or why not), or with gap
        /// fill off the Get-C2StrategyHistory command that fetches it; null for position updates.</summary>
        public string? Fill { get; internal set; }
        /// <summary>What the server said, verbatim, when it said something.</summary>
        public string? ServerMessage { get; internal set; }
        public string Message { get; internal set; }

        public string Range
        {
            get
            {
                var lo = AfterSeqId.HasValue ? "seq_id > " + AfterSeqId.Value.ToString(CultureInfo.InvariantCulture) : "seq_id from the start";
                var hi = BeforeSeqId.HasValue ? " and < " + BeforeSeqId.Value.ToString(CultureInfo.InvariantCulture) : " (upper bound not yet known: up to the next delivered message)";
                return lo + hi;
            }
        }

        public override string ToString() => Problem + " " + Channel + ":" + (StrategyId?.ToString(CultureInfo.InvariantCulture) ?? "?") + " " + Range;
    }
}
