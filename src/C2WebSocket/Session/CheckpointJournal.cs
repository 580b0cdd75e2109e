using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace C2WebSocket
{
    /// <summary>
    /// The append-only journal of one stream of a checkpoint (<c>p.strategy.signal-N.journal</c>), written only by the
    /// stream's owner: one line per Save-C2Checkpoint, in one write() call and without fsync, so a save survives a
    /// killed process at the cost of a small write (the operating system has the bytes); compacted into the checkpoint
    /// file (merge, fsync, atomic replace) when the session flushes and when a new owner claims the stream. A line a
    /// kill cut short is ignored when read: the saves before it stand.
    /// </summary>
    internal sealed class CheckpointJournal : IDisposable
    {
        private FileStream? _file;

        public CheckpointJournal(string path) { Path = path; }

        public string Path { get; }

        /// <summary>Appends one entry (a seq_id with its epoch and time) with a single write.</summary>
        public void Append(CheckpointEntry entry)
        {
            var sb = new StringBuilder(96);
            sb.Append("{\"seq\":").Append(entry.Seq.GetValueOrDefault().ToString(CultureInfo.InvariantCulture))
              .Append(",\"epoch\":").Append(entry.Epoch.ToString(CultureInfo.InvariantCulture));
            if (entry.At is DateTimeOffset at) sb.Append(",\"at\":\"").Append(CheckpointStore.Iso(at)).Append('"');
            if (entry.OrderId is long orderId) sb.Append(",\"orderId\":").Append(orderId.ToString(CultureInfo.InvariantCulture));
            if (entry.HistoryThrough is DateTimeOffset through) sb.Append(",\"historyThrough\":\"").Append(CheckpointStore.Iso(through)).Append('"');
            if (entry.HistoryOrderId is long historyOrderId) sb.Append(",\"historyOrderId\":").Append(historyOrderId.ToString(CultureInfo.InvariantCulture));
            sb.Append("}\n");
            var bytes = Encoding.UTF8.GetBytes(sb.ToString());
            var file = Open();
            file.Seek(0, SeekOrigin.End);
            file.Write(bytes, 0, bytes.Length);
            file.Flush(false);
        }

        /// <summary>The furthest entry the journal holds (null when empty or absent).</summary>
        public static CheckpointEntry? ReadFurthest(string path)
        {
            if (!File.Exists(path)) return null;
            byte[] bytes;
            using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete)) 
            {
                bytes = new byte[f.Length];
                var read = 0;
                while (read < bytes.Length) { var n = f.Read(bytes, read, bytes.Length - read); if (n == 0) break; read += n; }
            }
            CheckpointEntry? best = null;
            var start = 0;
            for (var i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] != (byte)'\n') continue;
                if (TryParse(new ReadOnlySpan<byte>(bytes, start, i - start), out var e)) best = best.HasValue ? CheckpointEntry.Merge(best.Value, e) : e;
                start = i + 1;
            }
            return best; // what follows the last line end is a line a kill cut short: not a save
        }

        private static bool TryParse(ReadOnlySpan<byte> line, out CheckpointEntry entry)
        {
            entry = default;
            try
            {
                var reader = new Utf8JsonReader(line);
                using (var doc = JsonDocument.ParseValue(ref reader))
                {
                    var root = doc.RootElement;
                    if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("seq", out var s) || !s.TryGetInt64(out var seq)) return false;
                    var epoch = root.TryGetProperty("epoch", out var ep) && ep.TryGetInt64(out var epv) ? epv : 0;
                    var at = Protocol.JsonProperties.Time(root, "at");
                    var orderId = Protocol.JsonProperties.Long(root, "orderId");
                    var through = Protocol.JsonProperties.Time(root, "historyThrough");
                    var historyOrderId = Protocol.JsonProperties.Long(root, "historyOrderId");
                    entry = new CheckpointEntry(seq, epoch, at, null, false, orderId, through, historyOrderId);
                    return true;
                }
            }
            catch (JsonException) { return false; }
        }

        /// <summary>Empties the journal once its entries are in the checkpoint file.</summary>
        public void Truncate()
        {
            if (_file != null) { _file.SetLength(0); _file.Flush(true); return; }
            if (File.Exists(Path)) using (var f = new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) f.SetLength(0);
        }

        /// <summary>Makes the journal's bytes durable against power loss (at compaction and close).</summary>
        public void Sync() => _file?.Flush(true);

        private FileStream Open() => _file ??= new FileStream(Path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);

        public void Dispose()
        {
            _file?.Dispose();
            _file = null;
        }
    }
}
