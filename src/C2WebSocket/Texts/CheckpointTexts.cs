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
    }
}
