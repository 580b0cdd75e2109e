using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Simulator;
using Xunit;

namespace C2WebSocket.Tests.Simulator;

/// <summary>The open-point options and stream controls through the control API and the standalone flags.</summary>
public class SimulatorControlOptionsTests
{
    private const long S = 21;

    [Fact]
    public async Task ControlApi_Options_AreReadAndChangedLive_AllOrNothing()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { EnableControlApi = true });
        using var http = new HttpClient { BaseAddress = sim.HttpUri };
        var current = JsonDocument.Parse(await http.GetStringAsync("control/options")).RootElement;
        Assert.Equal("snake", current.Str("vocabulary"));
        Assert.Equal("none", current.Str("envelope_strategy"));
        Assert.Equal("both", current.Str("resume_from"));
        Assert.Equal("echo", current.Str("error_request_id"));
        Assert.Equal("number", current.Str("version_format"));
        Assert.Equal("full", current.Str("ack_payload"));
        Assert.True(current.GetProperty("unsubscribe_ack").GetBoolean());
        Assert.Equal(1008, current.GetProperty("heartbeat_close_status").GetInt32());
        Assert.Equal("RATE_LIMITED", current.GetProperty("rejection_codes").Str("429"));
        Assert.Equal(0, current.GetProperty("replay_retention").GetInt32());
        Assert.Equal("replay", current.Str("below_retention"));

        var resp = await http.PostAsync("control/options?vocabulary=rest&envelope_strategy=stream&resume-from=number" +
            "&error_request_id=omit&version_format=string&ack_payload=absent&unsubscribe_ack=false" +
            "&heartbeat_close_status=4002&replay_limit=7&rejection_code=503=MAINTENANCE&replay_retention=1200&below_retention=gap-first", null);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var o = sim.Options;
        Assert.Equal(PayloadVocabulary.RestV4, o.Vocabulary);
        Assert.Equal(EnvelopeStrategyField.StreamName, o.EnvelopeStrategy);
        Assert.Equal(ResumeFromFormat.Number, o.AcceptResumeFrom);
        Assert.False(o.EchoRequestIdOnError);
        Assert.Equal(VersionFormat.String, o.VersionFormat);
        Assert.Equal(AckPayloadShape.Absent, o.AckPayload);
        Assert.False(o.AckUnsubscribe);
        Assert.Equal(4002, (int)o.HeartbeatTimeoutCloseStatus);
        Assert.Equal(7, o.ReplayLimit);
        Assert.Equal(1200, o.ReplayRetention);
        Assert.Equal(RetentionHoleReply.GapFirst, o.BelowRetention);
        Assert.Equal("MAINTENANCE", o.HandshakeRejectionCodes[503]);
        Assert.Equal("rest", JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.Str("vocabulary"));

        // A bad value is refused and changes nothing (not even the good ones before it).
        resp = await http.PostAsync("control/options?vocabulary=snake&ack_payload=bogus", null);
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        Assert.Contains("full|empty|absent", await resp.Content.ReadAsStringAsync());
        Assert.Equal(PayloadVocabulary.RestV4, o.Vocabulary);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("control/options?nosuch=1", null)).StatusCode);

        // The connection sees the branches chosen above.
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(S, requestId: "sub");
        var ack = await c.ReceiveAsync();
        Assert.Equal("4", ack.Str("v"));
        Assert.False(ack.TryGetProperty("payload", out _));
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"control/publish?strategy_id={S}", null)).StatusCode);
        var m = await c.ReceiveAsync();
        Assert.Equal($"strategy.signal:{S}", m.Str("channel"));
        Assert.Equal(S, m.P().GetProperty("StrategyId").GetInt64());
    }

    [Fact]
    public async Task ControlApi_StreamRestart_And_Malformed()
    {
        await using var sim = await C2Simulator.StartAsync(new SimulatorOptions { EnableControlApi = true });
        using var http = new HttpClient { BaseAddress = sim.HttpUri };
        await using var c = await RawClient.ConnectAsync(sim);
        await c.SubscribeAsync(S);
        await c.ReceiveAsync();
        sim.PublishSignals(S, 3);
        for (long s = 1; s <= 3; s++) Assert.Equal(s, (await c.ReceiveAsync()).Seq());

        var resp = await http.PostAsync($"control/streams/restart?strategy_id={S}", null);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(0, JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.GetProperty("last_seq").GetInt64());
        Assert.Equal(0, sim.LastSeq("strategy.signal", S));
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("control/streams/restart?strategy_id=0", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync($"control/streams/restart?strategy_id={S}&channel=x", null)).StatusCode);

        resp = await http.PostAsync($"control/malformed?strategy_id={S}&field=seq_id", new StringContent("\"x\"", Encoding.UTF8));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.GetProperty("sent").GetInt32());
        Assert.Equal("x", (await c.ReceiveAsync()).Str("seq_id"));
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"control/malformed?strategy_id={S}&field=timestamp&omit=true", null)).StatusCode);
        var noTimestamp = await c.ReceiveAsync();
        Assert.False(noTimestamp.TryGetProperty("timestamp", out _));
        Assert.Equal(1, noTimestamp.Seq());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync($"control/malformed?strategy_id={S}&field=seq_id", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await http.PostAsync($"control/malformed?strategy_id={S}&field=seq_id", new StringContent("{oops", Encoding.UTF8))).StatusCode);

        Assert.Equal(1, sim.PublishSignal(S)); // neither the restart endpoint nor the malformed messages consumed seq_ids
        Assert.Equal(1, (await c.ReceiveAsync()).Seq());
    }

    private static ProcessStartInfo Standalone(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "C2WebSocket.Simulator.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    private static async Task<(int ExitCode, string Out, string Err)> RunToEndAsync(params string[] args)
    {
        using var p = Process.Start(Standalone(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Standalone_HelpListsEveryOpenPointFlag_AndBadValuesExitWith2()
    {
        var help = await RunToEndAsync("--help");
        Assert.Equal(0, help.ExitCode);
        foreach (var flag in new[] { "--vocabulary snake|rest|none", "--envelope-strategy none|id|stream", "--resume-from string|number|both",
                     "--error-request-id echo|omit", "--version-format number|string", "--ack-payload full|empty|absent",
                     "--no-unsubscribe-ack", "--heartbeat-close-status", "--rejection-code" })
            Assert.Contains(flag, help.Out);

        var bad = await RunToEndAsync("--vocabulary", "camel");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("snake|rest|none", bad.Err);
    }

    [Fact]
    public async Task Standalone_FlagsSelectTheBranches()
    {
        using var p = Process.Start(Standalone("--port", "0", "--rate", "0", "--vocabulary", "rest", "--envelope-strategy", "id",
            "--resume-from", "string", "--error-request-id", "omit", "--version-format", "string", "--ack-payload", "empty",
            "--no-unsubscribe-ack", "--heartbeat-close-status", "4003", "--rejection-code", "429=SLOW_DOWN",
            "--replay-retention", "5", "--below-retention", "gap-first"))!;
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            Uri? uri = null;
            string? key = null, branches = null;
            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                while (branches is null)
                {
                    var line = await p.StandardOutput.ReadLineAsync(cts.Token)
                               ?? throw new InvalidOperationException("simulator exited: " + await stderr);
                    if (line.StartsWith("C2 simulator listening on ", StringComparison.Ordinal)) uri = new Uri(line.Substring(26).Trim());
                    else if (line.StartsWith("API key:", StringComparison.Ordinal)) key = line.Substring(8).Trim();
                    else if (line.StartsWith("Branches:", StringComparison.Ordinal)) branches = line;
                }
            }
            Assert.NotNull(uri);
            Assert.NotNull(key);
            foreach (var word in new[] { "vocabulary=rest", "envelope_strategy=id", "resume_from=string", "error_request_id=omit",
                         "version_format=string", "ack_payload=empty", "unsubscribe_ack=false", "heartbeat_close_status=4003",
                         "replay_retention=5", "below_retention=gap-first" })
                Assert.Contains(word, branches);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{uri!.Port}/") };
            var options = JsonDocument.Parse(await http.GetStringAsync("control/options")).RootElement;
            Assert.Equal("SLOW_DOWN", options.GetProperty("rejection_codes").Str("429"));

            await using var c = await RawClient.ConnectAsync(uri, key!);
            await c.SubscribeAsync(12345678, requestId: "sub");
            var ack = await c.ReceiveNonHeartbeatAsync();
            Assert.Equal("4", ack.Str("v"));
            Assert.Equal("{}", ack.P().GetRawText());
            await c.SubscribeAsync(12345678, requestId: "number", resumeFrom: 1);
            var refused = await c.ReceiveNonHeartbeatAsync();
            Assert.Equal("ResumeFrom", refused.P().Str("field"));
            Assert.False(refused.TryGetProperty("request_id", out _));
            await c.SubscribeAsync(12345678, requestId: "unsub", action: "unsubscribe");
            await c.SubscribeAsync(12345678, requestId: "resub");
            Assert.Equal("resub", (await c.ReceiveNonHeartbeatAsync()).Str("request_id")); // the unsubscribe got no reply

            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("control/publish?strategy_id=12345678", null)).StatusCode);
            var m = await c.ReceiveNonHeartbeatAsync();
            Assert.Equal(12345678, m.GetProperty("strategy_id").GetInt64());
            Assert.Equal(12345678, m.P().GetProperty("StrategyId").GetInt64());
        }
        finally
        {
            if (!p.HasExited) p.Kill();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
