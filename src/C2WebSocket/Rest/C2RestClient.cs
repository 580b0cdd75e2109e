using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Transport;

namespace C2WebSocket.Rest
{
    /// <summary>
    /// One HttpClient for C2's REST API (one per session, docs/protocol.md §11): <c>Authorization: Bearer</c> with the session's
    /// key, <c>Content-Type: application/json</c>, compressed answers (gzip and deflate everywhere, Brotli where the runtime
    /// has it: PowerShell 7, not Windows PowerShell 5.1), the session's proxy, certificate validation always on, no
    /// redirects (the key never follows one), a per-request timeout and bounded retries of 429/502/503/504 after
    /// Retry-After or a doubling delay, both on the <see cref="TimeProvider"/>. 401 is never retried.
    /// </summary>
    internal sealed class C2RestClient : IDisposable
    {
        private static readonly bool IsNetFramework = RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);
        private readonly HttpClient _http;
        private readonly RestSettings _settings;

        public C2RestClient(RestSettings settings)
        {
            if (RestEndpoints.IsUnencryptedRemote(settings.BaseUri) && !settings.AllowUnencryptedAuthentication)
                throw new InvalidOperationException("Refusing to send the API key over an unencrypted connection to " + settings.BaseUri.Host +
                    " (http://). Use https://, or pass -AllowUnencryptedAuthentication if you accept that the key can be read on the network.");
            _settings = settings;
            _http = new HttpClient(settings.Handler ?? CreateHandler(settings), disposeHandler: true)
            {
                BaseAddress = settings.BaseUri,
                Timeout = System.Threading.Timeout.InfiniteTimeSpan, // each request has its own, on the TimeProvider
            };
            _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("C2WebSocket", typeof(C2RestClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
            SetAuthorization(_http.DefaultRequestHeaders, settings);
        }

        public Uri BaseUri => _settings.BaseUri;
        public RestSettings Settings => _settings;

        /// <summary>What the runtime decompresses: "gzip, deflate, br" on PowerShell 7, "gzip, deflate" on 5.1.</summary>
        public static string AcceptedEncodings => Decompression().ToString().ToLowerInvariant().Replace("brotli", "br");

        private static DecompressionMethods Decompression()
        {
            var methods = DecompressionMethods.GZip | DecompressionMethods.Deflate;
            // DecompressionMethods.Brotli exists on .NET Core 3.0+ (PowerShell 7) only; netstandard2.0 does not name it.
            if (Enum.TryParse<DecompressionMethods>("Brotli", out var brotli)) methods |= brotli;
            return methods;
        }

        private static HttpMessageHandler CreateHandler(RestSettings s)
        {
            var handler = new HttpClientHandler
            {
                AutomaticDecompression = Decompression(),
                AllowAutoRedirect = false,
                UseCookies = false,
            };
            // The socket's rule: -Proxy, else none with -NoProxy, else the system proxy as it is now.
            handler.UseProxy = WebSocketTransportFactory.ChooseProxy(s.Proxy, s.UseDefaultProxy, out var proxy);
            if (proxy != null) handler.Proxy = proxy;
            return handler;
        }

        /// <summary>The only place the key exists as plain text: long enough to build the header value.</summary>
        private static void SetAuthorization(HttpRequestHeaders headers, RestSettings s)
        {
            IntPtr ptr = IntPtr.Zero;
            try
            {
                ptr = Marshal.SecureStringToGlobalAllocUnicode(s.ApiKey);
                headers.Authorization = new AuthenticationHeaderValue("Bearer", Marshal.PtrToStringUni(ptr, s.ApiKey.Length));
            }
            finally
            {
                if (ptr != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }

        /// <summary>Raised (on a pool thread) before each retry's wait: the cmdlet reports it with -Verbose.</summary>
        public event Action<RestRetry>? Retrying;

        /// <summary>
        /// GET <paramref name="endpoint"/> with the query (names and values URL-encoded here), retried as the class says.
        /// Returns the page; throws <see cref="C2RestException"/>, or OperationCanceledException when <paramref name="cancel"/> fires.
        /// </summary>
        public async Task<RestPage> GetAsync(string endpoint, IEnumerable<KeyValuePair<string, string>> query, long? strategyId, TimeSpan? timeout, CancellationToken cancel)
        {
            var name = RestEndpoints.Name(endpoint);
            var target = new Uri(_settings.BaseUri, endpoint);
            var relative = endpoint + QueryString(query);
            var limit = timeout ?? _settings.RequestTimeout;
            var maxAttempts = Math.Max(0, _settings.MaxRetries) + 1;
            var retries = new List<RestRetry>();
            for (var attempt = 1; ; attempt++)
            {
                HttpStatusCode status;
                byte[] body;
                TimeSpan? retryAfter;
                using (var timer = _settings.TimeProvider.CreateCancellationTokenSource(limit))
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, timer.Token))
                using (var request = new HttpRequestMessage(HttpMethod.Get, relative))
                {
                    // C2 requires Content-Type: application/json (docs/protocol.md §11). A GET carries it on an empty body; .NET
                    // Framework refuses a body on a GET, so Windows PowerShell 5.1 sends Accept: application/json alone.
                    if (!IsNetFramework) request.Content = new ByteArrayContent(Array.Empty<byte>()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
                    try
                    {
                        using (var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false))
                        {
                            status = response.StatusCode;
                            body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                            retryAfter = RetryAfter(response, _settings.TimeProvider.GetUtcNow());
                            if ((int)status >= 300 && (int)status < 400)
                                throw Fail(C2RestFailure.InvalidResponse, name, target, attempt, (int)status, null, null,
                                    "The server redirected " + name + " (HTTP " + (int)status + ") to " + (response.Headers.Location?.ToString() ?? "another address") +
                                    ". The module does not follow redirects, so the key is only sent where you sent it: pass -RestUri with the address to use.");
                        }
                    }
                    catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancel.IsCancellationRequested)
                    {
                        throw Fail(C2RestFailure.Timeout, name, target, attempt, null, null, null, string.Format(CultureInfo.InvariantCulture,
                            "{0} at {1} did not answer within {2:0.###} s. Try again, or raise -TimeoutSec.", name, _settings.BaseUri, limit.TotalSeconds));
                    }
                    catch (HttpRequestException ex)
                    {
                        throw Connection(name, target, attempt, ex);
                    }
                }

                var code = (int)status;
                if (code >= 200 && code < 300)
                {
                    var page = RestPage.Parse(body, name, strategyId, _settings.TimeProvider.GetUtcNow(), out var okStatus);
                    if (page == null)
                        throw Fail(C2RestFailure.InvalidResponse, name, target, attempt, code, null, null,
                            name + " answered HTTP " + code + " with a body that is not JSON (" + body.Length + " bytes): " + Preview(body));
                    if (page.Rows.Count == 0 && okStatus != null && !string.IsNullOrEmpty(okStatus.ErrorCode))
                        throw Refused(name, target, attempt, code, okStatus.Masked(_settings.ApiKey));
                    page.Retries = retries;
                    return page;
                }

                var transient = code == 429 || code == 502 || code == 503 || code == 504;
                var serverStatus = RestStatus.Read(body)?.Masked(_settings.ApiKey);
                if (transient && attempt < maxAttempts)
                {
                    var delay = retryAfter ?? Backoff(attempt);
                    if (delay <= _settings.MaxRetryDelay)
                    {
                        var retry = new RestRetry(name, code, delay, retryAfter.HasValue, attempt + 1, maxAttempts);
                        retries.Add(retry);
                        Retrying?.Invoke(retry);
                        await _settings.TimeProvider.Delay(delay, cancel).ConfigureAwait(false);
                        continue;
                    }
                }
                throw Failure(name, target, attempt, code, serverStatus, retryAfter, body);
            }
        }

        private TimeSpan Backoff(int attempt)
        {
            var ticks = _settings.RetryDelay.Ticks * (1L << Math.Min(attempt - 1, 20));
            return TimeSpan.FromTicks(Math.Min(ticks, _settings.MaxRetryDelay.Ticks));
        }

        private static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
        {
            var ra = response.Headers.RetryAfter;
            if (ra == null) return null;
            if (ra.Delta.HasValue) return ra.Delta.Value < TimeSpan.Zero ? TimeSpan.Zero : ra.Delta.Value;
            if (ra.Date.HasValue)
            {
                var d = ra.Date.Value - now;
                return d > TimeSpan.Zero ? d : TimeSpan.Zero;
            }
            return null;
        }

        internal static string QueryString(IEnumerable<KeyValuePair<string, string>> query)
        {
            var sb = new StringBuilder();
            foreach (var kv in query)
            {
                sb.Append(sb.Length == 0 ? '?' : '&');
                sb.Append(Uri.EscapeDataString(kv.Key)).Append('=').Append(Uri.EscapeDataString(kv.Value));
            }
            return sb.ToString();
        }

        // ------------------------------------------------------------------ failures: what the server said, and what to do

        private C2RestException Failure(string name, Uri target, int attempts, int code, RestStatus? said, TimeSpan? retryAfter, byte[] body)
        {
            var words = TransportTexts.ServerSaid(said != null && !said.IsEmpty ? said.Describe() : null);
            var tried = attempts > 1 ? " (" + attempts.ToString(CultureInfo.InvariantCulture) + " attempts)" : "";
            switch (code)
            {
                case 401:
                    return Fail(C2RestFailure.AuthenticationFailed, name, target, attempts, code, said, null,
                        "C2's REST API at " + _settings.BaseUri + " refused the API key (HTTP 401) for " + name + "." + words + " Check the key (-ApiKey or $env:C2_API_KEY); the module does not retry a refused key.");
                case 403:
                    return Fail(C2RestFailure.Forbidden, name, target, attempts, code, said, null,
                        "C2's REST API refused " + name + " (HTTP 403): the API key may not read this." + words);
                case 404:
                    return Fail(C2RestFailure.NotFound, name, target, attempts, code, said, null,
                        "The REST method " + name + " was not found at " + target + " (HTTP 404)." + words + " Check -RestUri (or the session's -Uri it is derived from).");
                case 429:
                    return Fail(C2RestFailure.RateLimited, name, target, attempts, code, said, retryAfter,
                        "C2's REST API is rate-limiting " + name + " (HTTP 429)" + tried + "." + words + WaitHint(retryAfter));
                case 502:
                case 503:
                case 504:
                    return Fail(C2RestFailure.Unavailable, name, target, attempts, code, said, retryAfter,
                        "C2's REST API is not available for " + name + " (HTTP " + code + ", maintenance or overload)" + tried + "." + words + WaitHint(retryAfter));
            }
            if (code >= 500)
                return Fail(C2RestFailure.ServerError, name, target, attempts, code, said, retryAfter,
                    "C2's REST API failed on " + name + " (HTTP " + code + ")." + (words.Length > 0 ? words : " " + Preview(body)) + " Try again later.");
            if (said != null && !said.IsEmpty) return Refused(name, target, attempts, code, said);
            return Fail(C2RestFailure.Refused, name, target, attempts, code, said, null, name + " was refused with HTTP " + code + ": " + Preview(body));
        }

        private C2RestException Refused(string name, Uri target, int attempts, int code, RestStatus said)
        {
            var fields = said.Errors.Where(e => !string.IsNullOrEmpty(e.FieldName)).Select(e => e.FieldName).Distinct().ToList();
            var which = fields.Count == 0 ? "" : " The server refused the parameter" + (fields.Count > 1 ? "s " : " ") + string.Join(", ", fields) + ".";
            return Fail(C2RestFailure.Refused, name, target, attempts, code, said, null,
                name + " was refused (HTTP " + code + ")." + TransportTexts.ServerSaid(said.Describe()) + which);
        }

        private static string WaitHint(TimeSpan? retryAfter) => retryAfter.HasValue
            ? string.Format(CultureInfo.InvariantCulture, " The server asked to wait {0:0.###} s before trying again.", retryAfter.Value.TotalSeconds)
            : " Try again later.";

        private C2RestException Connection(string name, Uri target, int attempt, HttpRequestException ex)
        {
            for (Exception? e = ex; e != null; e = e.InnerException)
            {
                if (e is AuthenticationException)
                {
                    var tls = Fail(C2RestFailure.ConnectFailed, name, target, attempt, null, null, null,
                        "The TLS handshake with " + target.Host + " failed: " + e.Message + " The server's certificate must be valid and trusted; certificate validation is never turned off.", ex);
                    tls.IsTlsFailure = true;
                    return tls;
                }
                if (e is SocketException se)
                    return Fail(C2RestFailure.ConnectFailed, name, target, attempt, null, null, null,
                        "Could not reach C2's REST API at " + _settings.BaseUri + " for " + name + " (" + se.SocketErrorCode + "): " + se.Message, ex);
            }
            return Fail(C2RestFailure.ConnectFailed, name, target, attempt, null, null, null,
                "Could not reach C2's REST API at " + _settings.BaseUri + " for " + name + ": " + ConnectFailures.Innermost(ex).Message, ex);
        }

        private C2RestException Fail(C2RestFailure failure, string name, Uri target, int attempts, int? code, RestStatus? said, TimeSpan? retryAfter, string message, Exception? inner = null) =>
            new C2RestException(failure, name, target, KeyMask.Apply(_settings.ApiKey, message)!, code, said, retryAfter, attempts, inner);

        /// <summary>The start of a body that is not the documented JSON, for the error message.</summary>
        private static string Preview(byte[] body)
        {
            if (body.Length == 0) return "(no body)";
            var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200)).Replace('\r', ' ').Replace('\n', ' ').Trim();
            return "\"" + text + (body.Length > 200 ? "..." : "") + "\"";
        }

        public void Dispose() => _http.Dispose();
    }
}
