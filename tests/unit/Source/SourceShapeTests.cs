using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace C2WebSocket.Tests.Source
{
    /// <summary>
    /// Files of one job: no file in src/C2WebSocket over 300 lines, and each declares one top-level type, named as the file
    /// (nested types are fine; a partial type spread over files is not). Reads the sources; each failure names the file.
    /// </summary>
    public class SourceShapeTests
    {
        public const int MaxLines = 300;

        public const int MaxLineLength = 160;

        /// <summary>Decisions apart from words: a line that long in Session/ or Cmdlets/ is a sentence being built inside
        /// decision code (it belongs in a text class of Texts/) or code that wants wrapping.</summary>
        [Fact]
        public void NoLineInSessionOrCmdletsIsOverOneHundredSixtyCharacters()
        {
            var problems = Sources()
                .Where(f => (f.Name.StartsWith("Session/", StringComparison.Ordinal) || f.Name.StartsWith("Cmdlets/", StringComparison.Ordinal)))
                .SelectMany(f => f.Text.Split('\n').Select((line, i) => (f.Name, Line: i + 1, Length: line.TrimEnd('\r').Length)))
                .Where(l => l.Length > MaxLineLength)
                .Select(l => l.Name + ":" + l.Line + " (" + l.Length + " characters)")
                .ToList();
            Assert.True(problems.Count == 0, "Lines over " + MaxLineLength + " characters (move the sentence to Texts/, or wrap): " + string.Join("; ", problems));
        }

        [Fact]
        public void NoFileIsOverThreeHundredLines()
        {
            var over = Sources()
                .Select(f => (f.Name, Lines: LineCount(f.Text)))
                .Where(f => f.Lines > MaxLines)
                .Select(f => f.Name + " has " + f.Lines + " lines")
                .ToList();
            Assert.True(over.Count == 0, "Over " + MaxLines + " lines (split it by job): " + string.Join("; ", over));
        }

        [Fact]
        public void EachFileDeclaresOneTopLevelTypeNamedAsTheFile()
        {
            var problems = new List<string>();
            foreach (var file in Sources())
            {
                var types = TopLevelTypes(file.Text);
                var expected = Path.GetFileNameWithoutExtension(file.Name);
                if (types.Count != 1)
                    problems.Add(file.Name + " declares " + types.Count + " top-level types (" + string.Join(", ", types.Select(t => t.Name)) + ")");
                else if (types[0].Name != expected)
                    problems.Add(file.Name + " declares " + types[0].Name + ", not " + expected);
            }
            Assert.True(problems.Count == 0, string.Join("; ", problems));
        }

        [Fact]
        public void NoPartialTypeIsSpreadOverFiles()
        {
            var byType = Sources()
                .SelectMany(f => TopLevelTypes(f.Text).Where(t => t.Partial).Select(t => (t.Name, File: f.Name)))
                .GroupBy(t => t.Name)
                .Where(g => g.Count() > 1)
                .Select(g => g.Key + " in " + string.Join(", ", g.Select(t => t.File)))
                .ToList();
            Assert.True(byType.Count == 0, "Partial types across files: " + string.Join("; ", byType));
        }

        [Fact]
        public void TheScannerSeesTypesAsTheCompilerDoes()
        {
            const string source =
                "using System;\n" +
                "namespace A\n{\n" +
                "    /// <summary>class Fake { } in a comment</summary>\n" +
                "    public sealed class Outer\n    {\n" +
                "        private const string S = \"class NotAType { }\";\n" +
                "        private const char C = '{';\n" +
                "        private static readonly string V = @\"verbatim \"\" class Nope\";\n" +
                "        private sealed class Nested { }\n" +
                "        private enum Inner { One }\n" +
                "    }\n" +
                "    internal enum Second { X }\n" +
                "    public delegate void Handler(object sender);\n" +
                "}\n" +
                "namespace A.B\n{\n    internal partial struct Third { }\n}\n";
            var types = TopLevelTypes(source);
            Assert.Equal(new[] { "Outer", "Second", "Handler", "Third" }, types.Select(t => t.Name).ToArray());
            Assert.Equal(new[] { false, false, false, true }, types.Select(t => t.Partial).ToArray());
        }

        private static int LineCount(string text)
        {
            if (text.Length == 0) return 0;
            var lines = text.Count(c => c == '\n');
            return text.EndsWith("\n", StringComparison.Ordinal) ? lines : lines + 1;
        }

        private static IEnumerable<(string Name, string Text)> Sources() => Repo.ProductSources();

        private static readonly Regex Token = new Regex(
            @"\bnamespace\s+[\w.]+|[{};]|\b(?<kind>class|struct|interface|enum|record|delegate)\s+(?:[\w.<>,\[\]?\s]+\s+)?(?<name>[A-Za-z_]\w*)\s*(?=[<({:;]|\bwhere\b|$)|\bpartial\b",
            RegexOptions.Multiline);

        /// <summary>The types declared at namespace level (comments, strings and characters blanked first).</summary>
        internal static List<(string Name, bool Partial)> TopLevelTypes(string source)
        {
            var text = Blank(source);
            var stack = new List<char>(); // 'n': a namespace block, 'p': a namespace awaiting its '{' or ';', 'x': anything else
            var result = new List<(string, bool)>();
            var partial = false;
            foreach (Match m in Token.Matches(text))
            {
                var tok = m.Value;
                if (tok.StartsWith("namespace", StringComparison.Ordinal)) { stack.Add('p'); continue; }
                if (tok == "partial") { partial = true; continue; }
                if (tok == "{")
                {
                    if (stack.Count > 0 && stack[stack.Count - 1] == 'p') stack[stack.Count - 1] = 'n'; else stack.Add('x');
                    partial = false;
                }
                else if (tok == "}") { if (stack.Count > 0) stack.RemoveAt(stack.Count - 1); partial = false; }
                else if (tok == ";")
                {
                    if (stack.Count > 0 && stack[stack.Count - 1] == 'p') stack[stack.Count - 1] = 'n';
                    partial = false;
                }
                else
                {
                    if (stack.All(k => k == 'n')) result.Add((m.Groups["name"].Value, partial));
                    partial = false;
                }
            }
            return result;
        }

        /// <summary>The source with comments, strings and character literals replaced by spaces (lines kept).</summary>
        private static string Blank(string s)
        {
            var b = new StringBuilder(s);
            void Clear(int from, int to) { for (var k = from; k < to && k < b.Length; k++) if (b[k] != '\n') b[k] = ' '; }
            var i = 0;
            while (i < s.Length)
            {
                if (string.CompareOrdinal(s, i, "//", 0, 2) == 0) { var j = s.IndexOf('\n', i); j = j < 0 ? s.Length : j; Clear(i, j); i = j; continue; }
                if (string.CompareOrdinal(s, i, "/*", 0, 2) == 0) { var j = s.IndexOf("*/", i + 2, StringComparison.Ordinal); j = j < 0 ? s.Length : j + 2; Clear(i, j); i = j; continue; }
                var verbatim = string.CompareOrdinal(s, i, "@\"", 0, 2) == 0 || string.CompareOrdinal(s, i, "$@\"", 0, 3) == 0 || string.CompareOrdinal(s, i, "@$\"", 0, 3) == 0;
                if (verbatim)
                {
                    var j = s.IndexOf('"', i) + 1;
                    while (j < s.Length && !(s[j] == '"' && (j + 1 >= s.Length || s[j + 1] != '"'))) j += s[j] == '"' ? 2 : 1;
                    Clear(i, j + 1); i = j + 1; continue;
                }
                if (s[i] == '"' || s[i] == '\'')
                {
                    var quote = s[i];
                    var j = i + 1;
                    while (j < s.Length && s[j] != quote && s[j] != '\n') j += s[j] == '\\' ? 2 : 1;
                    Clear(i, j + 1); i = j + 1; continue;
                }
                i++;
            }
            return b.ToString();
        }
    }
}
