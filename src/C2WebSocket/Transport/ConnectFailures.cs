using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Reflection;
using System.Security.Authentication;
using System.Text.RegularExpressions;

namespace C2WebSocket.Transport
{
    /// <summary>What a failed connection attempt was: the refused upgrade's HTTP status and the server's reason (read by
    /// reflection where the runtime exposes them, from the exception's message on .NET Framework), TLS, DNS, TCP or proxy.</summary>
    internal static class ConnectFailures
    {
        // .NET 7+ exposes the refused upgrade's status and headers (when the factory asks it to collect them);
        // netstandard2.0 does not declare them, so they are reached by reflection and simply absent on .NET Framework.
        private static readonly PropertyInfo? StatusProp = typeof(ClientWebSocket).GetProperty("HttpStatusCode");
        private static readonly PropertyInfo? HeadersProp = typeof(ClientWebSocket).GetProperty("HttpResponseHeaders");
        // Only read on .NET Framework, after a refused upgrade: built then, not by every process's first connect.
        private static Regex? _statusInMessage;
        private static Regex StatusInMessage => _statusInMessage ??= new Regex(@"'(\d{3})'", RegexOptions.CultureInvariant);

        internal static C2ConnectException Map(ClientWebSocket ws, Uri uri, Exception ex, DateTimeOffset now)
        {
            int? status = null;
            string? reason = null;
            TimeSpan? retryAfter = null;
            if (StatusProp != null)
            {
                try
                {
                    var code = Convert.ToInt32(StatusProp.GetValue(ws), CultureInfo.InvariantCulture);
                    if (code > 0) status = code;
                    if (HeadersProp?.GetValue(ws) is IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers)
                    {
                        foreach (var h in headers)
                        {
                            if (string.Equals(h.Key, "X-WS-Error", StringComparison.OrdinalIgnoreCase)) reason = string.Join(", ", h.Value);
                            else if (string.Equals(h.Key, "Retry-After", StringComparison.OrdinalIgnoreCase)) retryAfter = ParseRetryAfter(h.Value.FirstOrDefault(), now);
                        }
                    }
                }
                catch (Exception)
                {
                    // Reflection is best effort; fall through to the message parse below.
                }
            }
            if (status == null && ex is WebSocketException)
            {
                // .NET Framework: "The server returned status code '401' when status code '101' was expected."
                var m = StatusInMessage.Match(ex.Message);
                if (m.Success && int.TryParse(m.Groups[1].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed != 101) status = parsed;
            }

            switch (status)
            {
                case 401:
                    return new C2ConnectException(C2ConnectFailure.AuthenticationFailed, C2ConnectStep.Upgrade, uri,
                        TransportTexts.KeyRefused(uri, reason), 401, reason, retryAfter, false, ex);
                case 429:
                    return new C2ConnectException(C2ConnectFailure.RateLimited, C2ConnectStep.Upgrade, uri,
                        TransportTexts.RateLimited(uri, reason), 429, reason, retryAfter, true, ex);
                case 503:
                    return new C2ConnectException(C2ConnectFailure.ServiceUnavailable, C2ConnectStep.Upgrade, uri,
                        TransportTexts.Unavailable(uri, reason), 503, reason, retryAfter, true, ex);
                case int other:
                    return new C2ConnectException(C2ConnectFailure.UpgradeFailed, C2ConnectStep.Upgrade, uri,
                        TransportTexts.UpgradeRefused(uri, other, reason), other, reason, retryAfter, other >= 500, ex);
            }

            for (var e = ex; e != null; e = e.InnerException)
            {
                if (e is AuthenticationException)
                    return new C2ConnectException(C2ConnectFailure.TlsFailed, C2ConnectStep.Tls, uri,
                        TransportTexts.TlsFailed(uri, e.Message), inner: ex);
                if (e is SocketException se)
                {
                    switch (se.SocketErrorCode)
                    {
                        case SocketError.HostNotFound:
                        case SocketError.NoData:
                        case SocketError.TryAgain:
                            return new C2ConnectException(C2ConnectFailure.DnsFailed, C2ConnectStep.Dns, uri,
                                TransportTexts.DnsFailed(uri, se.Message), inner: ex);
                        default:
                            return new C2ConnectException(C2ConnectFailure.TcpFailed, C2ConnectStep.Tcp, uri,
                                TransportTexts.TcpFailed(uri, se.SocketErrorCode, se.Message), inner: ex);
                    }
                }
            }
            var proxyHint = ex.ToString().IndexOf("proxy", StringComparison.OrdinalIgnoreCase) >= 0;
            return new C2ConnectException(proxyHint ? C2ConnectFailure.ProxyFailed : C2ConnectFailure.ConnectFailed,
                proxyHint ? C2ConnectStep.Proxy : C2ConnectStep.Handshake, uri,
                TransportTexts.ConnectFailed(uri, Innermost(ex).Message), inner: ex);
        }

        internal static Exception Innermost(Exception ex)
        {
            while (ex.InnerException != null) ex = ex.InnerException;
            return ex;
        }

        /// <summary>Retry-After as seconds or an HTTP date, measured from <paramref name="now"/>; null when absent or unreadable.</summary>
        internal static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
        {
            if (string.IsNullOrWhiteSpace(value)) return null;
            if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var secs) && secs >= 0) return TimeSpan.FromSeconds(secs);
            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
            {
                var d = when - now;
                return d > TimeSpan.Zero ? d : TimeSpan.Zero;
            }
            return null;
        }
    }
}
