using System;
using System.IO;
using System.Text.Json;
using C2WebSocket.Protocol;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>The checkpoint file and the rule that merges two views of one stream.</summary>
    public sealed class CheckpointStoreTests : IDisposable
    {
        private static readonly StreamKey K1 = new StreamKey(Channels.Signal, 1);
        private static readonly StreamKey K2 = new StreamKey(Channels.Signal, 2);
        private static readonly DateTimeOffset T = new DateTimeOffset(2025, 3, 3, 12, 0, 0, 250, TimeSpan.Zero);
        private readonly string _dir = Directory.CreateTempSubdirectory("c2units-").FullName;

        public void Dispose()
        {
            try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        private string PathOf(string name) => Path.Combine(_dir, name);

        private static CheckpointEntry Seq(long seq, long epoch = 0) => new CheckpointEntry(seq, epoch, null, null);
        private static CheckpointEntry Watch(DateTimeOffset since) => new CheckpointEntry(null, 0, null, since);

        [Fact]
        public void Merge_a_seq_id_beats_a_watch_time()
        {
            Assert.Equal(5, CheckpointEntry.Merge(Seq(5), Watch(T)).Seq);
            Assert.Equal(5, CheckpointEntry.Merge(Watch(T), Seq(5)).Seq);
        }

        [Fact]
        public void Merge_a_later_epoch_beats_a_higher_seq_id_of_an_earlier_one()
        {
            Assert.Equal((3L, 2L), Pair(CheckpointEntry.Merge(Seq(900, 1), Seq(3, 2))));
            Assert.Equal((3L, 2L), Pair(CheckpointEntry.Merge(Seq(3, 2), Seq(900, 1))));
        }

        [Fact]
        public void Merge_in_one_epoch_the_higher_seq_id_wins()
        {
            Assert.Equal(9, CheckpointEntry.Merge(Seq(9), Seq(4)).Seq);
            Assert.Equal(9, CheckpointEntry.Merge(Seq(4), Seq(9)).Seq);
        }

        [Fact]
        public void Merge_of_two_watch_times_keeps_the_earlier_and_an_empty_one_loses()
        {
            Assert.Equal(T, CheckpointEntry.Merge(Watch(T.AddHours(1)), Watch(T)).WatchingSince);
            Assert.Equal(T, CheckpointEntry.Merge(Watch(T), Watch(T.AddHours(1))).WatchingSince);
            var empty = new CheckpointEntry(null, 0, null, null);
            Assert.Equal(T, CheckpointEntry.Merge(empty, Watch(T)).WatchingSince);
            Assert.Equal(T, CheckpointEntry.Merge(Watch(T), empty).WatchingSince);
        }

        [Fact]
        public void Merge_keeps_a_reported_watch_reported_and_a_seq_id_drops_it()
        {
            var reported = new CheckpointEntry(null, 0, null, T, reported: true);
            Assert.True(CheckpointEntry.Merge(reported, Watch(T.AddMinutes(-1))).Reported);
            Assert.True(CheckpointEntry.Merge(Watch(T.AddMinutes(-1)), reported).Reported);
            Assert.Equal(T.AddMinutes(-1), CheckpointEntry.Merge(Watch(T.AddMinutes(-1)), reported).WatchingSince);
            Assert.False(CheckpointEntry.Merge(reported, Seq(3)).Reported);
        }

        [Fact]
        public void Merge_at_one_seq_id_keeps_more_of_the_range_written_from_history_and_the_order_id()
        {
            var plain = new CheckpointEntry(5, 0, T, null, orderId: 105);
            var filled = new CheckpointEntry(5, 0, T, null, historyThrough: T.AddSeconds(3), historyOrderId: 130);
            var further = new CheckpointEntry(5, 0, T, null, historyThrough: T.AddSeconds(4), historyOrderId: 131);
            var m = CheckpointEntry.Merge(plain, filled);
            Assert.Equal((105L, (DateTimeOffset?)T.AddSeconds(3), 130L), (m.OrderId!.Value, m.HistoryThrough, m.HistoryOrderId!.Value));
            Assert.Equal(131, CheckpointEntry.Merge(further, filled).HistoryOrderId);
            Assert.Equal(131, CheckpointEntry.Merge(filled, further).HistoryOrderId);
            // Two orders posted at the same instant: the later write (second argument) wins.
            var tie = new CheckpointEntry(5, 0, T, null, historyThrough: T.AddSeconds(3), historyOrderId: 129);
            Assert.Equal(129, CheckpointEntry.Merge(filled, tie).HistoryOrderId);
            // A higher seq_id leaves the range behind.
            Assert.Null(CheckpointEntry.Merge(filled, Seq(6)).HistoryThrough);
        }

        [Fact]
        public void The_order_id_and_the_history_fill_are_written_and_read_back()
        {
            var path = PathOf("fill.json");
            var store = new CheckpointStore(path);
            store.Advance(K1, new StreamPosition(1, 5, T, 105, T.AddSeconds(3), 130));
            store.Flush();
            var e = new CheckpointStore(path).Get(K1)!.Value;
            Assert.Equal((5L, 1L, 105L, (DateTimeOffset?)T.AddSeconds(3), 130L), (e.Seq!.Value, e.Epoch, e.OrderId!.Value, e.HistoryThrough, e.HistoryOrderId!.Value));
        }

        [Fact]
        public void A_journal_gives_its_furthest_save_and_ignores_a_line_a_kill_cut_short()
        {
            var path = PathOf("cp.json.strategy.signal-1.journal");
            using (var journal = new CheckpointJournal(path))
            {
                journal.Append(new CheckpointEntry(3, 0, T, null));
                journal.Append(new CheckpointEntry(7, 0, T.AddSeconds(1), null, orderId: 107));
                journal.Append(new CheckpointEntry(5, 0, T, null));
            }
            File.AppendAllText(path, "{\"seq\":99,\"ep");   // the write a SIGKILL interrupted
            var furthest = CheckpointJournal.ReadFurthest(path)!.Value;
            Assert.Equal((7L, 107L), (furthest.Seq!.Value, furthest.OrderId!.Value));
            Assert.Null(CheckpointJournal.ReadFurthest(PathOf("none.journal")));
        }

        private static (long, long) Pair(CheckpointEntry e) => (e.Seq!.Value, e.Epoch);

        [Fact]
        public void A_flushed_store_is_read_back_whole_from_a_version_2_file()
        {
            var path = PathOf("cp.json");
            var store = new CheckpointStore(path);
            store.Advance(K1, epoch: 2, seq: 42, at: T);
            store.Watch(K2, T.AddMinutes(-5));
            store.ResumeFormat = ResumeFromWireType.Number;
            Assert.False(File.Exists(path), "nothing is written before Flush");
            store.Flush();

            using (var doc = JsonDocument.Parse(File.ReadAllBytes(path)))
            {
                var root = doc.RootElement;
                Assert.Equal(2, root.GetProperty("version").GetInt32());
                Assert.Equal("Number", root.GetProperty("resumeFromFormat").GetString());
                var s1 = root.GetProperty("streams").GetProperty("strategy.signal:1");
                Assert.Equal(42, s1.GetProperty("seq").GetInt64());
                Assert.Equal(2, s1.GetProperty("epoch").GetInt64());
                Assert.Equal("2025-03-03T12:00:00.250Z", s1.GetProperty("at").GetString());
                Assert.False(s1.TryGetProperty("watchingSince", out _));
                var s2 = root.GetProperty("streams").GetProperty("strategy.signal:2");
                Assert.False(s2.TryGetProperty("seq", out _));
                Assert.Equal("2025-03-03T11:55:00.250Z", s2.GetProperty("watchingSince").GetString());
            }

            var again = new CheckpointStore(path);
            var e1 = again.Get(K1)!.Value;
            Assert.Equal((42L, 2L, (DateTimeOffset?)T, (DateTimeOffset?)null), (e1.Seq!.Value, e1.Epoch, e1.At, e1.WatchingSince));
            var e2 = again.Get(K2)!.Value;
            Assert.Null(e2.Seq);
            Assert.Equal(T.AddMinutes(-5), e2.WatchingSince);
            Assert.Equal(ResumeFromWireType.Number, again.ResumeFormat);
            Assert.Null(again.Get(new StreamKey(Channels.Signal, 3)));
            Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
        }

        [Fact]
        public void A_version_1_file_is_read_and_rewritten_as_version_2()
        {
            var path = PathOf("v1.json");
            File.WriteAllText(path, "{\"version\":1,\"updated\":\"2024-01-01T00:00:00Z\",\"streams\":{\"strategy.signal:7\":123}}");
            var store = new CheckpointStore(path);
            var key = new StreamKey(Channels.Signal, 7);
            var e = store.Get(key)!.Value;
            Assert.Equal((123L, 0L), (e.Seq!.Value, e.Epoch));
            Assert.Null(store.ResumeFormat);

            store.Advance(key, 0, 124, null);
            store.Flush();
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            Assert.Equal(2, doc.RootElement.GetProperty("version").GetInt32());
            Assert.Equal(124, doc.RootElement.GetProperty("streams").GetProperty("strategy.signal:7").GetProperty("seq").GetInt64());
            Assert.False(doc.RootElement.TryGetProperty("resumeFromFormat", out _));
        }

        [Fact]
        public void Two_writers_of_one_file_never_move_it_backwards()
        {
            var path = PathOf("shared.json");
            var a = new CheckpointStore(path);
            var b = new CheckpointStore(path);
            a.Advance(K1, 0, 50, null);
            a.Flush();
            b.Advance(K1, 0, 40, null);                    // b never saw 50
            b.Flush();
            Assert.Equal(50, new CheckpointStore(path).Get(K1)!.Value.Seq);
            Assert.Equal(50, b.Get(K1)!.Value.Seq);       // b learned the file's position while writing

            b.Advance(K1, 1, 3, null);                     // a new sequence (re-based stream): a later epoch wins
            b.Flush();
            var now = new CheckpointStore(path).Get(K1)!.Value;
            Assert.Equal((3L, 1L), (now.Seq!.Value, now.Epoch));
        }

        [Fact]
        public void A_watch_time_never_replaces_a_seq_id()
        {
            var store = new CheckpointStore(PathOf("w.json"));
            store.Advance(K1, 0, 10, null);
            store.Watch(K1, T);
            Assert.Equal(10, store.Get(K1)!.Value.Seq);
            store.Advance(K1, 0, 9, null);                 // an older position is not taken either
            Assert.Equal(10, store.Get(K1)!.Value.Seq);
        }

        [Fact]
        public void A_file_that_is_not_a_checkpoint_is_refused_with_its_path()
        {
            var path = PathOf("other.json");
            File.WriteAllText(path, "{\"hello\":\"world\"}");
            var ex = Assert.Throws<InvalidDataException>(() => new CheckpointStore(path));
            Assert.Contains(path, ex.Message);
        }

        [Fact]
        public void A_missing_folder_is_refused()
        {
            Assert.Throws<DirectoryNotFoundException>(() => new CheckpointStore(Path.Combine(_dir, "no-such-folder", "cp.json")));
        }
    }
}
