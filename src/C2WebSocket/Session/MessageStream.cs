using System;
using System.Text.Json;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>What the messages of one stream have in common (session, channel, strategy, epoch), and a base for their
    /// receive times: one object shared by all of them instead of five fields in each (an unread inbox holds thousands).</summary>
    internal sealed class MessageStream
    {
        private MessageStream(int sessionId, StreamKey key, long epoch, long baseTicks)
        {
            SessionId = sessionId; Key = key; Epoch = epoch; BaseTicks = baseTicks;
        }

        public int SessionId { get; }
        public StreamKey Key { get; }
        public long Epoch { get; }
        /// <summary>Receive times are kept as ticks after this one (<see cref="MessagePlaces.MaxDelta"/> at most, about 7 minutes).</summary>
        public long BaseTicks { get; }

        // The loop makes the messages of a stream one after another on one thread at a time: the last one made on this
        // thread is nearly always the one wanted. A miss only costs a new (equal) object.
        [ThreadStatic] private static MessageStream? _last;

        public static MessageStream For(int sessionId, string channel, long? strategyId, long epoch, long utcTicks)
        {
            var last = _last;
            if (last != null && last.SessionId == sessionId && last.Epoch == epoch && last.Key.StrategyId == strategyId &&
                string.Equals(last.Key.Channel, channel, StringComparison.Ordinal) &&
                utcTicks >= last.BaseTicks && utcTicks - last.BaseTicks <= MessagePlaces.MaxDelta)
                return last;
            return _last = new MessageStream(sessionId, new StreamKey(channel, strategyId), epoch, utcTicks);
        }
    }
}
