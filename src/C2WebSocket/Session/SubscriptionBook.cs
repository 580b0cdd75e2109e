using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// The desired subscriptions and the requests in flight, with the correlation rules of docs/protocol.md §6.2/§9.3: an
    /// answer with a request_id matches that request; an ack without one matches by its payload (channel, strategy,
    /// action) when it has them, else the oldest request on that connection; an error without one matches the oldest
    /// subscribe on that connection (subscribes are what servers refuse), else the oldest request. Owned by the loop.
    /// </summary>
    internal sealed class SubscriptionBook
    {
        private readonly Dictionary<StreamKey, StreamEntry> _streams = new Dictionary<StreamKey, StreamEntry>();
        private readonly List<PendingRequest> _pending = new List<PendingRequest>();
        private int _counter;
        private readonly Func<string> _prefixOf;
        private string? _prefix;

        /// <summary><paramref name="requestPrefix"/> is asked once, at the first request id.</summary>
        public SubscriptionBook(Func<string> requestPrefix) { _prefixOf = requestPrefix; }

        public IEnumerable<StreamEntry> All => _streams.Values;
        public int Count => _streams.Count;

        public StreamEntry? Find(StreamKey key) => _streams.TryGetValue(key, out var e) ? e : null;
        public void Add(StreamEntry entry) => _streams[entry.Key] = entry;
        public void Remove(StreamEntry entry)
        {
            if (_streams.TryGetValue(entry.Key, out var e) && ReferenceEquals(e, entry)) _streams.Remove(entry.Key);
            _pending.RemoveAll(p => p.IsSubscribe && p.Key == entry.Key);
        }

        public List<StreamEntry> On(Link link) => _streams.Values.Where(e => e.Link == link && e.IsLive).ToList();

        /// <summary>The live streams of a channel on a connection (several means its messages need a strategy id to be told apart).</summary>
        public List<StreamEntry> On(Link link, string channel) =>
            _streams.Values.Where(e => e.Link == link && e.IsLive && e.Key.Channel == channel).OrderBy(e => e.Key.StrategyId).ToList();

        public int LiveCount(Link link) => _streams.Values.Count(e => e.Link == link && e.IsLive);

        public C2Subscription[] Snapshot() =>
            _streams.Values.Select(e => e.Sub).OrderBy(s => s.StrategyId).ThenBy(s => s.Channel, StringComparer.Ordinal).ToArray();

        public string NewRequestId() => (_prefix ??= _prefixOf()) + (++_counter).ToString(System.Globalization.CultureInfo.InvariantCulture);

        public PendingRequest Track(PendingRequest request) { _pending.Add(request); return request; }
        public bool IsPending(PendingRequest request) => _pending.Contains(request);
        public void Forget(PendingRequest request) { request.Timer?.Dispose(); _pending.Remove(request); }

        /// <summary>Drops the requests of a lost connection (they are sent again, if still wanted, on the next one).</summary>
        public List<PendingRequest> DropLink(Link link)
        {
            var gone = _pending.Where(p => p.Link == link).ToList();
            foreach (var p in gone) Forget(p);
            return gone;
        }

        /// <summary>Forgets every request (the session is over); a Remove-C2Subscription waiting on one is answered.</summary>
        public void DropAll()
        {
            foreach (var p in _pending.ToList())
            {
                Forget(p);
                p.Command?.Done.TrySetResult(new UnsubscribeResult { Dropped = p.Dropped });
            }
        }

        public PendingRequest? MatchAck(string? requestId, Link link, StreamKey? named, string? action)
        {
            if (requestId != null) return Take(_pending.FirstOrDefault(p => p.Id == requestId));
            PendingRequest? byPayload = null;
            if (named.HasValue) byPayload = _pending.FirstOrDefault(p => p.Link == link && p.Key == named.Value && (action == null || p.Action == action));
            return Take(byPayload ?? _pending.FirstOrDefault(p => p.Link == link));
        }

        /// <summary>The request an error answers. Without a request_id only an error that reads like a refusal of a
        /// subscription (its code or field) is matched, by order; anything else is reported as not tied to a request.</summary>
        public PendingRequest? MatchError(string? requestId, Link link, C2ServerError error)
        {
            if (requestId != null) return Take(_pending.FirstOrDefault(p => p.Id == requestId));
            if (!LooksLikeSubscriptionRefusal(error)) return null;
            return Take(_pending.FirstOrDefault(p => p.Link == link && p.IsSubscribe) ?? _pending.FirstOrDefault(p => p.Link == link));
        }

        private static readonly string[] RefusalCodes =
        {
            "FORBIDDEN", "INVALID_PARAMETER", "MANDATORY_PARAM_EMPTY_OR_MALFORMED", "OPTIONAL_PARAMS_BAD_COMBO",
            "NOT_FOUND", "SUBSCRIPTION_LIMIT", "UNAUTHORIZED",
        };
        private static readonly string[] SubscriptionFields = { "strategyid", "channel", "action", "resumefrom", "requestid", "payload", "timestamp" };

        internal static bool LooksLikeSubscriptionRefusal(C2ServerError error)
        {
            bool Reads(string? code, string? field) =>
                (code != null && RefusalCodes.Contains(code.ToUpperInvariant())) ||
                (field != null && SubscriptionFields.Contains(field.Replace("_", "").ToLowerInvariant()));
            return Reads(error.Code, error.Field) || error.Errors.Any(e => Reads(e.Code, e.Field));
        }

        private PendingRequest? Take(PendingRequest? p)
        {
            if (p != null) Forget(p);
            return p;
        }
    }
}
