using System;
using System.Collections.Generic;

namespace C2WebSocket.HelpBuilder
{
    /// <summary>The little YAML platyPS writes: a page's front matter between '---' lines, and each parameter's
    /// 'Key: value' block. Flat keys only; nothing else of YAML is needed or read.</summary>
    public static class Yaml
    {
        /// <summary>The index of the first line after the front matter (0 when the page has none, or it is not closed).</summary>
        public static int FrontMatterEnd(string[] lines)
        {
            if (lines.Length > 0 && lines[0].Trim() == "---")
            {
                for (var i = 1; i < lines.Length; i++)
                    if (lines[i].Trim() == "---") return i + 1;
            }
            return 0;
        }

        /// <summary>'Key: value' lines as a case-insensitive map (a later key wins; lines without a key are skipped).</summary>
        public static Dictionary<string, string> Map(string text)
        {
            var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in text.Split('\n'))
            {
                var i = line.IndexOf(':');
                if (i <= 0) continue;
                d[line.Substring(0, i).Trim()] = line.Substring(i + 1).Trim();
            }
            return d;
        }
    }
}
