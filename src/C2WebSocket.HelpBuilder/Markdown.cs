using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace C2WebSocket.HelpBuilder
{
    /// <summary>
    /// A deliberately small reader for the subset of markdown platyPS writes: headings, paragraphs, lists, table rows,
    /// fenced code and yaml blocks, and [text](uri) links. Structure only: what a page must contain is checked by the
    /// readers of each kind of page.
    /// </summary>
    public static class Markdown
    {
        /// <summary>The heading tree of a page (after its front matter); the root is level 0 with no title.</summary>
        public static Section Parse(string[] lines)
        {
            var root = new Section(0, "", 0);
            var stack = new Stack<Section>();
            stack.Push(root);
            var inFence = false;
            for (var i = Yaml.FrontMatterEnd(lines); i < lines.Length; i++)
            {
                var line = lines[i].TrimEnd();
                if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
                var m = inFence ? Match.Empty : Regex.Match(line, @"^(#{1,6})\s+(.*?)\s*#*$");
                if (m.Success && !line.StartsWith("```", StringComparison.Ordinal))
                {
                    var level = m.Groups[1].Value.Length;
                    while (stack.Peek().Level >= level) stack.Pop();
                    var s = new Section(level, m.Groups[2].Value.Trim(), i + 1);
                    stack.Peek().Children.Add(s);
                    stack.Push(s);
                }
                else
                {
                    stack.Peek().Body.Add(line);
                }
            }
            return root;
        }

        /// <summary>Splits body lines into blocks: paragraphs (joined), list items, and fenced code (kept verbatim, marked with its info string).</summary>
        public static List<(string Kind, string Text)> Blocks(IEnumerable<string> body)
        {
            var blocks = new List<(string, string)>();
            var para = new List<string>();
            string? fence = null;
            var code = new List<string>();
            void FlushPara()
            {
                if (para.Count > 0) blocks.Add(("p", Inline(string.Join(" ", para.Select(p => p.Trim())))));
                para.Clear();
            }
            foreach (var raw in body)
            {
                var line = raw.TrimEnd();
                if (fence != null)
                {
                    if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
                    {
                        blocks.Add(("code:" + fence, string.Join("\n", code)));
                        code.Clear();
                        fence = null;
                    }
                    else code.Add(line);
                    continue;
                }
                if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    FlushPara();
                    fence = line.Trim().Substring(3).Trim();
                    continue;
                }
                if (line.Trim().Length == 0) { FlushPara(); continue; }
                if (Regex.IsMatch(line, @"^\s*([-*]|\d+\.)\s+") || line.TrimStart().StartsWith("|", StringComparison.Ordinal))
                {
                    FlushPara();
                    blocks.Add((line.TrimStart().StartsWith("|", StringComparison.Ordinal) ? "row" : "li", Inline(line.Trim())));
                    continue;
                }
                // A continuation line of a list item (indented) extends the item.
                if (para.Count == 0 && blocks.Count > 0 && blocks[blocks.Count - 1].Item1 == "li" && raw.StartsWith("  ", StringComparison.Ordinal))
                {
                    var last = blocks[blocks.Count - 1];
                    blocks[blocks.Count - 1] = (last.Item1, last.Item2 + " " + Inline(line.Trim()));
                    continue;
                }
                para.Add(line);
            }
            if (fence != null) blocks.Add(("code:" + fence, string.Join("\n", code)));
            FlushPara();
            return blocks;
        }

        /// <summary>Plain text from inline markdown: links become "text (uri)", emphasis markers go.</summary>
        public static string Inline(string s)
        {
            s = Regex.Replace(s, @"\[([^\]]+)\]\(([^)\s]+)\)", m => m.Groups[2].Value.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ? m.Groups[1].Value : m.Groups[1].Value + " (" + m.Groups[2].Value + ")");
            s = Regex.Replace(s, @"(\*\*|__)(.+?)\1", "$2");
            s = Regex.Replace(s, @"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", "$1");
            s = s.Replace("\\<", "<").Replace("\\>", ">").Replace("\\_", "_").Replace("\\*", "*");
            return s;
        }

        /// <summary>The text of every block of a section's body (none for a missing section).</summary>
        public static List<string> Paragraphs(Section? s)
        {
            if (s == null) return new List<string>();
            return Blocks(s.Body).Select(b => b.Text).ToList();
        }
    }
}
