using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Rest;
using C2WebSocket.Simulator;
using C2WebSocket.Tests.Units;
using Xunit;

namespace C2WebSocket.Tests.Rest
{
    /// <summary>The REST client against the simulator's REST API: paging rules, each error and fault, retries bounded and
    /// on the TimeProvider, the headers it sends, and the key never in an exception.</summary>
    public class RestClientTests
    {
        private const long S = 12345678;

        internal static RestSettings Settings(C2Simulator sim, Action<RestSettings>? configure = null)
        {
            var s = new RestSettings
            {
                BaseUri = sim.RestUri,
                ApiKey = Sim.Secure(sim.DemoApiKey),
                UseDefaultProxy = false,
                RequestTimeout = TimeSpan.FromSeconds(10),
            };
            configure?.Invoke(s);
            return s;
        }

        private static KeyValuePair<string, string> P(string k, string v) => new KeyValuePair<string, string>(k, v);

        private static async Task<List<RestPage>> AllPagesAsync(C2RestClient client, int limit, long strategy = S)
        {
            var pager = new RestPager(client, RestEndpoints.HistoricalOrders, new[] { P("StrategyId", strategy.ToString()) }, limit, strategy);
            var pages = new List<RestPage>();
            while (!pager.Done) pages.Add(await pager.NextAsync(null, CancellationToken.None));
            return pages;
        }

        private static long? SignalId(C2RestRow row) => row.Fields["SignalId"] as long?;

        /// <summary>How the simulator names a key in its logs (a SHA-256 prefix), so a test can check which key was sent.</summary>
        internal static string KeyHash(string key) =>
            Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key))).Substring(0, 16).ToLowerInvariant();

        [Fact]
        public async Task Short_pages_are_not_the_end_and_the_encoded_cursor_goes_back_decoded()
        {
            await using var sim = await Sim.StartFastAsync(o => o.Rest.PageSize = 7);
            var published = Enumerable.Range(1, 25).Select(i => sim.PublishSignal(S, new { signal_id = 5000 + i, symbol = "ESZ6" })).ToList();
            using var client = new C2RestClient(Settings(sim));

            var pages = await AllPagesAsync(client, limit: 10);

            Assert.Equal(new[] { 7, 7, 7, 4 }, pages.Select(p => p.Rows.Count));   // every page shorter than the Limit of 10
            Assert.Equal(Enumerable.Range(1, 25).Select(i => (long?)(5000 + i)), pages.SelectMany(p => p.Rows).Select(SignalId));
            Assert.Equal("c1/7+a==", pages[0].NextCursor);                          // decoded from "c1%2F7%2Ba%3D%3D"
            var queries = sim.Rest.Requests.Select(r => r.QueryString).ToList();
            Assert.Equal(4, queries.Count);
            Assert.DoesNotContain("Cursor", queries[0]);
            Assert.Contains("Cursor=c1%2F7%2Ba%3D%3D", queries[1]);                 // encoded once, by the client
            Assert.Contains("Limit=10", queries[0]);
            Assert.Contains("AscendingOrder=true", queries[0]);
            Assert.All(sim.Rest.Requests, r => Assert.Equal(200, r.Status));
        }

        [Theory]
        [InlineData(RestEndMarker.Null)]
        [InlineData(RestEndMarker.Empty)]
        [InlineData(RestEndMarker.Missing)]
        public async Task A_null_empty_or_missing_next_cursor_ends_the_paging(RestEndMarker marker)
        {
            await using var sim = await Sim.StartFastAsync(o => { o.Rest.PageSize = 4; o.Rest.EndMarker = marker; });
            sim.PublishSignals(S, 10);
            using var client = new C2RestClient(Settings(sim));
            var pages = await AllPagesAsync(client, limit: 1000);
            Assert.Equal(new[] { 4, 4, 2 }, pages.Select(p => p.Rows.Count));
            Assert.Null(pages[^1].NextCursor);
            Assert.Equal(3, sim.Rest.RequestCount);
        }

        [Fact]
        public async Task CamelCase_answers_are_read_the_same_way()
        {
            await using var sim = await Sim.StartFastAsync(o => { o.Rest.Casing = RestCasing.Camel; o.Rest.PageSize = 2; });
            sim.PublishSignals(S, 3);
            using var client = new C2RestClient(Settings(sim));
            var pages = await AllPagesAsync(client, limit: 1000);
            var rows = pages.SelectMany(p => p.Rows).ToList();
            Assert.Equal(3, rows.Count);
            Assert.StartsWith("{\"id\":", rows[0].RawJson);
            Assert.NotNull(SignalId(rows[0]));                                      // signalId found as SignalId
            Assert.IsType<DateTimeOffset>(rows[0].Fields["PostedDate"]);
        }

        [Fact]
        public async Task History_holds_every_published_signal_even_what_the_socket_replay_no_longer_keeps()
        {
            await using var sim = await Sim.StartFastAsync(o => o.MaxHistoryPerStream = 10);
            sim.PublishSignals(S, 60);
            sim.RestartStream("strategy.signal", S);                                // a backend restart forgets the socket's history
            sim.PublishSignals(S, 5);
            Assert.True(sim.HistoryCount("strategy.signal", S) <= 10);
            using var client = new C2RestClient(Settings(sim));
            var rows = (await AllPagesAsync(client, 1000)).SelectMany(p => p.Rows).ToList();
            Assert.Equal(65, rows.Count);
            Assert.Equal(65, rows.Select(SignalId).Distinct().Count());
        }

        [Fact]
        public async Task It_sends_the_bearer_key_json_content_type_and_accepts_compressed_answers()
        {
            await using var sim = await Sim.StartFastAsync();
            sim.PublishSignals(S, 3);
            using var client = new C2RestClient(Settings(sim));
            var page = await client.GetAsync(RestEndpoints.HistoricalOrders, new[] { P("StrategyId", S.ToString()) }, S, null, CancellationToken.None);
            Assert.Equal(3, page.Rows.Count);
            var r = Assert.Single(sim.Rest.Requests);
            Assert.Equal("Bearer", r.AuthorizationScheme);
            Assert.Equal(KeyHash(sim.DemoApiKey), r.ApiKeyHash);
            Assert.Equal("application/json", r.ContentType);
            Assert.Equal("application/json", r.Accept);
            Assert.Contains("gzip", r.AcceptEncoding);
            Assert.Contains("br", r.AcceptEncoding);                                // .NET 10 decompresses Brotli
            Assert.Equal("br", r.ContentEncoding);                                  // and the answer came compressed
            Assert.Equal("gzip, deflate, br", C2RestClient.AcceptedEncodings);
        }

        [Fact]
        public async Task A_refused_key_is_not_retried_and_says_what_the_server_said_without_the_key()
        {
            await using var sim = await Sim.StartFastAsync();
            using var client = new C2RestClient(Settings(sim, s => s.ApiKey = Sim.Secure("LEAKCANARY-rest-0001")));
            var ex = await Assert.ThrowsAsync<C2RestException>(() => AllPagesAsync(client, 1000));
            Assert.Equal(C2RestFailure.AuthenticationFailed, ex.Failure);
            Assert.Equal(401, ex.StatusCode);
            Assert.Equal("Invalid API key", ex.ServerMessage);
            Assert.Contains("The server said: Invalid API key (401)", ex.Message);
            Assert.Equal(1, sim.Rest.RequestCount);                                 // never retried
            Assert.DoesNotContain("LEAKCANARY", ex.ToString());
        }

        [Fact]
        public async Task Forbidden_not_found_and_a_refused_parameter_each_say_what_and_where()
        {
            await using var sim = await Sim.StartFastAsync(o => o.ApiKeys[SimulatorOptions.DefaultDemoApiKey].ForbiddenStrategies.Add(666));
            using var client = new C2RestClient(Settings(sim));

            var forbidden = await Assert.ThrowsAsync<C2RestException>(() => AllPagesAsync(client, 1000, strategy: 666));
            Assert.Equal(C2RestFailure.Forbidden, forbidden.Failure);
            Assert.Contains("Not authorized to access strategy 666", forbidden.Message);
            Assert.Equal("StrategyId", forbidden.Errors.Single().FieldName);

            var missing = await Assert.ThrowsAsync<C2RestException>(() => client.GetAsync("Strategies/GetNothing", new[] { P("StrategyId", "1") }, 1, null, CancellationToken.None));
            Assert.Equal(C2RestFailure.NotFound, missing.Failure);
            Assert.Contains("GetNothing", missing.Message);
            Assert.Contains("-RestUri", missing.Message);

            var refused = await Assert.ThrowsAsync<C2RestException>(() =>
                client.GetAsync(RestEndpoints.HistoricalOrders, new[] { P("StrategyId", "1"), P("Limit", "5000") }, 1, null, CancellationToken.None));
            Assert.Equal(C2RestFailure.Refused, refused.Failure);
            Assert.Contains("The server refused the parameter Limit", refused.Message);
            Assert.Contains("Limit must be between 1 and 1000", refused.Message);
            Assert.Equal(3, sim.Rest.RequestCount);                                 // none of them retried
        }

        [Fact]
        public async Task A_429_waits_its_Retry_After_on_the_TimeProvider_then_succeeds()
        {
            await using var sim = await Sim.StartFastAsync();
            sim.PublishSignals(S, 2);
            sim.Rest.FailNext(1, 429, TimeSpan.FromSeconds(30));
            var clock = new TestClock();
            using var client = new C2RestClient(Settings(sim, s => s.TimeProvider = clock));
            var planned = new TaskCompletionSource<RestRetry>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Retrying += r => planned.TrySetResult(r);

            var request = client.GetAsync(RestEndpoints.HistoricalOrders, new[] { P("StrategyId", S.ToString()) }, S, null, CancellationToken.None);
            var retry = await planned.Task.WaitAsync(Sim.Wait);
            Assert.Equal(TimeSpan.FromSeconds(30), retry.Delay);
            Assert.True(retry.FromRetryAfter);
            Assert.Equal(2, retry.NextAttempt);
            Assert.False(request.IsCompleted);                                       // waiting on the fake clock, not on a real timer
            Assert.Equal(1, sim.Rest.RequestCount);
            clock.Step(TimeSpan.FromSeconds(30));
            var page = await request.WaitAsync(Sim.Wait);
            Assert.Equal(2, page.Rows.Count);
            Assert.Equal(new[] { 429, 200 }, sim.Rest.Requests.Select(r => r.Status));
            Assert.Single(page.Retries);
        }

        [Fact]
        public async Task A_503_without_Retry_After_backs_off_doubling_and_gives_up_after_the_bound()
        {
            await using var sim = await Sim.StartFastAsync();
            sim.Rest.FailNext(10, 503);
            var clock = new TestClock();
            using var client = new C2RestClient(Settings(sim, s => { s.TimeProvider = clock; s.MaxRetries = 3; }));
            var retries = new List<RestRetry>();
            var next = new SemaphoreSlim(0);
            client.Retrying += r => { lock (retries) retries.Add(r); next.Release(); };

            var request = client.GetAsync(RestEndpoints.HistoricalOrders, new[] { P("StrategyId", S.ToString()) }, S, null, CancellationToken.None);
            for (var i = 0; i < 3; i++)
            {
                Assert.True(await next.WaitAsync(Sim.Wait));
                clock.Step(retries[i].Delay);
            }
            var ex = await Assert.ThrowsAsync<C2RestException>(() => request.WaitAsync(Sim.Wait));
            Assert.Equal(new[] { 1.0, 2.0, 4.0 }, retries.Select(r => r.Delay.TotalSeconds));
            Assert.All(retries, r => Assert.False(r.FromRetryAfter));
            Assert.Equal(C2RestFailure.Unavailable, ex.Failure);
            Assert.Equal(4, ex.Attempts);
            Assert.Equal(4, sim.Rest.RequestCount);                                 // 1 + 3 retries, no more
            Assert.Contains("Service unavailable: maintenance", ex.Message);
        }

        [Fact]
        public async Task A_500_is_not_retried_and_a_Retry_After_beyond_a_minute_is_not_waited_for()
        {
            await using var sim = await Sim.StartFastAsync();
            using var client = new C2RestClient(Settings(sim, s => s.TimeProvider = new TestClock()));
            sim.Rest.FailNext(1, 500);
            var server = await Assert.ThrowsAsync<C2RestException>(() => AllPagesAsync(client, 1000));
            Assert.Equal(C2RestFailure.ServerError, server.Failure);
            Assert.Contains("Internal server error", server.Message);

            sim.Rest.FailNext(1, 429, TimeSpan.FromHours(1));
            var limited = await Assert.ThrowsAsync<C2RestException>(() => AllPagesAsync(client, 1000));
            Assert.Equal(C2RestFailure.RateLimited, limited.Failure);
            Assert.Equal(TimeSpan.FromHours(1), limited.RetryAfter);
            Assert.Contains("asked to wait 3600 s", limited.Message);
            Assert.Equal(2, sim.Rest.RequestCount);
        }

        [Fact]
        public async Task A_slow_answer_ends_in_a_timeout_error_naming_the_limit()
        {
            await using var sim = await Sim.StartFastAsync();
            sim.Rest.DelayNext(1, TimeSpan.FromSeconds(30));
            using var client = new C2RestClient(Settings(sim, s => s.RequestTimeout = TimeSpan.FromMilliseconds(300)));
            var ex = await Assert.ThrowsAsync<C2RestException>(() => AllPagesAsync(client, 1000));
            Assert.Equal(C2RestFailure.Timeout, ex.Failure);
            Assert.Contains("did not answer within 0.3 s", ex.Message);
        }

        [Fact]
        public async Task Cancelling_stops_a_retry_wait()
        {
            await using var sim = await Sim.StartFastAsync();
            sim.Rest.FailNext(1, 503, TimeSpan.FromSeconds(30));
            using var client = new C2RestClient(Settings(sim, s => s.TimeProvider = new TestClock()));
            var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Retrying += _ => waiting.TrySetResult();
            using var cts = new CancellationTokenSource();
            var request = client.GetAsync(RestEndpoints.HistoricalOrders, new[] { P("StrategyId", "1") }, 1, null, cts.Token);
            await waiting.Task.WaitAsync(Sim.Wait);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request.WaitAsync(Sim.Wait));
        }

        [Fact]
        public void The_key_is_never_sent_over_plain_http_to_a_remote_host()
        {
            var remote = new RestSettings { BaseUri = new Uri("http://192.0.2.10/"), ApiKey = Sim.Secure("k") };
            var ex = Assert.Throws<InvalidOperationException>(() => new C2RestClient(remote));
            Assert.Contains("-AllowUnencryptedAuthentication", ex.Message);
            remote.AllowUnencryptedAuthentication = true;
            using (new C2RestClient(remote)) { }
            using (new C2RestClient(new RestSettings { BaseUri = new Uri("http://127.0.0.1:1/"), ApiKey = Sim.Secure("k") })) { }
        }

        [Theory]
        [InlineData("wss://api4-general.collective2.com/ws", "https://api4-general.collective2.com/")]
        [InlineData("ws://127.0.0.1:5080/ws", "http://127.0.0.1:5080/")]
        [InlineData("wss://example.com:8443/stream/ws?x=1", "https://example.com:8443/")]
        [InlineData("ws://localhost/ws", "http://localhost/")]
        public void The_REST_address_is_the_sockets_host_and_port(string socket, string rest)
        {
            Assert.Equal(new Uri(rest), RestEndpoints.FromSocket(new Uri(socket)));
        }

        [Fact]
        public void A_given_REST_address_keeps_its_path()
        {
            Assert.Equal(new Uri("https://proxy.example.com/c2/"), RestEndpoints.Normalize(new Uri("https://proxy.example.com/c2")));
            Assert.Equal(new Uri("https://proxy.example.com/c2/Strategies/GetStrategyActiveOrders"),
                new Uri(RestEndpoints.Normalize(new Uri("https://proxy.example.com/c2?a=b")), RestEndpoints.ActiveOrders));
        }

        // ------------------------------------------------------------------ answers the simulator does not give: a stub handler

        private sealed class Canned : HttpMessageHandler
        {
            private readonly Func<HttpRequestMessage, HttpResponseMessage> _answer;
            public readonly List<string> Asked = new();
            public Canned(Func<HttpRequestMessage, HttpResponseMessage> answer) => _answer = answer;
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                lock (Asked) Asked.Add(request.RequestUri!.PathAndQuery);
                return Task.FromResult(_answer(request));
            }
        }

        private static C2RestClient Stubbed(Canned handler, string key = "LEAKCANARY-rest-0002") =>
            new C2RestClient(new RestSettings { BaseUri = new Uri("https://c2.example/"), ApiKey = Sim.Secure(key), Handler = handler });

        private static HttpResponseMessage Json(HttpStatusCode status, string json) =>
            new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

        [Fact]
        public async Task A_server_that_echoes_the_key_gets_it_masked_in_every_text()
        {
            var handler = new Canned(_ => Json(HttpStatusCode.BadRequest,
                "{\"responseStatus\":{\"errorCode\":\"400\",\"message\":\"Key LEAKCANARY-rest-0002 is malformed\",\"errors\":[{\"errorCode\":\"1102\",\"fieldName\":\"ApiKey\",\"message\":\"LEAKCANARY-rest-0002?\"}]}}"));
            using var client = Stubbed(handler);
            var ex = await Assert.ThrowsAsync<C2RestException>(() => client.GetAsync(RestEndpoints.ActiveOrders, new[] { P("StrategyId", "1") }, 1, null, CancellationToken.None));
            Assert.Equal(C2RestFailure.Refused, ex.Failure);
            Assert.Contains("Key *** is malformed", ex.Message);                   // camelCase envelope read too
            Assert.Equal("ApiKey", ex.Errors.Single().FieldName);
            var all = ex.ToString() + ex.ServerMessage + string.Join(" ", ex.Errors.Select(e => e.ToString()));
            Assert.DoesNotContain("LEAKCANARY", all);
        }

        [Fact]
        public async Task A_body_that_is_not_JSON_a_redirect_and_a_repeated_cursor_are_invalid_answers()
        {
            using (var html = Stubbed(new Canned(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<html>maintenance</html>") })))
            {
                var ex = await Assert.ThrowsAsync<C2RestException>(() => html.GetAsync(RestEndpoints.ActiveOrders, Array.Empty<KeyValuePair<string, string>>(), null, null, CancellationToken.None));
                Assert.Equal(C2RestFailure.InvalidResponse, ex.Failure);
                Assert.Contains("\"<html>maintenance</html>\"", ex.Message);
            }

            var redirect = new Canned(_ => new HttpResponseMessage(HttpStatusCode.Found) { Headers = { Location = new Uri("http://elsewhere.example/steal") } });
            using (var moved = Stubbed(redirect))
            {
                var ex = await Assert.ThrowsAsync<C2RestException>(() => moved.GetAsync(RestEndpoints.ActiveOrders, Array.Empty<KeyValuePair<string, string>>(), null, null, CancellationToken.None));
                Assert.Equal(C2RestFailure.InvalidResponse, ex.Failure);
                Assert.Contains("http://elsewhere.example/steal", ex.Message);
                Assert.Single(redirect.Asked);                                      // not followed
            }

            var loop = new Canned(_ => Json(HttpStatusCode.OK, "{\"Results\":[{\"SignalId\":1}],\"Pagination\":{\"next_cursor\":\"same\"}}"));
            using (var looping = Stubbed(loop))
            {
                var pager = new RestPager(looping, RestEndpoints.HistoricalOrders, new[] { P("StrategyId", "1") }, 1000, 1);
                Assert.Single((await pager.NextAsync(null, CancellationToken.None)).Rows);
                var ex = await Assert.ThrowsAsync<C2RestException>(() => pager.NextAsync(null, CancellationToken.None));
                Assert.Equal(C2RestFailure.InvalidResponse, ex.Failure);
                Assert.Contains("paging would never end", ex.Message);
                Assert.Equal(2, loop.Asked.Count);
            }
        }

        [Fact]
        public async Task Rows_pass_unknown_fields_through_and_a_method_without_pagination_is_one_page()
        {
            var handler = new Canned(_ => Json(HttpStatusCode.OK, "{\"Results\":[{\"SignalId\":7,\"Brand_New_Field\":{\"x\":[1,2]},\"PostedDate\":\"2026-01-02T03:04:05Z\"}],\"ResponseStatus\":{}}"));
            using var client = Stubbed(handler);
            var pager = new RestPager(client, RestEndpoints.ActiveOrders, new[] { P("StrategyId", "1") }, null, 1);
            var page = await pager.NextAsync(null, CancellationToken.None);
            Assert.True(pager.Done);
            var row = Assert.Single(page.Rows);
            Assert.Equal(new[] { "SignalId", "Brand_New_Field", "PostedDate" }, row.Fields.Names.Take(row.Fields.Count));
            Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), row.Fields["PostedDate"]);
            Assert.DoesNotContain("Limit", handler.Asked.Single());                  // a method that is not paged gets no Limit
        }
    }
}
