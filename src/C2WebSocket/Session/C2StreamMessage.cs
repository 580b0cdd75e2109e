using System;
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
                    var text = MessagePlaces.DecodeString(d.Utf8, MessagePlaces.TimestampStart(_packed, d.Utf8));
                    d.Time = Timestamps.TryParse(text, out var t) ? t : (DateTimeOffset?)null;
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

        public override string ToString() => StreamTexts.Message(Channel, StrategyId, SeqId);
    }
}
