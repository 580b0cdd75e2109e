using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Management.Automation.Language;
using System.Threading.Tasks;
using Xunit;

namespace C2WebSocket.Tests
{
    /// <summary>In the serial collection: dotnet pack is CPU-heavy and would starve timing-sensitive tests running beside it.</summary>
    [Collection(nameof(ModuleInitializerCollection))]
    public class PackagingTests
    {
        [Fact]
        public async Task Dotnet_pack_makes_a_module_nupkg_with_the_psd1_at_its_root()
        {
            var outDir = Path.Combine(Path.GetTempPath(), "c2-pack-" + Guid.NewGuid().ToString("N"));
            try
            {
                var psi = new ProcessStartInfo("dotnet")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    WorkingDirectory = Repo.Root,
                };
                // --no-build: the test run already built (and laid out) the module; pack only collects it.
                foreach (var a in new[] { "pack", Path.Combine(Repo.Root, "src", "C2WebSocket.Package", "C2WebSocket.Package.csproj"), "--no-build", "-o", outDir, "-nologo" })
                    psi.ArgumentList.Add(a);
                using var p = Process.Start(psi)!;
                var stdout = p.StandardOutput.ReadToEndAsync();
                var stderr = p.StandardError.ReadToEndAsync();
                using (var cts = new System.Threading.CancellationTokenSource(TimeSpan.FromMinutes(3)))
                    await p.WaitForExitAsync(cts.Token);
                Assert.True(p.ExitCode == 0, "dotnet pack failed: " + await stdout + await stderr);

                var nupkg = Directory.GetFiles(outDir, "C2WebSocket.*.nupkg").Single();
                using var zip = ZipFile.OpenRead(nupkg);
                var names = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("C2WebSocket.psd1", names);
                Assert.Contains("C2WebSocket.dll", names);
                Assert.Contains("C2WebSocket.Format.ps1xml", names);
                Assert.Contains("en-US/C2WebSocket.dll-Help.xml", names);
                Assert.Contains("en-US/about_C2WebSocket.help.txt", names);
                Assert.Contains("dependencies/System.Text.Json.dll", names);
                Assert.DoesNotContain(names, n => n.EndsWith("System.Management.Automation.dll", StringComparison.OrdinalIgnoreCase));
                Assert.DoesNotContain(names, n => n.StartsWith("lib/", StringComparison.Ordinal) || n.StartsWith("content/", StringComparison.Ordinal));

                using var nuspec = new StreamReader(zip.GetEntry("C2WebSocket.nuspec")!.Open());
                var spec = await nuspec.ReadToEndAsync();
                var version = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(Repo.Root, "C2WebSocket.psd1")), @"ModuleVersion\s*=\s*'([0-9.]+)'").Groups[1].Value;
                Assert.Contains("<id>C2WebSocket</id>", spec);
                Assert.Contains("<version>" + version + "</version>", spec);
                Assert.Contains("PSModule", spec);
                Assert.DoesNotContain("<dependency ", spec);
            }
            finally
            {
                if (Directory.Exists(outDir)) Directory.Delete(outDir, true);
            }
        }

        [Fact]
        public void Build_script_parses_and_defines_the_four_tasks()
        {
            var path = Path.Combine(Repo.Root, "build.ps1");
            var ast = Parser.ParseFile(path, out _, out var errors);
            Assert.Empty(errors);
            var taskParam = ast.ParamBlock!.Parameters.Single(p => p.Name.VariablePath.UserPath == "Task");
            var validateSet = taskParam.Attributes.OfType<AttributeAst>().Single(a => a.TypeName.Name == "ValidateSet");
            var tasks = validateSet.PositionalArguments.OfType<StringConstantExpressionAst>().Select(s => s.Value).ToArray();
            Assert.Equal(new[] { "Build", "Test", "Package", "Docs" }, tasks);
            var functions = ast.FindAll(a => a is FunctionDefinitionAst, true).Cast<FunctionDefinitionAst>().Select(f => f.Name).ToArray();
            foreach (var t in tasks)
            {
                Assert.Contains("Invoke-" + t + "Task", functions);
                var fn = ast.FindAll(a => a is FunctionDefinitionAst f && f.Name == "Invoke-" + t + "Task", true).Cast<FunctionDefinitionAst>().Single();
                // Every task delegates to dotnet (directly or through another task).
                Assert.True(fn.Body.Extent.Text.Contains("Invoke-Dotnet") || fn.Body.Extent.Text.Contains("Invoke-BuildTask"), t + " does not call dotnet");
            }
        }
    }
}
