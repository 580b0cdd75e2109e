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
    /// <remarks>
    /// Kept small because an unread inbox holds thousands of these (issue 26: memory per queued signal; 48 bytes and
    /// the message's bytes): the session, channel, strategy and epoch live in one object shared by the messages of a
    /// stream (<see cref="MessageStream"/>); the receive time and the places of the timestamp and payload in the bytes
    /// are packed into one number (<see cref="MessagePlaces"/>); everything decoded later (id text, time, payload
    /// fields, PowerShell projections) lives in a <see cref="MessageDecoded"/> that replaces the bytes on first use.
    /// </remarks>
    public abstract class C2StreamMessage
    {
        private readonly MessageStream _stream;
        // The message's bytes (byte[]) until something is decoded, then a MessageDecoded that holds them.
        private object _state;
        private readonly long _seq;
        private readonly long _packed; // MessagePlaces: receive time, where the timestamp and payload start, whether there is a seq_id

        internal C2StreamMessage(int sessionId, string channel, long? strategyId, in Envelope env, byte[] utf8, DateTimeOffset receivedAt, long epoch)
        {
            var ticks = receivedAt.UtcTicks;
            _stream = MessageStream.For(sessionId, channel, strategyId, epoch, ticks);
            _state = utf8;
            _seq = env.SeqId ?? 0;
            _packed = MessagePlaces.Pack(env, utf8.Length, ticks - _stream.BaseTicks);
        }

        /// <summary>An order from C2's REST history delivered in the stream in place of a range the socket could not
        /// deliver (<see cref="Source"/> "History"): the row is the payload, its time the timestamp, no seq_id.</summary>
        internal C2StreamMessage(int sessionId, string channel, long strategyId, string? id, DateTimeOffset? time, byte[] rowUtf8,
            DateTimeOffset receivedAt, long epoch, C2DeliveryGap filledGap)
        {
            var ticks = receivedAt.UtcTicks;
            _stream = MessageStream.For(sessionId, channel, strategyId, epoch, ticks);
            _packed = MessagePlaces.PackUnknown(ticks - _stream.BaseTicks);
            _state = new MessageDecoded(rowUtf8, 0, rowUtf8.Length)
            {
                IdText = id, IdRead = true, Time = time, TimeRead = true, Source = SourceHistory, FilledGap = filledGap,
            };
        }

        internal const string SourceStream = "Stream", SourceHistory = "History";

        public int SessionId => _stream.SessionId;
        public string Channel => _stream.Key.Channel;
        /// <summary>The strategy, from the message (payload or envelope) or, when the message does not name it, from
        /// the connection that carried it (each such strategy then has its own). Empty only when it cannot be known.</summary>
        public long? StrategyId => _stream.Key.StrategyId;
        public long? SeqId => MessagePlaces.HasSeq(_packed) ? _seq : (long?)null;

        /// <summary>The server's message id.</summary>
        public string? Id
        {
            get
            {
                var d = Decoded;
                if (!d.IdRead) { d.IdText = MessagePlaces.Id(d.Utf8); d.IdRead = true; }
                return d.IdText;
            }
        }

        /// <summary>The server's timestamp of the message (UTC).</summary>
        public DateTimeOffset? Timestamp
        {
            get
            {
                var d = Decoded;
                if (!d.TimeRead)
                {
                    d.Time = Timestamps.TryParse(MessagePlaces.DecodeString(d.Utf8, MessagePlaces.TimestampStart(_packed, d.Utf8)), out var t) ? t : (DateTimeOffset?)null;
                    d.TimeRead = true;
                }
                return d.Time;
            }
        }

        /// <summary>When this client received it (local clock, UTC).</summary>
        public DateTimeOffset ReceivedAt => new DateTimeOffset(_stream.BaseTicks + MessagePlaces.ReceivedDelta(_packed), TimeSpan.Zero);

        /// <summary>"Stream": the server sent it on the socket. "History": an order from C2's REST history, delivered in
        /// place of a range the socket could not deliver (no SeqId; Id and Timestamp are the row's Id and posting time).</summary>
        public string Source => (_state as MessageDecoded)?.Source ?? SourceStream;

        /// <summary>For a "History" object, the range it fills (PowerShell: the hidden member <c>FilledGap</c>).</summary>
        internal C2DeliveryGap? FilledGap => (_state as MessageDecoded)?.FilledGap;

        /// <summary>The message exactly as the server sent it. Internal so that reflection-based serialisers
        /// (ConvertTo-Json) leave it out; PowerShell reaches it as the hidden member <c>RawJson</c> (C2WebSocket.Types.ps1xml).</summary>
        internal string RawJson => Encoding.UTF8.GetString(Utf8);

        /// <summary>Values the PowerShell layer built from this message (wrapped times, nested objects), kept so that
        /// repeated property reads do not rebuild them. Opaque here: Session/ uses no PowerShell type.</summary>
        internal object?[]? Projections => (_state as MessageDecoded)?.Projections;

        /// <summary>The projection slots, made with <paramref name="size"/> slots by the first caller (racing callers agree on one array).</summary>
        internal object?[] ProjectionSlots(int size)
        {
            var d = Decoded;
            var slots = d.Projections;
            if (slots != null) return slots;
            var fresh = new object?[size];
            return System.Threading.Interlocked.CompareExchange(ref d.Projections, fresh, null) ?? fresh;
        }

        internal int RawLength => Utf8.Length;
        internal long Epoch => _stream.Epoch;
        internal StreamKey Key => _stream.Key;

        /// <summary>The payload's fields, decoded on first use.</summary>
        internal PayloadFields Fields
        {
            get
            {
                var d = Decoded;
                var f = d.Fields;
                if (f != null) return f;
                if (d.PayloadStart < 0) MessagePlaces.Payload(_packed, d.Utf8, out d.PayloadStart, out d.PayloadLength);
                return d.Fields = PayloadFields.Decode(d.Utf8, d.PayloadStart, d.PayloadLength);
            }
        }

        private byte[] Utf8 => _state as byte[] ?? ((MessageDecoded)_state).Utf8;

        /// <summary>The decoded parts, made on first use (threads racing to make them agree on one).</summary>
        private MessageDecoded Decoded
        {
            get
            {
                var state = System.Threading.Volatile.Read(ref _state);
                if (state is MessageDecoded d) return d;
                var fresh = new MessageDecoded((byte[])state, -1, 0);
                return System.Threading.Interlocked.CompareExchange(ref _state, fresh, state) is MessageDecoded won ? won : fresh;
            }
        }

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
