using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using C2WebSocket.Protocol;
using C2WebSocket.Rest;

namespace C2WebSocket.Rest
{
    /// <summary>A retry the client made: after which status, how long it waited, and which attempt comes next.</summary>
    internal sealed class RestRetry
    {
        public RestRetry(string endpoint, int status, TimeSpan delay, bool fromRetryAfter, int nextAttempt, int maxAttempts)
        {
            Endpoint = endpoint; Status = status; Delay = delay; FromRetryAfter = fromRetryAfter; NextAttempt = nextAttempt; MaxAttempts = maxAttempts;
        }
        public string Endpoint { get; }
        public int Status { get; }
        public TimeSpan Delay { get; }
        public bool FromRetryAfter { get; }
        public int NextAttempt { get; }
        public int MaxAttempts { get; }

        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "{0} answered HTTP {1}; retrying in {2:0.###} s ({3}), attempt {4} of {5}.", Endpoint, Status, Delay.TotalSeconds,
            FromRetryAfter ? "as its Retry-After asks" : "backoff", NextAttempt, MaxAttempts);
    }
}
