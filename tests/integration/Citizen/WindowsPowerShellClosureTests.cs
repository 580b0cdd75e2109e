using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace C2WebSocket.Tests
{
    /// <summary>
    /// Windows PowerShell 5.1 cannot run here, so its loader is checked on paper (issue 24 item 10): the built module's
    /// dependency closure, read from metadata, against what .NET Framework 4.7.2 has in-box (its reference assemblies,
    /// Microsoft.NETFramework.ReferenceAssemblies.net472, whose versions are the runtime's) and what dependencies/
    /// ships (see <see cref="NetFrameworkClosure"/>). README: "Windows PowerShell 5.1: what is and is not verified".
    /// </summary>
    public class WindowsPowerShellClosureTests
    {
        /// <summary>The .NET Framework the manifest requires (DotNetFrameworkVersion) and the check assumes.</summary>
        private const string Framework = "4.7.2";

        /// <summary>Windows PowerShell 5.1's own engine, in its GAC: what PowerShellStandard.Library 5.1 compiles against.</summary>
        private static readonly IReadOnlyDictionary<string, Version> Host = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase)
        {
            ["System.Management.Automation"] = new Version(3, 0, 0, 0),
        };

        private static readonly Lazy<Dictionary<string, Version>> InBoxLazy = new(() =>
        {
            var folder = typeof(WindowsPowerShellClosureTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "NetFx472ReferenceAssemblies").Value!;
            Assert.True(Directory.Exists(folder), $"The .NET Framework {Framework} reference assemblies are not at {folder} (tests/integration restores them as a PackageDownload)");
            return NetFrameworkClosure.ReadVersions(folder, Path.Combine(folder, "Facades"));
        });

        private static Dictionary<string, Version> InBox => InBoxLazy.Value;

        private readonly ITestOutputHelper _out;

        public WindowsPowerShellClosureTests(ITestOutputHelper output) => _out = output;

        [Fact]
        public void The_in_box_list_is_NET_Framework_472_with_the_netstandard_facades()
        {
            Assert.Equal(new Version(4, 0, 0, 0), InBox["mscorlib"]);
            Assert.Equal(new Version(2, 0, 0, 0), InBox["netstandard"]);
            Assert.Equal(new Version(4, 1, 2, 0), InBox["System.Runtime"]);
            // Out-of-band packages .NET Framework does not carry: these must come from dependencies/.
            foreach (var name in new[] { "System.Text.Json", "System.Memory", "System.Buffers", "System.Numerics.Vectors" })
                Assert.False(InBox.ContainsKey(name), name);
        }

        [Fact]
        public void The_manifest_requires_the_NET_Framework_the_check_assumes()
        {
            var psd1 = File.ReadAllText(Path.Combine(Repo.Root, "C2WebSocket.psd1"));
            var m = Regex.Match(psd1, @"^\s*DotNetFrameworkVersion\s*=\s*'([^']+)'", RegexOptions.Multiline);
            Assert.True(m.Success, "C2WebSocket.psd1 has no DotNetFrameworkVersion");
            Assert.Equal(Framework, m.Groups[1].Value);
        }

        [Fact]
        public void Every_assembly_the_module_loads_on_NET_Framework_is_in_box_or_shipped_and_resolved()
        {
            var report = NetFrameworkClosure.Check(Repo.ModuleFolder, InBox, Host);
            foreach (var line in report.Links) _out.WriteLine(line);
            foreach (var file in report.ShippedUnused) _out.WriteLine("shipped, never referenced: " + file);
            Assert.True(report.Problems.Count == 0, "Windows PowerShell 5.1 would fail to load:\n" + string.Join("\n", report.Problems));
            // Not vacuous: the module's own references and System.Text.Json's closure were walked.
            Assert.Contains(report.Links, l => l.StartsWith("C2WebSocket ", StringComparison.Ordinal) && l.Contains("-> System.Text.Json ") && l.Contains("dependencies/System.Text.Json.dll"));
            Assert.Contains(report.Links, l => l.StartsWith("System.Text.Json ", StringComparison.Ordinal) && l.Contains("-> System.Runtime.CompilerServices.Unsafe "));
            Assert.Contains(report.Links, l => l.Contains("-> netstandard 2.0.0.0: in-box"));
            Assert.Contains(report.Links, l => l.Contains("-> System.Management.Automation 3.0.0.0: Windows PowerShell 5.1"));
            Assert.Empty(report.ShippedUnused);
        }

        [Fact]
        public void A_dependency_missing_from_the_folder_fails_the_check()
        {
            using var copy = new ModuleCopy();
            File.Delete(Path.Combine(copy.Folder, "dependencies", "System.Buffers.dll"));
            var report = NetFrameworkClosure.Check(copy.Folder, InBox, Host);
            Assert.Contains(report.Problems, p => p.StartsWith("System.Memory ", StringComparison.Ordinal) && p.Contains("-> System.Buffers 4.0.2.0: not in-box on .NET Framework and not in dependencies/"));
            Assert.Contains(report.Problems, p => p.StartsWith("System.Text.Json ", StringComparison.Ordinal) && p.Contains("-> System.Buffers "));
        }

        [Fact]
        public void A_shipped_dependency_older_than_referenced_fails_the_check()
        {
            using var copy = new ModuleCopy();
            // System.Text.Json 8 references System.Runtime.CompilerServices.Unsafe 6.0.0.0; ship a 4.0.4.1 in its place.
            var path = Path.Combine(copy.Folder, "dependencies", "System.Runtime.CompilerServices.Unsafe.dll");
            copy.ReplaceWithEmptyAssembly(path, new Version(4, 0, 4, 1));
            var report = NetFrameworkClosure.Check(copy.Folder, InBox, Host);
            Assert.Contains(report.Problems, p => p.StartsWith("System.Text.Json 8.0.0.0 -> System.Runtime.CompilerServices.Unsafe 6.0.0.0: dependencies/System.Runtime.CompilerServices.Unsafe.dll is 4.0.4.1, older than referenced", StringComparison.Ordinal));
            // System.Memory asks for 4.0.4.1, which the older file still satisfies.
            Assert.DoesNotContain(report.Problems, p => p.StartsWith("System.Memory ", StringComparison.Ordinal));
        }

        [Fact]
        public void A_dependency_under_another_file_name_fails_the_check()
        {
            using var copy = new ModuleCopy();
            var dir = Path.Combine(copy.Folder, "dependencies");
            File.Move(Path.Combine(dir, "System.Buffers.dll"), Path.Combine(dir, "System.Buffers.4.5.1.dll"));
            var report = NetFrameworkClosure.Check(copy.Folder, InBox, Host);
            Assert.Contains(report.Problems, p => p.Contains("dependencies/System.Buffers.4.5.1.dll holds the assembly System.Buffers"));
            Assert.Contains(report.Problems, p => p.Contains("-> System.Buffers 4.0.2.0: not in-box on .NET Framework and not in dependencies/"));
        }

        /// <summary>A throwaway copy of the built module's assemblies to break on purpose.</summary>
        private sealed class ModuleCopy : IDisposable
        {
            public string Folder { get; } = Path.Combine(Path.GetTempPath(), "c2ws-closure-" + Guid.NewGuid().ToString("N"));

            public ModuleCopy()
            {
                Directory.CreateDirectory(Path.Combine(Folder, "dependencies"));
                foreach (var f in Directory.GetFiles(Repo.ModuleFolder, "*.dll")) File.Copy(f, Path.Combine(Folder, Path.GetFileName(f)));
                foreach (var f in Directory.GetFiles(Path.Combine(Repo.ModuleFolder, "dependencies"), "*.dll"))
                    File.Copy(f, Path.Combine(Folder, "dependencies", Path.GetFileName(f)));
            }

            /// <summary>Overwrites an assembly with an empty one of the same name and public key at another version.</summary>
            public void ReplaceWithEmptyAssembly(string path, Version version)
            {
                var name = AssemblyName.GetAssemblyName(path);
                var fake = new AssemblyName(name.Name!) { Version = version };
                fake.SetPublicKey(name.GetPublicKey());
                var builder = new PersistedAssemblyBuilder(fake, typeof(object).Assembly);
                builder.DefineDynamicModule(name.Name + ".dll");
                File.Delete(path);
                builder.Save(path);
                Assert.Equal(version, AssemblyName.GetAssemblyName(path).Version);
            }

            public void Dispose()
            {
                try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
            }
        }
    }
}
