using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using C2WebSocket.Protocol;

namespace C2WebSocket
{
    /// <summary>
    /// One owner per stream of a checkpoint: a session that uses a checkpoint claims each strategy.signal stream it
    /// subscribes to by holding an exclusive lock on <c>p.strategy.signal-N.owner</c> through an open handle for as long
    /// as it has the stream. The operating system releases it when the handle closes or the process dies (kill -9
    /// included), so nothing stale is ever left to expire. On Windows the lock is the file share mode; on Linux and macOS
    /// .NET takes it with flock(), whose locks belong to the open file, so a second claim fails in the same process too.
    /// Who holds it is written beside it (<c>.holder</c>) for the error message of a refused claim.
    /// </summary>
    internal sealed class CheckpointClaim : IDisposable
    {
        private FileStream? _lock;

        private CheckpointClaim(StreamKey key, FileStream lockHandle, string holderPath, CheckpointJournal journal)
        {
            Key = key; _lock = lockHandle; HolderPath = holderPath; Journal = journal;
        }

        public StreamKey Key { get; }
        public string HolderPath { get; }
        /// <summary>The stream's journal (only the owner writes it).</summary>
        public CheckpointJournal Journal { get; }

        /// <summary>Takes the stream's lock, or returns null and says who holds it.</summary>
        public static CheckpointClaim? TryTake(string checkpointPath, StreamKey key, int sessionId, out string? holder)
        {
            holder = null;
            var lockPath = CheckpointFiles.ForStream(checkpointPath, key, ".owner");
            var holderPath = CheckpointFiles.ForStream(checkpointPath, key, ".holder");
            FileStream handle;
            try
            {
                handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (File.Exists(lockPath))
            {
                holder = ReadHolder(holderPath);
                return null;
            }
            try { WriteHolder(holderPath, sessionId); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { /* who holds it is only a courtesy */ }
            return new CheckpointClaim(key, handle, holderPath, new CheckpointJournal(CheckpointFiles.ForStream(checkpointPath, key, ".journal")));
        }

        private static void WriteHolder(string path, int sessionId)
        {
            using var p = Process.GetCurrentProcess();
            DateTimeOffset? started = null;
            try { started = p.StartTime.ToUniversalTime(); } catch (Exception) { }
            using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            using (var w = new Utf8JsonWriter(fs))
            {
                w.WriteStartObject();
                w.WriteNumber("processId", p.Id);
                if (started.HasValue) w.WriteString("processStart", CheckpointStore.Iso(started.Value));
                w.WriteNumber("sessionId", sessionId);
                w.WriteString("host", Environment.MachineName);
                w.WriteEndObject();
            }
        }

        /// <summary>"process 1234 (started ...), session 2, on host x"; null when nothing readable is there.</summary>
        private static string? ReadHolder(string path)
        {
            try
            {
                if (!File.Exists(path)) return null;
                using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
                var r = doc.RootElement;
                var processId = r.TryGetProperty("processId", out var pid) ? pid.GetRawText() : "?";
                var started = r.TryGetProperty("processStart", out var ps) && ps.ValueKind == JsonValueKind.String ? ps.GetString() : null;
                var session = r.TryGetProperty("sessionId", out var sid) && sid.ValueKind == JsonValueKind.Number ? sid.GetRawText() : null;
                var host = r.TryGetProperty("host", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
                return CheckpointTexts.Holder(processId, started, session, host);
            }
            catch (Exception ex) when (ex is IOException || ex is JsonException || ex is UnauthorizedAccessException) { return null; }
        }

        public void Dispose()
        {
            Journal.Dispose();
            _lock?.Dispose();
            _lock = null;
        }
    }
}
