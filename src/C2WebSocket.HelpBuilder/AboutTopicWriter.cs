using System;
using System.Linq;
using System.Text;

namespace C2WebSocket.HelpBuilder
{
    /// <summary>
    /// Writes an about_ topic page as the plain text Get-Help about_Name shows: TOPIC, then each '##' section's title
    /// in capitals, '###' titles indented, paragraphs and list items wrapped at 100 columns, code and table rows verbatim.
    /// </summary>
    public static class AboutTopicWriter
    {
        public static string ToText(string file, string[] lines)
        {
            var root = Markdown.Parse(lines);
            var title = root.Children.FirstOrDefault(c => c.Level == 1) ?? throw new HelpFormatException(file, 1, "The about topic has no '# about_Name' heading.");
            if (title.Child("SHORT DESCRIPTION") == null) throw new HelpFormatException(file, title.Line, "The about topic has no '## SHORT DESCRIPTION' section.");
            var sb = new StringBuilder();
            sb.Append("TOPIC\n    ").Append(title.Title).Append("\n\n");
            void Emit(Section s)
            {
                if (s.Level == 2) sb.Append(s.Title.ToUpperInvariant()).Append('\n');
                else if (s.Level >= 3) sb.Append("  ").Append(s.Title).Append('\n');
                foreach (var (kind, text) in Markdown.Blocks(s.Body))
                {
                    if (kind.StartsWith("code:", StringComparison.Ordinal))
                        foreach (var l in text.Split('\n')) sb.Append(l.Length == 0 ? "" : "        " + l).Append('\n');
                    else if (kind == "row")
                        sb.Append("    ").Append(text).Append('\n');
                    else if (kind == "li")
                        TextWrapper.Wrap(sb, text, "    ", "      ");
                    else
                        TextWrapper.Wrap(sb, text, "    ", "    ");
                    if (kind != "row" && kind != "li") sb.Append('\n');
                }
                if (Markdown.Blocks(s.Body).Count > 0 && Markdown.Blocks(s.Body).Last().Kind is var k && (k == "li" || k == "row")) sb.Append('\n');
                foreach (var c in s.Children) Emit(c);
            }
            foreach (var c in title.Children) Emit(c);
            return sb.ToString().TrimEnd('\n') + "\n";
        }
    }
}
