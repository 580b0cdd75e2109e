using System;
using System.Collections.Generic;
using System.Linq;
using C2WebSocket.Protocol;

namespace C2WebSocket.Commands
{
    /// <summary>
    /// The streams a Receive-C2Signal reads: its -Channel and -StrategyId, or the subscriptions piped to it. A -StrategyId
    /// the sessions do not subscribe is named in <see cref="NotSubscribed"/> (the cmdlet reports each); when none is left,
    /// <see cref="NothingToRead"/>.
    /// </summary>
    internal sealed class ReadFilter
    {
        private ReadFilter(HashSet<string>? channels, HashSet<long>? strategies, List<long> notSubscribed)
        {
            Channels = channels; Strategies = strategies; NotSubscribed = notSubscribed;
        }

        /// <summary>Null when every stream is read.</summary>
        public Func<StreamKey, bool>? Accepts { get; private set; }
        public HashSet<string>? Channels { get; }
        public HashSet<long>? Strategies { get; }
        public IReadOnlyList<long> NotSubscribed { get; }
        public bool NothingToRead => Strategies != null && Strategies.Count == 0;

        public static ReadFilter Build(IReadOnlyList<C2Session> sessions, string[]? channel, long[]? strategyId, HashSet<StreamKey> pipedStreams)
        {
            var channels = channel != null ? new HashSet<string>(channel, StringComparer.Ordinal) : null;
            HashSet<long>? strategies = null;
            var notSubscribed = new List<long>();
            if (strategyId != null)
            {
                strategies = new HashSet<long>();
                foreach (var id in strategyId.Distinct())
                {
                    if (Subscribed(sessions, id, channels)) strategies.Add(id);
                    else notSubscribed.Add(id);
                }
            }
            var filter = new ReadFilter(channels, strategies, notSubscribed);
            var piped = pipedStreams.Count > 0 && strategies == null && channels == null ? pipedStreams : null;
            if (channels != null || strategies != null || piped != null)
            {
                // Messages whose strategy cannot be known (empty StrategyId) pass every strategy filter: they may be the reader's.
                filter.Accepts = key =>
                    (channels == null || channels.Contains(key.Channel)) &&
                    (strategies == null || !key.StrategyId.HasValue || strategies.Contains(key.StrategyId.Value)) &&
                    (piped == null || !key.StrategyId.HasValue || piped.Contains(key));
            }
            return filter;
        }

        /// <summary>The subscriptions read that were replayed from their start and have still delivered nothing.</summary>
        public IEnumerable<C2Subscription> StillUnconfirmed(C2Session session) =>
            session.Subscriptions.Where(x => x.StillUnconfirmed && (Strategies == null || Strategies.Contains(x.StrategyId)));

        /// <summary>An ended session's subscriptions are Closed: what it queued is still read (then C2SessionEnded).</summary>
        private static bool Subscribed(IReadOnlyList<C2Session> sessions, long id, HashSet<string>? channels) =>
            sessions.Any(s => s.Subscriptions.Any(sub =>
                sub.StrategyId == id && (channels == null || channels.Contains(sub.Channel)) &&
                (sub.IsLive || (!s.IsOpen && sub.State == C2SubscriptionState.Closed))));
    }
}
