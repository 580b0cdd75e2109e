using System;
using System.Globalization;

namespace C2WebSocket
{
    /// <summary>
    /// The words of the checkpoint: what the session and the checkpoint cmdlets say when a file cannot be read, written or
    /// claimed, and what a save did. Decisions pass the facts (session, path, strategy, seq_id, counts); the sentences are
    /// built here, beside the ErrorId table (<see cref="C2ErrorId"/>). No PowerShell type: Session/ uses them.
    /// </summary>
    internal static class CheckpointTexts
    {
        public static string WriteFailed(int sessionId, string path, string error) =>
            "Session " + sessionId + ": could not write the checkpoint file '" + path + "': " + error + " Progress is kept in memory and written at the next chance.";

        public static string InUse(long strategyId, string path, string? holder, TimeSpan waited) =>
            "Strategy " + strategyId.ToString(CultureInfo.InvariantCulture) + " of the checkpoint '" + path + "' is owned by another session" +
            (holder != null ? " (" + holder + ")" : "") +
            (waited > TimeSpan.Zero ? " after waiting " + TextFormat.Seconds(waited) + " s" : "") +
            ": two owners would both act on every signal. " +
            "Let the other run finish (bound runs with Receive-C2Signal -TimeoutSec), wait for it with -WaitForCheckpointSec, or use another -CheckpointPath.";

        public static string BeyondDelivered(long seq, object key, long? delivered) =>
            "Cannot save seq_id " + seq.ToString(CultureInfo.InvariantCulture) + " of " + key + ": " +
            (delivered.HasValue ? "this session has delivered it only up to seq_id " + delivered.Value.ToString(CultureInfo.InvariantCulture)
                                : "this session has delivered nothing of it") +
            ". Saving seq_id N says everything up to N is done; save only what Receive-C2Signal gave you. Nothing was saved.";

        public static string NotOwned(object key, string path) =>
            "Cannot save " + key + ": this session does not own it in '" + path + "' (it was unsubscribed). Nothing was saved.";

        /// <summary>Who owns a stream of the checkpoint, from its .holder file: "process 42 (started …), session 3, on host h".</summary>
        public static string Holder(string processId, string? processStart, string? sessionId, string? host) =>
            "process " + processId + (processStart != null ? " (started " + processStart + ")" : "") +
            (sessionId != null ? ", session " + sessionId : "") + (host != null ? ", on host " + host : "");

        public static string FolderMissing(string folder) => "The folder of the checkpoint file does not exist: " + folder;

        public static string NotACheckpoint(string path, string problem) =>
            "The checkpoint file '" + path + "' is not a C2WebSocket checkpoint (" + problem + "). Move it aside or choose another -CheckpointPath.";
    }
}
