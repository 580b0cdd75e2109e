using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// The last processed seq_id per stream, in a small JSON file. Writes are atomic (a temporary file in the same
    /// folder, flushed to disk, then renamed over the old one, so a crash leaves the old or the new file, never half
    /// of one) and merged under an exclusive lock file (<see cref="CheckpointEntry.Merge"/>), so two sessions or two
    /// processes sharing the file never corrupt it or move it backwards. It also remembers since when a stream without
    /// a seq_id has been watched, and which JSON type of resume_from the server takes. Thread-safe: the session loop
    /// reads resume points and records watch times; the pipeline thread advances and flushes.
    /// </summary>
    internal sealed class CheckpointStore
    {
        private readonly object _gate = new object();
        private readonly Dictionary<string, CheckpointEntry> _pending = new Dictionary<string, CheckpointEntry>(StringComparer.Ordinal);
        private Dictionary<string, CheckpointEntry> _known;
        private ResumeFromWireType? _format;
        private bool _formatDirty;
        private readonly TimeProvider _time;

        /// <param name="time">The session's clock: the file's "updated" stamp and how long to wait for another writer's lock.</param>
        public CheckpointStore(string path, TimeProvider? time = null)
        {
            _time = time ?? TimeProvider.System;
            Path = System.IO.Path.GetFullPath(path);
            var dir = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
                throw new DirectoryNotFoundException(CheckpointTexts.FolderMissing(dir));
            var read = WithLock(ReadFile);
            _known = read.Streams;
            _format = read.Format;
        }

        public string Path { get; }

        public CheckpointEntry? Get(StreamKey key)
        {
            lock (_gate) return _known.TryGetValue(key.ToString(), out var v) ? v : (CheckpointEntry?)null;
        }

        public IReadOnlyDictionary<string, CheckpointEntry> Snapshot()
        {
            lock (_gate) return new Dictionary<string, CheckpointEntry>(_known, StringComparer.Ordinal);
        }

        /// <summary>The JSON type of resume_from the server was found to take (remembered for the next session).</summary>
        public ResumeFromWireType? ResumeFormat
        {
            get { lock (_gate) return _format; }
            set { lock (_gate) { if (_format != value) { _format = value; _formatDirty = true; } } }
        }

        /// <summary>Records progress in memory; <see cref="Flush"/> makes it durable.</summary>
        public void Advance(StreamKey key, long epoch, long seq, DateTimeOffset? at) =>
            Note(key.ToString(), new CheckpointEntry(seq, epoch, at, null));

        /// <summary>Records a committed position (with its order id and history fill, when known).</summary>
        public void Advance(StreamKey key, StreamPosition position) => Note(key.ToString(), position.ToEntry());

        /// <summary>Records that a stream with no seq_id is watched since <paramref name="since"/> (kept only when nothing better is known).</summary>
        public void Watch(StreamKey key, DateTimeOffset since) => Note(key.ToString(), new CheckpointEntry(null, 0, null, since));

        /// <summary>Records that a run said a stream with no seq_id yet could not be confirmed complete (later runs need
        /// not say it again). Has no effect once the stream has a seq_id.</summary>
        public void MarkReported(StreamKey key)
        {
            lock (_gate)
            {
                if (!_known.TryGetValue(key.ToString(), out var e) || e.Seq.HasValue || e.Reported) return;
            }
            Note(key.ToString(), new CheckpointEntry(null, 0, null, null, reported: true));
        }

        /// <summary>
        /// Moves what a stream's journal holds into the checkpoint file (merge under the lock, fsync, atomic replace) and
        /// empties the journal; then reads the stream's entry back from the file, so a session that just claimed the
        /// stream starts from what the previous owner saved. Called by the stream's owner only.
        /// </summary>
        public void Compact(StreamKey key, CheckpointJournal journal)
        {
            var saved = CheckpointJournal.ReadFurthest(journal.Path);
            var name = key.ToString();
            if (saved.HasValue) Note(name, saved.Value, write: true); // written below before the journal is emptied
            Flush();
            journal.Truncate();
            var onDisk = WithLock(ReadFile);
            lock (_gate)
            {
                if (onDisk.Streams.TryGetValue(name, out var d))
                    _known[name] = _known.TryGetValue(name, out var k) ? CheckpointEntry.Merge(k, d) : d;
            }
        }

        /// <summary>A save of the stream's owner: in memory and, in one small write, in the stream's journal (durable
        /// against a killed process at once; against power loss once compacted or synced).</summary>
        public void Save(StreamKey key, CheckpointEntry entry, CheckpointJournal journal)
        {
            journal.Append(entry);
            // In memory only: the journal holds it until a compaction writes it into the file (no full rewrite per save).
            lock (_gate)
            {
                var name = key.ToString();
                _known[name] = _known.TryGetValue(name, out var old) ? CheckpointEntry.Merge(old, entry) : entry;
            }
        }

        /// <summary>Takes an entry in memory and marks it for the next <see cref="Flush"/> (unless it changes nothing).</summary>
        private void Note(string key, CheckpointEntry entry, bool write = false)
        {
            lock (_gate)
            {
                var merged = _known.TryGetValue(key, out var old) ? CheckpointEntry.Merge(old, entry) : entry;
                if (!write && _known.TryGetValue(key, out old) && old.SameAs(merged)) return;
                _known[key] = merged;
                _pending[key] = _pending.TryGetValue(key, out var p) ? CheckpointEntry.Merge(p, merged) : merged;
            }
        }

        public void Flush()
        {
            Dictionary<string, CheckpointEntry> toWrite;
            bool formatDirty;
            lock (_gate)
            {
                if (_pending.Count == 0 && !_formatDirty) return;
                toWrite = new Dictionary<string, CheckpointEntry>(_pending, StringComparer.Ordinal);
                formatDirty = _formatDirty;
                _pending.Clear();
                _formatDirty = false;
            }
            try
            {
                var merged = WithLock(() =>
                {
                    var onDisk = ReadFile();
                    foreach (var kv in toWrite)
                        onDisk.Streams[kv.Key] = onDisk.Streams.TryGetValue(kv.Key, out var d) ? CheckpointEntry.Merge(d, kv.Value) : kv.Value;
                    var format = formatDirty ? ResumeFormat : onDisk.Format ?? ResumeFormat;
                    WriteAtomically(onDisk.Streams, format);
                    return onDisk.Streams;
                });
                lock (_gate)
                {
                    foreach (var kv in merged)
                        _known[kv.Key] = _known.TryGetValue(kv.Key, out var k) ? CheckpointEntry.Merge(k, kv.Value) : kv.Value;
                }
            }
            catch
            {
                lock (_gate)
                {
                    foreach (var kv in toWrite)
                        _pending[kv.Key] = _pending.TryGetValue(kv.Key, out var p) ? CheckpointEntry.Merge(p, kv.Value) : kv.Value;
                    _formatDirty |= formatDirty;
                }
                throw;
            }
        }

        private sealed class FileContent
        {
            public Dictionary<string, CheckpointEntry> Streams = new Dictionary<string, CheckpointEntry>(StringComparer.Ordinal);
            public ResumeFromWireType? Format;
        }

        private FileContent ReadFile()
        {
            var result = new FileContent();
            if (!File.Exists(Path)) return result;
            var bytes = File.ReadAllBytes(Path);
            if (bytes.Length == 0) return result;
            try
            {
                using (var doc = JsonDocument.Parse(bytes))
                {
                    var root = doc.RootElement;
                    if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("streams", out var streams) || streams.ValueKind != JsonValueKind.Object)
                        throw new InvalidDataException("missing 'streams'");
                    foreach (var p in streams.EnumerateObject())
                    {
                        if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out var v))
                            result.Streams[p.Name] = new CheckpointEntry(v, 0, null, null); // version 1
                        else if (p.Value.ValueKind == JsonValueKind.Object) result.Streams[p.Name] = ReadEntry(p.Value);
                    }
                    if (root.TryGetProperty("resumeFromFormat", out var f) && f.ValueKind == JsonValueKind.String &&
                        Enum.TryParse<ResumeFromWireType>(f.GetString(), true, out var format)) result.Format = format;
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is InvalidDataException)
            {
                throw new InvalidDataException(CheckpointTexts.NotACheckpoint(Path, ex.Message), ex);
            }
            return result;
        }

        private static CheckpointEntry ReadEntry(JsonElement e)
        {
            var reported = e.TryGetProperty("reported", out var r) && r.ValueKind == JsonValueKind.True;
            return new CheckpointEntry(
                JsonProperties.Long(e, "seq"), JsonProperties.Long(e, "epoch") ?? 0, JsonProperties.Time(e, "at"), JsonProperties.Time(e, "watchingSince"),
                reported, JsonProperties.Long(e, "orderId"), JsonProperties.Time(e, "historyThrough"), JsonProperties.Long(e, "historyOrderId"));
        }

        private void WriteAtomically(Dictionary<string, CheckpointEntry> data, ResumeFromWireType? format)
        {
            var tmp = Path + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            try
            {
                using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    using (var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true }))
                    {
                        w.WriteStartObject();
                        w.WriteNumber("version", 2);
                        w.WriteString("updated", _time.GetUtcNow().ToString("o", CultureInfo.InvariantCulture));
                        if (format.HasValue) w.WriteString("resumeFromFormat", format.Value.ToString());
                        w.WriteStartObject("streams");
                        foreach (var kv in data)
                        {
                            w.WriteStartObject(kv.Key);
                            if (kv.Value.Seq is long seq) { w.WriteNumber("seq", seq); w.WriteNumber("epoch", kv.Value.Epoch); }
                            if (kv.Value.At is DateTimeOffset at) w.WriteString("at", Iso(at));
                            if (kv.Value.Seq.HasValue && kv.Value.OrderId is long orderId) w.WriteNumber("orderId", orderId);
                            if (kv.Value.Seq.HasValue && kv.Value.HistoryThrough is DateTimeOffset through) w.WriteString("historyThrough", Iso(through));
                            if (kv.Value.Seq.HasValue && kv.Value.HistoryOrderId is long historyOrderId) w.WriteNumber("historyOrderId", historyOrderId);
                            if (kv.Value.WatchingSince is DateTimeOffset since && !kv.Value.Seq.HasValue) w.WriteString("watchingSince", Iso(since));
                            if (kv.Value.Reported && !kv.Value.Seq.HasValue) w.WriteBoolean("reported", true);
                            w.WriteEndObject();
                        }
                        w.WriteEndObject();
                        w.WriteEndObject();
                    }
                    fs.Flush(true);
                }
                if (File.Exists(Path)) File.Replace(tmp, Path, null);
                else File.Move(tmp, Path);
            }
            finally
            {
                if (File.Exists(tmp)) File.Delete(tmp);
            }
        }

        internal static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        /// <summary>
        /// An exclusive lock on a file beside the checkpoint, shared by every session and process. The lock file
        /// is left in place: deleting it on close would let two writers lock two different inodes.
        /// </summary>
        private T WithLock<T>(Func<T> body)
        {
            var lockPath = CheckpointFiles.MergeLock(Path);
            var started = _time.GetTimestamp();
            while (true)
            {
                FileStream? handle = null;
                try
                {
                    handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                }
                catch (IOException) when (_time.GetElapsedTime(started) < TimeSpan.FromSeconds(30))
                {
                    // Another writer (maybe another process) holds it; writes take milliseconds. A short pause between
                    // attempts, not a clock read: the 30 s bound above is measured on the session's clock.
                    Thread.Sleep(5);
                    continue;
                }
                using (handle) return body();
            }
        }
    }
}
