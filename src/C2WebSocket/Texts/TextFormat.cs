using System;
using System.Globalization;

namespace C2WebSocket
{
    /// <summary>How the text classes write what they share: a duration in seconds ("1.5", "30", "0.125").</summary>
    internal static class TextFormat
    {
        public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
    }
}
