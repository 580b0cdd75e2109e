using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Threading;

namespace C2WebSocket
{
    /// <summary>
    /// The last processed seq_id per stream, in a small JSON file. Writes are atomic (a temporary file in the
    /// same folder, flushed to disk, then renamed over the old one, so a crash leaves the old or the new file,
    /// never half of one) and merged under an exclusive lock file, taking the higher seq_id per stream, so two
    /// sessions or two processes sharing the file never corrupt it or move it backwards.
    /// </summary>
    internal sealed class CheckpointStore
    {
        private readonly object _gate = new object();
        private readonly Dictionary<string, long> _pending = new Dictionary<string, long>(StringComparer.Ordinal);
        private Dictionary<string, long> _known;

        public CheckpointStore(string path)
        {
            Path = System.IO.Path.GetFullPath(path);
            var dir = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
                throw new DirectoryNotFoundException("The folder of the checkpoint file does not exist: " + dir);
            _known = WithLock(ReadFile);
        }

        public string Path { get; }

        public long? Get(string streamKey)
        {
            lock (_gate) return _known.TryGetValue(streamKey, out var v) ? v : (long?)null;
        }

        public IReadOnlyDictionary<string, long> Snapshot()
        {
            lock (_gate) return new Dictionary<string, long>(_known);
        }

        /// <summary>Records progress in memory; <see cref="Flush"/> makes it durable.</summary>
        public void Advance(string streamKey, long seq)
        {
            lock (_gate)
            {
                if (_known.TryGetValue(streamKey, out var old) && old >= seq) return;
                _known[streamKey] = seq;
                _pending[streamKey] = seq;
            }
        }

        public void Flush()
        {
            Dictionary<string, long> toWrite;
            lock (_gate)
            {
                if (_pending.Count == 0) return;
                toWrite = new Dictionary<string, long>(_pending);
                _pending.Clear();
            }
            try
            {
                var merged = WithLock(() =>
                {
                    var onDisk = ReadFile();
                    foreach (var kv in toWrite)
                        if (!onDisk.TryGetValue(kv.Key, out var d) || d < kv.Value) onDisk[kv.Key] = kv.Value;
                    WriteAtomically(onDisk);
                    return onDisk;
                });
                lock (_gate)
                {
                    foreach (var kv in merged)
                        if (!_known.TryGetValue(kv.Key, out var k) || k < kv.Value) _known[kv.Key] = kv.Value;
                }
            }
            catch
            {
                lock (_gate)
                {
                    foreach (var kv in toWrite)
                        if (!_pending.TryGetValue(kv.Key, out var p) || p < kv.Value) _pending[kv.Key] = kv.Value;
                }
                throw;
            }
        }

        private Dictionary<string, long> ReadFile()
        {
            var result = new Dictionary<string, long>(StringComparer.Ordinal);
            if (!File.Exists(Path)) return result;
            var bytes = File.ReadAllBytes(Path);
            if (bytes.Length == 0) return result;
            try
            {
                using (var doc = JsonDocument.Parse(bytes))
                {
                    if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("streams", out var streams) && streams.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var p in streams.EnumerateObject())
                            if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out var v)) result[p.Name] = v;
                    }
                    else throw new InvalidDataException("missing 'streams'");
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is InvalidDataException)
            {
                throw new InvalidDataException("The checkpoint file '" + Path + "' is not a C2WebSocket checkpoint (" + ex.Message + "). Move it aside or choose another -CheckpointPath.", ex);
            }
            return result;
        }

        private void WriteAtomically(Dictionary<string, long> data)
        {
            var tmp = Path + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            try
            {
                using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    using (var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true }))
                    {
                        w.WriteStartObject();
                        w.WriteNumber("version", 1);
                        w.WriteString("updated", DateTimeOffset.UtcNow.ToString("o"));
                        w.WriteStartObject("streams");
                        foreach (var kv in data) w.WriteNumber(kv.Key, kv.Value);
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

        /// <summary>
        /// An exclusive lock on a file beside the checkpoint, shared by every session and process. The lock file
        /// is left in place: deleting it on close would let two writers lock two different inodes.
        /// </summary>
        private T WithLock<T>(Func<T> body)
        {
            var lockPath = Path + ".lock";
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                FileStream? handle = null;
                try
                {
                    handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    // Another writer holds it; writes take milliseconds.
                    Thread.Sleep(5);
                    continue;
                }
                using (handle) return body();
            }
        }
    }
}
