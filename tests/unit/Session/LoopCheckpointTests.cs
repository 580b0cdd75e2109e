using System;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>Checkpoint writes on the fake clock: throttled while reading, always on demand and at close.</summary>
    public sealed class LoopCheckpointTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("c2units-").FullName;

        public void Dispose()
        {
            try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        /// <summary>The seq_id the file holds for strategy 42's signals, or null when there is no file (or no seq).</summary>
        private static long? SeqOnDisk(string path)
        {
            if (!File.Exists(path)) return null;
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            Assert.Equal(2, doc.RootElement.GetProperty("version").GetInt32());
            return doc.RootElement.GetProperty("streams").TryGetProperty("strategy.signal:42", out var e) && e.TryGetProperty("seq", out var s) ? s.GetInt64() : (long?)null;
        }

        [Fact]
        public async Task MarkProcessed_writes_no_more_often_than_the_flush_interval_and_flush_and_close_always_write()
        {
            var path = Path.Combine(_dir, "c2.checkpoint.json");
            var h = await Harness.OpenAsync(o => { o.CheckpointPath = path; o.CheckpointFlushInterval = TimeSpan.FromSeconds(1); });
            await using (h)
            {
                var sub = await h.SubscribeAckedAsync(42);
                for (var seq = 1; seq <= 6; seq++) h.Conn.SendSignal(42, seq);
                await h.UntilAsync(() => sub.LastSeqId == 6, "six signals queued");

                Assert.Equal(1, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);   // processed at the session's start: not due
                Assert.False(File.Exists(path), "written before the flush interval");
                h.Clock.Step(TimeSpan.FromMilliseconds(999));
                Assert.Equal(2, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
                Assert.False(File.Exists(path), "written before the flush interval");

                h.Clock.Step(TimeSpan.FromMilliseconds(1));
                Assert.Equal(3, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);   // due: written
                Assert.Equal(3, SeqOnDisk(path));
                Assert.Equal(4, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);   // right after a write: not due
                Assert.Equal(3, SeqOnDisk(path));
                h.Clock.Step(TimeSpan.FromMilliseconds(500));
                Assert.Equal(5, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
                Assert.Equal(3, SeqOnDisk(path));

                h.Session.FlushCheckpoint();                                            // on demand: always
                Assert.Equal(5, SeqOnDisk(path));

                Assert.Equal(6, (await Sim.NextAsync(h.Session, Units.Wait)).SeqId);
                Assert.Equal(5, SeqOnDisk(path));
                await h.Session.CloseAsync(TimeSpan.FromSeconds(1)).WaitAsync(Units.Wait); // at close: always
                Assert.Equal(6, SeqOnDisk(path));
            }
        }

        [Fact]
        public async Task A_new_session_on_the_same_file_resumes_from_the_checkpoint()
        {
            var path = Path.Combine(_dir, "resume.json");
            await using (var first = await Harness.OpenAsync(o => o.CheckpointPath = path))
            {
                var sub = await first.SubscribeAckedAsync(42);
                for (var seq = 1; seq <= 3; seq++) first.Conn.SendSignal(42, seq);
                for (var seq = 1; seq <= 3; seq++) await Sim.NextAsync(first.Session, Units.Wait);
                await first.Session.CloseAsync(TimeSpan.FromSeconds(1)).WaitAsync(Units.Wait);
            }
            await using var second = await Harness.OpenAsync(o => o.CheckpointPath = path);
            var task = second.Session.SubscribeAsync("strategy.signal", 42, null, System.Threading.Timeout.InfiniteTimeSpan, System.Threading.CancellationToken.None);
            var request = await second.SentAsync();
            Assert.Equal("2", request.ResumeFrom.GetString());       // seq_id 3 again, as the witness of the position
            second.Conn.SendAck(request);
            await task.WaitAsync(Units.Wait);
            second.Conn.SendSignal(42, 3);                            // the same message (same time): the position holds
            second.Conn.SendSignal(42, 4);
            Assert.Equal(4, (await Sim.NextAsync(second.Session, Units.Wait)).SeqId);
            Assert.Equal(1, second.Session.DuplicatesDropped);
            Assert.Equal(0, second.CountDiagnostics(C2DiagnosticCode.SequenceAnomaly));
        }
        [Fact]
        public async Task The_resume_from_type_the_server_takes_is_remembered_in_the_checkpoint_for_the_next_session()
        {
            var path = Path.Combine(_dir, "format.json");
            await using (var first = await Harness.OpenAsync(o => o.CheckpointPath = path))
            {
                var sub = await first.SubscribeAckedAsync(42);
                first.Conn.SendSignal(42, 1);
                first.Conn.SendSignal(42, 2);
                for (var seq = 1; seq <= 2; seq++) await Sim.NextAsync(first.Session, Units.Wait);
                var conn = await first.DropAndReconnectAsync();
                await first.SentAsync(conn);
                conn.SendError("INVALID_PARAMETER", "resume_from", "must be a number");
                conn.SendAck(await first.SentAsync(conn));
                await first.UntilAsync(() => sub.State == C2SubscriptionState.Active, "resubscribed");
                await first.Session.CloseAsync(TimeSpan.FromSeconds(1)).WaitAsync(Units.Wait);
            }
            using (var doc = JsonDocument.Parse(File.ReadAllBytes(path)))
                Assert.Equal("Number", doc.RootElement.GetProperty("resumeFromFormat").GetString());

            await using var second = await Harness.OpenAsync(o => o.CheckpointPath = path);
            Assert.Equal(Protocol.ResumeFromWireType.Number, second.Session.ResumeFromFormat);
            var task = second.Session.SubscribeAsync("strategy.signal", 42, null, System.Threading.Timeout.InfiniteTimeSpan, System.Threading.CancellationToken.None);
            var request = await second.SentAsync();
            Assert.Equal(JsonValueKind.Number, request.ResumeFrom.ValueKind);
            Assert.Equal(1, request.ResumeFrom.GetInt64());
            second.Conn.SendAck(request);
            await task.WaitAsync(Units.Wait);
        }
    }
}
